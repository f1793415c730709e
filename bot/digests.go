package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// How the digest sender runs: every digestEvery one replica (the holder of
// the "digests" lease) sends the digests that are due.
const (
	digestEvery    = 15 * time.Second
	digestLeaseTTL = time.Minute
	digestBatch    = 100
)

// holdIfWaiting applies a chat's own delivery choices to the items about to
// be sent: items its keyword filters reject are dropped (returned in
// dropped), and when its mode or quiet hours say "later", the rest are
// held in Redis for its next digest (held is true). Either way the caller
// acks those stream entries.
func (b *Bot) holdIfWaiting(ctx context.Context, chat storage.Chat, items []feeds.Item, now time.Time) (keep []feeds.Item, dropped []int, held bool, err error) {
	st := chat.Settings
	for i, it := range items {
		if Wants(st, it) {
			keep = append(keep, it)
		} else {
			dropped = append(dropped, i)
		}
	}
	if len(keep) == 0 {
		return nil, dropped, false, nil
	}
	at, _ := NextSend(st, b.location(chat.TZ), now)
	if !at.After(now) {
		return keep, dropped, false, nil
	}
	ids := make([]string, len(keep))
	for i, it := range keep {
		ids[i] = it.ID
	}
	if err := b.store.HoldForDigest(ctx, chat.ID, ids, at); err != nil {
		return nil, nil, false, err
	}
	return keep, dropped, true, nil
}

// RunDigests sends the digests that come due (hourly and daily modes, the
// end of quiet hours) until ctx ends. Only the replica holding the
// "digests" lease works, so a digest is sent once.
func (b *Bot) RunDigests(ctx context.Context, owner string) error {
	t := time.NewTicker(digestEvery)
	defer t.Stop()
	for {
		if ok, err := b.store.AcquireLease(ctx, "digests", owner, digestLeaseTTL); err == nil && ok {
			if err := b.SendDueDigests(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn("send digests", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SendDueDigests sends every digest due now: one message per chat (a card
// when a single item waited), paced by the chat's and the bot's limits.
func (b *Bot) SendDueDigests(ctx context.Context) error {
	for {
		now := b.now()
		chats, err := b.store.DueDigests(ctx, now, digestBatch)
		if err != nil || len(chats) == 0 {
			return err
		}
		for _, chatID := range chats {
			if err := b.sendDigest(ctx, chatID); err != nil {
				return err
			}
		}
		if len(chats) < digestBatch {
			return nil
		}
	}
}

func (b *Bot) sendDigest(ctx context.Context, chatID int64) error {
	ids, err := b.store.TakeDigest(ctx, chatID)
	if err != nil || len(ids) == 0 {
		return err
	}
	chat, err := b.store.Chat(ctx, chatID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // the chat left meanwhile
	}
	if err != nil {
		return err
	}
	all, err := b.store.Items(ctx, ids)
	if err != nil {
		return err
	}
	var items []feeds.Item
	for _, it := range all {
		sent, err := b.store.WasSent(ctx, chatID, it.ID)
		if err != nil {
			return err
		}
		if !sent && Wants(chat.Settings, it) {
			items = append(items, it)
		}
	}
	for len(items) > 0 {
		batch := items[:min(len(items), maxDigestSize)]
		items = items[len(batch):]
		msgID, err := b.pacedSend(ctx, b.compose(chatID, batch, chat))
		switch {
		case errors.Is(err, ErrChatGone):
			return b.store.ForgetChat(ctx, chatID)
		case err != nil:
			// Put what is left back for a minute later; the sent record
			// keeps a retry from repeating what did go out.
			rest := make([]string, 0, len(batch)+len(items))
			for _, it := range append(batch, items...) {
				rest = append(rest, it.ID)
			}
			b.log.Warn("digest send failed, holding for a minute", "chat_id", chatID, "error", err)
			return b.store.HoldForDigest(ctx, chatID, rest, b.now().Add(time.Minute))
		}
		// One write for the batch; a digest's records keep its negated id,
		// so an edit of one item never turns the digest into one card.
		sent := make([]storage.Sent, len(batch))
		for i, it := range batch {
			sent[i] = storage.Sent{Delivery: storage.Delivery{Job: storage.Job{ChatID: chatID, ItemID: it.ID}},
				MessageID: sentMessageID(msgID, len(batch)), At: b.now()}
		}
		if err := b.store.DeliveredMany(ctx, sent); err != nil {
			return fmt.Errorf("record digest: %w", err)
		}
		b.metrics.Sends.WithLabelValues("digest").Inc()
	}
	return nil
}

// pacedSend sends one message within the chat's and the bot's shared
// limits, waiting for a token as long as ctx allows. Replies and digests
// use it; the delivery workers book their tokens in batches instead.
func (b *Bot) pacedSend(ctx context.Context, m Message) (int, error) {
	for {
		wait, err := b.store.Allow(ctx, chatKey(m.ChatID), b.chatLimit(m.ChatID))
		if err != nil {
			return 0, err
		}
		if wait <= 0 {
			break
		}
		if !sleep(ctx, wait) {
			return 0, ctx.Err()
		}
	}
	if err := b.waitGlobal(ctx); err != nil {
		return 0, err
	}
	return b.send(ctx, m)
}
