package bot_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/redis/go-redis/v9"
)

// TestIdleDeliveryRoundTrips: a replica with nothing to send makes, per
// shard turn, the turn's one round trip and one blocking read: the open
// lanes are read and the shards swept within the turn, never alone.
func TestIdleDeliveryRoundTrips(t *testing.T) {
	// A short lease: a turn every 500 ms, a sweep every 2 s; long enough
	// that a loaded machine (the race detector) keeps its turns within
	// half the lease, where a turn sweeps.
	h := newHarness(t, bot.Config{ShardLease: 2 * time.Second}, telegramtest.Options{})
	trips := &tripCount{alone: map[string]int{}}
	h.store.Client().AddHook(trips)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.bot.RunDelivery(ctx, "idle"); close(done) }()
	time.Sleep(1500 * time.Millisecond) // the shards taken, their jobs claimed, the reader idle
	trips.on.Store(true)
	time.Sleep(4 * time.Second)
	trips.on.Store(false)
	cancel()
	<-done

	trips.mu.Lock()
	defer trips.mu.Unlock()
	t.Logf("over 4s: %d turns, round trips alone %v", trips.turns, trips.alone)
	if trips.turns < 4 {
		t.Fatalf("%d turns in 4s, want one every 500ms", trips.turns)
	}
	for _, name := range []string{"hgetall", "hkeys", "xautoclaim", "evalsha", "eval"} {
		if n := trips.alone[name]; n > 0 {
			t.Errorf("%d %s alone, want every one in a turn", n, name)
		}
	}
	if reads := trips.alone["xreadgroup"]; reads > trips.turns+2 {
		t.Errorf("%d reads for %d turns, want one a turn", reads, trips.turns)
	}
}

// tripCount counts, while on, the pipelines that run the turn's script
// and the commands sent alone, by name.
type tripCount struct {
	on    atomic.Bool
	mu    sync.Mutex
	turns int
	alone map[string]int
}

func (c *tripCount) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (c *tripCount) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if c.on.Load() {
			c.mu.Lock()
			c.alone[strings.ToLower(cmd.Name())]++
			c.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (c *tripCount) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if c.on.Load() {
			for _, cmd := range cmds {
				if cmd.Name() == "evalsha" {
					c.mu.Lock()
					c.turns++
					c.mu.Unlock()
					break
				}
			}
		}
		return next(ctx, cmds)
	}
}
