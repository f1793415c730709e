package chat

import (
	"context"

	"github.com/akhbar/akhbar/bot/tg"
)

// migrateStore is moving a chat that became a supergroup; storage.Store
// implements it.
type migrateStore interface {
	MigrateChat(ctx context.Context, from, to int64) error
}

// HandleUpdate answers one update. Errors are about this update only; the
// update loop logs them and goes on. The update is answered from one
// snapshot of the catalog (turn), so a reload while it is handled never
// mixes two lists of sources in one answer.
func (c *Conversation) HandleUpdate(ctx context.Context, u tg.Update) error {
	return c.turn().route(ctx, u)
}

// route hands an update to its handler.
func (h *turn) route(ctx context.Context, u tg.Update) error {
	switch {
	case u.Message != nil && u.Message.MigrateTo != 0:
		h.metrics.Updates.WithLabelValues("migrate").Inc()
		return h.store.MigrateChat(ctx, u.Message.Chat.ID, u.Message.MigrateTo)
	case u.Message != nil:
		h.metrics.Updates.WithLabelValues("message").Inc()
		return h.handleMessage(ctx, u.Message)
	case u.Callback != nil:
		h.metrics.Updates.WithLabelValues("callback").Inc()
		kind, arg := DecodeCallback(u.Callback.Data)
		switch kind {
		case KindOperator:
			return h.operatorCallback(ctx, u.Callback, arg)
		case KindSearch:
			return h.searchCallback(ctx, u.Callback, arg)
		}
		return h.handleCallback(ctx, u.Callback, kind, arg)
	case u.MyChatMember != nil:
		h.metrics.Updates.WithLabelValues("member").Inc()
		return h.handleMemberChange(ctx, u.MyChatMember)
	case u.InlineQuery != nil:
		h.metrics.Updates.WithLabelValues("inline").Inc()
		return h.handleInline(ctx, u.InlineQuery)
	}
	h.metrics.Updates.WithLabelValues("other").Inc()
	return nil
}

// handleText answers a message that is not a command: a link sent in a
// private chat, or in a group with the bot mentioned, gets the page's
// card. Other text is left alone, so people can talk in groups.
func (h *turn) handleText(ctx context.Context, m *tg.InMessage) error {
	return h.handleLink(ctx, m)
}
