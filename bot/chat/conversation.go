// Package chat is the conversation side of the bot: what people do in
// Telegram, and the dispatcher that hands their updates over in per-chat
// order. It declares what it needs of the store, of Telegram and of the
// delivery engine beside its use. It holds the dispatcher, the command
// parser and OPML over Telegram so far; the rest of the conversation
// (commands, callbacks, settings, search, inline, links, channels,
// operator views) is still package bot's and moves here use case by use
// case (issue 11).
package chat

import (
	"context"
	"log/slog"
	"time"

	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
)

// Sender is what the conversation needs of Telegram beyond sending, which
// goes through the Outbox's limits. bot/telegram implements it; OPML over
// Telegram asserts Documents from it.
type Sender interface {
	Edit(ctx context.Context, chatID int64, messageID int, m tg.Message) error
}

// Outbox is what the conversation needs of the delivery engine: sends
// within the limits that replies and cards share. bot.Bot provides it.
type Outbox interface {
	// Reply sends an answer to a person, unless the chat is paused.
	Reply(ctx context.Context, m tg.Message) error
	// PacedSend sends one message within the chat's and the bot's limits
	// and returns its id.
	PacedSend(ctx context.Context, m tg.Message) (int, error)
	// Pace waits until one send to the chat may go (for an edit or a
	// file, which do not go through PacedSend).
	Pace(ctx context.Context, chatID int64) error
}

// Catalog is the sources the bot offers now; a reload replaces them.
type Catalog interface {
	Sources() []feeds.Source
}

// Config is the part of the bot's configuration the conversation reads.
type Config struct {
	Location *time.Location // the bot's time zone
	// SourceList is the config file's sources, which operators export and
	// import as OPML from Telegram; nil where there is no file to change.
	SourceList SourceList
	Now        func() time.Time
}

// ProgressEvery is how often a long operator action's progress message is
// edited (an OPML import's checks, a broadcast's sends), so the edits stay
// far within the chat's limit.
const ProgressEvery = 3 * time.Second

// Conversation answers what people do in Telegram. It is moving out of
// package bot one use case at a time (issue 11); bot.Bot routes the
// updates it does not answer yet.
type Conversation struct {
	cfg    Config
	sender Sender
	out    Outbox
	cat    Catalog
	log    *slog.Logger
}

// New makes a Conversation. cfg's zero fields take the bot's defaults
// (UTC, time.Now); log may be nil.
func New(cfg Config, sender Sender, out Outbox, cat Catalog, log *slog.Logger) *Conversation {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Conversation{cfg: cfg, sender: sender, out: out, cat: cat, log: log}
}
