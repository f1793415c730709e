package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Job asks for one item to be delivered to one chat.
type Job struct {
	ChatID  int64
	ItemID  string
	Attempt int  // sends that failed (0 on first enqueue)
	Edit    bool // update the card already sent for ItemID instead of sending one
}

// Delivery is a Job read from a stream, with the entry id to ack it by, the
// lane it came from ("" for the shared streams) and its chat's shard.
type Delivery struct {
	StreamID string
	Lane     string
	Shard    int
	Job
}

// Key names a delivery uniquely across streams.
func (d Delivery) Key() string { return d.Lane + "/" + strconv.Itoa(d.Shard) + "/" + d.StreamID }

// Enqueued is when the job entered its stream, from the entry id (zero for
// a delivery that was never in one).
func (d Delivery) Enqueued() time.Time {
	ms, _, ok := strings.Cut(d.StreamID, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// Shards is the number of parts the delivery streams are split into by
// chat. A chat's jobs always land in its shard, and one replica at a time
// owns a shard (BalanceShards), so every job of a chat goes through one
// replica, in order, and a replica that dies hands its shards over within
// the lease time.
const Shards = 16

// ShardOf is the shard of a chat.
func ShardOf(chatID int64) int { return int(uint64(chatID) % Shards) }

// AllShards lists every shard.
func AllShards() []int {
	out := make([]int, Shards)
	for i := range out {
		out[i] = i
	}
	return out
}

// DeadLetter is a job given up on, with the reason.
type DeadLetter struct {
	StreamID string
	Job
	Reason string
	Time   time.Time
}

// Fields of a delivery stream entry.
const (
	fChat    = "chat"
	fItem    = "item"
	fAttempt = "attempt"
	fEdit    = "edit"
	fError   = "error"
	fTime    = "time"
)

// fan is one item's fan-out: its cards, or the edits of its cards.
type fan struct {
	item string
	edit bool
}

// enqueueBatch bounds one pipeline so a fan-out to many chats does not build
// one huge request.
const enqueueBatch = 1000

// encodeJob gives the entry's fields as a flat list: unlike a map, it keeps
// the field order fixed and costs no map per job on a 10,000-chat fan-out.
func encodeJob(j Job) []any {
	if j.Edit {
		return []any{fChat, j.ChatID, fItem, j.ItemID, fAttempt, j.Attempt, fEdit, 1}
	}
	return []any{fChat, j.ChatID, fItem, j.ItemID, fAttempt, j.Attempt}
}

// decodeJob parses a stream entry; an entry without a chat or item is
// malformed (or was deleted while pending) and reported as an error.
func decodeJob(v map[string]any) (Job, error) {
	chat, _ := v[fChat].(string)
	item, _ := v[fItem].(string)
	attempt, _ := v[fAttempt].(string)
	id, err := strconv.ParseInt(chat, 10, 64)
	if err != nil {
		return Job{}, fmt.Errorf("chat %q: %w", chat, err)
	}
	if item == "" {
		return Job{}, errors.New("no item")
	}
	n := 0
	if attempt != "" {
		if n, err = strconv.Atoi(attempt); err != nil {
			return Job{}, fmt.Errorf("attempt %q: %w", attempt, err)
		}
	}
	edit, _ := v[fEdit].(string)
	return Job{ChatID: id, ItemID: item, Attempt: n, Edit: edit == "1"}, nil
}

// EnsureGroup creates the shared delivery streams and their consumer group
// "senders" where missing. Safe to call from every replica at start.
//
// A network error is tried again, ensureGroupTries times in all: a
// replica's delivery does not start without the group, and creating it
// again is safe (BUSYGROUP), which the client, sending nothing twice by
// itself (singleOptions), cannot know.
func (s *Store) EnsureGroup(ctx context.Context) error {
	var err error
	for try := range ensureGroupTries {
		if try > 0 {
			t := time.NewTimer(time.Duration(try) * 100 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("ensure group: %w (after %w)", ctx.Err(), err)
			case <-t.C:
			}
		}
		if err = s.ensureGroup(ctx); err == nil || !isNetworkError(ctx, err) {
			return err
		}
	}
	return err
}

// ensureGroupTries bounds EnsureGroup's tries, as go-redis's default
// (MaxRetries 3) did: four, over 0.6 s.
const ensureGroupTries = 4

// isNetworkError reports whether err is none of Redis's answers nor ctx's
// end: the connection failed (an EOF, a reset, a timeout, a refused dial).
func isNetworkError(ctx context.Context, err error) bool {
	var rerr redis.Error
	return err != nil && ctx.Err() == nil && !errors.As(err, &rerr)
}

func (s *Store) ensureGroup(ctx context.Context) error {
	cmds, _ := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k := range Shards {
			p.XGroupCreateMkStream(ctx, s.k.shard(k), group, "0")
		}
		return nil
	})
	for _, c := range cmds {
		if err := c.Err(); err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("ensure group: %w", err)
		}
	}
	return nil
}

