package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Digest holding: a chat in hourly or daily digest mode, or in its quiet
// hours, does not keep its delivery jobs in the stream (they would fill
// every replica's window while they wait). Its items move to a per-chat
// set, and a due-time index says when each chat's digest is owed.
//
//	digest:{chat}  ZSET item id → time held (TTL 8 days)
//	digests:due    ZSET chat id → when its digest is due (earliest wins)

const digestTTL = 8 * 24 * time.Hour

func (k keys) digest(chat int64) string { return k.p + "digest:{" + itoa(chat) + "}" }
func (k keys) digestDue() string        { return k.p + "digests:due" }

// HoldForDigest keeps items for a chat's next digest, due at due (an
// earlier due time already set is kept).
func (s *Store) HoldForDigest(ctx context.Context, chatID int64, itemIDs []string, due time.Time) error {
	if len(itemIDs) == 0 {
		return nil
	}
	now := float64(s.opts.Now().UnixMilli())
	members := make([]redis.Z, len(itemIDs))
	for i, id := range itemIDs {
		members[i] = redis.Z{Score: now, Member: id}
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAddNX(ctx, s.k.digest(chatID), members...)
		p.PExpire(ctx, s.k.digest(chatID), digestTTL)
		p.ZAddArgs(ctx, s.k.digestDue(), redis.ZAddArgs{LT: true, Members: []redis.Z{{Score: float64(due.UnixMilli()), Member: chatID}}})
		return nil
	})
	if err != nil {
		return fmt.Errorf("hold digest for %d: %w", chatID, err)
	}
	return nil
}

// DueDigests lists up to n chats whose digest is due at now.
func (s *Store) DueDigests(ctx context.Context, now time.Time, n int) ([]int64, error) {
	vals, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.k.digestDue(), Start: "-inf",
		Stop: strconv.FormatInt(now.UnixMilli(), 10), ByScore: true, Count: int64(n)}).Result()
	if err != nil {
		return nil, fmt.Errorf("due digests: %w", err)
	}
	ids := make([]int64, 0, len(vals))
	for _, v := range vals {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// TakeDigest removes and returns a chat's held items, oldest first. The
// due entry goes first, so an item held meanwhile is either taken now or
// gets a due entry of its own.
func (s *Store) TakeDigest(ctx context.Context, chatID int64) ([]string, error) {
	if err := s.rdb.ZRem(ctx, s.k.digestDue(), chatID).Err(); err != nil {
		return nil, fmt.Errorf("take digest of %d: %w", chatID, err)
	}
	var items *redis.StringSliceCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		items = p.ZRange(ctx, s.k.digest(chatID), 0, -1)
		p.Unlink(ctx, s.k.digest(chatID))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("take digest of %d: %w", chatID, err)
	}
	return items.Val(), nil
}
