package bot

import (
	"context"
	"errors"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/deliver"
	"github.com/akhbar/akhbar/storage"
)

// editStore is what sending an edited item's card reads and writes (the
// poll notices edits and queues them: bot/poll); storage.Store implements
// it.
type editStore interface {
	Ack(ctx context.Context, ds ...storage.Delivery) error
	ForgetChat(ctx context.Context, id int64) error
	SentMessageKind(ctx context.Context, chatID int64, itemID string) (int, storage.SentKind, error)
}

// serveEdit updates one chat's card for an edited item, through the same
// limits as sends. Chats that never got the card, or got it inside a
// digest, are skipped. Edits are best effort: Telegram refusing one (too
// old, deleted) settles the job. The checks before it are the sends' own:
// one shared CheckSend round trip, the bot-wide slot, the shard's lease,
// and the same 429 policy.
func (b *Bot) serveEdit(ctx context.Context, chatID int64, d storage.Delivery, run *sendRun) outcome {
	now := b.now()
	done := outcome{done: 1}
	ack := func() outcome {
		if err := b.store.Ack(ctx, d); err != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
		return done
	}
	msgID, kind, err := b.store.SentMessageKind(ctx, chatID, d.ItemID)
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && msgID <= 0):
		return ack()
	case err != nil:
		return outcome{retryAt: now.Add(time.Second)}
	}
	sc, err := run.chk.Check(ctx, storage.SendQuery{ChatID: chatID, LimitKey: chatKey(chatID), Limit: b.chatLimit(chatID), Fetch: []string{d.ItemID}})
	if err != nil {
		return outcome{retryAt: now.Add(time.Second)}
	}
	switch paused, retryAt, ok := deliver.ChatReady(sc, now); {
	case paused:
		b.metrics.Sends.WithLabelValues("paused").Inc()
		return ack()
	case !ok:
		return outcome{retryAt: retryAt}
	}
	it, ok := sc.Items[d.ItemID]
	if !ok {
		return ack() // the item expired
	}
	chat := sc.Chat
	probe, retryAt, err := b.deliveryGate(run).Clear(ctx, chatID, now)
	if err != nil {
		return outcome{retryAt: retryAt}
	}
	c := b.card(it, chat)
	b.dl.items.Put(it.ID, it) // later sends of this item use the edited text
	b.dl.cards.Put(cardKey{it.ID, chat.Lang, chat.TZ}, c.Render())
	err = b.editCard(ctx, chatID, msgID, kind, c, chat)
	if out, parked := b.afterSend(chatID, err, probe); parked {
		return out // Telegram is down: the edit waits, like a send
	}
	var rl *RateLimitError
	global := b.dl.pacer.Observe(errors.As(err, &rl))
	switch {
	case rl != nil:
		return b.rateLimited(ctx, chatID, rl, global, now)
	case errors.Is(err, ErrChatGone):
		if ferr := b.store.ForgetChat(ctx, chatID); ferr != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
	case errors.Is(err, ErrCannotPost):
		if perr := b.pauseChat(ctx, chatID, err); perr != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
	case err != nil:
		b.log.Warn("edit card", "chat_id", chatID, "item_id", it.ID, "error", err)
		b.metrics.Sends.WithLabelValues("edit_failed").Inc()
	default:
		b.metrics.Sends.WithLabelValues("edited").Inc()
	}
	return ack()
}

// editCard edits a card already sent to a chat with the method that fits
// what was sent, whatever the item's new render would be: a photo's
// caption (cut to a caption's length) with editMessageCaption, a text
// message with editMessageText. A record from before the kind was kept is
// taken for what the new render is, and tried as the other kind once if
// Telegram says it is not.
func (b *Bot) editCard(ctx context.Context, chatID int64, msgID int, kind storage.SentKind, c card.Card, chat storage.Chat) error {
	photo := kind == storage.SentPhoto
	if kind == storage.SentUnknown {
		photo = b.forChat(c.Render(), chat).Photo != ""
	}
	err := b.sender.Edit(ctx, chatID, msgID, b.editForm(c, chat, photo))
	if kind == storage.SentUnknown && errors.Is(err, ErrWrongEditKind) {
		err = b.sender.Edit(ctx, chatID, msgID, b.editForm(c, chat, !photo))
	}
	return err
}

// editForm is a card's new text for a photo's caption or for a text
// message, with the chat's choices.
func (b *Bot) editForm(c card.Card, chat storage.Chat, photo bool) Message {
	if photo {
		m := c.Caption()
		m.EditCaption = true
		return m
	}
	m := c.Render()
	m.Photo = ""
	return b.forChat(m, chat)
}
