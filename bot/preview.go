package bot

import (
	"context"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// Preview makes the card a chat would get for a feed item, the way a poll
// and a delivery make it (poll.Poller.Enrich, then compose), without the store or
// Telegram: `akhbar preview` shows it to an operator checking a source.
// The chat is a new one in lang with the default settings. It returns the
// enriched item (cleaned title, summary) and the message.
func (b *Bot) Preview(ctx context.Context, src feeds.Source, it feeds.Item, lang string) (feeds.Item, Message) {
	it = b.poller.Enrich(ctx, src, it)
	return it, b.compose(0, []feeds.Item{it}, storage.Chat{Lang: lang})
}
