package chat

import (
	"testing"

	"github.com/akhbar/akhbar/bot/internal/wordingtest"
)

// TestWordingHasNoKnownSlips reads every sentence of the conversation's
// own wording, in both languages (package bot's test reads card's): none
// has a slip of the review, nor an embedding, override or isolate control
// (Telegram keeps only the LRM and RLM marks; Cmd places a command in an
// Arabic line).
func TestWordingHasNoKnownSlips(t *testing.T) {
	wordingtest.Check(t, map[string][2]any{
		"opml":     {opmlAr, opmlEn},
		"settings": {settingsAr, settingsEn},
		"search":   {arAsk, enAsk},
		"channels": {channelAr, channelEn},
		"operator": {opAr, opEn},
	}, 230)
}
