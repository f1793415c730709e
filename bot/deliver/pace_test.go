package deliver

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestPacerGivesUpStaleSlots: a slot that went stale before its send could
// leave (the process was paused) is refused, not used late next to the
// other replicas' sends; a slot on time is used, and none while parked.
func TestPacerGivesUpStaleSlots(t *testing.T) {
	p := NewPacer(storagetest.New(t), 100)
	ctx := context.Background()
	if ok, err := p.leave(ctx, storage.Slot{At: time.Now().Add(-time.Second)}); err != nil || ok {
		t.Fatalf("leave(a slot 1s old) = %v, %v; want it refused", ok, err)
	}
	if ok, err := p.leave(ctx, storage.Slot{At: time.Now().Add(5 * time.Millisecond)}); err != nil || !ok {
		t.Fatalf("leave(a slot 5ms ahead) = %v, %v; want it used", ok, err)
	}
	// take books fresh slots from Redis and returns once one is due.
	start := time.Now()
	for range 3 {
		if err := p.Take(ctx, 7); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("three slots at 100/s took %v", d)
	}
	p.mu.Lock()
	p.parked = time.Now().Add(time.Hour)
	p.mu.Unlock()
	if ok, err := p.leave(ctx, storage.Slot{At: time.Now()}); err != nil || ok {
		t.Fatalf("leave while parked = %v, %v; want it refused", ok, err)
	}
}

