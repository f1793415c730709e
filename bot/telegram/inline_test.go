package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/google/go-cmp/cmp"
)

// An inline query arrives through the polling loop as bot.InlineQuery, and
// the answer reaches the fake with every field the library's InlineConfig
// would lose: cache_time 0, thumbnail_url, a copy_text button.
func TestInlineQueryRoundTrip(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	srv.InlineQuery(telegramtest.User{ID: 9, FirstName: "ليلى", LanguageCode: "ar"}, "أسعار الذهب", "20")

	ctx, cancel := context.WithCancel(context.Background())
	var got *bot.InlineQuery
	handle := func(ctx context.Context, u bot.Update) error {
		defer cancel()
		got = u.InlineQuery
		if got == nil {
			t.Errorf("update %+v carries no inline query", u)
			return nil
		}
		return c.AnswerInline(ctx, got.ID, bot.InlineAnswer{
			Results: []bot.InlineResult{{
				ID: "a1", Title: "ارتفاع أسعار الذهب", Description: "المملكة · ارتفعت أسعار الذهب",
				Text:    "<b>ارتفاع أسعار الذهب</b>\n\nارتفعت الأسعار 40 قرشاً.",
				Buttons: [][]bot.Button{{{Text: "اقرأ الخبر", URL: "https://example.com/1"}, {Text: "نسخ الرابط", CopyText: "https://example.com/1"}}},
				URL:     "https://example.com/1", Thumbnail: "https://example.com/1.jpg",
			}},
			NextOffset: "40", CacheTime: 0, IsPersonal: true,
		})
	}
	done := make(chan struct{})
	go func() {
		c.Poll(ctx, &memOffsets{}, time.Second, each(handle), slog.New(slog.DiscardHandler))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("poll did not finish")
	}
	if got == nil || got.Query != "أسعار الذهب" || got.Offset != "20" || got.From.ID != 9 || got.From.LanguageCode != "ar" {
		t.Fatalf("inline query = %+v", got)
	}
	answers := srv.InlineAnswers()
	if len(answers) != 1 {
		t.Fatalf("%d answers, want 1", len(answers))
	}
	a := answers[0]
	if a.CacheTime != 0 || !a.IsPersonal || a.NextOffset != "40" {
		t.Errorf("cache_time %d, is_personal %v, next_offset %q; want 0, true, 40", a.CacheTime, a.IsPersonal, a.NextOffset)
	}
	var results []map[string]any
	if err := json.Unmarshal(a.Results, &results); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{
		"type": "article", "id": "a1", "title": "ارتفاع أسعار الذهب", "description": "المملكة · ارتفعت أسعار الذهب",
		"url": "https://example.com/1", "thumbnail_url": "https://example.com/1.jpg",
		"input_message_content": map[string]any{
			"message_text": "<b>ارتفاع أسعار الذهب</b>\n\nارتفعت الأسعار 40 قرشاً.", "parse_mode": "HTML",
			"link_preview_options": map[string]any{"is_disabled": true},
		},
		"reply_markup": map[string]any{"inline_keyboard": []any{[]any{
			map[string]any{"text": "اقرأ الخبر", "url": "https://example.com/1"},
			map[string]any{"text": "نسخ الرابط", "copy_text": map[string]any{"text": "https://example.com/1"}},
		}}},
	}}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results mismatch (-want +got):\n%s", diff)
	}
}

func TestAnswerInlineErrors(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	user := telegramtest.User{ID: 9, FirstName: "x"}
	many := make([]bot.InlineResult, 51)
	for i := range many {
		many[i] = bot.InlineResult{ID: strconv.Itoa(i), Title: "t", Text: "x"}
	}
	tests := map[string]struct {
		a      bot.InlineAnswer
		target error
	}{
		"bad HTML is our bug":  {bot.InlineAnswer{Results: []bot.InlineResult{{ID: "1", Title: "t", Text: "<b>غير مغلق"}}}, bot.ErrRejected},
		"more than 50 results": {bot.InlineAnswer{Results: many}, nil},
		"duplicate result ids": {bot.InlineAnswer{Results: []bot.InlineResult{{ID: "1", Title: "t", Text: "x"}, {ID: "1", Title: "u", Text: "y"}}}, nil},
		"next_offset too long": {bot.InlineAnswer{NextOffset: string(make([]byte, 65))}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id := srv.InlineQuery(user, "q", "")
			err := c.AnswerInline(ctx, id, tc.a)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("err = %v, want %v", err, tc.target)
			}
		})
	}
}