// Enqueue appends jobs to the delivery streams, in pipelines of
// enqueueBatch. An item (or an item's edit) with more than BulkFanout jobs
// in the call gets a lane of its own, so the readers can take turns
// between it and everything else instead of working through it first;
// the other jobs join the shared stream, trimmed approximately to
// StreamMaxLen. Jobs keep their order within each stream.
func (s *Store) Enqueue(ctx context.Context, jobs []Job) error {
	count := map[fan]int{}
	for i, j := range jobs {
		if j.ItemID == "" {
			// ReadJobs would drop it as malformed: refuse it here, where the
			// caller can still see the mistake.
			return fmt.Errorf("enqueue: job %d (chat %d) has no item id", i, j.ChatID)
		}
		count[fan{j.ItemID, j.Edit}]++
	}
	lanes := map[fan]string{}
	for _, j := range jobs {
		f := fan{j.ItemID, j.Edit}
		if count[f] > s.opts.BulkFanout && lanes[f] == "" {
			lane, err := s.openLane(ctx, f.item, f.edit)
			if err != nil {
				return err
			}
			lanes[f] = lane
		}
	}
	// A lane owes its chats before their jobs exist: a chat served from
	// another stream meanwhile is sent the lane's older item first.
	if err := s.owe(ctx, jobs, lanes, nil); err != nil {
		return err
	}
	// In batches, without copying the jobs: a 100,000-chat fan-out is
	// already a few megabytes.
	for len(jobs) > 0 {
		n := min(len(jobs), enqueueBatch)
		batch := jobs[:n]
		jobs = jobs[n:]
		cmds := make([]*redis.StringCmd, len(batch))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, j := range batch {
				cmds[i] = p.XAdd(ctx, s.xaddTo(lanes[fan{j.ItemID, j.Edit}], ShardOf(j.ChatID), j))
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("enqueue %d jobs: %w", len(batch), err)
		}
		// A lane closed as drained while this enqueue stalled (XADD
		// NOMKSTREAM found no stream): the rest of its jobs get a new lane.
		var again []Job
		closed := map[fan]bool{}
		for i, c := range cmds {
			if errors.Is(c.Err(), redis.Nil) {
				again = append(again, batch[i])
				closed[fan{batch[i].ItemID, batch[i].Edit}] = true
			}
		}
		if len(again) == 0 {
			continue
		}
		reopened := map[string]bool{}
		for f := range closed {
			lane, err := s.openLane(ctx, f.item, f.edit)
			if err != nil {
				return err
			}
			lanes[f] = lane
			reopened[lane] = true
		}
		jobs = append(again, jobs...)
		if err := s.owe(ctx, jobs, lanes, reopened); err != nil {
			return err
		}
	}
	return nil
}

// owe adds the chats of jobs bound for a lane to the lane's chats owed
// (only for the lanes in only, when given).
func (s *Store) owe(ctx context.Context, jobs []Job, lanes map[fan]string, only map[string]bool) error {
	if len(lanes) == 0 {
		return nil
	}
	for start := 0; start < len(jobs); start += enqueueBatch {
		batch := jobs[start:min(len(jobs), start+enqueueBatch)]
		chats := map[string][]any{}
		for _, j := range batch {
			if lane := lanes[fan{j.ItemID, j.Edit}]; lane != "" && (only == nil || only[lane]) {
				chats[lane] = append(chats[lane], j.ChatID)
			}
		}
		if len(chats) == 0 {
			continue
		}
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for lane, ids := range chats {
				p.SAdd(ctx, s.k.laneChats(lane), ids...)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("enqueue: chats owed: %w", err)
		}
	}
	return nil
}

