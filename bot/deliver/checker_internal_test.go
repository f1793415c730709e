package deliver

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// gateStore answers RecordAndCheck with each query's chat id as its Wait (in
// ms), after the test lets the round trip go; it records each batch.
type gateStore struct {
	mu      sync.Mutex
	batches [][]int64
	started chan int // the size of each round trip as it starts
	gate    chan struct{}
}

func (g *gateStore) RecordAndCheck(ctx context.Context, _ []storage.Sent, qs []storage.SendQuery) ([]storage.SendCheck, error) {
	ids := make([]int64, len(qs))
	out := make([]storage.SendCheck, len(qs))
	for i, q := range qs {
		ids[i] = q.ChatID
		out[i].Wait = time.Duration(q.ChatID) * time.Millisecond
	}
	g.mu.Lock()
	g.batches = append(g.batches, ids)
	g.mu.Unlock()
	g.started <- len(qs)
	<-g.gate
	return out, nil
}

// TestCheckerBatchesWhileARoundTripIsOut: the first check goes alone, the
// checks made while it is out go together in the next round trip, and
// every sender gets its own answer.
func TestCheckerBatchesWhileARoundTripIsOut(t *testing.T) {
	g := &gateStore{started: make(chan int, 10), gate: make(chan struct{})}
	c := NewChecker(g)
	ctx := t.Context()
	var wg sync.WaitGroup
	answers := make([]time.Duration, 6)
	ask := func(i int) {
		defer wg.Done()
		sc, err := c.Check(ctx, storage.SendQuery{ChatID: int64(i + 1)})
		if err != nil {
			t.Errorf("check %d: %v", i, err)
		}
		answers[i] = sc.Wait
	}
	wg.Add(1)
	go ask(0)
	if n := <-g.started; n != 1 {
		t.Fatalf("first round trip took %d checks, want 1", n)
	}
	// Five more checks queue while the first round trip is out.
	for i := 1; i < 6; i++ {
		wg.Add(1)
		go ask(i)
	}
	waitQueued(t, c, 5)
	g.gate <- struct{}{}
	if n := <-g.started; n != 5 {
		t.Fatalf("second round trip took %d checks, want the 5 queued", n)
	}
	g.gate <- struct{}{}
	wg.Wait()
	for i, w := range answers {
		if want := time.Duration(i+1) * time.Millisecond; w != want {
			t.Errorf("sender %d got the answer %v, want %v (its own)", i, w, want)
		}
	}
	// Idle again: the next check makes its own round trip.
	wg.Add(1)
	go ask(0)
	if n := <-g.started; n != 1 {
		t.Fatalf("round trip after idle took %d checks, want 1", n)
	}
	g.gate <- struct{}{}
	wg.Wait()
	if len(g.batches) != 3 {
		t.Errorf("%d round trips, want 3: %v", len(g.batches), g.batches)
	}
}

// TestCheckerCancelled: a check whose context ended is answered with its
// error, not asked about, and does not hold up the others.
func TestCheckerCancelled(t *testing.T) {
	g := &gateStore{started: make(chan int, 10), gate: make(chan struct{})}
	c := NewChecker(g)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := c.Check(t.Context(), storage.SendQuery{ChatID: 1}); err != nil {
			t.Errorf("check 1: %v", err)
		}
	}()
	<-g.started
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Check(ctx, storage.SendQuery{ChatID: 2})
		errc <- err
	}()
	waitQueued(t, c, 1)
	cancel()
	g.gate <- struct{}{}
	if err := <-errc; err == nil {
		t.Errorf("a cancelled check got an answer")
	}
	<-done
	if _, err := c.Check(ctx, storage.SendQuery{ChatID: 3}); err == nil {
		t.Errorf("a check with an ended context was made")
	}
	if len(g.batches) != 1 {
		t.Errorf("round trips %v, want only the first", g.batches)
	}
}

func waitQueued(t *testing.T, c *Checker, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // only catches a hang
	for {
		c.mu.Lock()
		q := len(c.queue)
		c.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d checks queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCheckerManyInOneRoundTrip: a sender's chats go in one round trip,
// with the checks queued beside them, and each gets its own answer in the
// order asked; a sender's chats are never split over round trips.
func TestCheckerManyInOneRoundTrip(t *testing.T) {
	g := &gateStore{started: make(chan int, 10), gate: make(chan struct{})}
	c := NewChecker(g)
	ctx := t.Context()
	first := make(chan error, 1)
	go func() {
		_, err := c.Check(ctx, storage.SendQuery{ChatID: 100})
		first <- err
	}()
	<-g.started
	var wg sync.WaitGroup
	got := make([][]time.Duration, 2)
	for i, ids := range [][]int64{{1, 2, 3, 4}, {7, 8}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			qs := make([]storage.SendQuery, len(ids))
			for j, id := range ids {
				qs[j] = storage.SendQuery{ChatID: id}
			}
			scs, err := c.CheckMany(ctx, qs)
			if err != nil {
				t.Errorf("checkMany %v: %v", ids, err)
				return
			}
			for _, sc := range scs {
				got[i] = append(got[i], sc.Wait/time.Millisecond)
			}
		}()
	}
	waitQueued(t, c, 2)
	g.gate <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := <-g.started; n != 6 {
		t.Fatalf("second round trip took %d checks, want the 6 of the two senders", n)
	}
	g.gate <- struct{}{}
	wg.Wait()
	if want := [][]time.Duration{{1, 2, 3, 4}, {7, 8}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("answers %v, want %v (each sender's own, in order)", got, want)
	}
}
