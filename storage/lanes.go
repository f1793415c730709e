package storage

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
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
	// Redis's clock, the one stream entry ids come from: a lane's start is
	// compared with its jobs' entry ids and with other streams'.
	now, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("open lane for %s: %w", item, err)
	}
	e := "0"
	if edit {
		e = "1"
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for k := range Shards {
			p.XGroupCreateMkStream(ctx, s.k.lane(id, k), group, "0")
		}
		p.HSet(ctx, s.k.lanes(), id, item+"\t"+strconv.FormatInt(now.UnixMilli(), 10)+"\t"+e)
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
	return parseLanes(m), nil
}

// parseLanes reads the lanes registry, oldest first.
func parseLanes(m map[string]string) []Lane {
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
	return out
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
	now, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("close lanes: %w", err)
	}
	var old []Lane
	for _, l := range lanes {
		if now.Sub(l.Start) > minAge {
			old = append(old, l)
		}
	}
	if len(old) == 0 {
		return 0, nil
	}
	lens := make([][]*redis.IntCmd, len(old))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range old {
			for k := range Shards {
				lens[i] = append(lens[i], p.XLen(ctx, s.k.lane(l.ID, k)))
			}
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("close lanes: %w", err)
	}
	closed := 0
	for i, l := range old {
		if slices.ContainsFunc(lens[i], func(c *redis.IntCmd) bool { return c.Val() != 0 }) {
			continue
		}
		keys := []string{s.k.laneChats(l.ID)}
		for k := range Shards {
			keys = append(keys, s.k.lane(l.ID, k))
		}
		if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, s.k.lanes(), l.ID)
			p.Del(ctx, keys...)
			return nil
		}); err != nil {
			return closed, fmt.Errorf("close lane %s: %w", l.ID, err)
		}
		closed++
	}
	return closed, nil
}

// balanceShards is one replica's turn at sharing the shards: it marks the
// replica alive until now+ttl, counts the live replicas, gives back the
// shards the caller has drained for that, extends the rest, and (when
// asked) takes free shards up to its fair share, starting at a spot of its
// own so replicas do not all race for the same shard. It returns the fair
// share and the shards the replica holds. Time is Redis's, so replicas'
// clocks do not matter.
//
// KEYS: replicas zset, owner key of each shard. ARGV: replica, ttl ms,
// first shard to try, 1 to take free shards, shards to give back...
var balanceShards = redis.NewScript(`
redis.replicate_commands()
local me, ttl, start, take = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == "1"
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call("ZADD", KEYS[1], now + ttl, me)
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
redis.call("PEXPIRE", KEYS[1], 2 * ttl)
local live = redis.call("ZCARD", KEYS[1])
local n = #KEYS - 1
local share = math.ceil(n / live)
local give = {}
for i = 5, #ARGV do
  give[tonumber(ARGV[i]) + 2] = true
end
local mine = {}
for i = 2, #KEYS do
  if redis.call("GET", KEYS[i]) == me then
    if give[i] then
      redis.call("DEL", KEYS[i])
    else
      redis.call("PEXPIRE", KEYS[i], ttl)
      mine[#mine + 1] = i
    end
  end
end
for j = 0, n - 1 do
  if not take or #mine >= share then
    break
  end
  local i = 2 + (start + j) % n
  if not give[i] and redis.call("SET", KEYS[i], me, "NX", "PX", ttl) then
    mine[#mine + 1] = i
  end
end
local out = {share}
for _, i in ipairs(mine) do
  out[#out + 1] = i - 2
end
return out
`)

// ShardTurn is what a replica asks of BalanceShards and TakeTurn.
type ShardTurn struct {
	// Give are shards the replica drained (holds no job of in flight) and
	// gives back because it holds more than its share.
	Give []int
	// Take asks for free shards up to the replica's share; a replica
	// shutting down only keeps what it holds until it is done.
	Take bool
	// Lanes asks TakeTurn for the open lanes too (Lanes).
	Lanes bool
	// Sweep, when it names shards, has TakeTurn reclaim them too (Reclaim).
	Sweep Sweep
}

// Sweep is a reclaim of the jobs of Shards, and of the lanes named, left
// pending longer than MinIdle, at most Count (Reclaim). The caller names
// the lanes it knows: one opened since is swept next time, and one closed
// since has nothing pending.
type Sweep struct {
	Shards  []int
	Lanes   []string
	MinIdle time.Duration
	Count   int
}

// Turn is what TakeTurn did: the shards the replica holds and its fair
// share (BalanceShards), the open lanes (when asked) and the jobs the sweep
// took back (when asked), or why the sweep failed: the turn stands without
// it.
type Turn struct {
	Owned     []int
	Share     int
	Lanes     []Lane
	Reclaimed []Delivery
	SweepErr  error
}

