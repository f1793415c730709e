package deliver

import "testing"

// TestCheckAheadOnlyAtFastRates: senders take one chat at a time at
// Telegram's rate, and a few at a fan-out's hundreds a second, never more
// than their sends within checkAheadHold.
func TestCheckAheadOnlyAtFastRates(t *testing.T) {
	for _, c := range []struct {
		rate    float64
		workers int
		want    int
	}{{30, 16, 1}, {150, 8, 2}, {300, 16, 2}, {1000, 16, 7}, {5000, 32, maxCheckAhead}, {1000, 0, maxCheckAhead}} {
		if got := checkAhead(c.rate, c.workers); got != c.want {
			t.Errorf("checkAhead(%v/s, %d senders) = %d, want %d", c.rate, c.workers, got, c.want)
		}
	}
}
