package storage_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func itoa(i int) string { return strconv.Itoa(i) }

// redisXAdd adds a raw stream entry, bypassing the Store's encoding.
type redisXAdd struct {
	stream string
	values map[string]any
}

func (x *redisXAdd) args() *redis.XAddArgs {
	return &redis.XAddArgs{Stream: x.stream, Values: x.values}
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}
