package bot

import (
	"context"
	"errors"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// OPML over Telegram is the conversation's (chat.SourceList,
// chat.Documents); the aliases keep bot.Config.SourceList's type the name
// cmd uses and bot/telegram documents.
type (
	SourceList = chat.SourceList
	Documents  = chat.Documents
	// InlineAnswerer answers inline queries (chat.InlineAnswerer).
	InlineAnswerer = chat.InlineAnswerer
)

// outbox is the delivery engine as the conversation sees it
// (chat.Outbox): the replies' sends, within the limits they share with
// the cards, and the cards as deliveries render them. A type of its own,
// so bot.Bot's API does not grow.
type outbox struct{ b *Bot }

func (o outbox) Reply(ctx context.Context, m Message) error { return o.b.reply(ctx, m) }

func (o outbox) ReplyIn(ctx context.Context, m Message, to storage.Chat) error {
	return o.b.replyIn(ctx, m, to)
}

func (o outbox) ReplyChange(ctx context.Context, to storage.Chat, ch storage.SubChange, reply func(changed bool) Message) error {
	return o.b.replyChange(ctx, to, ch, reply)
}

func (o outbox) PacedSend(ctx context.Context, m Message) (int, error) {
	return o.b.pacedSend(ctx, m)
}

func (o outbox) Pace(ctx context.Context, chatID int64) error { return o.b.pace(ctx, chatID) }

func (o outbox) Card(it feeds.Item, c storage.Chat) card.Card { return o.b.card(it, c) }

func (o outbox) Location(tz string) *time.Location { return o.b.location(tz) }

func (o outbox) ResumeChat(ctx context.Context, mc *MemberChange) error {
	return o.b.resumeChat(ctx, mc)
}

// EditKeyboard replaces a message's buttons; a Bot API server without
// copy_text refuses a keyboard with a copy button, so it gets the
// keyboard without it, as a card falls back (sendNews).
func (o outbox) EditKeyboard(ctx context.Context, chatID int64, messageID int, rows [][]Button) error {
	m := Message{ChatID: chatID, Buttons: rows, EditButtons: true}
	err := o.b.sender.Edit(ctx, chatID, messageID, m)
	if errors.Is(err, ErrRejected) && card.HasCopyButton(rows) {
		m.Buttons = card.WithoutCopyButtons(rows)
		err = o.b.sender.Edit(ctx, chatID, messageID, m)
	}
	return err
}

// newConversation wires the conversation to the store, Telegram and the
// delivery engine.
func newConversation(b *Bot) *chat.Conversation {
	cfg := b.cfg
	return chat.New(chat.Config{
		Location: cfg.Location, SourceList: cfg.SourceList, Now: cfg.Now,
		BotName: cfg.BotName, BotUsername: cfg.BotUsername, BotID: cfg.BotID, Operators: cfg.Operators,
		SummaryChars: cfg.SummaryChars, LinkFetcher: cfg.LinkFetcher, AdminTTL: 5 * time.Minute,
		Metrics: chat.Metrics{Updates: b.metrics.Updates, Fallbacks: b.metrics.Fallbacks, Jobs: b.metrics.Jobs},
	}, b.store, b.sender, outbox{b}, catalogOf{b}, b.log)
}