func (s *Store) xaddTo(lane string, shard int, j Job) *redis.XAddArgs {
	a := &redis.XAddArgs{Stream: s.k.streamOf(lane, shard), Values: encodeJob(j)}
	if lane == "" {
		a.MaxLen, a.Approx = s.opts.StreamMaxLen, true
	} else {
		a.NoMkStream = true // a closed lane stays closed
	}
	return a
}

// ReadJobs reads up to count new jobs from each stream of every shard (the
// shared ones and the lanes'), in one XREADGROUP, waiting up to block
// (block <= 0: do not wait). It returns nil, nil when nothing arrived.
// Malformed entries are acknowledged and dropped: nothing could send them.
// A missing group (a wiped store) is recreated.
func (s *Store) ReadJobs(ctx context.Context, consumer string, count int, block time.Duration) ([]Delivery, error) {
	lanes, err := s.laneIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	return s.ReadShards(ctx, consumer, AllShards(), lanes, count, block)
}

// ReadShards is ReadJobs for the given shards and lanes (ids from Lanes;
// none: the shared streams alone, as a replica whose memory is full of
// lanes' jobs reads so the small fan-outs are not held up by big ones).
// The caller keeps the lane list, so a read costs one round trip; a lane
// closed since is left out of the read.
func (s *Store) ReadShards(ctx context.Context, consumer string, shards []int, lanes []string, count int, block time.Duration) ([]Delivery, error) {
	if len(shards) == 0 {
		return nil, nil
	}
	if block <= 0 {
		block = -1 // go-redis omits BLOCK; BLOCK 0 would wait forever
	}
	type origin struct {
		lane  string
		shard int
	}
	read := func(lanes []string) ([]redis.XStream, map[string]origin, error) {
		from := map[string]origin{}
		var streams []string
		for _, k := range shards {
			for _, l := range append([]string{""}, lanes...) {
				key := s.k.streamOf(l, k)
				from[key] = origin{l, k}
				streams = append(streams, key)
			}
		}
		n := len(streams)
		for range n {
			streams = append(streams, ">")
		}
		res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: group, Consumer: consumer, Streams: streams, Count: int64(count), Block: block,
		}).Result()
		return res, from, err
	}
	res, from, err := read(lanes)
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		// The shared streams are new or were wiped (recreate their group),
		// or a lane was closed between reading the registry and reading it
		// (the next read leaves it out).
		if err := s.EnsureGroup(ctx); err != nil {
			return nil, fmt.Errorf("read jobs: %w", err)
		}
		if res, from, err = read(lanes); err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
			res, from, err = read(nil)
		}
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	var out []Delivery
	for _, st := range res {
		o := from[st.Stream]
		ds, err := s.deliveries(ctx, o.lane, o.shard, st.Messages)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	// Streams come back in the order asked; jobs go on in enqueue order.
	slices.SortStableFunc(out, func(a, b Delivery) int { return a.Enqueued().Compare(b.Enqueued()) })
	return out, nil
}

// deliveries decodes messages, acknowledging (and deleting) the ones that
// cannot be decoded.
func (s *Store) deliveries(ctx context.Context, lane string, shard int, msgs []redis.XMessage) ([]Delivery, error) {
	var (
		out []Delivery
		bad []Delivery
	)
	for _, m := range msgs {
		j, err := decodeJob(m.Values)
		if err != nil {
			bad = append(bad, Delivery{StreamID: m.ID, Lane: lane, Shard: shard})
			continue
		}
		out = append(out, Delivery{StreamID: m.ID, Lane: lane, Shard: shard, Job: j})
	}
	if len(bad) > 0 {
		if err := s.Ack(ctx, bad...); err != nil {
			return nil, fmt.Errorf("drop malformed jobs: %w", err)
		}
	}
	return out, nil
}

// ClaimShard takes over every job of a shard read by another consumer and
// not acked: a replica that just took the shard over (its owner died or
// handed it over) finishes what the owner left.
func (s *Store) ClaimShard(ctx context.Context, consumer string, shard int) ([]Delivery, error) {
	return s.claim(ctx, consumer, []int{shard}, 0, math.MaxInt)
}

