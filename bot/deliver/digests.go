package deliver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/bot/tg"
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
		for {
			// Each look comes at most digestEvery after the last began,
			// on the clock's multiples of it (lease.Next): with the
			// lease's renewals and the program's other periodic work,
			// one wake-up of an idle replica.
			start := time.Now()
			if err := e.SendDueDigests(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("send digests", "error", err)
			}
			if !Sleep(ctx, time.Until(lease.Next(start, digestEvery))) {
				return nil
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

// sendDigest sends a chat the items held for it, in digests of at most
// maxDigestSize items, as long as Telegram takes them.
func (e *Engine) sendDigest(ctx context.Context, chatID int64) error {
	chat, items, err := e.takeDigest(ctx, chatID)
	if err != nil {
		return err
	}
	for len(items) > 0 {
		batch := items[:min(len(items), maxDigestSize)]
		items = items[len(batch):]
		if done, err := e.sendDigestBatch(ctx, chatID, chat, batch, items); done || err != nil {
			return err
		}
	}
	return nil
}

// takeDigest takes the items held for a chat's digest and keeps those
// still to send: not sent already, still wanted by the chat's filters.
// None when the chat left or is paused (its digest goes the way of its
// other jobs, and its subscriptions wait for a resume).
func (e *Engine) takeDigest(ctx context.Context, chatID int64) (storage.Chat, []feeds.Item, error) {
	ids, err := e.store.TakeDigest(ctx, chatID)
	if err != nil || len(ids) == 0 {
		return storage.Chat{}, nil, err
	}
	chat, err := e.store.Chat(ctx, chatID)
	if errors.Is(err, storage.ErrNotFound) {
		return chat, nil, nil // the chat left meanwhile
	}
	if err != nil {
		return chat, nil, err
	}
	if !chat.Paused.IsZero() {
		e.metrics.Sends.WithLabelValues("paused").Inc()
		return chat, nil, nil
	}
	all, err := e.store.Items(ctx, ids)
	if err != nil {
		return chat, nil, err
	}
	var items []feeds.Item
	for _, it := range all {
		sent, err := e.store.WasSent(ctx, chatID, it.ID)
		if err != nil {
			return chat, nil, err
		}
		if !sent && prefs.Wants(chat.Settings, it) {
			items = append(items, it)
		}
	}
	return chat, items, nil
}

// sendDigestBatch sends one digest of a chat's held items and applies
// Telegram's answer with the delivery workers' policy (judge). later are
// the items after this batch; done says they are settled too (the chat
// is gone, paused, moved, or the rest was held back for later).
func (e *Engine) sendDigestBatch(ctx context.Context, chatID int64, chat storage.Chat, batch, later []feeds.Item) (done bool, err error) {
	var msg sentNews
	err = e.pace(ctx, chatID)
	if err == nil {
		msg, err = e.sendNews(ctx, chatID, batch, chat, time.Time{})
	}
	rest := func() []string { // this batch and the ones after it
		ids := make([]string, 0, len(batch)+len(later))
		for _, it := range batch {
			ids = append(ids, it.ID)
		}
		for _, it := range later {
			ids = append(ids, it.ID)
		}
		return ids
	}
	switch judge(sendDigest, err) {
	case actForget:
		return true, e.store.ForgetChat(ctx, chatID)
	case actPause:
		return true, e.pauseChat(ctx, chatID, err)
	case actMigrate:
		var mig *tg.MigratedError
		errors.As(err, &mig)
		if err := e.store.MigrateChat(ctx, chatID, mig.To); err != nil {
			return true, fmt.Errorf("migrate chat %d: %w", chatID, err)
		}
		return true, e.store.HoldForDigest(ctx, mig.To, rest(), e.now())
	case actGiveUp:
		// Refused in every form: our bug, never retried; the items
		// are dropped for this chat as a dead-lettered card would be.
		e.metrics.Sends.WithLabelValues("rejected").Inc()
		e.log.Error("digest refused in every form, dropping it", "chat_id", chatID, "items", len(batch), "error", err)
		return false, nil
	case actPark, actRetry:
		// Put what is left back for later; the sent record keeps a retry
		// from repeating what did go out.
		wait := digestRetryIn(err)
		e.log.Warn("digest send failed, holding it", "chat_id", chatID, "retry_in", wait, "error", err)
		return true, e.store.HoldForDigest(ctx, chatID, rest(), e.now().Add(wait))
	}
	// One write for the batch; a digest's records keep its negated id,
	// so an edit of one item never turns the digest into one card.
	sent := make([]storage.Sent, len(batch))
	for i, it := range batch {
		sent[i] = storage.Sent{Delivery: storage.Delivery{Job: storage.Job{ChatID: chatID, ItemID: it.ID}},
			MessageID: sentMessageID(msg.ID, len(batch)), Photo: msg.Photo != "", At: e.now()}
	}
	if err := e.store.DeliveredMany(ctx, sent); err != nil {
		return true, fmt.Errorf("record digest: %w", err)
	}
	e.metrics.Sends.WithLabelValues("digest").Inc()
	return false, nil
}

// digestRetryIn is how long a digest whose send failed in a way that may
// pass later is held back: a minute, or the 429's retry_after when longer.
func digestRetryIn(err error) time.Duration {
	wait := time.Minute
	if rl, ok := errors.AsType[*tg.RateLimitError](err); ok {
		wait = max(wait, rl.RetryAfter)
	}
	return wait
}
