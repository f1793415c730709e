package deliver

import (
	"context"
	"errors"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
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
func (e *Engine) serveEdit(ctx context.Context, chatID int64, d storage.Delivery, run *sendRun) outcome {
	now := e.now()
	done := outcome{done: 1}
	ack := func() outcome {
		if err := e.store.Ack(ctx, d); err != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
		return done
	}
	msgID, kind, err := e.store.SentMessageKind(ctx, chatID, d.ItemID)
	switch edit, retry := editWanted(msgID, err); {
	case retry:
		return outcome{retryAt: now.Add(time.Second)}
	case !edit:
		return ack()
	}
	q := e.checkQuery(chatID)
	q.Fetch = []string{d.ItemID}
	sc, err := run.chk.Check(ctx, q)
	switch paused, retryAt, ok := e.ready(ctx, chatID, sc, err, now); {
	case paused:
		e.metrics.Sends.WithLabelValues("paused").Inc()
		return ack()
	case !ok:
		return outcome{retryAt: retryAt}
	}
	it, ok := sc.Items[d.ItemID]
	if !ok {
		return ack() // the item expired
	}
	chat := sc.Chat
	probe, retryAt, err := e.deliveryGate(run).Clear(ctx, chatID, now)
	if err != nil {
		return outcome{retryAt: retryAt}
	}
	c := e.render.Card(it, chat)
	e.dl.items.Put(it.ID, it) // later sends of this item use the edited text
	e.dl.cards.Put(cardKey{it.ID, chat.Lang, chat.TZ}, c.Render())
	err = e.editCard(ctx, chatID, msgID, kind, c, chat)
	if out, parked := e.afterSend(chatID, err, probe); parked {
		return out // Telegram is down: the edit waits, like a send
	}
	var rl *tg.RateLimitError
	global := e.dl.pacer.Observe(errors.As(err, &rl))
	switch judge(sendEdit, err) {
	case actPark:
		return e.rateLimited(ctx, chatID, rl, global, now)
	case actForget:
		if ferr := e.store.ForgetChat(ctx, chatID); ferr != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
	case actPause:
		if perr := e.pauseChat(ctx, chatID, err); perr != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
	case actGiveUp:
		e.log.Warn("edit card", "chat_id", chatID, "item_id", it.ID, "error", err)
		e.metrics.Sends.WithLabelValues("edit_failed").Inc()
	case actSent:
		e.metrics.Sends.WithLabelValues("edited").Inc()
	}
	return ack()
}

// editCard edits a card already sent to a chat with the method that fits
// what was sent, whatever the item's new render would be: a photo's
// caption (cut to a caption's length) with editMessageCaption, a text
// message with editMessageText. A record from before the kind was kept is
// taken for what the new render is, and tried as the other kind once if
// Telegram says it is not.
func (e *Engine) editCard(ctx context.Context, chatID int64, msgID int, kind storage.SentKind, c card.Card, chat storage.Chat) error {
	var err error
	for _, photo := range editKinds(kind, func() bool { return e.forChat(c.Render(), chat).Photo != "" }) {
		err = e.sender.Edit(ctx, chatID, msgID, e.editForm(c, chat, photo))
		if !errors.Is(err, tg.ErrWrongEditKind) {
			break
		}
	}
	return err
}

// editWanted is what an edited item's job does with the chat's sent
// record of the item (its message id, or the record's read error): edit
// it when the chat got it as a card; skip it when the chat never got it
// or got it inside a digest (whose record keeps the digest's negated id:
// an edit never turns a digest into one card); retry when the record
// could not be read.
func editWanted(msgID int, err error) (edit, retry bool) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, false
	case err != nil:
		return false, true
	}
	return msgID > 0, false
}

// editKinds are the kinds of message an edit tries, in order (true: a
// photo's caption, false: a text): the kind the sent record keeps, or for
// a record from before kinds were kept the kind the new render is
// (renderPhoto), then the other one should Telegram say it is not.
func editKinds(kind storage.SentKind, renderPhoto func() bool) []bool {
	switch kind {
	case storage.SentPhoto:
		return []bool{true}
	case storage.SentUnknown:
		photo := renderPhoto()
		return []bool{photo, !photo}
	}
	return []bool{false}
}

// editForm is a card's new text for a photo's caption or for a text
// message, with the chat's choices.
func (e *Engine) editForm(c card.Card, chat storage.Chat, photo bool) card.Message {
	if photo {
		m := c.Caption()
		m.EditCaption = true
		return m
	}
	m := c.Render()
	m.Photo = ""
	return e.forChat(m, chat)
}
