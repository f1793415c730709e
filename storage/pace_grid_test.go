package storage_test

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// testGrids are the grids the property tests book on: the pacer's, about
// a booking's worth of slots (deliver.gridFor: 51 ms at 1,000/s, 63.75 ms
// slowed to 80%), and smaller ones, some not a whole fraction of the
// Span, where the window holds slots back.
func testGrids() []time.Duration {
	return []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 34 * time.Millisecond,
		51 * time.Millisecond, 63750 * time.Microsecond}
}

// TestHoldManyMixedGridKeepsWindow: bookings with and without a Grid (of
// several sizes), at a rate whose slots are 1 ms apart, share one
// schedule; every slot, on
// Redis's clock (the window's scores), has at most Window-1 slots booked
// before it within a Span either side, so no Span holds more than Window
// of them, however grid and even bookings interleave.
func TestHoldManyMixedGridKeepsWindow(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		rng, grids := rand.New(rand.NewPCG(1, 2)), testGrids()
		const key = "mixedgrid"
		// 1,000/s at 98%: Window 50 in 50 ms plus a 20 ms guard, to keep
		// the test short.
		base := storage.Pace{Interval: 1020 * time.Microsecond, Window: 50, Span: 70 * time.Millisecond, Ahead: 8 * time.Millisecond}
		type booked struct {
			id   int64
			at   time.Time
			pace storage.Pace
		}
		var all []booked
		deadline := time.Now().Add(400 * time.Millisecond)
		for time.Now().Before(deadline) {
			p := base
			if rng.IntN(2) == 0 {
				p.Grid = grids[rng.IntN(len(grids))]
			}
			h, err := s.HoldMany(ctx, key, p, 1+rng.IntN(8))
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Slots) > 0 {
				at := windowTimes(t, s, key)
				for _, sl := range h.Slots {
					a, ok := at[sl.ID]
					if !ok {
						t.Fatalf("slot %d not in the window right after its booking", sl.ID)
					}
					all = append(all, booked{sl.ID, a, p})
				}
			}
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		for i, x := range all {
			n := 0
			for _, y := range all[:i] {
				if d := y.at.Sub(x.at); d > -x.pace.Span && d < x.pace.Span {
					n++
				}
			}
			if n > x.pace.Window-1 {
				t.Errorf("slot %d (grid %v) at %v has %d earlier-booked slots within a span, want at most %d", x.id, x.pace.Grid, x.at.Format("15:04:05.000000"), n, x.pace.Window-1)
			}
		}
		// And directly: no Span holds more than Window slots.
		ts := make([]time.Time, len(all))
		for i, b := range all {
			ts[i] = b.at
		}
		atMostWindowInSpan(t, ts, base.Span, base.Window)
		t.Logf("%d slots booked", len(all))
	})
}

// TestHoldManySlowChangesKeepWindow: the slow-down factor changes between
// bookings (a bulk 429 slows the rate to 80%, then it recovers), grid
// (of several sizes) and even bookings mixed, the slowed ones keeping a
// smaller Window: no Span holds more than the full rate's Window.
func TestHoldManySlowChangesKeepWindow(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		rng, grids := rand.New(rand.NewPCG(3, 4)), testGrids()
		const key = "slowgrid"
		full := storage.Pace{Interval: 1020 * time.Microsecond, Window: 50, Span: 70 * time.Millisecond, Ahead: 8 * time.Millisecond}
		slow := storage.Pace{Interval: 1275 * time.Microsecond, Window: 40, Span: 70 * time.Millisecond, Ahead: 10 * time.Millisecond}
		var ts []time.Time
		deadline := time.Now().Add(400 * time.Millisecond)
		for time.Now().Before(deadline) {
			p := full
			if rng.IntN(2) == 0 {
				p = slow
			}
			if rng.IntN(2) == 0 {
				p.Grid = grids[rng.IntN(len(grids))]
			}
			h, err := s.HoldMany(ctx, key, p, 1+rng.IntN(8))
			if err != nil {
				t.Fatal(err)
			}
			at := windowTimes(t, s, key)
			for _, sl := range h.Slots {
				ts = append(ts, at[sl.ID])
			}
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		atMostWindowInSpan(t, ts, full.Span, full.Window)
		t.Logf("%d slots booked", len(ts))
	})
}

// atMostWindowInSpan fails when some span of the slot times ts holds more
// than window of them.
func atMostWindowInSpan(t *testing.T, ts []time.Time, span time.Duration, window int) {
	t.Helper()
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	for i := range ts {
		j := i
		for j < len(ts) && ts[j].Sub(ts[i]) < span {
			j++
		}
		if j-i > window {
			t.Fatalf("%d slots in the %v from %v, want at most %d", j-i, span, ts[i].Format("15:04:05.000000"), window)
		}
	}
}
