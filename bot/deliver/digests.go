package deliver

import (
	"context"
	"errors"
	"fmt"
	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"time"

	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/lease"
)

// digestStore is digests: the held items per chat, when each is due, and
// what was already sent; storage.Store implements it.
type digestStore interface {
	Allow(ctx context.Context, key string, l storage.Limit) (time.Duration, error)
	Chat(ctx context.Context, id int64) (storage.Chat, error)
	DeliveredMany(ctx context.Context, sent []storage.Sent) error
	DueDigests(ctx context.Context, now time.Time, n int) ([]int64, error)
	ForgetChat(ctx context.Context, id int64) error
	HoldForDigest(ctx context.Context, chatID int64, itemIDs []string, due time.Time) error
	Items(ctx context.Context, ids []string) ([]feeds.Item, error)
	MigrateChat(ctx context.Context, from, to int64) error
	TakeDigest(ctx context.Context, chatID int64) ([]string, error)
	WasSent(ctx context.Context, chatID int64, itemID string) (bool, error)
}

// How the digest sender runs: every digestEvery one replica (the holder of
// the "digests" lease) sends the digests that are due.
const (
	digestEvery    = 15 * time.Second
	digestLeaseTTL = time.Minute
	digestBatch    = 100
)

// holdIfWaiting applies a chat's own delivery choices to the items about to
// be sent: items its keyword filters reject are dropped (their indexes in
// dropped), and when its mode or quiet hours say "later", the rest are held
// in Redis for its next digest (their indexes in held), except breaking
// news, which goes at once unless the chat lets it wait (prefs.PlanFor
// decides; this writes the held items). keep is what goes now. The caller
// acks the dropped and held items' stream entries.
func (e *Engine) holdIfWaiting(ctx context.Context, chat storage.Chat, items []feeds.Item, now time.Time) (keep []feeds.Item, dropped, held []int, err error) {
	plan := prefs.PlanFor(chat.Settings, e.Location(chat.TZ), items, now)
	for _, i := range plan.Keep {
		keep = append(keep, items[i])
	}
	if len(plan.Held) > 0 {
		ids := make([]string, len(plan.Held))
		for k, i := range plan.Held {
			ids[k] = items[i].ID
		}
		if err := e.store.HoldForDigest(ctx, chat.ID, ids, plan.At); err != nil {
			return nil, nil, nil, err
		}
	}
	return keep, plan.Dropped, plan.Held, nil
}