// TestPacerShiftsLateAnswers: a send answered more than WindowGuard after
// its slot is counted in the shared window when it was answered (it
// arrived before that; less the guard the window's span has for every
// slot), so the slot a window later keeps a whole window from the answer;
// one answered on time is left at its slot.
func TestPacerShiftsLateAnswers(t *testing.T) {
	store := storagetest.New(t)
	p := NewPacer(store, 100)
	ctx := context.Background()
	pace := storage.Pace{Interval: time.Millisecond, Window: 1, Span: time.Second, Ahead: time.Minute}
	hold := func() storage.Slot {
		t.Helper()
		h, err := store.HoldMany(ctx, globalKey, pace, 1)
		if err != nil {
			t.Fatal(err)
		}
		return h.Slots[0]
	}
	// Local slot times carry the store's estimate of Redis's clock, taken
	// from its shortest round trip so far: a few round trips first (the
	// first one also connects and loads the script), so that it moves by
	// less than half a short round trip during the test.
	for range 5 {
		if _, err := store.HoldMany(ctx, "warm-up", pace, 1); err != nil {
			t.Fatal(err)
		}
	}
	a := hold()
	p.handOut(7, a, a.At)
	if err := p.Answered(ctx, 7, a.At.Add(WindowGuard)); err != nil {
		t.Fatal(err)
	}
	b := hold()
	if d := b.At.Sub(a.At); d < time.Second-5*time.Millisecond || d > time.Second+5*time.Millisecond {
		t.Errorf("the slot after one answered on time is %v after it, want 1s", d)
	}
	p.handOut(7, storage.Slot{ID: 424241, At: a.At.Add(-2 * time.Second)}, a.At) // an edit's, long ago: dropped
	p.handOut(7, b, b.At)
	p.handOut(8, storage.Slot{ID: 424242, At: b.At}, b.At) // another chat's slot: not this answer's
	if err := p.Answered(ctx, 7, b.At.Add(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	c := hold()
	// Shifted to the answer less the guard (the span's guard covers it).
	if want := time.Second + 300*time.Millisecond - WindowGuard; c.At.Sub(b.At) < want-5*time.Millisecond || c.At.Sub(b.At) > want+5*time.Millisecond {
		t.Errorf("the slot after one answered 300ms late is %v after it, want %v", c.At.Sub(b.At), want)
	}
	if p.shifted.Load() != 1 {
		t.Errorf("%d slots shifted, want 1", p.shifted.Load())
	}
	if err := p.Answered(ctx, 9, time.Now()); err != nil {
		t.Errorf("an answer without a slot: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sending) != 1 || len(p.sending[8]) != 1 {
		t.Errorf("slots waiting for answers %v, want chat 8's only", p.sending)
	}
}

// TestPaceSpacing checks the schedule the Pacer books: slots at 98% of the
// rate, a rate's worth in any second and a guard, slowed by a bulk 429.
func TestPaceSpacing(t *testing.T) {
	p := NewPacer(nil, 30)
	got := p.pace()
	want := storage.Pace{Interval: 34013605 * time.Nanosecond, Window: 30, Span: 1020 * time.Millisecond, Ahead: 2 * 34013605 * time.Nanosecond}
	if got != want {
		t.Errorf("pace at 30/s = %+v, want %+v", got, want)
	}
	p.slow = 0.5
	if got := p.pace(); got.Window != 15 || got.Span != 1020*time.Millisecond || got.Interval != 68027210*time.Nanosecond {
		t.Errorf("pace at 30/s slowed by half = %+v, want 15 in 1.02s, 68ms apart", got)
	}
}

// TestGridFor: a grid holds about a booking's worth of slots (count
// intervals) and the Span is a whole number of grids, to within a µs a
// grid; slots further apart than bunchGap (Telegram's 30/s, or a rate
// slowed by bulk 429s below about 200/s) never bunch.
func TestGridFor(t *testing.T) {
	for name, tc := range map[string]struct {
		rate, slow float64
		want       time.Duration
	}{
		"1000/s":               {1000, 1, 51 * time.Millisecond},
		"1000/s slowed to 80%": {1000, 0.8, 63750 * time.Microsecond},
		"300/s":                {300, 1, 51 * time.Millisecond},
		"250/s":                {250, 1, 53684 * time.Microsecond},
		"200/s":                {200, 1, 0},
		"1000/s slowed to 10%": {1000, 0.1, 0},
		"30/s":                 {30, 1, 0},
	} {
		t.Run(name, func(t *testing.T) {
			p := NewPacer(nil, tc.rate)
			p.slow = tc.slow
			pace := p.pace()
			grid := gridFor(pace, p.n)
			if grid != tc.want {
				t.Fatalf("grid of %+v by %d = %v, want %v", pace, p.n, grid, tc.want)
			}
			if grid == 0 {
				return
			}
			grids := pace.Span / grid
			if rest := pace.Span - grids*grid; rest >= time.Duration(grids)*time.Microsecond {
				t.Errorf("span %v = %d grids of %v and %v, want a whole number to within a µs a grid", pace.Span, grids, grid, rest)
			}
			if per := float64(grid) / float64(pace.Interval); per < 0.9*float64(p.n) || per > 1.1*float64(p.n) {
				t.Errorf("%.1f slots a grid, want about a booking's %d", per, p.n)
			}
		})
	}
	if NewPacer(nil, 30).room.may || !NewPacer(nil, 300).room.may {
		t.Error("want the pacer to bunch at 300/s, never at 30/s")
	}
}

// TestPacerTakesBackUnusedSlots: a slot handed out for a send that was not
// made (the chat's shard changed hands while it waited) goes to the next
// send, not lost: when a replica joins mid-fan-out, every sender waiting
// with a chat of a shard handed over would otherwise waste one.
func TestPacerTakesBackUnusedSlots(t *testing.T) {
	p := NewPacer(storagetest.New(t), 100)
	ctx := context.Background()
	if err := p.Take(ctx, 7); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	given := p.sending[7][0]
	p.mu.Unlock()
	p.Unused(7)
	if err := p.Take(ctx, 8); err != nil {
		t.Fatal(err)
	}
	p.Unused(9) // no slot handed out: nothing to give back
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sending[7]) != 0 {
		t.Errorf("chat 7 still holds %v", p.sending[7])
	}
	if got := p.sending[8]; len(got) != 1 || got[0].ID != given.ID {
		t.Errorf("chat 8 was given %v, want the slot chat 7 gave back (%v)", got, given)
	}
	if len(p.slots) > p.n {
		t.Errorf("%d slots held after unused(9) on a chat with none, want at most a batch (%d)", len(p.slots), p.n)
	}
}

// TestPacerTellsBulk429s: a bulk limit a little below the bot's rate
// refuses a share of every second's sends, interleaved with answered ones;
// five such 429s among twenty sends are the bulk limit. Per-chat 429s, one
// among many answered sends, are not.
func TestPacerTellsBulk429s(t *testing.T) {
	p := NewPacer(storagetest.New(t), 100)
	bulk := false
	for i := range 20 {
		limited := i%4 == 3 // 15 answered, 5 refused, interleaved
		if p.Observe(limited) {
			bulk = true
		}
	}
	if !bulk {
		t.Error("5 refusals among 20 sends in a second were not taken for the bulk limit")
	}
	q := NewPacer(storagetest.New(t), 100)
	for i := range 60 {
		if q.Observe(i%15 == 14) { // 4 refused among 60
			t.Fatalf("a per-chat 429 among many answered sends (send %d) taken for the bulk limit", i)
		}
	}
}

// TestPacerBunchesWithinTheWindow: two replicas share the bot-wide
// schedule at 1,000/s, one booking bunched slots (its answers had room),
// the other even ones, and some sends are answered late (shifted). Each
// send leaves at its slot (Take waits for it) and arrives at the latest
// WindowGuard after it, or after the time it was shifted to: any rate's
// worth of sends of both replicas, in the order they arrive, still
// arrives at least a second after the one before them, though the bunched
// ones leave up to a grid before their interval's time (the window
// counts them when they leave, and its span is not widened).
func TestPacerBunchesWithinTheWindow(t *testing.T) {
	store := storagetest.New(t)
	ctx := context.Background()
	bunched, even := NewPacer(store, 1000), NewPacer(store, 1000)
	now := time.Now()
	bunched.room.since, bunched.room.good, bunched.room.last = now.Add(-time.Second), bunched.room.need, now
	pb, pe := bunched.booking(now), even.booking(now)
	if pb.Grid != 51*time.Millisecond || pe.Grid != 0 || pb.Span != pe.Span || pb.Span != time.Second+WindowGuard {
		t.Fatalf("bookings %+v (bunching) and %+v (even), want the 51ms grid only on the first, both spanning 1s and the guard", pb, pe)
	}
	for range 5 { // the clock's estimate settles on a short round trip
		if _, err := store.HoldMany(ctx, "warm-up", pe, 1); err != nil {
			t.Fatal(err)
		}
	}
	type send struct {
		slot    storage.Slot
		arrived time.Time // at the latest
	}
	var sends []send
	book := func(p *Pacer, pace storage.Pace) []storage.Slot {
		t.Helper()
		pace.Ahead = time.Hour // book ahead of time instead of waiting for it
		h, err := store.HoldMany(ctx, globalKey, pace, p.n)
		if err != nil || len(h.Slots) != p.n {
			t.Fatalf("hold: %v, %v", h, err)
		}
		return h.Slots
	}
	// Four windows' worth, by turns, every 7th send answered 30 ms late.
	for k := 0; len(sends) < 4*pb.Window; k++ {
		p, pace := bunched, pb
		if k%2 == 1 {
			p, pace = even, pe
		}
		for _, sl := range book(p, pace) {
			if sl.Grid != pace.Grid {
				t.Fatalf("slot %+v of a booking on grid %v", sl, pace.Grid)
			}
			s := send{slot: sl, arrived: sl.At.Add(WindowGuard)}
			if len(sends)%7 == 3 {
				answered := sl.At.Add(WindowGuard + 30*time.Millisecond)
				p.handOut(int64(len(sends)), sl, sl.At)
				if err := p.Answered(ctx, int64(len(sends)), answered); err != nil {
					t.Fatal(err)
				}
				s.arrived = answered
			}
			sends = append(sends, s)
		}
	}
	// The latest a send arrives against the earliest (when it leaves, at
	// its slot) of the one a rate's worth later, in arrival order: the
	// rate's worth between them arrived after the first, before the last.
	slices.SortFunc(sends, func(a, b send) int { return a.arrived.Compare(b.arrived) })
	leaves := make([]time.Time, len(sends))
	for i, s := range sends {
		leaves[i] = s.slot.At
	}
	slices.SortFunc(leaves, func(a, b time.Time) int { return a.Compare(b) })
	// Slot times move with the store's estimate of Redis's clock, by a
	// fraction of a short round trip.
	const clockSlack = time.Millisecond
	for i := 0; i+pb.Window < len(sends); i++ {
		if gap := leaves[i+pb.Window].Sub(sends[i].arrived); gap < time.Second-clockSlack {
			t.Fatalf("the %d-th send to leave, at %v, left %v after the %d-th arrived (%+v): %d sends in less than a second",
				i+pb.Window, leaves[i+pb.Window], gap, i, sends[i], pb.Window+1)
		}
	}
}

// TestPacerKeepsTheRateBunched: slots booked bunched, back to back, share
// the start of their grid and keep the even schedule's rate: a window of
// them does not reach the span, so none is held back by it, and the last
// leaves no later than the even one would have.
func TestPacerKeepsTheRateBunched(t *testing.T) {
	store := storagetest.New(t)
	ctx := context.Background()
	p := NewPacer(store, 1000)
	now := time.Now()
	p.room.since, p.room.good, p.room.last = now.Add(-time.Second), p.room.need, now
	pace := p.booking(now)
	pace.Ahead = time.Hour
	var slots []storage.Slot
	for len(slots) < 3*pace.Window {
		h, err := store.HoldMany(ctx, globalKey, pace, p.n)
		if err != nil {
			t.Fatal(err)
		}
		slots = append(slots, h.Slots...)
	}
	// The first slot is at its booking's now, the last at most an
	// interval per slot after it (Redis's clock moves meanwhile).
	first, last := slots[0].At, slots[len(slots)-1].At
	want := time.Duration(len(slots)-1) * pace.Interval
	if got := last.Sub(first); got > want+50*time.Millisecond {
		t.Errorf("%d bunched slots span %v, want %v at most: the window held some back", len(slots), got, want)
	}
	// Slot times move with the store's estimate of Redis's clock, by a
	// fraction of a short round trip.
	const clockSlack = time.Millisecond
	times := map[time.Time]bool{}
	for i, sl := range slots {
		if sl.Grid != pace.Grid || (i > 0 && sl.At.Before(slots[i-1].At.Add(-clockSlack))) {
			t.Fatalf("slot %d %+v after %+v: want bunched slots in order", i, sl, slots[i-1])
		}
		times[sl.At] = true
	}
	// Nearly 50 slots a grid (98% of 1,000/s, 51 ms); a grid that began
	// before its booking (Redis's clock moves on while the test books)
	// starts at the booking's time instead, a time of its own.
	if max := len(slots) / 30; pace.Grid != 51*time.Millisecond || len(times) > max {
		t.Errorf("%d bunched slots on a %v grid at %d times, want a 51ms grid and %d times at most", len(slots), pace.Grid, len(times), max)
	}
}

// TestHeadroom: slots bunch once every send for bunchCalm was answered
// with room (an even slot's answer counted bunchCost later, for the bunch
// it would have left with), by enough answers; a send answered or
// leaving later than bunchLimit after its slot turns it back to even for
// another bunchCalm, and so does a second without answers. At 30/s the
// slots never bunch.
func TestHeadroom(t *testing.T) {
	t0 := time.Now()
	h := headroom{may: true, need: 10}
	even := func(at time.Time) storage.Slot { return storage.Slot{At: at} }
	onGrid := func(at time.Time) storage.Slot { return storage.Slot{At: at, Grid: 51 * time.Millisecond} }
	at := t0
	answer := func(n int, every, late time.Duration, slot func(time.Time) storage.Slot) {
		for range n {
			at = at.Add(every)
			h.observe(at, slot(at.Add(-late)), true)
		}
	}
	if h.bunch(at) {
		t.Fatal("bunching before any answer")
	}
	answer(30, 10*time.Millisecond, bunchLimit-bunchCost, even) // 300 ms, within room
	if !h.bunch(at) {
		t.Fatalf("not bunching after %v of even sends answered %v after their slots", 300*time.Millisecond, bunchLimit-bunchCost)
	}
	answer(1, time.Millisecond, bunchLimit-bunchCost+time.Millisecond, even)
	if h.bunch(at) {
		t.Fatal("bunching after an even send answered with no room for a grid")
	}
	answer(20, 10*time.Millisecond, bunchLimit, onGrid) // 200 ms: not calm long enough
	if h.bunch(at) {
		t.Fatal("bunching again before bunchCalm")
	}
	answer(6, 10*time.Millisecond, bunchLimit, onGrid)
	if !h.bunch(at) {
		t.Fatal("not bunching after bunchCalm of bunched sends answered within bunchLimit")
	}
	at = at.Add(time.Millisecond)
	h.observe(at, onGrid(at.Add(-bunchLimit-time.Millisecond)), false) // left late: its sender was busy
	if h.bunch(at) {
		t.Fatal("bunching after a send left later than bunchLimit after its slot")
	}
	answer(30, 10*time.Millisecond, 0, onGrid)
	if !h.bunch(at) {
		t.Fatal("not bunching after bunchCalm of sends answered at once")
	}
	if h.bunch(at.Add(bunchIdle + time.Millisecond)) {
		t.Fatal("bunching after a second without answers")
	}
	at = at.Add(2 * bunchIdle)
	answer(30, 10*time.Millisecond, 0, onGrid)
	if !h.bunch(at) {
		t.Fatal("not bunching after bunchCalm of answers, past an idle second")
	}
	few := headroom{may: true, need: 10}
	for range 5 { // half the answers needed, over a second
		at = at.Add(200 * time.Millisecond)
		few.observe(at, even(at), true)
	}
	if few.bunch(at) {
		t.Error("bunching after 5 answers, 10 needed")
	}
	slow := NewPacer(nil, 30)
	slow.room.since, slow.room.good, slow.room.last = t0, slow.room.need, t0.Add(time.Second)
	if pace := slow.booking(t0.Add(time.Second)); pace.Grid != 0 || pace != slow.pace() {
		t.Errorf("booking at 30/s = %+v, want the even pace %+v", pace, slow.pace())
	}
}

// TestPacerWakesABunchTogether: the senders of a bunch (slots of a grid
// sharing their time) wait for one timer, which lets them all leave at
// their slot; one whose context ends stops waiting, and an even slot
// waits on its own.
func TestPacerWakesABunchTogether(t *testing.T) {
	p := NewPacer(storagetest.New(t), 1000)
	ctx := context.Background()
	at := time.Now().Add(100 * time.Millisecond)
	slot := storage.Slot{ID: 1, At: at, Grid: 51 * time.Millisecond}
	left := make(chan time.Time, 4)
	for range 4 {
		go func() {
			if ok, err := p.leave(ctx, slot); !ok || err != nil {
				t.Errorf("leave(%+v) = %v, %v", slot, ok, err)
			}
			left <- time.Now()
		}()
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if ok, err := p.leave(cctx, slot); ok || err == nil {
		t.Errorf("leave with its context ended = %v, %v; want it stopped", ok, err)
	}
	p.mu.Lock()
	if len(p.wakes) != 1 {
		t.Errorf("%d timers for one bunch, want 1", len(p.wakes))
	}
	p.mu.Unlock()
	for range 4 {
		if got := <-left; got.Before(at) {
			t.Errorf("a send of the bunch at %v left at %v, before it", at, got)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.wakes) != 0 {
		t.Errorf("%d bunches still waiting after they left", len(p.wakes))
	}
}
