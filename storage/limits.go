package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limit is a rate: Rate events per Period, with bursts of up to Burst
// (Burst <= 0 means 1: events evenly spaced, which is what Telegram's
// per-chat limits want).
type Limit struct {
	Rate, Burst int
	Period      time.Duration
}

// Allow takes one token from the shared GCRA bucket key (redis_rate's
// script, the one CheckSend queues, so every replica and
// every path draws from the same bucket). It returns 0 when the event may
// happen now, else how long to wait before trying again.
func (s *Store) Allow(ctx context.Context, key string, l Limit) (time.Duration, error) {
	waits, err := s.AllowMany(ctx, []string{key}, l)
	if err != nil {
		return 0, err
	}
	return waits[0], nil
}

// AllowMany is Allow for each of keys, one token each, in one round trip:
// the answer for keys[i] is waits[i]. A key named twice gives two tokens
// of its bucket, taken in order.
func (s *Store) AllowMany(ctx context.Context, keys []string, l Limit) ([]time.Duration, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	what := keys[0]
	if len(keys) > 1 {
		what = fmt.Sprintf("%d keys", len(keys))
	}
	if err := l.check(what); err != nil {
		return nil, err
	}
	cmds := make([]*redis.Cmd, len(keys))
	if _, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		for i, key := range keys {
			cmds[i] = s.queueGCRA(ctx, p, key, l, 1)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("allow %s: %w", what, err)
	}
	waits := make([]time.Duration, len(keys))
	for i, cmd := range cmds {
		w, err := gcraWait(cmd)
		if err != nil {
			return nil, fmt.Errorf("allow %s: %w", keys[i], err)
		}
		waits[i] = w
	}
	return waits, nil
}

// check refuses a limit that allows nothing; what names the bucket.
func (l Limit) check(what string) error {
	if l.Rate <= 0 || l.Period <= 0 {
		return fmt.Errorf("allow %s: invalid limit %d/%v", what, l.Rate, l.Period)
	}
	return nil
}

// gcraWait reads one token's answer (queueGCRA): 0 when it was taken,
// else how long to wait before trying again.
func gcraWait(cmd *redis.Cmd) (time.Duration, error) {
	r, err := parseGCRA(cmd)
	if err != nil {
		return 0, err
	}
	if r.allowed <= 0 {
		// Never "allowed" for a denied call, even if rounding gives 0.
		return max(r.retryAfter, time.Millisecond), nil
	}
	return 0, nil
}

// Park stops deliveries to a chat until the given time (a 429's retry_after
// for that chat). A time not in the future unparks it.
func (s *Store) Park(ctx context.Context, chatID int64, until time.Time) error {
	d := until.Sub(s.opts.Now())
	var err error
	if d < time.Millisecond {
		err = s.rdb.Del(ctx, s.k.park(chatID)).Err()
	} else {
		err = s.rdb.Set(ctx, s.k.park(chatID), until.UnixMilli(), d).Err()
	}
	if err != nil {
		return fmt.Errorf("park chat %d: %w", chatID, err)
	}
	return nil
}

// ParkedUntil returns when a parked chat may receive again; the zero time
// when it is not parked.
func (s *Store) ParkedUntil(ctx context.Context, chatID int64) (time.Time, error) {
	v, err := s.rdb.Get(ctx, s.k.park(chatID)).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("parked until %d: %w", chatID, err)
	}
	until := parseMillis(v)
	if !until.After(s.opts.Now()) {
		return time.Time{}, nil
	}
	return until, nil
}

// UpdateOffset returns the stored getUpdates offset, 0 when none.
func (s *Store) UpdateOffset(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.k.offset()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("update offset: %w", err)
	}
	return v, nil
}

// SetUpdateOffset stores the getUpdates offset, so a new leader continues
// where the old one stopped instead of replaying updates.
func (s *Store) SetUpdateOffset(ctx context.Context, off int64) error {
	if err := s.rdb.Set(ctx, s.k.offset(), off, 0).Err(); err != nil {
		return fmt.Errorf("set update offset: %w", err)
	}
	return nil
}

