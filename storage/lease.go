package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// acquireLease takes the lease when free (SET NX PX) or extends it when the
// caller already holds it, in one script so an expiring lease cannot be
// taken by another owner between the check and the extension.
var acquireLease = redis.NewScript(`
local cur = redis.call("GET", KEYS[1])
if cur == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
if cur then
  return 0
end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1
`)

// releaseLease deletes the lease only when the caller still holds it, so a
// replica whose lease expired cannot delete its successor's.
var releaseLease = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`)

// AcquireLease takes the named lease for owner (a replica id) for ttl and
// reports whether owner now holds it. A holder calling again extends it.
// Leases lock a source for one poll tick and elect the getUpdates leader.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if owner == "" {
		return false, fmt.Errorf("acquire lease %s: empty owner", name)
	}
	ms := ttl.Milliseconds()
	if ms < 1 {
		return false, fmt.Errorf("acquire lease %s: ttl %v under 1ms", name, ttl)
	}
	n, err := acquireLease.Run(ctx, s.rdb, []string{s.k.lease(name)}, owner, ms).Int()
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives the lease up if owner still holds it; otherwise it does
// nothing.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if err := releaseLease.Run(ctx, s.rdb, []string{s.k.lease(name)}, owner).Err(); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// takePoll takes a source's tick (KEYS[1]) when it is free or already the
// caller's, then the source's poll lock (KEYS[2]) when no other replica
// holds it: 0 the tick is another's, 2 the tick is the caller's but
// another replica still polls the source, 1 the caller holds both. The
// tick is taken even when the lock is not, as two calls (AcquireLease of
// the tick, then of the lock) did: a tick is polled once or not at all.
var takePoll = redis.NewScript(`
local cur = redis.call("GET", KEYS[1])
if cur and cur ~= ARGV[1] then
  return 0
end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
local lock = redis.call("GET", KEYS[2])
if lock and lock ~= ARGV[1] then
  return 2
end
redis.call("SET", KEYS[2], ARGV[1], "PX", ARGV[3])
return 1
`)

// PollTake is what TakePoll decided.
type PollTake int

// The answers of TakePoll.
const (
	// PollTickTaken: another replica took this tick; nothing to do.
	PollTickTaken PollTake = iota
	// PollTaken: the caller took the tick and holds the source's poll
	// lock, the lease PollLockName names, for lockTTL; it renews the
	// lock (lease.Hold) while it polls and releases it after.
	PollTaken
	// PollBusy: the tick is the caller's, but another replica is still
	// polling the source (a poll that outlasted its tick); the tick is
	// skipped.
	PollBusy
)

// PollLockName is the name of a source's poll lock, as a lease: renew it
// with AcquireLease and give it back with ReleaseLease.
func PollLockName(sourceID string) string { return "polling:" + sourceID }

// TakePoll decides in one round trip whether owner polls source for the
// given tick (the schedule's time in Unix seconds): it takes the tick's
// lease (for tickTTL; it is never released, so the tick is polled once
// however many replicas run) and the source's poll lock (for lockTTL),
// which keeps a poll that outlasts its tick from overlapping the next
// one's in another replica.
func (s *Store) TakePoll(ctx context.Context, sourceID string, tick int64, owner string, tickTTL, lockTTL time.Duration) (PollTake, error) {
	if owner == "" {
		return PollTickTaken, fmt.Errorf("take poll %s: empty owner", sourceID)
	}
	if tickTTL.Milliseconds() < 1 || lockTTL.Milliseconds() < 1 {
		return PollTickTaken, fmt.Errorf("take poll %s: ttls %v, %v under 1ms", sourceID, tickTTL, lockTTL)
	}
	n, err := takePoll.Run(ctx, s.rdb, []string{s.k.pollTick(sourceID, tick), s.k.pollLock(sourceID)},
		owner, tickTTL.Milliseconds(), lockTTL.Milliseconds()).Int()
	if err != nil {
		return PollTickTaken, fmt.Errorf("take poll %s: %w", sourceID, err)
	}
	switch n {
	case 1:
		return PollTaken, nil
	case 2:
		return PollBusy, nil
	}
	return PollTickTaken, nil
}
