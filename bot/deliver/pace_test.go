package deliver

import (
	"context"
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
	p.handOut(7, a)
	if err := p.Answered(ctx, 7, a.At.Add(WindowGuard)); err != nil {
		t.Fatal(err)
	}
	b := hold()
	if d := b.At.Sub(a.At); d < time.Second-5*time.Millisecond || d > time.Second+5*time.Millisecond {
		t.Errorf("the slot after one answered on time is %v after it, want 1s", d)
	}
	p.handOut(7, storage.Slot{ID: 424241, At: a.At.Add(-2 * time.Second)}) // an edit's, long ago: dropped
	p.handOut(7, b)
	p.handOut(8, storage.Slot{ID: 424242, At: b.At}) // another chat's slot: not this answer's
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