// CachedAdmin returns a cached "is userID an admin of chatID" answer; ok is
// false when nothing (fresh) is cached.
func (s *Store) CachedAdmin(ctx context.Context, chatID, userID int64) (isAdmin, ok bool, err error) {
	v, err := s.rdb.Get(ctx, s.k.admin(chatID, userID)).Result()
	if errors.Is(err, redis.Nil) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("cached admin %d %d: %w", chatID, userID, err)
	}
	// "<0|1>:<expiry ms>": the expiry is checked here too, so the cache
	// also holds on a server whose TTLs do not follow the clock (miniredis
	// without ClockTTL, as embedded by local mode).
	flag, exp, found := strings.Cut(v, ":")
	b, err := strconv.ParseBool(flag)
	if err != nil || !found || !parseMillis(exp).After(s.opts.Now()) {
		return false, false, nil // unreadable or stale: ask Telegram again
	}
	return b, true, nil
}

// CacheAdmin caches a getChatMember answer for ttl, sparing Telegram a call
// per admin command.
func (s *Store) CacheAdmin(ctx context.Context, chatID, userID int64, isAdmin bool, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return fmt.Errorf("cache admin %d %d: ttl %v under 1ms", chatID, userID, ttl)
	}
	v := "0:"
	if isAdmin {
		v = "1:"
	}
	v += strconv.FormatInt(s.opts.Now().Add(ttl).UnixMilli(), 10)
	if err := s.rdb.Set(ctx, s.k.admin(chatID, userID), v, ttl).Err(); err != nil {
		return fmt.Errorf("cache admin %d %d: %w", chatID, userID, err)
	}
	return nil
}

// pushLimit moves a GCRA bucket's theoretical arrival time (seconds since
// 2017, as the gcra script keeps it) to at least ARGV[1], keeping it for
// as long as it lies ahead.
var pushLimit = redis.NewScript(`
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
local want = tonumber(ARGV[1])
if want > tat then
  local t = redis.call("TIME")
  local now = (tonumber(t[1]) - 1483228800) + tonumber(t[2]) / 1000000
  local ttl = math.ceil(want - now)
  if ttl > 0 then
    redis.call("SET", KEYS[1], string.format("%.6f", want), "EX", ttl)
  end
end
return 0
`)

// Push moves a one-at-a-time bucket (Burst 1) so that its next event waits
// a whole interval from At (this process's clock), if it would not
// already; HoldMany carries pushes in its round trip. A send whose chat
// token was taken before it waited for a slot of the bot-wide rate arrived
// up to that wait after its token: pushed to its answer, the chat's next
// send keeps a whole interval from its arrival, as Telegram counts.
type Push struct {
	Key   string
	Limit Limit
	At    time.Time
}

// Moves reports whether the push may move a bucket that a check found
// holding its next token until held (SendCheck.Held; zero: unknown).
// The push sets the bucket to At plus an interval when that is later than
// what the bucket holds, so a push whose interval ends by held does
// nothing: skipping it saves a script call per send, the common case of a
// send answered within WindowGuard of its check.
func (p Push) Moves(held time.Time) bool {
	if held.IsZero() || p.Limit.Rate <= 0 {
		return true
	}
	return p.At.Add(p.Limit.Period / time.Duration(p.Limit.Rate)).After(held)
}

// slack bounds, at now, the error of the Redis clock offset that pushes
// use (get): the kept sample's whole round trip, aged as observe ages it
// (the error itself is at most half of it). ok is false before the first
// sample, when the offset used is a guess.
func (c *redisClock) slack(now time.Time) (d time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ok {
		return 0, false
	}
	return c.rtt + max(now.Sub(c.at), 0)/1000, true
}

func (s *Store) queuePush(ctx context.Context, p redis.Pipeliner, push Push) error {
	l := push.Limit
	if l.Rate <= 0 || l.Period <= 0 {
		return fmt.Errorf("push limit %s: invalid limit %d/%v", push.Key, l.Rate, l.Period)
	}
	const jan2017 = 1483228800
	next := push.At.Add(s.redisClock.get()).Add(l.Period / time.Duration(l.Rate))
	secs := float64(next.UnixMicro())/1e6 - jan2017
	pushLimit.EvalSha(ctx, p, []string{s.k.rate(push.Key)}, strconv.FormatFloat(secs, 'f', 6, 64))
	return nil
}
