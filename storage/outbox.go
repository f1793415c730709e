package storage

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Job asks for one item to be delivered to one chat.
type Job struct {
	ChatID  int64
	ItemID  string
	Attempt int  // 0 on first enqueue, +1 per Retry
	Edit    bool // update the card already sent for ItemID instead of sending one
}

// Delivery is a Job read from the stream, with the entry id to ack it by.
type Delivery struct {
	StreamID string
	Job
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

// EnsureGroup creates the delivery stream and its consumer group "senders"
// if missing. Safe to call from every replica at start.
func (s *Store) EnsureGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.k.stream(), group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("ensure group: %w", err)
	}
	return nil
}

// Enqueue appends jobs to the delivery stream, in pipelines of
// enqueueBatch, trimming it approximately to StreamMaxLen.
func (s *Store) Enqueue(ctx context.Context, jobs []Job) error {
	for i, j := range jobs {
		if j.ItemID == "" {
			// ReadJobs would drop it as malformed: refuse it here, where the
			// caller can still see the mistake.
			return fmt.Errorf("enqueue: job %d (chat %d) has no item id", i, j.ChatID)
		}
	}
	for len(jobs) > 0 {
		n := min(len(jobs), enqueueBatch)
		batch := jobs[:n]
		jobs = jobs[n:]
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, j := range batch {
				p.XAdd(ctx, s.xadd(j))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("enqueue %d jobs: %w", len(batch), err)
		}
	}
	return nil
}

func (s *Store) xadd(j Job) *redis.XAddArgs {
	return &redis.XAddArgs{
		Stream: s.k.stream(),
		MaxLen: s.opts.StreamMaxLen,
		Approx: true,
		Values: encodeJob(j),
	}
}

// ReadJobs reads up to count new jobs for consumer, waiting up to block
// (block <= 0: do not wait). It returns nil, nil when nothing arrived.
// Malformed entries are acknowledged and dropped: nothing could send them.
// A missing group (a wiped store) is recreated.
func (s *Store) ReadJobs(ctx context.Context, consumer string, count int, block time.Duration) ([]Delivery, error) {
	if block <= 0 {
		block = -1 // go-redis omits BLOCK; BLOCK 0 would wait forever
	}
	args := &redis.XReadGroupArgs{
		Group:    group,
		Consumer: consumer,
		Streams:  []string{s.k.stream(), ">"},
		Count:    int64(count),
		Block:    block,
	}
	res, err := s.rdb.XReadGroup(ctx, args).Result()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		if err := s.EnsureGroup(ctx); err != nil {
			return nil, fmt.Errorf("read jobs: %w", err)
		}
		res, err = s.rdb.XReadGroup(ctx, args).Result()
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read jobs: %w", err)
	}
	var msgs []redis.XMessage
	for _, st := range res {
		msgs = append(msgs, st.Messages...)
	}
	return s.deliveries(ctx, msgs)
}

// deliveries decodes messages, acknowledging (and deleting) the ones that
// cannot be decoded.
func (s *Store) deliveries(ctx context.Context, msgs []redis.XMessage) ([]Delivery, error) {
	var (
		out []Delivery
		bad []string
	)
	for _, m := range msgs {
		j, err := decodeJob(m.Values)
		if err != nil {
			bad = append(bad, m.ID)
			continue
		}
		out = append(out, Delivery{StreamID: m.ID, Job: j})
	}
	if len(bad) > 0 {
		if err := s.Ack(ctx, bad...); err != nil {
			return nil, fmt.Errorf("drop malformed jobs: %w", err)
		}
	}
	return out, nil
}

// ClaimStale takes over up to count jobs that another consumer read but did
// not ack within minIdle (it crashed or hangs), walking XAUTOCLAIM's cursor
// from the start of the pending list. Entries deleted while pending are
// acknowledged (Redis 7 drops them itself).
func (s *Store) ClaimStale(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]Delivery, error) {
	var out []Delivery
	start := "0-0"
	for len(out) < count {
		msgs, next, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   s.k.stream(),
			Group:    group,
			MinIdle:  minIdle,
			Start:    start,
			Count:    int64(count - len(out)),
			Consumer: consumer,
		}).Result()
		if err != nil {
			if strings.HasPrefix(err.Error(), "NOGROUP") {
				return nil, nil // no group, nothing pending
			}
			return nil, fmt.Errorf("claim stale jobs: %w", err)
		}
		ds, err := s.deliveries(ctx, msgs)
		if err != nil {
			return nil, fmt.Errorf("claim stale jobs: %w", err)
		}
		out = append(out, ds...)
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	return out, nil
}

