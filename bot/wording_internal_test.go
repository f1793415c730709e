package bot

import (
	"testing"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/internal/wordingtest"
)

// TestWordingHasNoKnownSlips reads every sentence of card's wording, in
// both languages (bot/chat's test reads the conversation's): none has a slip of the review, nor an
// embedding, override or isolate control (Telegram keeps only the LRM and
// RLM marks; Cmd places a command in an Arabic line).
func TestWordingHasNoKnownSlips(t *testing.T) {
	wordings := map[string][2]any{
		"card.Texts":         {card.Texts("ar"), card.Texts("en")},
		"card.BreakingTexts": {card.BreakingTexts("ar"), card.BreakingTexts("en")},
	}
	wordingtest.Check(t, wordings, 110)
}