// TakeTurn is BalanceShards with the other work a replica's delivery reader
// does every turn, in the same round trip: reading the open lanes, and now
// and then sweeping its shards for stranded jobs (Reclaim's first claims;
// only a stream with more pending is read on). An idle replica's reader
// thus makes one round trip per turn besides its blocking read, instead of
// one per kind of work (three, and two more every fourth turn).
//
// Reclaimed holds the jobs taken back even when the turn failed (err) or
// the sweep did (SweepErr): they are the replica's now, and dropping them
// would leave them pending until the next sweep.
func (s *Store) TakeTurn(ctx context.Context, replica string, ttl time.Duration, turn ShardTurn) (Turn, error) {
	if replica == "" || ttl < time.Millisecond {
		return Turn{}, fmt.Errorf("balance shards: replica %q, ttl %v", replica, ttl)
	}
	keys, args := s.balanceArgs(replica, ttl, turn)
	var sweep *claimRun
	if sw := turn.Sweep; len(sw.Shards) > 0 && sw.Count > 0 {
		sweep = s.newClaim(replica, sw.Shards, sw.Lanes, sw.MinIdle, sw.Count)
	}
	var (
		lanes *redis.MapStringStringCmd
		bal   *redis.Cmd
	)
	// When Redis lost the script (NOSCRIPT) pipelined runs it alone again,
	// not the claims (a claim made again would not return what the first
	// one took, which is now this replica's) nor the read of the lanes
	// queued before it.
	_, _ = s.pipelined(ctx, func(p redis.Pipeliner) error {
		if sweep != nil && sweep.first() {
			sweep.queue(ctx, p)
		}
		if turn.Lanes {
			lanes = p.HGetAll(ctx, s.k.lanes())
		}
		bal = balanceShards.EvalSha(ctx, p, keys, args...)
		return nil
	}) // each command's error is checked below
	var t Turn
	if sweep != nil {
		t.Reclaimed, t.SweepErr = sweep.finish(ctx)
	}
	var err error
	if t.Owned, t.Share, err = s.balanceResult(bal); err != nil {
		return t, err
	}
	if lanes != nil {
		m, err := lanes.Result()
		if err != nil {
			return t, fmt.Errorf("lanes: %w", err)
		}
		t.Lanes = parseLanes(m)
	}
	return t, nil
}

// BalanceShards takes replica's turn at sharing the shards among the live
// replicas (see balanceShards): it returns the shards replica holds, until
// ttl from the call unless it calls again, and its fair share. A replica
// that holds more than its share drains the extra shards and gives them
// back on a later turn, so a shard changes hands with no send in flight.
// A replica that stops calling is dead to the others after ttl: its shards
// go to them.
func (s *Store) BalanceShards(ctx context.Context, replica string, ttl time.Duration, turn ShardTurn) (owned []int, share int, err error) {
	if replica == "" || ttl < time.Millisecond {
		return nil, 0, fmt.Errorf("balance shards: replica %q, ttl %v", replica, ttl)
	}
	keys, args := s.balanceArgs(replica, ttl, turn)
	return s.balanceResult(balanceShards.Run(ctx, s.rdb, keys, args...))
}

// balanceArgs are balanceShards' keys and arguments for replica's turn.
func (s *Store) balanceArgs(replica string, ttl time.Duration, turn ShardTurn) (keys []string, args []any) {
	keys = []string{s.k.replicas()}
	for k := range Shards {
		keys = append(keys, s.k.shardOwner(k))
	}
	h := fnv.New32a()
	h.Write([]byte(replica))
	take := "0"
	if turn.Take {
		take = "1"
	}
	args = []any{replica, ttl.Milliseconds(), h.Sum32() % Shards, take}
	for _, k := range turn.Give {
		args = append(args, k)
	}
	return keys, args
}

// balanceResult reads balanceShards' answer: the shards held, sorted, and
// the fair share.
func (s *Store) balanceResult(cmd *redis.Cmd) (owned []int, share int, err error) {
	res, err := cmd.Int64Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("balance shards: %w", err)
	}
	if len(res) == 0 {
		return nil, 0, errors.New("balance shards: empty answer")
	}
	owned = make([]int, 0, len(res)-1)
	for _, k := range res[1:] {
		owned = append(owned, int(k))
	}
	slices.Sort(owned)
	return owned, int(res[0]), nil
}

// LeaveShards gives up every shard replica holds and its place among the
// live replicas, so the others take its shards at once (a clean shutdown).
func (s *Store) LeaveShards(ctx context.Context, replica string) error {
	_, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.k.replicas(), replica)
		for k := range Shards {
			releaseLease.EvalSha(ctx, p, []string{s.k.shardOwner(k)}, replica)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("leave shards: %w", err)
	}
	return nil
}

// Reclaim takes into consumer up to count jobs of the given shards that
// have been pending, under any consumer, this one included, for longer
// than minIdle: jobs a replica read but never settled (its ack was lost,
// or it read them while it did not surely own the shard) come back to the
// shard's owner instead of staying pending for ever. Jobs still held just
// come back again; the caller keeps only the ones it does not hold.
func (s *Store) Reclaim(ctx context.Context, consumer string, shards []int, minIdle time.Duration, count int) ([]Delivery, error) {
	return s.claim(ctx, consumer, shards, minIdle, count)
}
