package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// itemReader is the item a share button names; storage.Store implements it.
type itemReader interface {
	Item(ctx context.Context, id string) (feeds.Item, error)
}

// shareWait bounds how long a press of a share menu's way back in a group
// or a channel waits for a token of the chat's limit before its edit is
// left undone.
const shareWait = 3 * time.Second

// shareCallback answers a card's share button and the share menu's way
// back. In a private chat it edits the card's keyboard in place, its text
// untouched. In a group or a channel the keyboard is every reader's: an
// edit there would flip it for everyone and take a token of the chat's
// limit (20 a minute), so a rush of readers sharing a popular post would
// spend the budget its news needs. There the share button answers with
// the item's deep link instead, which opens the reader's private chat with
// the bot on the item's card, whose share button shows the menu privately.
// Anyone may press it, a channel's readers too: sharing changes nothing of
// the chat.
func (h *turn) shareCallback(ctx context.Context, cb *tg.Callback, chat storage.Chat, kind Kind, payload, lang string) error {
	it, found, err := h.sharedItem(ctx, payload)
	if err != nil {
		return err
	}
	if !found {
		return h.sender.AnswerCallback(ctx, cb.ID, card.Texts(lang).ShareGone)
	}
	if kind == KindShareOpen && cb.Chat.Type != "private" {
		if link := h.ItemDeepLink(it.ID); link != "" {
			return h.sender.AnswerCallbackURL(ctx, cb.ID, link)
		}
		// Without the bot's username there is no link to the private
		// chat. A toast pointing to the story's link, not today's edit:
		// a newsroom would rather its readers share from the article page
		// than have their presses spend the chat's budget for its news.
		return h.sender.AnswerCallback(ctx, cb.ID, card.Texts(lang).ShareInGroup)
	}
	c := h.card(it, chat)
	c.Lang = lang
	rows := c.Render().Buttons
	if kind == KindShareOpen {
		rows = c.ShareKeyboard(CallbackData(KindShareBack, payload))
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	if cb.Chat.Type != "private" {
		// Only the way back from a menu opened in the chat before share
		// presses there answered with a link: rare, and still paced.
		wctx, cancel := context.WithTimeout(ctx, shareWait)
		err := h.out.Pace(wctx, cb.Chat.ID)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			h.log.Debug("share menu edit left undone: no token in time", "chat_id", cb.Chat.ID, "error", err)
			return nil
		}
	}
	if err := h.out.EditKeyboard(ctx, cb.Chat.ID, cb.MessageID, rows); err != nil {
		return fmt.Errorf("share menu in %d: %w", cb.Chat.ID, err)
	}
	return nil
}

// sharedItem reads the item a share button names.
func (h *turn) sharedItem(ctx context.Context, payload string) (feeds.Item, bool, error) {
	for _, id := range itemIDsOf(payload) {
		it, err := h.store.Item(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return feeds.Item{}, false, fmt.Errorf("share %s: %w", payload, err)
		}
		return it, true, nil
	}
	return feeds.Item{}, false, nil
}
