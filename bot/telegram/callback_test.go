package telegram

import (
	"context"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/telegramtest"
)

// TestAnswerCallbackFitsTelegram: a toast over Telegram's 200 characters
// (a note naming a long source) is cut with an ellipsis, not refused, and
// one that fits is sent as it is.
func TestAnswerCallbackFitsTelegram(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	user := telegramtest.User{ID: 42, FirstName: "علياء"}
	chat := telegramtest.Chat{ID: 42, Type: "private"}
	note := "✅ تم الاشتراك في " + strings.Repeat("مصدر ", 60) + "."
	tests := map[string]struct{ text, want string }{
		"fits":      {strings.Repeat("خ", 200), strings.Repeat("خ", 200)},
		"one more":  {strings.Repeat("خ", 201), strings.Repeat("خ", 199) + "…"},
		"long note": {note, strings.TrimSpace(string([]rune(note)[:199])) + "…"},
		"no toast":  {"", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			id := srv.CallbackQuery(chat, user, 1, "x")
			if err := c.AnswerCallback(context.Background(), id, tt.text); err != nil {
				t.Fatalf("AnswerCallback: %v", err)
			}
			answers := srv.CallbackAnswers()
			if got := answers[len(answers)-1].Text; got != tt.want {
				t.Errorf("sent %q, want %q", got, tt.want)
			}
		})
	}
}