// RunDigests sends the digests that come due (hourly and daily modes, the
// end of quiet hours) until ctx ends. Only the replica holding the
// "digests" lease works, so a digest is sent once.
func (e *Engine) RunDigests(ctx context.Context, owner string) error {
	// The lease is renewed every digestEvery; a sender that could not
	// renew it for half its time stops, before another replica can take
	// it and send the same digests.
	spec := lease.Spec{Name: "digests", Owner: owner, TTL: digestLeaseTTL, Renew: digestEvery, Stop: digestLeaseTTL / 2}
	return lease.Lead(ctx, e.store, spec, digestEvery, e.log, func(ctx context.Context) error {
		t := time.NewTicker(digestEvery)
		defer t.Stop()
		for {
			if err := e.SendDueDigests(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("send digests", "error", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	})
}

// SendDueDigests sends every digest due now: one message per chat (a card
// when a single item waited), paced by the chat's and the bot's limits.
func (e *Engine) SendDueDigests(ctx context.Context) error {
	for {
		now := e.now()
		chats, err := e.store.DueDigests(ctx, now, digestBatch)
		if err != nil || len(chats) == 0 {
			return err
		}
		for _, chatID := range chats {
			if err := e.sendDigest(ctx, chatID); err != nil {
				return err
			}
		}
		if len(chats) < digestBatch {
			return nil
		}
	}
}

func (e *Engine) sendDigest(ctx context.Context, chatID int64) error {
	ids, err := e.store.TakeDigest(ctx, chatID)
	if err != nil || len(ids) == 0 {
		return err
	}
	chat, err := e.store.Chat(ctx, chatID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // the chat left meanwhile
	}
	if err != nil {
		return err
	}
	if !chat.Paused.IsZero() {
		// The bot may not post there: the digest goes the way of the
		// chat's other jobs, and its subscriptions wait for a resume.
		e.metrics.Sends.WithLabelValues("paused").Inc()
		return nil
	}
	all, err := e.store.Items(ctx, ids)
	if err != nil {
		return err
	}
	var items []feeds.Item
	for _, it := range all {
		sent, err := e.store.WasSent(ctx, chatID, it.ID)
		if err != nil {
			return err
		}
		if !sent && prefs.Wants(chat.Settings, it) {
			items = append(items, it)
		}
	}
	for len(items) > 0 {
		batch := items[:min(len(items), maxDigestSize)]
		items = items[len(batch):]
		// The same policy as the delivery workers' (settle).
		var msg sentNews
		err := e.pace(ctx, chatID)
		if err == nil {
			msg, err = e.sendNews(ctx, chatID, batch, chat)
		}
		rest := func() []string { // this batch and the ones after it
			ids := make([]string, 0, len(batch)+len(items))
			for _, it := range batch {
				ids = append(ids, it.ID)
			}
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			return ids
		}
		var rl *tg.RateLimitError
		var mig *tg.MigratedError
		switch {
		case errors.Is(err, tg.ErrChatGone):
			return e.store.ForgetChat(ctx, chatID)
		case errors.Is(err, tg.ErrCannotPost):
			return e.pauseChat(ctx, chatID, err)
		case errors.As(err, &mig):
			if err := e.store.MigrateChat(ctx, chatID, mig.To); err != nil {
				return fmt.Errorf("migrate chat %d: %w", chatID, err)
			}
			return e.store.HoldForDigest(ctx, mig.To, rest(), e.now())
		case errors.Is(err, tg.ErrRejected):
			// Refused in every form: our bug, never retried; the items
			// are dropped for this chat as a dead-lettered card would be.
			e.metrics.Sends.WithLabelValues("rejected").Inc()
			e.log.Error("digest refused in every form, dropping it", "chat_id", chatID, "items", len(batch), "error", err)
			continue
		case err != nil:
			// Put what is left back for later (a minute, or the 429's
			// retry_after); the sent record keeps a retry from repeating
			// what did go out.
			wait := time.Minute
			if errors.As(err, &rl) {
				wait = max(wait, rl.RetryAfter)
			}
			e.log.Warn("digest send failed, holding it", "chat_id", chatID, "retry_in", wait, "error", err)
			return e.store.HoldForDigest(ctx, chatID, rest(), e.now().Add(wait))
		}
		// One write for the batch; a digest's records keep its negated id,
		// so an edit of one item never turns the digest into one card.
		sent := make([]storage.Sent, len(batch))
		for i, it := range batch {
			sent[i] = storage.Sent{Delivery: storage.Delivery{Job: storage.Job{ChatID: chatID, ItemID: it.ID}},
				MessageID: sentMessageID(msg.ID, len(batch)), Photo: msg.Photo != "", At: e.now()}
		}
		if err := e.store.DeliveredMany(ctx, sent); err != nil {
			return fmt.Errorf("record digest: %w", err)
		}
		e.metrics.Sends.WithLabelValues("digest").Inc()
	}
	return nil
}

// pacedSend sends one message within the chat's and the bot's shared
// limits, waiting for a token as long as ctx allows. Replies use it; the
// delivery workers book their tokens in batches instead. When Telegram
// refuses the message it sends at once the simpler forms a card falls back
// to (without the photo, the copy button, the buttons; see sendNews), each
// in a slot of the bot-wide rate; a reply has no plain-text form of its own.
func (e *Engine) pacedSend(ctx context.Context, m card.Message) (int, error) {
	if err := e.pace(ctx, m.ChatID); err != nil {
		return 0, err
	}
	for {
		id, err := e.send(ctx, m)
		if err == nil {
			return id, nil
		}
		next, step := simpler(m, err, nil)
		if step == "" {
			return 0, err
		}
		e.metrics.Fallbacks.WithLabelValues(step).Inc()
		e.log.Warn("reply refused, sending a simpler form", "chat_id", m.ChatID, "fallback", step, "error", err)
		if werr := e.waitGlobal(ctx, m.ChatID); werr != nil {
			return 0, err
		}
		m = next
	}
}

// pace waits for a token of the chat's limit and a slot of the bot-wide
// rate, as long as ctx allows: one send may go.
func (e *Engine) pace(ctx context.Context, chatID int64) error {
	for {
		wait, err := e.store.Allow(ctx, chatKey(chatID), e.chatLimit(chatID))
		if err != nil {
			return err
		}
		if wait <= 0 {
			break
		}
		if !Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
	_, _, err := e.replyGate().Clear(ctx, chatID, e.now())
	return err
}
