package storage

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Content hashes of the items a source's feed holds now, to notice when a
// publisher edits an item: src:{id}:hashes HASH item id → hash. Only the
// current feed is kept, so the hash stays the size of the feed.

func (k keys) hashes(sourceID string) string { return k.p + "src:{" + sourceID + "}:hashes" }

// ItemHashes returns the stored content hash of each id ("" when unknown).
func (s *Store) ItemHashes(ctx context.Context, sourceID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.k.hashes(sourceID), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("item hashes of %s: %w", sourceID, err)
	}
	out := make([]string, len(ids))
	for i, v := range vals {
		out[i], _ = v.(string)
	}
	return out, nil
}

// SetItemHashes replaces the stored hashes with those of the feed's
// current items, in one transaction.
func (s *Store) SetItemHashes(ctx context.Context, sourceID string, hashes map[string]string) error {
	key := s.k.hashes(sourceID)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		if len(hashes) > 0 {
			p.HSet(ctx, key, hashes)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set item hashes of %s: %w", sourceID, err)
	}
	return nil
}
