package lease_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/lease"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// memStore is an in-memory lease table whose answers a test can turn into
// failures. Expiry is not modelled: the tests say who holds a lease.
type memStore struct {
	mu       sync.Mutex
	owner    map[string]string
	fail     error // every call fails with it
	hang     bool  // calls wait for their context, then fail
	failNext int   // the next calls that fail with errBlip
	// delay is how long a successful call's answer takes to come back:
	// the lease is taken or extended when the call arrives (lastOK).
	delay    time.Duration
	acquires int // successful acquisitions and renewals
	lastOK   time.Time
}

var errBlip = errors.New("connection reset")

func newMem() *memStore { return &memStore{owner: map[string]string{}} }

func (m *memStore) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	fail, hang := m.fail, m.hang
	m.mu.Unlock()
	if hang {
		<-ctx.Done()
		return false, ctx.Err()
	}
	if fail != nil {
		return false, fail
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext > 0 {
		m.failNext--
		return false, errBlip
	}
	if cur, ok := m.owner[name]; ok && cur != owner {
		return false, nil
	}
	m.owner[name] = owner
	m.acquires++
	m.lastOK = time.Now()
	if d := m.delay; d > 0 {
		m.mu.Unlock()
		defer m.mu.Lock()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return true, nil
}

func (m *memStore) ReleaseLease(ctx context.Context, name, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner[name] == owner {
		delete(m.owner, name)
	}
	return nil
}

func (m *memStore) set(f func(m *memStore)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

func (m *memStore) get() (acquires int, lastOK time.Time, owner string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.acquires, m.lastOK, m.owner["l"]
}

// waitFor polls cond for up to 10 s: the bound only catches a hang, it
// measures nothing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ended waits (up to 10 s, to catch a hang) for the held lease's context
// to end.
func ended(t *testing.T, h *lease.Held) {
	t.Helper()
	select {
	case <-h.Context().Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the held lease's context did not end")
	}
}

func spec(owner string) lease.Spec {
	return lease.Spec{Name: "l", Owner: owner, TTL: 2 * time.Second, Renew: 20 * time.Millisecond, Stop: 200 * time.Millisecond}
}

func TestTakeRenewsUntilRelease(t *testing.T) {
	m := newMem()
	h, err := lease.Take(context.Background(), m, spec("a"))
	if err != nil || h == nil {
		t.Fatalf("Take = %v, %v; want the free lease", h, err)
	}
	if other, err := lease.Take(context.Background(), m, spec("b")); other != nil || err != nil {
		t.Fatalf("second owner: Take = %v, %v; want nil, nil", other, err)
	}
	waitFor(t, "renewals", func() bool { n, _, _ := m.get(); return n >= 4 })
	if err := h.Context().Err(); err != nil {
		t.Fatalf("context ended while renewed: %v", context.Cause(h.Context()))
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil { // a second call is harmless
		t.Fatal(err)
	}
	if _, _, owner := m.get(); owner != "" {
		t.Errorf("after Release the lease is %q's, want free", owner)
	}
	if h.Context().Err() == nil || h.Lost() != nil {
		t.Errorf("after Release: context %v, Lost %v; want ended, not lost", h.Context().Err(), h.Lost())
	}
	n, _, _ := m.get()
	time.Sleep(5 * spec("a").Renew)
	if n2, _, _ := m.get(); n2 != n {
		t.Errorf("%d renewals after Release", n2-n)
	}
}

func TestLostToAnotherOwnerStopsWork(t *testing.T) {
	m := newMem()
	h, err := lease.Take(context.Background(), m, spec("a"))
	if err != nil || h == nil {
		t.Fatalf("Take = %v, %v", h, err)
	}
	defer h.Release()
	m.set(func(m *memStore) { m.owner["l"] = "b" }) // a's lease expired, b took it
	ended(t, h)
	if !errors.Is(h.Lost(), lease.ErrLost) {
		t.Errorf("Lost = %v, want ErrLost", h.Lost())
	}
	h.Release()
	if _, _, owner := m.get(); owner != "b" {
		t.Errorf("Release gave away b's lease: owner %q", owner)
	}
}

// The work stops once no renewal succeeded for Stop, and so before the
// lease (TTL after the last renewal) could pass to another replica: the
// property that keeps two getUpdates pollers apart.
func TestNotRenewedStopsWorkBeforeTheLeaseEnds(t *testing.T) {
	for name, broken := range map[string]func(m *memStore){
		"errors": func(m *memStore) { m.fail = errors.New("connection refused") },
		"hangs":  func(m *memStore) { m.hang = true },
	} {
		t.Run(name, func(t *testing.T) {
			m := newMem()
			sp := spec("a")
			h, err := lease.Take(context.Background(), m, sp)
			if err != nil || h == nil {
				t.Fatalf("Take = %v, %v", h, err)
			}
			defer h.Release()
			waitFor(t, "a renewal", func() bool { n, _, _ := m.get(); return n >= 2 })
			m.set(broken)
			ended(t, h)
			stopped := time.Now()
			_, lastOK, _ := m.get()
			if !errors.Is(h.Lost(), lease.ErrNotRenewed) {
				t.Errorf("Lost = %v, want ErrNotRenewed", h.Lost())
			}
			if held := stopped.Sub(lastOK); held < sp.Stop || held >= sp.TTL {
				t.Errorf("work stopped %v after the last renewal; want from Stop (%v) to under TTL (%v)", held, sp.Stop, sp.TTL)
			}
		})
	}
}

// A renewal whose answer comes back late still stops the work Stop after
// the store extended the lease, not Stop after the answer: the lease runs
// TTL from the extension, so the work keeps TTL - Stop clear of the lease's
// end however slow the store (updates: 2 s before another replica can
// poll getUpdates, not 2 s less the renewal's round trip).
func TestSlowRenewalStopsWorkStopAfterTheExtension(t *testing.T) {
	m := newMem()
	sp := lease.Spec{Name: "l", Owner: "a", TTL: 2 * time.Second, Renew: 100 * time.Millisecond, Stop: 400 * time.Millisecond}
	h, err := lease.Take(context.Background(), m, sp)
	if err != nil || h == nil {
		t.Fatalf("Take = %v, %v", h, err)
	}
	defer h.Release()
	// Each renewal's answer takes 250 ms, within Stop - Renew: it succeeds.
	m.set(func(m *memStore) { m.delay = 250 * time.Millisecond })
	waitFor(t, "two slow renewals", func() bool { n, _, _ := m.get(); return n >= 3 })
	if err := h.Context().Err(); err != nil {
		t.Fatalf("work stopped while slow renewals succeeded: %v", context.Cause(h.Context()))
	}
	m.set(func(m *memStore) { m.fail = errors.New("connection refused") })
	ended(t, h)
	stopped := time.Now()
	_, lastOK, _ := m.get()
	// 150 ms for the timers' lateness on a loaded machine; Stop after the
	// answer would be 250 ms late.
	if held := stopped.Sub(lastOK); held > sp.Stop+150*time.Millisecond {
		t.Errorf("work stopped %v after the store last extended the lease, want about Stop (%v): %v of the lease's TTL - Stop (%v) were left", held, sp.Stop, sp.TTL-held, sp.TTL-sp.Stop)
	}
}

// A renewal that fails is retried before Stop even when Renew is more
// than half of Stop (the next renewal a whole Renew later would come past
// Stop): one blip of the store does not stop the work.
func TestFailedRenewalIsRetriedBeforeStop(t *testing.T) {
	m := newMem()
	// The retry comes halfway to Stop, 200 ms before it: room for a loaded
	// machine's late timers (with Renew 150 ms and Stop 200 ms the room was
	// 12 ms, and the test failed under load). A retry a whole Renew later
	// would come 200 ms past Stop.
	sp := lease.Spec{Name: "l", Owner: "a", TTL: 3 * time.Second, Renew: 600 * time.Millisecond, Stop: time.Second}
	h, err := lease.Take(context.Background(), m, sp)
	if err != nil || h == nil {
		t.Fatalf("Take = %v, %v", h, err)
	}
	defer h.Release()
	m.set(func(m *memStore) { m.failNext = 1 })
	waitFor(t, "two renewals after the failed one", func() bool { n, _, _ := m.get(); return n >= 3 })
	if err := h.Context().Err(); err != nil {
		t.Fatalf("work stopped after one failed renewal: %v (%v)", err, context.Cause(h.Context()))
	}
}

// Work cut short by its own context (a poll's deadline) keeps the lease
// until Release: it still writes its progress under it.
func TestRenewsPastTheWorksDeadline(t *testing.T) {
	m := newMem()
	ctx, cancel := context.WithCancel(context.Background())
	h, err := lease.Take(ctx, m, spec("a"))
	if err != nil || h == nil {
		t.Fatalf("Take = %v, %v", h, err)
	}
	cancel()
	ended(t, h)
	if h.Lost() != nil {
		t.Errorf("Lost = %v after the parent ended", h.Lost())
	}
	n, _, _ := m.get()
	waitFor(t, "renewals after the parent ended", func() bool { n2, _, _ := m.get(); return n2 >= n+3 })
	h.Release()
	if _, _, owner := m.get(); owner != "" {
		t.Errorf("not released: owner %q", owner)
	}
}

func TestSpecIsChecked(t *testing.T) {
	for name, sp := range map[string]lease.Spec{
		"no name":       {Owner: "a", TTL: 3, Renew: 1, Stop: 2},
		"no owner":      {Name: "l", TTL: 3, Renew: 1, Stop: 2},
		"stop ≥ ttl":    {Name: "l", Owner: "a", TTL: 2, Renew: 1, Stop: 2},
		"renew ≥ stop":  {Name: "l", Owner: "a", TTL: 3, Renew: 2, Stop: 2},
		"renew not set": {Name: "l", Owner: "a", TTL: 3, Stop: 2},
	} {
		m := newMem()
		if h, err := lease.Take(context.Background(), m, sp); h != nil || err == nil {
			t.Errorf("%s: Take = %v, %v; want an error", name, h, err)
		}
		if err := lease.Lead(context.Background(), m, sp, time.Millisecond, nil, func(context.Context) error { return nil }); err == nil {
			t.Errorf("%s: Lead took a bad spec", name)
		}
	}
}

// Lead on real Redis, miniredis and a cluster: of two replicas one works
// at a time; when the leader stops, the other takes over; a lease lost
// to another owner stops the leader's work; an error from work ends Lead.
func TestLeadOneAtATime(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		var working, overlaps, turns atomic.Int32
		work := func(ctx context.Context) error {
			if working.Add(1) > 1 {
				overlaps.Add(1)
			}
			turns.Add(1)
			<-ctx.Done()
			working.Add(-1)
			return nil
		}
		ctxA, stopA := context.WithCancel(context.Background())
		ctxB, stopB := context.WithCancel(context.Background())
		defer stopB()
		doneA, doneB := make(chan error, 1), make(chan error, 1)
		go func() { doneA <- lease.Lead(ctxA, s, spec("a"), 10*time.Millisecond, nil, work) }()
		waitFor(t, "a leader", func() bool { return turns.Load() == 1 })
		go func() { doneB <- lease.Lead(ctxB, s, spec("b"), 10*time.Millisecond, nil, work) }()
		time.Sleep(10 * spec("a").Renew) // b keeps trying meanwhile
		if turns.Load() != 1 {
			t.Fatalf("%d turns while a led, want 1", turns.Load())
		}
		stopA()
		if err := <-doneA; err != nil {
			t.Fatalf("Lead a = %v", err)
		}
		waitFor(t, "b to take over", func() bool { return turns.Load() == 2 })

		// b's lease passes to c behind its back: b's work stops, and b
		// waits while c holds it.
		// In one step: released and then taken, b's next renewal could
		// come between the two and take it back (CI saw it on miniredis).
		ctx := context.Background()
		if err := s.Client().Set(ctx, s.Options().Prefix+"lease:l", "c", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "b's work to stop", func() bool { return working.Load() == 0 })
		time.Sleep(10 * spec("b").Renew)
		if turns.Load() != 2 {
			t.Errorf("%d turns while c holds the lease, want 2", turns.Load())
		}
		stopB()
		if err := <-doneB; err != nil {
			t.Fatalf("Lead b = %v", err)
		}
		if overlaps.Load() != 0 {
			t.Errorf("%d times two replicas worked at once", overlaps.Load())
		}
		if err := s.ReleaseLease(ctx, "l", "c"); err != nil {
			t.Fatal(err)
		}

		boom := errors.New("boom")
		err := lease.Lead(context.Background(), s, spec("d"), 10*time.Millisecond, nil, func(context.Context) error { return boom })
		if !errors.Is(err, boom) {
			t.Errorf("Lead = %v, want work's error", err)
		}
		if ok, err := s.AcquireLease(ctx, "l", "e", time.Minute); err != nil || !ok {
			t.Errorf("the lease was not given back after work failed: %v, %v", ok, err)
		}
	})
}

// TestHoldRenewsATakenLease: Hold renews a lease taken by other means (the
// poll lock TakePoll takes) as Take would, and gives it back at Release;
// one it does not hold ends its work at the first renewal.
func TestHoldRenewsATakenLease(t *testing.T) {
	m := newMem()
	m.set(func(m *memStore) { m.owner["l"] = "a" }) // taken by a script
	h, err := lease.Hold(context.Background(), m, spec("a"))
	if err != nil || h == nil {
		t.Fatalf("Hold = %v, %v", h, err)
	}
	waitFor(t, "renewals", func() bool { n, _, _ := m.get(); return n >= 3 })
	if err := h.Context().Err(); err != nil {
		t.Fatalf("context ended while renewed: %v", context.Cause(h.Context()))
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	if _, _, owner := m.get(); owner != "" {
		t.Errorf("after Release the lease is %q's, want free", owner)
	}

	m.set(func(m *memStore) { m.owner["l"] = "b" })
	h, err = lease.Hold(context.Background(), m, spec("a"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	ended(t, h)
	if !errors.Is(h.Lost(), lease.ErrLost) {
		t.Errorf("Lost = %v, want ErrLost", h.Lost())
	}
	if _, err := lease.Hold(context.Background(), m, lease.Spec{Name: "l", Owner: "a"}); err == nil {
		t.Errorf("Hold accepted a spec without timing")
	}
}

// Next runs a loop within its period, never later, and puts loops whose
// periods divide each other on the same instants after their first run
// (one wake-up of an idle program for all of them).
func TestNextAlignsWithinThePeriod(t *testing.T) {
	base := time.Date(2026, 12, 3, 15, 4, 5, 123456789, time.UTC)
	for _, every := range []time.Duration{time.Second, 2500 * time.Millisecond, 5 * time.Second, 15 * time.Second, 600 * time.Millisecond} {
		for _, off := range []time.Duration{0, time.Millisecond, 777 * time.Millisecond, every - time.Nanosecond, every, 3*every + 1} {
			last := base.Add(off)
			n := lease.Next(last, every)
			if !n.After(last) || n.After(last.Add(every)) {
				t.Errorf("Next(%v, %v) = %v: want after last, at most %v later", last, every, n, every)
			}
			if !n.Truncate(every).Equal(n) {
				t.Errorf("Next(%v, %v) = %v: not a multiple of the period", last, every, n)
			}
			if again := lease.Next(n, every); again.Sub(n) != every {
				t.Errorf("Next of an aligned run %v is %v later, want %v", n, again.Sub(n), every)
			}
		}
	}
	// The shard turns (2.5 s) and the inbox's keeper (5 s), started 1.3 s
	// apart: after one run each, every keeper run is also a turn's.
	turn, keep := base, base.Add(1300*time.Millisecond)
	turns := map[time.Time]bool{}
	for range 20 {
		turn = lease.Next(turn, 2500*time.Millisecond)
		turns[turn] = true
	}
	for range 5 {
		keep = lease.Next(keep, 5*time.Second)
		if !turns[keep] {
			t.Errorf("keeper run at %v is no turn's", keep)
		}
	}
	// A time with a monotonic reading keeps it: the wait is bounded by the
	// period whatever the wall clock does.
	now := time.Now()
	if d := time.Until(lease.Next(now, time.Second)); d > time.Second {
		t.Errorf("wait %v past the period", d)
	}
	if s := lease.Next(now, time.Second).String(); !strings.Contains(s, "m=+") {
		t.Errorf("Next dropped the monotonic reading: %s", s)
	}
}

// A held lease is first renewed a whole Renew after it was taken (a poll's
// lock, held a few milliseconds, is not renewed because its poll crossed a
// multiple of Renew), then on the clock's multiples of Renew (Next).
func TestRenewalsComeOnTheMultiplesAfterTheFirst(t *testing.T) {
	const renew = 300 * time.Millisecond
	sp := lease.Spec{Name: "l", Owner: "a", TTL: 3 * time.Second, Renew: renew, Stop: time.Second}
	// Taken 50 ms before a multiple of Renew.
	for time.Until(time.Now().Truncate(renew).Add(renew)) > 60*time.Millisecond ||
		time.Until(time.Now().Truncate(renew).Add(renew)) < 40*time.Millisecond {
		time.Sleep(time.Millisecond)
	}
	m := newMem()
	taken := time.Now()
	h, err := lease.Take(context.Background(), m, sp)
	if err != nil || h == nil {
		t.Fatalf("Take = %v, %v", h, err)
	}
	defer h.Release()
	time.Sleep(renew / 2) // past the multiple, short of a whole Renew
	if n, _, _ := m.get(); n != 1 {
		t.Fatalf("%d renewals %v after Take, want none before a whole Renew (%v)", n-1, time.Since(taken), renew)
	}
	waitFor(t, "three renewals", func() bool { n, _, _ := m.get(); return n >= 4 })
	_, last, _ := m.get()
	// The renewal began on a multiple; the store saw it a little later.
	if off := last.Sub(last.Truncate(renew)); off > 100*time.Millisecond {
		t.Errorf("renewal at %v, %v past a multiple of %v, want on one", last, off, renew)
	}
}
