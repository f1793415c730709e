package chat

import (
	"strings"
	"testing"
	"time"
)

// TestCompactDurationSpeaksTheOperatorsLanguage: an Arabic operator reads
// durations in Arabic units, not Go's "7m00s"; an English one as before.
func TestCompactDurationSpeaksTheOperatorsLanguage(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		ar, en string
	}{
		{-time.Second, "0 ث", "0s"},
		{45 * time.Second, "45 ث", "45s"},
		{7 * time.Minute, "7 د", "7m00s"},
		{3*time.Minute + 20*time.Second, "3 د 20 ث", "3m20s"},
		{2*time.Hour + 5*time.Minute, "2 س 05 د", "2h05m"},
		{3 * time.Hour, "3 س", "3h00m"},
		{76 * time.Hour, "3 ي 04 س", "3d04h"},
	} {
		if got := compactDuration("ar", c.d); got != c.ar {
			t.Errorf("ar %v: %q, want %q", c.d, got, c.ar)
		}
		// English is embedded left to right in its line: compare the text.
		got := strings.Map(func(r rune) rune {
			if r == '\u200e' || r == '\u200f' {
				return -1
			}
			return r
		}, compactDuration("en", c.d))
		if got != c.en {
			t.Errorf("en %v: %q, want %q", c.d, got, c.en)
		}
	}
}
