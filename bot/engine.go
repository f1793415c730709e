package bot

import (
	"context"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/bot/deliver"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// The delivery engine is bot/deliver's; this file wires it to the bot's
// store, Telegram, metrics, catalog and share buttons, and keeps the
// methods the bot's API and the conversation call.

// newEngine wires the delivery engine of b.
func newEngine(b *Bot) *deliver.Engine {
	cfg := deliver.Config{
		Limits: b.cfg.Limits, Workers: b.cfg.Workers, DigestThreshold: b.cfg.DigestThreshold,
		MaxAttempts: b.cfg.MaxAttempts, ShardLease: b.cfg.ShardLease, Backlog: b.cfg.Backlog,
		Location: b.cfg.Location, Now: b.cfg.Now,
		CountRateLimited: b.countRateLimited,
		BroadcastResult:  b.broadcastResult,
	}
	m := b.metrics
	dm := deliver.Metrics{Sends: m.Sends, SendTime: m.SendTime, Backlog: m.Backlog, DeadJobs: m.DeadJobs,
		Fallbacks: m.Fallbacks, Claimed: m.Claimed, GlobalParks: m.GlobalParks, Outages: m.Outages,
		SentAhead: m.SentAhead, Paused: m.Paused, Resumed: m.Resumed}
	return deliver.New(cfg, b.store, b.sender, renderer{b}, dm, b.log)
}

// renderer is the bot's cards as the engine renders them
// (deliver.Renderer).
type renderer struct{ b *Bot }

func (r renderer) Card(it feeds.Item, to storage.Chat) card.Card { return r.b.card(it, to) }
func (r renderer) SourceName(id string) string                   { return r.b.sourceName(id) }

// RunDelivery consumes the delivery stream as consumer until ctx ends
// (deliver.Engine.RunDelivery).
func (b *Bot) RunDelivery(ctx context.Context, consumer string) error {
	return b.eng.RunDelivery(ctx, consumer)
}

// RunDigests sends the digests that come due until ctx ends, while this
// replica holds the "digests" lease (deliver.Engine.RunDigests).
func (b *Bot) RunDigests(ctx context.Context, owner string) error {
	return b.eng.RunDigests(ctx, owner)
}

// SendDueDigests sends every digest due now (deliver.Engine.SendDueDigests).
func (b *Bot) SendDueDigests(ctx context.Context) error { return b.eng.SendDueDigests(ctx) }

// pacedSend sends a reply within the limits it shares with the cards.
func (b *Bot) pacedSend(ctx context.Context, m Message) (int, error) { return b.eng.PacedSend(ctx, m) }

// pace waits until one send to chatID may go.
func (b *Bot) pace(ctx context.Context, chatID int64) error { return b.eng.Pace(ctx, chatID) }

// compose is the message a delivery sends a chat for items.
func (b *Bot) compose(chatID int64, items []feeds.Item, to storage.Chat) Message {
	return b.eng.Compose(chatID, items, to)
}

// location resolves a chat's time zone, falling back to the bot's; each
// zone is loaded once (the engine's cache).
func (b *Bot) location(tz string) *time.Location { return b.eng.Location(tz) }

// resumeChat ends a chat's pause when a member-status update lets the bot
// post there again.
func (b *Bot) resumeChat(ctx context.Context, mc *MemberChange) error {
	return b.eng.ResumeChat(ctx, mc)
}

// card renders an item for a chat, in the chat's language and time zone,
// with its share buttons behind one «📤 مشاركة» button (shareCallback).
func (b *Bot) card(it feeds.Item, to storage.Chat) card.Card {
	c := card.Card{Item: it, SourceName: b.sourceName(it.SourceID), Loc: b.location(to.TZ), Lang: to.Lang,
		Buttons: b.cfg.CardButtons, Images: b.cfg.CardImages}
	if p := ItemStartPayload(it.ID); p != "" {
		c.ShareMenu = chat.CallbackData(chat.KindShareOpen, p)
	}
	return c
}

func (b *Bot) sourceName(id string) string { return b.cat().SourceName(id) }
