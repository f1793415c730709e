package bot

import "context"

// migrateStore is moving a chat that became a supergroup; storage.Store
// implements it.
type migrateStore interface {
	MigrateChat(ctx context.Context, from, to int64) error
}

// HandleUpdate answers one update. Errors are about this update only; the
// update loop logs them and goes on.
func (b *Bot) HandleUpdate(ctx context.Context, u Update) error {
	switch {
	case u.Message != nil && u.Message.MigrateTo != 0:
		b.metrics.Updates.WithLabelValues("migrate").Inc()
		return b.store.MigrateChat(ctx, u.Message.Chat.ID, u.Message.MigrateTo)
	case u.Message != nil:
		b.metrics.Updates.WithLabelValues("message").Inc()
		return b.handleMessage(ctx, u.Message)
	case u.Callback != nil:
		b.metrics.Updates.WithLabelValues("callback").Inc()
		kind, arg := decodeCallback(u.Callback.Data)
		switch kind {
		case cbOperator:
			return b.operatorCallback(ctx, u.Callback, arg)
		case cbSearch:
			return b.searchCallback(ctx, u.Callback, arg)
		}
		return b.handleCallback(ctx, u.Callback, kind, arg)
	case u.MyChatMember != nil:
		b.metrics.Updates.WithLabelValues("member").Inc()
		return b.handleMemberChange(ctx, u.MyChatMember)
	case u.InlineQuery != nil:
		b.metrics.Updates.WithLabelValues("inline").Inc()
		return b.handleInline(ctx, u.InlineQuery)
	}
	b.metrics.Updates.WithLabelValues("other").Inc()
	return nil
}

// handleText answers a message that is not a command: a link sent in a
// private chat, or in a group with the bot mentioned, gets the page's
// card. Other text is left alone, so people can talk in groups.
func (b *Bot) handleText(ctx context.Context, m *InMessage) error {
	return b.handleLink(ctx, m)
}
