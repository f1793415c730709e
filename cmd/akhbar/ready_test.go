package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadinessAnswersWhileRedisIsStuck: a ping that never returns (a
// frozen Redis) makes check answer "unready" after its timeout, and the
// probes that come meanwhile share the one ping in flight instead of each
// starting another.
func TestReadinessAnswersWhileRedisIsStuck(t *testing.T) {
	release := make(chan struct{})
	var pings atomic.Int32
	r := &readiness{timeout: 50 * time.Millisecond, ping: func(ctx context.Context) error {
		pings.Add(1)
		<-release // ignores its context, as a read stuck on a socket does
		return errors.New("i/o timeout")
	}}
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.check(context.Background())
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("check did not answer while the ping was stuck")
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("probe %d: ready while Redis is stuck", i)
		}
	}
	if n := pings.Load(); n != 1 {
		t.Errorf("%d pings in flight for 10 probes, want 1", n)
	}
	close(release)
	// Redis answers again: the next probe starts a new ping and is ready.
	r.ping = func(context.Context) error { pings.Add(1); return nil }
	eventually(t, "ready once Redis answers", func() bool { return r.check(context.Background()) == nil })
}
