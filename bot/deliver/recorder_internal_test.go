package deliver

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// rideStore is a fake store that keeps the sent records written by the
// recorder's own round trips (DeliveredMany) apart from those that rode
// with a check (RecordAndCheck); a check waits for gate when it is set and
// fails with fail.
type rideStore struct {
	Store
	mu          sync.Mutex
	wrote, rode []string
	started     chan struct{}
	gate        chan struct{}
	fail        error
}

func (s *rideStore) DeliveredMany(_ context.Context, sent []storage.Sent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range sent {
		s.wrote = append(s.wrote, x.ItemID)
	}
	return nil
}

func (s *rideStore) RecordAndCheck(_ context.Context, sent []storage.Sent, qs []storage.SendQuery) ([]storage.SendCheck, error) {
	s.mu.Lock()
	gate, fail := s.gate, s.fail
	s.mu.Unlock()
	if gate != nil {
		s.started <- struct{}{}
		<-gate
	}
	if fail != nil {
		return nil, fail
	}
	s.mu.Lock()
	for _, x := range sent {
		s.rode = append(s.rode, x.ItemID)
	}
	s.mu.Unlock()
	return make([]storage.SendCheck, len(qs)), nil
}

func (s *rideStore) written() (wrote, rode []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.wrote), slices.Clone(s.rode)
}

// TestRecorderRidesChecks: the sends waiting to be recorded go with the
// next check's round trip instead of one of their own; a check that fails
// gives them back to the writer, and a barrier (sync) waits for a check
// carrying them.
func TestRecorderRidesChecks(t *testing.T) {
	st := &rideStore{}
	e := &Engine{store: st, log: slog.New(slog.DiscardHandler), metrics: testMetrics()}
	rec := newRecorder(e)
	defer rec.close()
	rec.wait = time.Hour // the writer waits for the checks (or a barrier)
	chk := NewChecker(st)
	chk.records = rec
	sent := func(item string) storage.Sent {
		return storage.Sent{Delivery: storage.Delivery{StreamID: item, Job: storage.Job{ChatID: 1, ItemID: item}}, MessageID: 1}
	}
	ctx := t.Context()

	rec.add(sent("a"))
	rec.add(sent("b"))
	if _, err := chk.Check(ctx, storage.SendQuery{ChatID: 2}); err != nil {
		t.Fatal(err)
	}
	if wrote, rode := st.written(); len(wrote) != 0 || !slices.Equal(rode, []string{"a", "b"}) {
		t.Fatalf("written by the writer %v, with the check %v; want none and [a b]", wrote, rode)
	}
	if rec.pending(sent("a").Delivery) {
		t.Error("a send recorded with a check still pending")
	}

	// A check carrying c fails: a barrier waits for it, and the writer
	// writes c.
	st.mu.Lock()
	st.gate, st.started, st.fail = make(chan struct{}), make(chan struct{}), errors.New("redis down")
	st.mu.Unlock()
	rec.add(sent("c"))
	checked := make(chan error, 1)
	go func() {
		_, err := chk.Check(ctx, storage.SendQuery{ChatID: 3})
		checked <- err
	}()
	<-st.started
	synced := make(chan error, 1)
	go func() { synced <- rec.sync(ctx) }()
	select {
	case err := <-synced:
		t.Fatalf("sync returned (%v) while a check carried a send added before it", err)
	case <-time.After(50 * time.Millisecond):
	}
	if !rec.pending(sent("c").Delivery) {
		t.Error("a send riding with a check not pending")
	}
	close(st.gate)
	if err := <-checked; err == nil {
		t.Error("the failed check answered no error")
	}
	if err := <-synced; err != nil {
		t.Fatal(err)
	}
	if wrote, rode := st.written(); !slices.Equal(wrote, []string{"c"}) || len(rode) != 2 {
		t.Errorf("written by the writer %v, with the check %v; want [c] and [a b]", wrote, rode)
	}
}
