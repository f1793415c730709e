package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// readyTimeout is how long /readyz waits for Redis to answer its ping
// before it answers "unready" itself.
const readyTimeout = time.Second

// readiness answers /readyz from a Redis ping bounded by its own timer.
// With Redis frozen (SIGSTOP, a partition that drops packets) a ping stays
// stuck until the client's socket timeouts run out (5 s were measured,
// since go-redis reads with its ReadTimeout, not the context's deadline),
// longer than an orchestrator's probe waits: the probe must hear
// "unready", not time out. One ping runs at a time; probes that arrive
// meanwhile wait for its answer, so a frozen Redis does not pile up stuck
// pings (and goroutines) at one per probe.
type readiness struct {
	ping    func(context.Context) error
	timeout time.Duration

	mu     sync.Mutex
	flight *pingFlight // the ping running now, if any
}

// pingFlight is one ping: err is set before done is closed.
type pingFlight struct {
	done chan struct{}
	err  error
}

// check reports whether Redis answered a ping within the timeout.
func (r *readiness) check(ctx context.Context) error {
	r.mu.Lock()
	f := r.flight
	if f == nil {
		f = &pingFlight{done: make(chan struct{})}
		r.flight = f
		go r.run(f)
	}
	r.mu.Unlock()
	t := time.NewTimer(r.timeout)
	defer t.Stop()
	select {
	case <-f.done:
		return f.err
	case <-t.C:
		return fmt.Errorf("redis did not answer a ping within %v", r.timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *readiness) run(f *pingFlight) {
	// Not the probe's context: the ping is shared by every probe that
	// arrives while it runs, and one of them leaving must not fail it for
	// the others.
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	f.err = r.ping(ctx)
	close(f.done)
	r.mu.Lock()
	if r.flight == f {
		r.flight = nil
	}
	r.mu.Unlock()
}
