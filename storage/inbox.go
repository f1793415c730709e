package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The updates inbox keeps every Telegram update the bot has taken and not
// yet handled, so that confirming an update to Telegram (the next
// getUpdates' offset, or a webhook's 200) never depends on it being
// handled first. Each update is leased to the replica that holds it in
// memory; the holder renews its leases while it lives and removes an update
// once handled. An update whose lease runs out (its holder died) is claimed
// by another replica, or by the same one restarted.
//
// Both keys share the {updates} tag: the scripts touch them together.
func (k keys) inbox() string     { return k.p + "{updates}:inbox" }      // ZSET update id → lease end (ms)
func (k keys) inboxData() string { return k.p + "{updates}:inbox:data" } // HASH update id → the update

// InboxUpdate is one update in the inbox: Telegram's update_id and the
// bot's encoding of the update.
type InboxUpdate struct {
	ID   int64
	Data string
}

// keepUpdates adds updates not in the inbox yet, leased until ARGV[1],
// and returns the ids it added.
var keepUpdates = redis.NewScript(`
local added = {}
for i = 2, #ARGV, 2 do
  if redis.call("ZADD", KEYS[1], "NX", ARGV[1], ARGV[i]) == 1 then
    redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
    added[#added + 1] = ARGV[i]
  end
end
return added
`)

// claimUpdates leases up to ARGV[3] updates whose lease ended by ARGV[1]
// until ARGV[2], and returns them as id, data pairs.
var claimUpdates = redis.NewScript(`
local ids = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local data = redis.call("HGET", KEYS[2], id)
  if data then
    redis.call("ZADD", KEYS[1], ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = data
  else
    redis.call("ZREM", KEYS[1], id)
  end
end
return out
`)

// KeepUpdates adds updates to the inbox, leased to the caller for lease,
// and returns the ids it added. An update already there (taken before by
// this or another replica: Telegram sent it again) is left as it is and
// not returned, so it is handled once.
func (s *Store) KeepUpdates(ctx context.Context, us []InboxUpdate, lease time.Duration) ([]int64, error) {
	if len(us) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 1+2*len(us))
	args = append(args, s.opts.Now().Add(lease).UnixMilli())
	for _, u := range us {
		args = append(args, u.ID, u.Data)
	}
	res, err := keepUpdates.Run(ctx, s.rdb, []string{s.k.inbox(), s.k.inboxData()}, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("keep %d updates: %w", len(us), err)
	}
	added := make([]int64, 0, len(res))
	for _, v := range res {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("keep updates: id %q: %w", v, err)
		}
		added = append(added, id)
	}
	return added, nil
}

// ClaimUpdates leases to the caller, for lease, up to n updates whose
// lease has ended (their holder died, or gave them back), and returns them
// in update order.
func (s *Store) ClaimUpdates(ctx context.Context, n int, lease time.Duration) ([]InboxUpdate, error) {
	if n <= 0 {
		return nil, nil
	}
	now := s.opts.Now()
	res, err := claimUpdates.Run(ctx, s.rdb, []string{s.k.inbox(), s.k.inboxData()},
		now.UnixMilli(), now.Add(lease).UnixMilli(), n).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim updates: %w", err)
	}
	out := make([]InboxUpdate, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		id, err := strconv.ParseInt(res[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("claim updates: id %q: %w", res[i], err)
		}
		out = append(out, InboxUpdate{ID: id, Data: res[i+1]})
	}
	slices.SortFunc(out, func(a, b InboxUpdate) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// RenewUpdates extends the caller's leases on ids to lease from now. Ids
// no longer in the inbox are not added back.
func (s *Store) RenewUpdates(ctx context.Context, ids []int64, lease time.Duration) error {
	if err := s.scoreUpdates(ctx, ids, s.opts.Now().Add(lease).UnixMilli()); err != nil {
		return fmt.Errorf("renew %d updates: %w", len(ids), err)
	}
	return nil
}

// ReleaseUpdates ends the caller's leases on ids at once, so that any
// replica claims them: a replica stopping hands back what it did not
// handle.
func (s *Store) ReleaseUpdates(ctx context.Context, ids []int64) error {
	if err := s.scoreUpdates(ctx, ids, 0); err != nil {
		return fmt.Errorf("release %d updates: %w", len(ids), err)
	}
	return nil
}

// scoreUpdates sets the lease end of the ids still in the inbox.
func (s *Store) scoreUpdates(ctx context.Context, ids []int64, score int64) error {
	for chunk := range slices.Chunk(ids, 1000) {
		zs := make([]redis.Z, len(chunk))
		for i, id := range chunk {
			zs[i] = redis.Z{Score: float64(score), Member: id}
		}
		if err := s.rdb.ZAddXX(ctx, s.k.inbox(), zs...).Err(); err != nil {
			return err
		}
	}
	return nil
}

// DoneUpdates removes handled (or deliberately dropped) updates from the
// inbox.
func (s *Store) DoneUpdates(ctx context.Context, ids []int64) error {
	for chunk := range slices.Chunk(ids, 1000) {
		members := make([]any, len(chunk))
		fields := make([]string, len(chunk))
		for i, id := range chunk {
			members[i] = id
			fields[i] = strconv.FormatInt(id, 10)
		}
		if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.ZRem(ctx, s.k.inbox(), members...)
			p.HDel(ctx, s.k.inboxData(), fields...)
			return nil
		}); err != nil {
			return fmt.Errorf("done %d updates: %w", len(ids), err)
		}
	}
	return nil
}

// InboxLen is the number of updates in the inbox, held or not.
func (s *Store) InboxLen(ctx context.Context) (int64, error) {
	n, err := s.rdb.ZCard(ctx, s.k.inbox()).Result()
	if err != nil {
		return 0, fmt.Errorf("inbox length: %w", err)
	}
	return n, nil
}
