package bot_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage"
)

// keepFailsOnce is the store whose first KeepUpdates fails, as a Redis
// blip would after the batch's rate was taken.
type keepFailsOnce struct {
	*storage.Store
	mu     sync.Mutex
	failed bool
}

func (s *keepFailsOnce) KeepUpdates(ctx context.Context, us []storage.InboxUpdate, lease time.Duration) ([]int64, error) {
	s.mu.Lock()
	first := !s.failed
	s.failed = true
	s.mu.Unlock()
	if first {
		return nil, errors.New("keep updates: connection reset")
	}
	return s.Store.KeepUpdates(ctx, us, lease)
}

// A batch Accept refuses is asked for again (telegram.Poll; a webhook's
// 503 is sent again): its senders' rate was already taken when the write
// failed, and must not be taken a second time, or commands well within
// the rate are dropped unanswered. At f1b6ebb the second Accept took three
// more tokens of a rate of 3 and dropped all three commands.
func TestAcceptAskedAgainTakesTheRateOnce(t *testing.T) {
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot"}, telegramtest.Options{})
	inbox := &keepFailsOnce{Store: h.store}
	d := chat.NewDispatcher(h.bot, inbox, slog.New(slog.DiscardHandler),
		bot.DispatchOptions{QueuePerChat: 20, UserRate: storage.Limit{Rate: 3, Period: time.Minute}}, nil)
	ctx := context.Background()
	p := bot.User{ID: 571, FirstName: "قارئ", LanguageCode: "ar"}
	var us []bot.Update
	for i := range 3 {
		us = append(us, bot.Update{ID: int64(300 + i), Message: &bot.InMessage{ID: i + 1, Chat: bot.Chat{ID: p.ID, Type: "private"}, From: p, Text: "/help"}})
	}
	if err := d.Accept(ctx, us); err == nil {
		t.Fatal("the first Accept did not fail")
	}
	if err := d.Accept(ctx, us); err != nil {
		t.Fatal(err)
	}
	if s := d.Stats(); s.UserRate != 0 || s.Held != 3 {
		t.Errorf("after the batch came again: dropped %d over the rate, holding %d; want 0 and 3", s.UserRate, s.Held)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = d.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitUntil(t, "the three commands answered", 8*time.Second, func() bool { return len(h.tg.SentTo(p.ID)) == 3 })
}
