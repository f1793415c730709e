package bot

import (
	"context"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// IndexForSearch indexes an item the way a poll does, for tests that seed
// items without polling.
func (b *Bot) IndexForSearch(ctx context.Context, it feeds.Item) { b.chat.Index(ctx, it) }

// Enrich cleans and summarises an item the way a poll does.
func (b *Bot) Enrich(ctx context.Context, src feeds.Source, it feeds.Item) feeds.Item {
	return b.poller.Enrich(ctx, src, it)
}

// Compose is the message a delivery sends a chat for items: one card, or
// a digest of several.
func (b *Bot) Compose(chatID int64, items []feeds.Item, chat storage.Chat) Message {
	return b.compose(chatID, items, chat)
}

// InlineResults are the checked inline results for items, as an inline
// answer carries them.
func (b *Bot) InlineResults(items []feeds.Item, lang string) []InlineResult {
	return b.chat.InlineResults(items, lang)
}

// PaceStats counts this replica's slots shifted in the bot-wide window
// (answered late), given up as stale and booked bunched.
func (b *Bot) PaceStats() (shifted, gaveUp, bunched int64) {
	return b.eng.PaceStats()
}