func (s *Store) claim(ctx context.Context, consumer string, shards []int, minIdle time.Duration, count int) ([]Delivery, error) {
	// Entries deleted while pending are acknowledged (Redis 7 drops them
	// itself).
	lanes, err := s.laneIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	c := s.newClaim(consumer, shards, lanes, minIdle, count)
	if c.first() {
		// Each command's error is checked by finish.
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			c.queue(ctx, p)
			return nil
		})
	}
	out, err := c.finish(ctx)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claimRun is one claim of the jobs pending in some streams (claim,
// TakeTurn): every stream's first XAUTOCLAIM, its share of count, goes in
// one round trip, which a turn shares with its other commands, since a
// replica reclaims its shards every few seconds and they are almost always
// empty; only streams with more pending are read on, one by one (finish).
type claimRun struct {
	s        *Store
	consumer string
	minIdle  time.Duration
	count    int
	streams  []claimStream
	cmds     []*redis.XAutoClaimCmd // the first claims, queued by queue
	out      []Delivery
}

type claimStream struct {
	lane  string
	shard int
	start string // XAUTOCLAIM's cursor
}

func (s *Store) newClaim(consumer string, shards []int, lanes []string, minIdle time.Duration, count int) *claimRun {
	c := &claimRun{s: s, consumer: consumer, minIdle: minIdle, count: count}
	for _, k := range shards {
		for _, lane := range append([]string{""}, lanes...) {
			c.streams = append(c.streams, claimStream{lane: lane, shard: k, start: "0-0"})
		}
	}
	return c
}

// first reports whether the streams' first claims go in one round trip
// (queue): there is a share of count for each.
func (c *claimRun) first() bool {
	return len(c.streams) > 0 && c.count/len(c.streams) > 0
}

// queue adds every stream's first claim to p.
func (c *claimRun) queue(ctx context.Context, p redis.Pipeliner) {
	share := c.count / len(c.streams)
	c.cmds = make([]*redis.XAutoClaimCmd, len(c.streams))
	for i, st := range c.streams {
		c.cmds[i] = c.autoClaim(ctx, p, st, share)
	}
}

func (c *claimRun) autoClaim(ctx context.Context, r redis.Cmdable, st claimStream, n int) *redis.XAutoClaimCmd {
	return r.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: c.s.k.streamOf(st.lane, st.shard), Group: group, MinIdle: c.minIdle,
		Start: st.start, Count: int64(min(n, 1000)), Consumer: c.consumer,
	})
}

// take decodes one stream's answer; it reports whether the stream has
// more to claim past the cursor it returns.
func (c *claimRun) take(ctx context.Context, st claimStream, cmd *redis.XAutoClaimCmd) (string, bool, error) {
	msgs, next, err := cmd.Result()
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") {
			return "", false, nil // no group (or a lane closed since), nothing pending
		}
		return "", false, fmt.Errorf("claim jobs: %w", err)
	}
	ds, err := c.s.deliveries(ctx, st.lane, st.shard, msgs)
	if err != nil {
		return "", false, fmt.Errorf("claim jobs: %w", err)
	}
	c.out = append(c.out, ds...)
	return next, next != "0-0" && next != "", nil
}

// finish takes the first claims' answers (when queued) and reads on the
// streams with more pending, up to count jobs in all, oldest first.
func (c *claimRun) finish(ctx context.Context) ([]Delivery, error) {
	if len(c.streams) == 0 || c.count <= 0 {
		return nil, nil
	}
	more := c.streams
	if c.cmds != nil {
		more = nil
		for i, st := range c.streams {
			next, again, err := c.take(ctx, st, c.cmds[i])
			if err != nil {
				return c.sorted(), err
			}
			if again {
				st.start = next
				more = append(more, st)
			}
		}
	}
	for _, st := range more {
		for len(c.out) < c.count {
			next, again, err := c.take(ctx, st, c.autoClaim(ctx, c.s.rdb, st, c.count-len(c.out)))
			if err != nil {
				return c.sorted(), err
			}
			if !again {
				break
			}
			st.start = next
		}
	}
	return c.sorted(), nil
}

