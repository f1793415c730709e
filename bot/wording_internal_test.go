package bot

import (
	"testing"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/internal/wordingtest"
)

// TestWordingHasNoKnownSlips reads every sentence the bot writes to chats
// and operators, in both languages: none has a slip of the review, nor an
// embedding, override or isolate control (Telegram keeps only the LRM and
// RLM marks; Cmd places a command in an Arabic line).
func TestWordingHasNoKnownSlips(t *testing.T) {
	wordings := map[string][2]any{
		"card.Texts":         {card.Texts("ar"), card.Texts("en")},
		"card.BreakingTexts": {card.BreakingTexts("ar"), card.BreakingTexts("en")},
		"settings":           {settingsAr, settingsEn},
		"search":             {arAsk, enAsk},
		"channels":           {channelAr, channelEn},
		"operator":           {opAr, opEn},
	}
	wordingtest.Check(t, wordings, 150)
}
