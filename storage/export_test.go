package storage

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// LoadGCRAOnly loads the chat limits' script alone into Redis's script
// cache, as a replica reloading the pipelines' scripts one by one (or a
// cluster node that lost only some) leaves it: the other scripts still
// answer NOSCRIPT.
func LoadGCRAOnly(ctx context.Context, s *Store) error {
	return gcra.Load(ctx, s.rdb).Err()
}

// LoadHoldManyOnly loads the pacer's booking script alone into Redis's
// script cache (see LoadGCRAOnly).
func LoadHoldManyOnly(ctx context.Context, s *Store) error {
	return holdMany.Load(ctx, s.rdb).Err()
}

// Pipelined runs fill as the store's pipelines run (pipelined: scripts
// loaded again after a NOSCRIPT).
func Pipelined(ctx context.Context, s *Store, fill func(p redis.Pipeliner) error) ([]redis.Cmder, error) {
	return s.pipelined(ctx, fill)
}

// QueueGCRA queues one token of the chat limits' script, as a check does.
func QueueGCRA(ctx context.Context, s *Store, p redis.Pipeliner, key string, l Limit) *redis.Cmd {
	return s.queueGCRA(ctx, p, key, l, 1)
}

// QueueDelivered queues the sent records' scripts, as DeliveredMany does.
func QueueDelivered(ctx context.Context, s *Store, p redis.Pipeliner, sent []Sent) {
	s.queueDelivered(ctx, p, sent)
}

// ClusterOptions sets what Open sets of a cluster's client options.
func ClusterOptions(o *redis.ClusterOptions) { clusterOptions(o) }

// ChatSubsKey is the key of a chat's set of subscriptions.
func ChatSubsKey(s *Store, id int64) string { return s.k.chatSubs(id) }
