package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Pace is how a shared schedule spaces events (the bot-wide sends): one
// every Interval, and at most Window of them in any Span, counting each
// event at the time it was booked for or, if it left late, the time it
// left (Shift). Slots are booked at most Ahead of now, so a replica that
// stops wastes little.
//
// The window is what keeps a strict reading of a limit ("at most 30 in any
// 1,000 ms") when an event leaves late: evenly spaced slots alone would
// let the late one bunch up with the ones a second later.
//
// With a Grid, each slot is moved back to the start of the Grid its
// interval's time falls in (on Redis's clock), so the events of a Grid
// share one time and may happen together, up to a Grid early. The window
// counts each at that time, when it may happen, so its Span needs no
// margin for them; and when the Span is a whole number of Grids, slots
// whose Window of Intervals reaches the Span (Window·Interval ≥ Span) still
// reach it moved back, so the window holds none back and the rate is
// kept. Bookings with and without a Grid may share a schedule: each slot
// keeps the window from the slots booked before it, whenever they may
// happen.
type Pace struct {
	Interval time.Duration
	Window   int
	Span     time.Duration
	Ahead    time.Duration
	Grid     time.Duration // 0: every slot at its interval's time
}

// Slot is one booked event of a Pace.
type Slot struct {
	ID int64
	// At is when the event may happen, on this process's clock (Redis's
	// clock, where the slots are booked, less the offset between the two).
	// The window counts it then.
	At time.Time
	// Grid is the Pace's Grid it was booked with (0: none): the slots of a
	// booking that fall in the same Grid share their At.
	Grid time.Duration
}

// redisClock estimates Redis's clock minus this process's from the round
// trips that read it: each sample is the server's time less the middle of
// the round trip, wrong by at most half the round trip, so the sample of
// the shortest round trip is kept. A slow round trip (a busy machine, a
// request queued behind others) would otherwise move every slot by up to
// half of it. The kept sample's round trip counts as a millisecond longer
// per second of age, so a fresher one replaces it as clocks drift.
type redisClock struct {
	mu     sync.Mutex
	offset time.Duration
	rtt    time.Duration // of the kept sample, aged
	at     time.Time     // when it was taken
	ok     bool
}

func (c *redisClock) observe(server, before, after time.Time) time.Duration {
	rtt := after.Sub(before)
	c.mu.Lock()
	defer c.mu.Unlock()
	aged := c.rtt + after.Sub(c.at)/1000
	if !c.ok || rtt <= aged {
		c.offset, c.rtt, c.at, c.ok = server.Sub(before.Add(rtt/2)), rtt, after, true
	}
	return c.offset
}

func (c *redisClock) get() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Hold is what HoldMany booked.
type Hold struct {
	// Slots are the booked slots, in the schedule's order (one the window
	// held back may come after the next); none when the schedule is
	// booked too far ahead (RetryAfter) or the bot is parked.
	Slots []Slot
	// RetryAfter is how long to wait before asking again when no slot
	// was booked.
	RetryAfter time.Duration
	// ParkedUntil is when a global 429 runs out (zero when none); no slot
	// is booked while it lasts.
	ParkedUntil time.Time
	// Slow is the factor (0, 1] by which a global 429 asked every replica
	// to slow the rate down; 1 when none did.
	Slow float64
}

// holdMany books count slots of a Pace on Redis's clock (µs since the
// epoch, exact in a double until the year 2255). KEYS: the schedule's hash
// (next time of the schedule, latest slot booked, id sequence) and its window (a ZSET of slot id → time,
// the slots of the last Span kept). ARGV: interval, window, span, ahead (µs),
// count, grid (µs; 0 for none). It answers {now, retry_after, id1, at1,
// id2, at2, …}. Numbers go to Redis formatted whole, never in Lua's
// default %.14g.
var holdMany = redis.NewScript(`
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, window, span = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local ahead, count, grid = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local nxt = tonumber(redis.call("HGET", KEYS[1], "next") or "0")
local last = tonumber(redis.call("HGET", KEYS[1], "last") or "0")
local latest = math.max(nxt, last)
if latest > now + ahead then
  return {now, latest - ahead - now}
end
local seq = redis.call("HINCRBY", KEYS[1], "seq", count) - count
local out = {now, 0}
for i = 1, count do
  -- The schedule moves by interval; a slot the window holds back is
  -- held back alone, and the schedule goes on.
  local nominal = math.max(now, nxt)
  local at = nominal
  if grid > 0 then
    -- Back to the start of its grid, not before now: the slots of a grid
    -- share one time, and the window counts them then.
    at = math.max(now, math.floor(nominal / grid) * grid)
  end
  local back = redis.call("ZREVRANGE", KEYS[2], window - 1, window - 1, "WITHSCORES")
  if back[2] then
    at = math.max(at, tonumber(back[2]) + span)
  end
  redis.call("ZADD", KEYS[2], string.format("%.0f", at), string.format("%.0f", seq + i))
  out[#out + 1] = seq + i
  out[#out + 1] = at
  nxt = nominal + interval
  last = math.max(last, at)
end
-- Slots older than a span before now hold back no slot booked from now
-- on; the latest Window are not enough to keep, as a booking with a
-- larger Window (the rate back from a slow-down) reads further back.
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", string.format("(%.0f", now - span))
redis.call("HSET", KEYS[1], "next", string.format("%.0f", nxt), "last", string.format("%.0f", last))
local ttl = math.ceil((math.max(nxt, last) - now + span) / 1000) + 60000
redis.call("PEXPIRE", KEYS[1], ttl)
redis.call("PEXPIRE", KEYS[2], ttl)
return out
`)