// sorted is what was claimed so far, oldest first. It is returned with an
// error too: the jobs claimed are this consumer's now, and a caller that
// dropped them would leave them pending until the next claim.
func (c *claimRun) sorted() []Delivery {
	slices.SortStableFunc(c.out, func(a, b Delivery) int { return a.Enqueued().Compare(b.Enqueued()) })
	return c.out
}

// Ack settles deliveries: it acknowledges and deletes their stream entries,
// so the streams only hold outstanding work, and takes their chats off
// their lanes' lists of chats owed. A delivery with no entry (an item
// sent ahead of its lane) only leaves the lane's list.
func (s *Store) Ack(ctx context.Context, ds ...Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		s.queueSettle(ctx, p, ds)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack %d jobs: %w", len(ds), err)
	}
	return nil
}

// queueSettle queues the XACK and XDEL of each stream's entries and the
// SREM of the lanes' chats, a few commands per stream.
func (s *Store) queueSettle(ctx context.Context, p redis.Pipeliner, ds []Delivery) {
	st := s.settleSets(ds)
	for i, key := range st.streams {
		p.XAck(ctx, key, group, st.ids[i]...)
		p.XDel(ctx, key, st.ids[i]...)
	}
	for i, lane := range st.lanes {
		p.SRem(ctx, s.k.laneChats(lane), st.chats[i]...)
	}
}

// settleJobs is queueSettle's commands in one script call: the XACK and
// XDEL of each stream's entries, the SREM of each lane's chats. Every key
// shares the {deliveries} tag, so it runs on Redis Cluster. The sent
// records' batches span most of the shards' streams, and two commands per
// stream were a sixth of the commands per delivery (issue 14's load
// scenario). KEYS are the streams, then the lanes' sets of chats; ARGV the
// group, the number of streams, then for each key its count of entries
// (chats) and them.
var settleJobs = redis.NewScript(`
local group, streams = ARGV[1], tonumber(ARGV[2])
local i = 3
for k = 1, #KEYS do
  local n = tonumber(ARGV[i])
  if k <= streams then
    redis.call("XACK", KEYS[k], group, unpack(ARGV, i + 1, i + n))
    redis.call("XDEL", KEYS[k], unpack(ARGV, i + 1, i + n))
  else
    redis.call("SREM", KEYS[k], unpack(ARGV, i + 1, i + n))
  end
  i = i + n + 1
end
return 1
`)

// queueSettleScript queues queueSettle's work as one settleJobs call, for
// pipelines (a NOSCRIPT is retried by pipelined), not MULTI blocks.
func (s *Store) queueSettleScript(ctx context.Context, p redis.Pipeliner, ds []Delivery) {
	st := s.settleSets(ds)
	if len(st.streams)+len(st.lanes) == 0 {
		return
	}
	keys := make([]string, 0, len(st.streams)+len(st.lanes))
	args := make([]any, 0, 2+len(st.streams)+len(st.lanes)+2*len(ds))
	args = append(args, group, len(st.streams))
	for i, key := range st.streams {
		keys = append(keys, key)
		args = append(args, len(st.ids[i]))
		for _, id := range st.ids[i] {
			args = append(args, id)
		}
	}
	for i, lane := range st.lanes {
		keys = append(keys, s.k.laneChats(lane))
		args = append(args, len(st.chats[i]))
		args = append(args, st.chats[i]...)
	}
	settleJobs.EvalSha(ctx, p, keys, args...)
}

// settled is what settling deliveries touches: each stream's entries and
// each lane's chats, in the order first met.
type settled struct {
	streams []string
	ids     [][]string
	lanes   []string
	chats   [][]any
}

func (s *Store) settleSets(ds []Delivery) settled {
	var st settled
	type stream struct {
		lane  string
		shard int
	}
	var seen []stream // beside st.streams: a key is named once per stream
	for _, d := range ds {
		if d.StreamID != "" {
			i := slices.Index(seen, stream{d.Lane, d.Shard})
			if i < 0 {
				i = len(st.streams)
				seen = append(seen, stream{d.Lane, d.Shard})
				st.streams = append(st.streams, s.k.streamOf(d.Lane, d.Shard))
				st.ids = append(st.ids, nil)
			}
			st.ids[i] = append(st.ids[i], d.StreamID)
		}
		if d.Lane != "" {
			i := slices.Index(st.lanes, d.Lane)
			if i < 0 {
				i = len(st.lanes)
				st.lanes = append(st.lanes, d.Lane)
				st.chats = append(st.chats, nil)
			}
			st.chats[i] = append(st.chats[i], d.ChatID)
		}
	}
	return st
}

