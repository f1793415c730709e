package bot

import (
	"context"

	"github.com/akhbar/akhbar/bot/chat"
)

// OPML over Telegram is the conversation's (chat.SourceList,
// chat.Documents); the aliases keep bot.Config.SourceList's type the name
// cmd uses and bot/telegram documents.
type (
	SourceList = chat.SourceList
	Documents  = chat.Documents
)

// outbox is the delivery engine as the conversation sees it
// (chat.Outbox): the replies' sends, within the limits they share with
// the cards. A type of its own, so bot.Bot's API does not grow.
type outbox struct{ b *Bot }

func (o outbox) Reply(ctx context.Context, m Message) error { return o.b.reply(ctx, m) }

func (o outbox) PacedSend(ctx context.Context, m Message) (int, error) {
	return o.b.pacedSend(ctx, m)
}

func (o outbox) Pace(ctx context.Context, chatID int64) error { return o.b.pace(ctx, chatID) }

// newConversation wires the part of the conversation that has left bot.
func newConversation(b *Bot) *chat.Conversation {
	return chat.New(chat.Config{Location: b.cfg.Location, SourceList: b.cfg.SourceList, Now: b.cfg.Now},
		b.sender, outbox{b}, b, b.log)
}
