package bot

import (
	"context"

	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/feeds"
)

// HandleUpdate answers one update (chat.Conversation.HandleUpdate). Errors
// are about this update only; the update loop logs them and goes on.
func (b *Bot) HandleUpdate(ctx context.Context, u Update) error { return b.chat.HandleUpdate(ctx, u) }

// ItemStartPayload is the deep-link payload that opens an item's card
// (chat.ItemStartPayload); the delivery's share button carries it.
func ItemStartPayload(itemID string) string { return chat.ItemStartPayload(itemID) }

// ItemDeepLink is the t.me link that opens an item's card in a private
// chat with the bot; "" when the bot's username is unknown.
func (b *Bot) ItemDeepLink(itemID string) string { return b.chat.ItemDeepLink(itemID) }

// The fetcher for links people send is the conversation's (chat).
const LinkMaxBytes = chat.LinkMaxBytes

// NewLinkFetcher is the fetcher for links people send (chat.NewLinkFetcher).
func NewLinkFetcher(userAgent string, extraPorts ...int) *feeds.Fetcher {
	return chat.NewLinkFetcher(userAgent, extraPorts...)
}

// LinkFetcherOptions are its options (chat.LinkFetcherOptions).
func LinkFetcherOptions(userAgent string, extraPorts ...int) feeds.FetcherOptions {
	return chat.LinkFetcherOptions(userAgent, extraPorts...)
}
