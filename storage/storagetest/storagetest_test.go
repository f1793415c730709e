package storagetest

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// fatalRecorder is a testing.TB whose Fatalf and Skipf stop the calling
// goroutine, as the real ones do, but only record the message.
type fatalRecorder struct {
	testing.TB
	mu     sync.Mutex
	fatal  string
	skip   string
	logged []string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *fatalRecorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skip = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *fatalRecorder) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logged = append(r.logged, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// call runs f on its own goroutine, as Fatalf ends it.
func call(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// These tests change the environment, so they run sequentially, before
// the package's parallel tests start.

func TestNewFallsBackToMiniredis(t *testing.T) {
	t.Setenv(EnvURL, "redis://"+closedPort(t))
	t.Setenv(EnvRequire, "")
	rec := &fatalRecorder{TB: t}
	var s *storage.Store
	start := time.Now()
	call(func() { s = New(rec) })
	if rec.fatal != "" {
		t.Fatalf("New failed: %s", rec.fatal)
	}
	if s == nil {
		t.Fatal("New returned no store")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("fallback took %v", time.Since(start))
	}
	if len(rec.logged) != 1 || !strings.Contains(rec.logged[0], "using in-process miniredis") {
		t.Fatalf("logged %q, want the fallback notice", rec.logged)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("fallback store: %v", err)
	}
}

func TestNewRequiresRedis(t *testing.T) {
	t.Setenv(EnvURL, "redis://"+closedPort(t))
	t.Setenv(EnvRequire, "1")
	for name, f := range map[string]func(testing.TB){
		"New":  func(tb testing.TB) { New(tb) },
		"Real": func(tb testing.TB) { Real(tb) },
		"URL":  func(tb testing.TB) { URL(tb) },
	} {
		t.Run(name, func(t *testing.T) {
			rec := &fatalRecorder{TB: t}
			call(func() { f(rec) })
			if !strings.Contains(rec.fatal, EnvRequire+"=1") {
				t.Fatalf("fatal %q, want one naming %s=1", rec.fatal, EnvRequire)
			}
		})
	}
}

func TestRealSkipsWithoutRedis(t *testing.T) {
	t.Setenv(EnvURL, "redis://"+closedPort(t))
	t.Setenv(EnvRequire, "")
	rec := &fatalRecorder{TB: t}
	call(func() { Real(rec) })
	if rec.skip == "" || rec.fatal != "" {
		t.Fatalf("skip %q fatal %q, want a skip", rec.skip, rec.fatal)
	}
}

// TestMiniredisTTLNeedsClock records the miniredis gap that made the
// harness enable ClockTTL: by default its TTLs only move with
// FastForward, so a lease, a park or a cached answer never expires in
// wall-clock time. Anything embedding miniredis (local mode) needs
// m.ClockTTL(true) to behave like Redis.
func TestMiniredisTTLNeedsClock(t *testing.T) {
	t.Parallel()
	for _, clock := range []bool{false, true} {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		m.ClockTTL(clock)
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		defer c.Close()
		ctx := t.Context()
		if err := c.Set(ctx, "k", "v", 50*time.Millisecond).Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		n, err := c.Exists(ctx, "k").Result()
		if err != nil {
			t.Fatal(err)
		}
		if expired := n == 0; expired != clock {
			t.Fatalf("ClockTTL(%v): expired=%v, want %v", clock, expired, clock)
		}
	}
}
