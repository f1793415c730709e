package bot

import (
	"context"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestPacerGivesUpStaleSlots: a slot that went stale before its send could
// leave (the process was paused) is refused, not used late next to the
// other replicas' sends; a slot on time is used.
func TestPacerGivesUpStaleSlots(t *testing.T) {
	p := newPacer(storagetest.New(t), 100)
	ctx := context.Background()
	const interval = 10 * time.Millisecond
	if ok, err := p.leave(ctx, time.Now().Add(-time.Second), interval); err != nil || ok {
		t.Fatalf("leave(a slot 1s old) = %v, %v; want it refused", ok, err)
	}
	if ok, err := p.leave(ctx, time.Now().Add(5*time.Millisecond), interval); err != nil || !ok {
		t.Fatalf("leave(a slot 5ms ahead) = %v, %v; want it used", ok, err)
	}
	// take books fresh slots from Redis and returns once one is due.
	start := time.Now()
	for range 3 {
		if err := p.take(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("three slots at 100/s took %v", d)
	}
}
