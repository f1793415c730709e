package chat

import (
	"testing"

	"github.com/akhbar/akhbar/bot/internal/wordingtest"
)

// TestWordingHasNoKnownSlips reads every sentence of the conversation's
// own wording, in both languages (package bot's test reads the wording
// still there, and card's).
func TestWordingHasNoKnownSlips(t *testing.T) {
	wordingtest.Check(t, map[string][2]any{
		"opml": {opmlAr, opmlEn},
	}, 18)
}
