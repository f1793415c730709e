package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lanes. A fan-out to more than Options.BulkFanout chats gets its own
// stream (a lane), so a replica reads a batch from each lane and from the
// shared stream in turn: a 100,000-chat fan-out no longer stands in front
// of the ten chats of the next small source's item. Each lane keeps the set
// of chats it still owes, so a chat served from another stream can be sent
// an older item of a lane first and keep publication order. The registry
// {deliveries}:lanes maps a lane id to "item\tstart ms\tedit"; a drained
// lane is closed by CloseDrainedLanes.

// Lane describes an open lane.
type Lane struct {
	ID     string
	ItemID string
	Start  time.Time // when its jobs were enqueued
	Edit   bool      // it carries edits of a sent card, not cards
}

// openLane registers a new lane for item and creates its stream and group.
func (s *Store) openLane(ctx context.Context, item string, edit bool) (string, error) {
	n, err := s.rdb.Incr(ctx, s.k.laneSeq()).Result()
	if err != nil {
		return "", fmt.Errorf("open lane for %s: %w", item, err)
	}
	id := strconv.FormatInt(n, 10)
	e := "0"
	if edit {
		e = "1"
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XGroupCreateMkStream(ctx, s.k.lane(id), group, "0")
		p.HSet(ctx, s.k.lanes(), id, item+"\t"+strconv.FormatInt(s.opts.Now().UnixMilli(), 10)+"\t"+e)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("open lane for %s: %w", item, err)
	}
	return id, nil
}

// Lanes lists the open lanes, oldest first.
func (s *Store) Lanes(ctx context.Context) ([]Lane, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.lanes()).Result()
	if err != nil {
		return nil, fmt.Errorf("lanes: %w", err)
	}
	out := make([]Lane, 0, len(m))
	for id, v := range m {
		item, rest, _ := strings.Cut(v, "\t")
		ms, edit, _ := strings.Cut(rest, "\t")
		start, _ := strconv.ParseInt(ms, 10, 64)
		out = append(out, Lane{ID: id, ItemID: item, Start: time.UnixMilli(start), Edit: edit == "1"})
	}
	slices.SortFunc(out, func(a, b Lane) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return laneOrder(a.ID, b.ID)
	})
	return out, nil
}

func laneOrder(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return int(x - y)
}

// laneIDs lists the open lanes' ids, oldest first.
func (s *Store) laneIDs(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.HKeys(ctx, s.k.lanes()).Result()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ids, laneOrder)
	return ids, nil
}

// CloseDrainedLanes closes the lanes opened more than minAge ago whose
// streams are empty (every job acknowledged): the registry entry first, so
// no reader asks for the stream after it is gone. It returns how many it
// closed. minAge keeps a lane whose jobs are still being added open.
func (s *Store) CloseDrainedLanes(ctx context.Context, minAge time.Duration) (int, error) {
	lanes, err := s.Lanes(ctx)
	if err != nil {
		return 0, fmt.Errorf("close lanes: %w", err)
	}
	var old []Lane
	for _, l := range lanes {
		if s.opts.Now().Sub(l.Start) > minAge {
			old = append(old, l)
		}
	}
	if len(old) == 0 {
		return 0, nil
	}
	lens := make([]*redis.IntCmd, len(old))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range old {
			lens[i] = p.XLen(ctx, s.k.lane(l.ID))
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("close lanes: %w", err)
	}
	closed := 0
	for i, l := range old {
		if lens[i].Val() != 0 {
			continue
		}
		if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, s.k.lanes(), l.ID)
			p.Del(ctx, s.k.lane(l.ID), s.k.laneChats(l.ID))
			return nil
		}); err != nil {
			return closed, fmt.Errorf("close lane %s: %w", l.ID, err)
		}
		closed++
	}
	return closed, nil
}

// touchOwned resets the idle time of the entries consumer still holds and
// returns the ones it no longer holds (acknowledged, or claimed by another
// consumer after this one stopped touching them, paused or cut off).
// Unlike a bare XCLAIM it never takes an entry from another consumer.
//
// KEYS: stream. ARGV: group, consumer, ids...
var touchOwned = redis.NewScript(`
local lost = {}
for i = 3, #ARGV do
  local p = redis.call("XPENDING", KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p == 1 and p[1][2] == ARGV[2] then
    redis.call("XCLAIM", KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], "JUSTID")
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
`)

// touchBatch bounds the ids of one touch.
const touchBatch = 500

// Touch resets the idle time of the pending entries consumer holds, so a
// replica that keeps jobs in memory longer than the claim timeout, because
// their chats wait for a limit or a 429, does not see them claimed and sent
// by another replica. It returns the deliveries consumer no longer holds:
// another replica claimed them while this one was paused or cut off from
// Redis, and sending them now would send them twice.
func (s *Store) Touch(ctx context.Context, consumer string, ds []Delivery) ([]Delivery, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	byLane := map[string][]Delivery{}
	for _, d := range ds {
		byLane[d.Lane] = append(byLane[d.Lane], d)
	}
	type call struct {
		batch []Delivery
		cmd   *redis.Cmd
	}
	var calls []call
	_, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		calls = calls[:0]
		for lane, all := range byLane {
			for rest := all; len(rest) > 0; {
				n := min(len(rest), touchBatch)
				args := []any{group, consumer}
				for _, d := range rest[:n] {
					args = append(args, d.StreamID)
				}
				calls = append(calls, call{rest[:n], touchOwned.EvalSha(ctx, p, []string{s.k.streamOf(lane)}, args...)})
				rest = rest[n:]
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("touch %d jobs: %w", len(ds), err)
	}
	var lost []Delivery
	for _, c := range calls {
		ids, err := c.cmd.StringSlice()
		if err != nil && !errors.Is(err, redis.Nil) {
			if strings.HasPrefix(err.Error(), "NOGROUP") {
				continue // the lane was closed: nothing of it is held
			}
			return nil, fmt.Errorf("touch %d jobs: %w", len(ds), err)
		}
		for _, id := range ids {
			for _, d := range c.batch {
				if d.StreamID == id {
					lost = append(lost, d)
					break
				}
			}
		}
	}
	return lost, nil
}
