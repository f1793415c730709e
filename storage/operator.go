package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// What the operators' commands read and repair: the delivery queue's depth
// and age, the big fan-outs still running, the dead letters (and their
// retry), the sources' states, and a few counters by day.

// QueueStats describes the outstanding delivery jobs.
type QueueStats struct {
	Jobs   int64     // jobs in every stream, read or not (acked ones are deleted)
	Oldest time.Time // when the oldest of them was enqueued; zero when there is none
	Lanes  []LaneStats
}

// LaneStats is one open lane (a big fan-out) and the jobs it has left.
type LaneStats struct {
	Lane
	Jobs int64
}

// Queue reads the delivery streams' lengths and their oldest entries, in
// one round trip after the lane list: the streams hold only outstanding
// work (every ack deletes its entry), so the first entry of each is its
// oldest job.
func (s *Store) Queue(ctx context.Context) (QueueStats, error) {
	lanes, err := s.Lanes(ctx)
	if err != nil {
		return QueueStats{}, fmt.Errorf("queue: %w", err)
	}
	type stream struct {
		lane  int // index in lanes; -1 for the shared streams
		size  *redis.IntCmd
		first *redis.XMessageSliceCmd
	}
	var streams []stream
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k := range Shards {
			for i := -1; i < len(lanes); i++ {
				key := s.k.shard(k)
				if i >= 0 {
					key = s.k.lane(lanes[i].ID, k)
				}
				streams = append(streams, stream{lane: i, size: p.XLen(ctx, key), first: p.XRangeN(ctx, key, "-", "+", 1)})
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return QueueStats{}, fmt.Errorf("queue: %w", err)
	}
	out := QueueStats{Lanes: make([]LaneStats, len(lanes))}
	for i, l := range lanes {
		out.Lanes[i].Lane = l
	}
	for _, st := range streams {
		n := st.size.Val()
		out.Jobs += n
		if st.lane >= 0 {
			out.Lanes[st.lane].Jobs += n
		}
		if msgs := st.first.Val(); len(msgs) > 0 {
			if at := (Delivery{StreamID: msgs[0].ID}).Enqueued(); !at.IsZero() && (out.Oldest.IsZero() || at.Before(out.Oldest)) {
				out.Oldest = at
			}
		}
	}
	return out, nil
}

// DeadLetterCount is the number of dead letters kept.
func (s *Store) DeadLetterCount(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.k.dead()).Result()
	if err != nil {
		return 0, fmt.Errorf("dead letter count: %w", err)
	}
	return n, nil
}

// retryDead moves one dead letter back to its chat's shard stream, if it is
// still there: two presses of a retry button (or two operators) enqueue it
// once. The dead stream and the shard share the {deliveries} tag.
//
// KEYS: dead, shard stream. ARGV: entry id, max len, fields...
var retryDead = redis.NewScript(`
if #redis.call("XRANGE", KEYS[1], ARGV[1], ARGV[1]) == 0 then
  return 0
end
redis.call("XDEL", KEYS[1], ARGV[1])
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[2], "*", unpack(fields))
return 1
`)

// RetryDeadLetter puts the dead letter with the given entry id back on the
// delivery stream of its chat as a fresh job (no failed attempts), and
// removes it from the dead letters. It returns the job, or ErrNotFound
// when there is no such dead letter (already retried, or trimmed).
func (s *Store) RetryDeadLetter(ctx context.Context, streamID string) (Job, error) {
	msgs, err := s.rdb.XRange(ctx, s.k.dead(), streamID, streamID).Result()
	if err != nil {
		return Job{}, fmt.Errorf("retry dead letter %s: %w", streamID, err)
	}
	if len(msgs) == 0 {
		return Job{}, fmt.Errorf("retry dead letter %s: %w", streamID, ErrNotFound)
	}
	j, err := decodeJob(msgs[0].Values)
	if err != nil {
		return Job{}, fmt.Errorf("retry dead letter %s: %w", streamID, err)
	}
	j.Attempt = 0
	args := append([]any{streamID, s.opts.StreamMaxLen}, encodeJob(j)...)
	moved, err := retryDead.Run(ctx, s.rdb, []string{s.k.dead(), s.k.shard(ShardOf(j.ChatID))}, args...).Int()
	if err != nil {
		return Job{}, fmt.Errorf("retry dead letter %s: %w", streamID, err)
	}
	if moved == 0 {
		return Job{}, fmt.Errorf("retry dead letter %s: %w", streamID, ErrNotFound)
	}
	return j, nil
}

// SourceStates returns the states of the given sources, in order, in one
// round trip (SourceState for many).
func (s *Store) SourceStates(ctx context.Context, ids []string) ([]SourceState, error) {
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.k.state(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source states: %w", err)
	}
	out := make([]SourceState, len(ids))
	for i, c := range cmds {
		out[i] = decodeSourceState(c.Val())
	}
	return out, nil
}

// ItemsSince counts, per source, the items published at or after since
// that the source's latest index holds (its newest LatestMax), in one
// round trip.
func (s *Store) ItemsSince(ctx context.Context, sourceIDs []string, since time.Time) ([]int64, error) {
	cmds := make([]*redis.IntCmd, len(sourceIDs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range sourceIDs {
			cmds[i] = p.ZCount(ctx, s.k.srcLatest(id), strconv.FormatInt(since.UnixMilli(), 10), "+inf")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("items since %s: %w", since.Format(time.RFC3339), err)
	}
	out := make([]int64, len(cmds))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

// dailyTTL keeps a day's counters a week.
const dailyTTL = 8 * 24 * time.Hour

func (k keys) daily(day string) string { return k.p + "stats:{" + day + "}" }

// CountDaily adds one to a counter of the given day ("2006-01-02", in
// whatever time zone the caller counts days), kept a week.
func (s *Store) CountDaily(ctx context.Context, day, name string) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, s.k.daily(day), name, 1)
		p.PExpire(ctx, s.k.daily(day), dailyTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("count %s on %s: %w", name, day, err)
	}
	return nil
}

// Daily returns a day's counters.
func (s *Store) Daily(ctx context.Context, day string) (map[string]int64, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.daily(day)).Result()
	if err != nil {
		return nil, fmt.Errorf("counters of %s: %w", day, err)
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		n, _ := strconv.ParseInt(v, 10, 64)
		out[k] = n
	}
	return out, nil
}
