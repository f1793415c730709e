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
// script, the one CheckSend and TakeGlobal queue, so every replica and
// every path draws from the same bucket). It returns 0 when the event may
// happen now, else how long to wait before trying again.
func (s *Store) Allow(ctx context.Context, key string, l Limit) (time.Duration, error) {
	if l.Rate <= 0 || l.Period <= 0 {
		return 0, fmt.Errorf("allow %s: invalid limit %d/%v", key, l.Rate, l.Period)
	}
	var cmd *redis.Cmd
	if _, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		cmd = s.queueGCRA(ctx, p, key, l, 1)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("allow %s: %w", key, err)
	}
	r, err := parseGCRA(cmd)
	if err != nil {
		return 0, fmt.Errorf("allow %s: %w", key, err)
	}
	if r.allowed > 0 {
		return 0, nil
	}
	// Never report "allowed" for a denied call, even if rounding gives 0.
	return max(r.retryAfter, time.Millisecond), nil
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
