package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// editStore is what noticing and sending an edited item reads and writes;
// storage.Store implements it.
type editStore interface {
	Ack(ctx context.Context, ds ...storage.Delivery) error
	Enqueue(ctx context.Context, jobs []storage.Job) error
	ForgetChat(ctx context.Context, id int64) error
	Item(ctx context.Context, id string) (feeds.Item, error)
	ItemHashes(ctx context.Context, sourceID string, ids []string) ([]string, error)
	SaveItem(ctx context.Context, it feeds.Item) error
	SentMessageKind(ctx context.Context, chatID int64, itemID string) (int, storage.SentKind, error)
	SetItemHashes(ctx context.Context, sourceID string, hashes map[string]string) error
}

// editWindow is how long after publication a publisher's edit of an item
// still updates the cards already sent.
const editWindow = 48 * time.Hour

// contentHash identifies what a feed says about an item, to notice edits.
func contentHash(it feeds.Item) string {
	h := sha256.Sum256([]byte(it.Title + "\x00" + it.Content + "\x00" + it.Link + "\x00" + it.Image))
	return hex.EncodeToString(h[:8])
}

// noticeEdits compares the feed's items with the hashes stored at the last
// poll and re-publishes the ones a publisher changed (seen before, changed
// since, published within editWindow). It stores the current hashes.
func (b *Bot) noticeEdits(ctx context.Context, src feeds.Source, items []feeds.Item, isNew map[string]bool, first bool, now time.Time, reads *pollReads) (int, error) {
	ids := make([]string, len(items))
	current := make(map[string]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
		current[it.ID] = contentHash(it)
	}
	stored, err := b.store.ItemHashes(ctx, src.ID, ids)
	if err != nil {
		return 0, err
	}
	edited, changed := 0, len(items) == 0
	for i, it := range items {
		if stored[i] != current[it.ID] {
			changed = true // a new, edited or first-seen item: the stored hashes need rewriting
		}
		if first || isNew[it.ID] || stored[i] == "" || stored[i] == current[it.ID] || now.Sub(it.Published) > editWindow {
			continue
		}
		n, err := b.republishEdit(ctx, src, it, reads)
		if err != nil {
			return edited, err
		}
		if n > 0 {
			edited++
		}
	}
	if !changed {
		return edited, nil // nothing new or edited; items that left the feed are forgotten at the next change
	}
	return edited, b.store.SetItemHashes(ctx, src.ID, current)
}

// republishEdit saves the edited item and queues an edit of its card for
// every chat the item reaches; delivery edits only the chats that got it.
// It returns the number of edit jobs (0 when the card would not change).
func (b *Bot) republishEdit(ctx context.Context, src feeds.Source, it feeds.Item, reads *pollReads) (int, error) {
	old, err := b.store.Item(ctx, it.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil // expired: no card left to edit
	}
	if err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	it = b.enrich(ctx, src, it)
	it.Published = old.Published // an edit keeps the item's place in /latest
	it.History = old.History
	if it.Title == old.Title && it.Summary == old.Summary && it.Link == old.Link && it.Image == old.Image {
		return 0, nil
	}
	if err := b.store.SaveItem(ctx, it); err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	b.dl.recent.drop(it.ID) // same-story detection reads the edit
	b.indexForSearch(ctx, it)
	if it.History {
		return 0, nil // no chat was sent it: no card to edit
	}
	// The chats that got the card followed the item's old topics; those
	// of its new ones are asked too, and serveEdit skips any that did not.
	chats, err := reads.subscribers(ctx, append(targetsOf(old), targetsOf(it)...))
	if err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	jobs := make([]storage.Job, len(chats))
	for i, c := range chats {
		jobs[i] = storage.Job{ChatID: c, ItemID: it.ID, Edit: true}
	}
	if err := b.store.Enqueue(ctx, jobs); err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	b.log.Info("item edited by its source", "source_id", src.ID, "item_id", it.ID, "title", it.Title, "jobs", len(jobs))
	return len(jobs), nil
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
	sc, err := run.chk.check(ctx, storage.SendQuery{ChatID: chatID, LimitKey: chatKey(chatID), Limit: b.chatLimit(chatID), Fetch: []string{d.ItemID}})
	if err != nil {
		return outcome{retryAt: now.Add(time.Second)}
	}
	switch paused, retryAt, ok := chatReady(sc, now); {
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
	probe, retryAt, err := b.deliveryGate(run).clear(ctx, chatID, now)
	if err != nil {
		return outcome{retryAt: retryAt}
	}
	c := b.card(it, chat)
	b.dl.items.put(it.ID, it) // later sends of this item use the edited text
	b.dl.cards.put(cardKey{it.ID, chat.Lang, chat.TZ}, c.Render())
	err = b.editCard(ctx, chatID, msgID, kind, c, chat)
	if out, parked := b.afterSend(chatID, err, probe); parked {
		return out // Telegram is down: the edit waits, like a send
	}
	var rl *RateLimitError
	global := b.dl.pacer.observe(errors.As(err, &rl))
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
