package deliver

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/tg"
)

// TestJudge: every kind of Telegram answer, for every kind of send, gets
// the action of ../shared/TELEGRAM.md: a 429 parks, a chat gone is
// forgotten, a migration moves the chat, a chat the bot may not post to
// is paused, a refusal is never retried, anything else is retried; an
// edit, best effort, gives up where a card would retry or move.
func TestJudge(t *testing.T) {
	rl := &tg.RateLimitError{RetryAfter: 7 * time.Second}
	mig := &tg.MigratedError{To: -1002}
	wrapped := func(err error) error { return fmt.Errorf("send: %w", err) }
	for _, c := range []struct {
		name       string
		err        error
		card, edit action
	}{
		{"ok", nil, actSent, actSent},
		{"429", rl, actPark, actPark},
		{"429 wrapped", wrapped(rl), actPark, actPark},
		{"chat gone", tg.ErrChatGone, actForget, actForget},
		{"chat gone wrapped", wrapped(tg.ErrChatGone), actForget, actForget},
		{"cannot post", tg.ErrCannotPost, actPause, actPause},
		{"migrated", mig, actMigrate, actGiveUp},
		{"rejected", tg.ErrRejected, actGiveUp, actGiveUp},
		// As bot/telegram returns them: the part refused wraps ErrRejected.
		{"bad photo", fmt.Errorf("%w: %w: wrong type", tg.ErrRejected, tg.ErrBadPhoto), actGiveUp, actGiveUp},
		{"bad text", fmt.Errorf("%w: %w: can't parse", tg.ErrRejected, tg.ErrBadText), actGiveUp, actGiveUp},
		// No photos in a chat that takes text: sendNews has already sent
		// the text form, so what is left may pass later.
		{"no photos", fmt.Errorf("%w: not enough rights", tg.ErrNoPhotos), actRetry, actGiveUp},
		{"5xx", errors.New("telegram: 502 Bad Gateway"), actRetry, actGiveUp},
		{"timeout", context.DeadlineExceeded, actRetry, actGiveUp},
	} {
		if got := judge(sendCard, c.err); got != c.card {
			t.Errorf("%s: card → %v, want %v", c.name, got, c.card)
		}
		if got := judge(sendDigest, c.err); got != c.card {
			t.Errorf("%s: digest → %v, want %v (the cards' policy)", c.name, got, c.card)
		}
		if got := judge(sendEdit, c.err); got != c.edit {
			t.Errorf("%s: edit → %v, want %v", c.name, got, c.edit)
		}
	}
}

// TestDigestRetryIn: a digest that failed in a way that may pass later
// waits a minute, or a 429's retry_after when that is longer.
func TestDigestRetryIn(t *testing.T) {
	for _, c := range []struct {
		err  error
		want time.Duration
	}{
		{errors.New("502"), time.Minute},
		{&tg.RateLimitError{RetryAfter: 5 * time.Second}, time.Minute},
		{fmt.Errorf("send: %w", &tg.RateLimitError{RetryAfter: 3 * time.Minute}), 3 * time.Minute},
	} {
		if got := digestRetryIn(c.err); got != c.want {
			t.Errorf("digestRetryIn(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestJudgingASendThatWentAllocatesNothing: the error checks every send
// passes through (judge, transient, rateLimit) allocate only for an
// error: their errors.As targets escape to the heap, so they are declared
// after the nil check (issue 14 counted them among the allocations per
// delivery).
func TestJudgingASendThatWentAllocatesNothing(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if judge(sendCard, nil) != actSent || transient(nil) || rateLimit(nil) != nil {
			t.Fatal("a send that went is not judged sent")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations judging a send that went, want 0", allocs)
	}
}
