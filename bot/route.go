package bot

import "context"

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
		return b.handleCallback(ctx, u.Callback)
	case u.MyChatMember != nil:
		b.metrics.Updates.WithLabelValues("member").Inc()
		return b.handleMemberChange(ctx, u.MyChatMember)
	}
	b.metrics.Updates.WithLabelValues("other").Inc()
	return nil
}

// handleText answers a message that is not a command. Plain text is
// ignored for now.
func (b *Bot) handleText(ctx context.Context, m *InMessage) error {
	return nil
}