// HoldMany books count consecutive slots of the schedule key (shared by
// every replica), and reads whether the whole bot is parked and the
// slow-down factor, in one round trip, which also carries pushes (the
// chats' limits pushed past sends answered since the last booking). The slots are spaced and windowed
// on Redis's clock, so replicas on machines whose clocks differ still
// agree; each is given on this process's clock. The caller waits for each
// slot, and calls Shift for one it uses late.
func (s *Store) HoldMany(ctx context.Context, key string, pace Pace, count int, pushes ...Push) (Hold, error) {
	if pace.Interval <= 0 || pace.Window < 1 || pace.Span <= 0 || pace.Ahead < 0 || pace.Grid < 0 || count < 1 {
		return Hold{}, fmt.Errorf("hold %d of %s: invalid pace %+v", count, key, pace)
	}
	var park, slow *redis.StringCmd
	var slots *redis.Cmd
	before := time.Now()
	_, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		park = p.Get(ctx, s.k.parkGlobal())
		slow = p.Get(ctx, s.k.slowGlobal())
		slots = holdMany.EvalSha(ctx, p, []string{s.k.pace(key), s.k.paceWindow(key)},
			pace.Interval.Microseconds(), pace.Window, pace.Span.Microseconds(), pace.Ahead.Microseconds(), count, pace.Grid.Microseconds())
		for _, push := range pushes {
			if err := s.queuePush(ctx, p, push); err != nil {
				return err
			}
		}
		return nil
	})
	after := time.Now()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Hold{}, fmt.Errorf("hold %d of %s: %w", count, key, err)
	}
	v, err := slots.Int64Slice()
	if err != nil || len(v) < 2 || len(v)%2 != 0 {
		return Hold{}, fmt.Errorf("hold %d of %s: answer %v: %w", count, key, v, err)
	}
	offset := s.redisClock.observe(time.UnixMicro(v[0]), before, after)
	h := Hold{Slow: 1, RetryAfter: time.Duration(v[1]) * time.Microsecond}
	for i := 2; i < len(v); i += 2 {
		h.Slots = append(h.Slots, Slot{ID: v[i], At: time.UnixMicro(v[i+1]).Add(-offset), Grid: pace.Grid})
	}
	if f, err := slow.Float64(); err == nil && f > 0 && f < 1 {
		h.Slow = f
	}
	if pv, err := park.Result(); err == nil {
		if until, now := parseMillis(pv), s.opts.Now(); until.After(now) {
			// Slots booked while parked are not used; they count in the
			// window as if sent, which errs on the safe side.
			h.ParkedUntil, h.Slots = until, nil
			h.RetryAfter = until.Sub(now)
		}
	}
	if len(h.Slots) == 0 && h.RetryAfter <= 0 {
		h.RetryAfter = time.Millisecond
	}
	return h, nil
}

// Shift records that the event of a slot happened at at (this process's
// clock) instead of the slot's time: it left late, and it is in the
// window from then on. A slot already out of the window is left out.
func (s *Store) Shift(ctx context.Context, key string, slot Slot, at time.Time) error {
	score := float64(at.Add(s.redisClock.get()).UnixMicro())
	err := s.rdb.ZAddArgs(ctx, s.k.paceWindow(key), redis.ZAddArgs{XX: true, GT: true,
		Members: []redis.Z{{Score: score, Member: slot.ID}}}).Err()
	if err != nil {
		return fmt.Errorf("shift slot %d of %s: %w", slot.ID, key, err)
	}
	return nil
}

// pace and paceWindow hold a schedule of HoldMany: both carry the key as
// their hash tag, so the script that moves them runs on Redis Cluster
// ("{global}" for the bot-wide rate).
func (k keys) pace(key string) string       { return k.p + "pace:{" + key + "}" }
func (k keys) paceWindow(key string) string { return k.p + "pace:{" + key + "}:window" }
