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
