// Package chat is the conversation side of the bot: what people do in
// Telegram (commands, buttons, settings, search, inline mode, links,
// channels managed from a private chat, the operators' views and OPML),
// and the dispatcher that hands their updates over in per-chat order. It
// declares what it needs of the store, of Telegram and of the delivery
// engine beside its use; package bot wires it to them.
package chat

import (
	"context"
	"log/slog"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the conversation needs of the shared store: one small
// interface per concern, each declared beside the code that uses it.
// storage.Store implements it.
type Store interface {
	chatStore
	settingsStore
	channelStore
	inlineStore
	itemReader
	searchStore
	linkStore
	operatorStore
	migrateStore
}

// Sender is what the conversation needs of Telegram beyond sending, which
// goes through the Outbox's limits. bot/telegram implements it; OPML over
// Telegram asserts Documents from it, inline mode InlineAnswerer.
type Sender interface {
	Edit(ctx context.Context, chatID int64, messageID int, m tg.Message) error
	AnswerCallback(ctx context.Context, callbackID, text string) error
	// AnswerCallbackURL answers a button press by opening url in the
	// user's app: a t.me link to this bot (…?start=payload), the only
	// kind Telegram accepts outside games.
	AnswerCallbackURL(ctx context.Context, callbackID, url string) error
	// ChatMemberStatus is getChatMember's status: creator, administrator,
	// member, restricted, left or kicked.
	ChatMemberStatus(ctx context.Context, chatID, userID int64) (string, error)
	// ChatInfo is getChat, for a chat id or "@username".
	ChatInfo(ctx context.Context, ref string) (tg.Chat, error)
}

// Outbox is what the conversation needs of the delivery engine: sends
// within the limits that replies and cards share, and the cards as the
// delivery renders them. bot.Bot provides it.
type Outbox interface {
	// Reply sends an answer to a person, unless the chat is paused.
	Reply(ctx context.Context, m tg.Message) error
	// ReplyIn is Reply to a chat whose record the turn has just read (to,
	// m.ChatID's): whether it is paused is to's, not read again.
	ReplyIn(ctx context.Context, m tg.Message, to storage.Chat) error
	// ReplyChange makes a subscription change (ch, of to's chat) and
	// sends the reply that reports it, reply(changed), as ReplyIn: the
	// change is stored before the reply leaves, written in the round trip
	// of the reply's chat token. A paused chat gets the change alone.
	ReplyChange(ctx context.Context, to storage.Chat, ch storage.SubChange, reply func(changed bool) tg.Message) error
	// PacedSend sends one message within the chat's and the bot's limits
	// and returns its id.
	PacedSend(ctx context.Context, m tg.Message) (int, error)
	// Pace waits until one send to the chat may go (for an edit or a
	// file, which do not go through PacedSend).
	Pace(ctx context.Context, chatID int64) error
	// Card is an item's card for a chat, as a delivery sends it.
	Card(it feeds.Item, c storage.Chat) card.Card
	// Location is a chat's time zone (tz, else the bot's).
	Location(tz string) *time.Location
	// ResumeChat ends a chat's pause when a member-status update lets the
	// bot post there again.
	ResumeChat(ctx context.Context, mc *tg.MemberChange) error
	// EditKeyboard replaces a message's buttons, falling back to a
	// keyboard Telegram takes (without copy buttons) when it refuses one.
	EditKeyboard(ctx context.Context, chatID int64, messageID int, rows [][]tg.Button) error
}

// Catalog hands out the sources the bot offers now, one snapshot at a
// time; a reload replaces the snapshot, never changes one.
type Catalog interface {
	Lineup() *Lineup
}

// ArticleReader reads the page at a link: feeds.Fetcher.Article, or local
// mode's, which answers its sample items' links offline.
type ArticleReader interface {
	Article(ctx context.Context, pageURL string) (*feeds.Article, error)
}

// Metrics are the bot's collectors the conversation counts in; their
// names are bot's (bot.Metrics).
type Metrics struct {
	Updates   *prometheus.CounterVec // kind
	Fallbacks *prometheus.CounterVec // step
	Jobs      prometheus.Counter     // delivery jobs enqueued (a broadcast's)
}

// Config is the part of the bot's configuration the conversation reads.
type Config struct {
	Location *time.Location // the bot's time zone
	// SourceList is the config file's sources, which operators export and
	// import as OPML from Telegram; nil where there is no file to change.
	SourceList   SourceList
	Now          func() time.Time
	BotName      string  // shown in the welcome text
	BotUsername  string  // for /cmd@username, mentions and deep links
	BotID        int64   // the bot's user id, to check it is an admin where it must post
	Operators    []int64 // user ids that get the operator commands in their private chat
	SummaryChars int     // a link card's summary budget
	// LinkFetcher reads the pages of links people send; it keeps the
	// SSRF guard on.
	LinkFetcher ArticleReader
	AdminTTL    time.Duration // how long an admin check is cached
	Metrics     Metrics
}

// ProgressEvery is how often a long operator action's progress message is
// edited (an OPML import's checks, a broadcast's sends), so the edits stay
// far within the chat's limit.
const ProgressEvery = 3 * time.Second

// Conversation answers what people do in Telegram.
type Conversation struct {
	cfg     Config
	store   Store
	sender  Sender
	out     Outbox
	cat     Catalog
	log     *slog.Logger
	metrics Metrics
}

// New makes a Conversation. cfg's zero fields take the bot's defaults
// (UTC, time.Now, 5 minutes of admin cache, unregistered metrics); log
// may be nil.
func New(cfg Config, store Store, sender Sender, out Outbox, cat Catalog, log *slog.Logger) *Conversation {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AdminTTL <= 0 {
		cfg.AdminTTL = 5 * time.Minute
	}
	if cfg.Metrics.Updates == nil {
		cfg.Metrics.Updates = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_updates_total"}, []string{"kind"})
	}
	if cfg.Metrics.Fallbacks == nil {
		cfg.Metrics.Fallbacks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_fallbacks_total"}, []string{"step"})
	}
	if cfg.Metrics.Jobs == nil {
		cfg.Metrics.Jobs = prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_delivery_jobs_total"})
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Conversation{cfg: cfg, store: store, sender: sender, out: out, cat: cat, log: log, metrics: cfg.Metrics}
}

func (c *Conversation) now() time.Time { return c.cfg.Now() }

// turn is the handling of one update: the conversation, and the catalog
// as it was when the update came in, read once.
type turn struct {
	*Conversation
	lineup *Lineup
}

// turn starts the handling of one update.
func (c *Conversation) turn() *turn { return &turn{Conversation: c, lineup: c.cat.Lineup()} }

// cat is the update's snapshot of the catalog.
func (h *turn) cat() *Lineup { return h.lineup }

// sourceName is a source's name as the update's snapshot has it.
func (h *turn) sourceName(id string) string { return h.lineup.SourceName(id) }

// card is an item's card for a chat as a delivery renders it, with the
// source named from the update's snapshot: the outbox renders from the
// live catalog, which a reload may have changed since the update began.
func (h *turn) card(it feeds.Item, c storage.Chat) card.Card {
	cd := h.out.Card(it, c)
	cd.SourceName = h.sourceName(it.SourceID)
	return cd
}