// DeadLetter records a job that will never be sent, with the reason, and
// settles it, in one MULTI (every stream shares the {deliveries} tag).
func (s *Store) DeadLetter(ctx context.Context, d Delivery, reason string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{
			Stream: s.k.dead(),
			MaxLen: s.opts.DeadMaxLen,
			Approx: true,
			Values: append(encodeJob(d.Job), fError, reason, fTime, s.opts.Now().UnixMilli()),
		})
		s.queueSettle(ctx, p, []Delivery{d})
		return nil
	})
	if err != nil {
		return fmt.Errorf("dead letter %s: %w", d.Key(), err)
	}
	return nil
}

// DeadLetters returns the newest n dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context, n int) ([]DeadLetter, error) {
	if n <= 0 {
		return nil, nil
	}
	msgs, err := s.rdb.XRevRangeN(ctx, s.k.dead(), "+", "-", int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	out := make([]DeadLetter, 0, len(msgs))
	for _, m := range msgs {
		j, err := decodeJob(m.Values)
		if err != nil {
			return nil, fmt.Errorf("dead letter %s: %w", m.ID, err)
		}
		reason, _ := m.Values[fError].(string)
		at, _ := m.Values[fTime].(string)
		out = append(out, DeadLetter{StreamID: m.ID, Job: j, Reason: reason, Time: parseMillis(at)})
	}
	return out, nil
}

// Pending returns the outstanding deliveries: read but not acknowledged plus
// not yet read, over every stream. Every ack deletes its entry, so this is
// the sum of the streams' lengths, which stays right even when a group was
// never created.
func (s *Store) Pending(ctx context.Context) (int64, error) {
	streams, err := s.allStreams(ctx)
	if err != nil {
		return 0, fmt.Errorf("pending: %w", err)
	}
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, key := range streams {
			p.XLen(ctx, key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pending: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.(*redis.IntCmd).Val()
	}
	return n, nil
}

// allStreams lists the key of every delivery stream, lanes' included.
func (s *Store) allStreams(ctx context.Context) ([]string, error) {
	lanes, err := s.laneIDs(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for k := range Shards {
		for _, lane := range append([]string{""}, lanes...) {
			out = append(out, s.k.streamOf(lane, k))
		}
	}
	return out, nil
}

// InFlight returns the deliveries read by some consumer but not yet
// acknowledged (the XPENDING summary counts of every stream).
func (s *Store) InFlight(ctx context.Context) (int64, error) {
	streams, err := s.allStreams(ctx)
	if err != nil {
		return 0, fmt.Errorf("in flight: %w", err)
	}
	cmds, _ := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, key := range streams {
			p.XPending(ctx, key, group)
		}
		return nil
	})
	var n int64
	for _, c := range cmds {
		pc := c.(*redis.XPendingCmd)
		if err := pc.Err(); err != nil {
			if strings.HasPrefix(err.Error(), "NOGROUP") {
				continue
			}
			return 0, fmt.Errorf("in flight: %w", err)
		}
		n += pc.Val().Count
	}
	return n, nil
}

// WasSent reports whether itemID was delivered to chatID (within
// SentRetention). A worker checks it before sending a claimed job.
func (s *Store) WasSent(ctx context.Context, chatID int64, itemID string) (bool, error) {
	err := s.rdb.ZScore(ctx, s.k.sent(chatID), itemID).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("was sent %d %s: %w", chatID, itemID, err)
	}
	return true, nil
}

// trimEvery makes one Delivered call in trimEvery trim the chat's sent
// records; which call is decided by the item id, so it is deterministic and
// spread evenly across chats.
const trimEvery = 32

// trimSent removes sent records older than the cutoff from both the sent
// set and the message-id hash (they share the chat's hash tag).
//
// KEYS: sent, sentmsg. ARGV: cutoff ms.
var trimSent = redis.NewScript(`
local old = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", "(" .. ARGV[1], "LIMIT", 0, 1000)
if #old > 0 then
  redis.call("ZREM", KEYS[1], unpack(old))
  redis.call("HDEL", KEYS[2], unpack(old))
end
return #old
`)