// Retry re-enqueues a delivery with Attempt+1 and acknowledges the old entry,
// atomically (both in the stream's slot).
func (s *Store) Retry(ctx context.Context, d Delivery) error {
	j := d.Job
	j.Attempt++
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, s.xadd(j))
		p.XAck(ctx, s.k.stream(), group, d.StreamID)
		p.XDel(ctx, s.k.stream(), d.StreamID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("retry %s: %w", d.StreamID, err)
	}
	return nil
}

// Ack acknowledges and deletes stream entries, so the stream only holds
// outstanding work.
func (s *Store) Ack(ctx context.Context, streamIDs ...string) error {
	if len(streamIDs) == 0 {
		return nil
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, s.k.stream(), group, streamIDs...)
		p.XDel(ctx, s.k.stream(), streamIDs...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack %s: %w", strings.Join(streamIDs, ","), err)
	}
	return nil
}

// DeadLetter records a job that will never be sent, with the reason, and
// acknowledges it, in one MULTI (both streams share the {deliveries} tag).
func (s *Store) DeadLetter(ctx context.Context, d Delivery, reason string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{
			Stream: s.k.dead(),
			MaxLen: s.opts.DeadMaxLen,
			Approx: true,
			Values: append(encodeJob(d.Job), fError, reason, fTime, s.opts.Now().UnixMilli()),
		})
		p.XAck(ctx, s.k.stream(), group, d.StreamID)
		p.XDel(ctx, s.k.stream(), d.StreamID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("dead letter %s: %w", d.StreamID, err)
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
// not yet read. Every ack deletes its entry, so this is the stream length
// (O(1)), which stays right even when the group was never created.
func (s *Store) Pending(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.k.stream()).Result()
	if err != nil {
		return 0, fmt.Errorf("pending: %w", err)
	}
	return n, nil
}

// InFlight returns the deliveries read by some consumer but not yet
// acknowledged (the XPENDING summary count).
func (s *Store) InFlight(ctx context.Context) (int64, error) {
	p, err := s.rdb.XPending(ctx, s.k.stream(), group).Result()
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOGROUP") {
			return 0, nil
		}
		return 0, fmt.Errorf("in flight: %w", err)
	}
	return p.Count, nil
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

// Delivered records that d was sent as Telegram message messageID at now
// and acknowledges it, in one pipeline: the sent record first, so a crash
// before the ack leaves a job that WasSent says to skip.
func (s *Store) Delivered(ctx context.Context, d Delivery, messageID int, now time.Time) error {
	sent, sentMsg := s.k.sent(d.ChatID), s.k.sentMsg(d.ChatID)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, sent, redis.Z{Score: float64(now.UnixMilli()), Member: d.ItemID})
		p.HSet(ctx, sentMsg, d.ItemID, messageID)
		// A chat that gets nothing for a whole retention loses its records.
		p.PExpire(ctx, sent, s.opts.SentRetention)
		p.PExpire(ctx, sentMsg, s.opts.SentRetention)
		if d.StreamID != "" {
			p.XAck(ctx, s.k.stream(), group, d.StreamID)
			p.XDel(ctx, s.k.stream(), d.StreamID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delivered %d %s: %w", d.ChatID, d.ItemID, err)
	}
	if shouldTrim(d.ItemID) {
		if err := s.TrimSent(ctx, d.ChatID, now); err != nil {
			return fmt.Errorf("delivered %d %s: %w", d.ChatID, d.ItemID, err)
		}
	}
	return nil
}

func shouldTrim(itemID string) bool {
	h := fnv.New32a()
	h.Write([]byte(itemID))
	return h.Sum32()%trimEvery == 0
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
	v, err := s.rdb.HGet(ctx, s.k.sentMsg(chatID), itemID).Int()
	if errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("sent message %d %s: %w", chatID, itemID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sent message %d %s: %w", chatID, itemID, err)
	}
	return v, nil
}
