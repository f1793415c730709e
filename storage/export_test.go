package storage

import "context"

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