// recordSent writes one sent record: the item in the chat's sent set at
// its time and its message in the message-id hash, both kept SentRetention
// past the chat's last send, and, when a cutoff is given, drops the
// records older than it as trimSent does. One script instead of four or
// five commands per delivery: the recorder's write was a fifth of a
// delivery's Redis commands and their replies (issue 14).
//
// KEYS: sent, sentmsg. ARGV: time ms, item id, message value, retention
// ms, cutoff ms ("" for no trim).
var recordSent = redis.NewScript(`
redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
redis.call("HSET", KEYS[2], ARGV[2], ARGV[3])
redis.call("PEXPIRE", KEYS[1], ARGV[4])
redis.call("PEXPIRE", KEYS[2], ARGV[4])
if ARGV[5] ~= "" then
  local old = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", "(" .. ARGV[5], "LIMIT", 0, 1000)
  if #old > 0 then
    redis.call("ZREM", KEYS[1], unpack(old))
    redis.call("HDEL", KEYS[2], unpack(old))
  end
end
return 1
`)

// Delivered records that d was sent as Telegram message messageID at now
// and acknowledges it: DeliveredMany for one send.
func (s *Store) Delivered(ctx context.Context, d Delivery, messageID int, now time.Time) error {
	return s.DeliveredMany(ctx, []Sent{{Delivery: d, MessageID: messageID, At: now}})
}

func shouldTrim(itemID string) bool {
	// FNV-1a, 32 bits, as hash/fnv computes it, without allocating its
	// hasher for every send.
	const offset32, prime32 = 2166136261, 16777619
	h := uint32(offset32)
	for i := 0; i < len(itemID); i++ {
		h ^= uint32(itemID[i])
		h *= prime32
	}
	return h%trimEvery == 0
}

// TrimSent drops a chat's sent records older than now-SentRetention (up to
// 1000 per call). Delivered calls it now and then.
func (s *Store) TrimSent(ctx context.Context, chatID int64, now time.Time) error {
	cutoff := now.Add(-s.opts.SentRetention).UnixMilli()
	if err := trimSent.Run(ctx, s.rdb, []string{s.k.sent(chatID), s.k.sentMsg(chatID)}, cutoff).Err(); err != nil {
		return fmt.Errorf("trim sent %d: %w", chatID, err)
	}
	return nil
}

// SentMessage returns the Telegram message id an item was sent as in a
// chat, or ErrNotFound.
func (s *Store) SentMessage(ctx context.Context, chatID int64, itemID string) (int, error) {
	id, _, err := s.SentMessageKind(ctx, chatID, itemID)
	return id, err
}

// SentKind is what kind of message an item was sent as, which decides how
// it is edited.
type SentKind uint8

const (
	SentUnknown SentKind = iota // recorded before the kind was kept
	SentText                    // a text message
	SentPhoto                   // a photo whose caption is the card
)

// sentValue is a sentmsg:{chat} value: the message id and its kind. Older
// records hold the bare id.
func sentValue(msgID int, photo bool) string {
	kind := ":text"
	if photo {
		kind = ":photo"
	}
	// One allocation (the string), not two (the number, then the sum).
	var b [32]byte
	return string(append(strconv.AppendInt(b[:0], int64(msgID), 10), kind...))
}

// SentMessageKind returns the Telegram message id an item was sent as in a
// chat and the kind of that message, or ErrNotFound.
func (s *Store) SentMessageKind(ctx context.Context, chatID int64, itemID string) (int, SentKind, error) {
	v, err := s.rdb.HGet(ctx, s.k.sentMsg(chatID), itemID).Result()
	if errors.Is(err, redis.Nil) {
		return 0, 0, fmt.Errorf("sent message %d %s: %w", chatID, itemID, ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("sent message %d %s: %w", chatID, itemID, err)
	}
	idPart, kindPart, _ := strings.Cut(v, ":")
	id, err := strconv.Atoi(idPart)
	if err != nil {
		return 0, 0, fmt.Errorf("sent message %d %s: bad record %q: %w", chatID, itemID, v, err)
	}
	kind := SentUnknown
	switch kindPart {
	case "text":
		kind = SentText
	case "photo":
		kind = SentPhoto
	}
	return id, kind, nil
}
