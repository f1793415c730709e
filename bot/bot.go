// Package bot holds akhbar's use cases: polling a source (bot/poll, which
// the Bot wires), delivering cards to chats at Telegram's limits, and
// answering what people do in Telegram (bot/chat, which the Bot wires to
// the store, Telegram and the delivery).
// It talks to Telegram through the small Sender interface it defines, and
// to Redis through the small store interfaces it defines beside their use
// (Store gathers them), which the storage package implements.
package bot

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/bot/deliver"
	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/lease"
	"github.com/prometheus/client_golang/prometheus"
)

// Sender is what the bot needs from Telegram. bot/telegram implements it
// over the Bot API; errors are ErrChatGone, ErrRejected (narrowed by
// ErrBadPhoto, ErrBadText, ErrWrongEditKind), ErrCannotPost, ErrNoPhotos,
// *RateLimitError and *MigratedError where they apply; any other error may
// pass if retried.
type Sender interface {
	Send(ctx context.Context, m Message) (messageID int, err error)
	Edit(ctx context.Context, chatID int64, messageID int, m Message) error
	AnswerCallback(ctx context.Context, callbackID, text string) error
	// AnswerCallbackURL answers a button press by opening url in the
	// user's app: a t.me link to this bot (…?start=payload), the only
	// kind Telegram accepts outside games.
	AnswerCallbackURL(ctx context.Context, callbackID, url string) error
	// ChatMemberStatus is getChatMember's status: creator, administrator,
	// member, restricted, left or kicked.
	ChatMemberStatus(ctx context.Context, chatID, userID int64) (string, error)
	// ChatInfo is getChat, for a chat id or "@username".
	ChatInfo(ctx context.Context, ref string) (Chat, error)
}

// Limits are Telegram's sending limits, shared by every replica through
// Redis (deliver.Limits).
type Limits = deliver.Limits

// Config is the part of the configuration the use cases need.
type Config struct {
	Sources      []feeds.Source
	BotName      string         // shown in the welcome text
	BotUsername  string         // for commands addressed as /cmd@username
	BotID        int64          // the bot's user id, to check it is an admin where it must post
	Location     *time.Location // default time zone for cards
	SummaryChars int            // card summary budget (default 400)
	CardButtons  []string       // share buttons under cards (nil = DefaultButtons)
	CardImages   bool           // send item images with cards
	// FullTextBelow is the length of feed text under which the article
	// page is fetched and extracted (default 400 characters).
	FullTextBelow int
	// NoArticleFetch never fetches article pages (local mode, whose
	// sample feeds link to sites it cannot reach).
	NoArticleFetch bool
	// LinkFetcher reads the pages of links people send the bot. It must
	// keep the SSRF guard on (never AllowPrivate, even in local mode); nil
	// means NewLinkFetcher("").
	LinkFetcher     ArticleReader
	Limits          Limits
	Workers         int // concurrent senders per replica (default 8)
	DigestThreshold int // more waiting items than this for one chat → one digest (default 3)
	MaxAttempts     int // sends of one job before it is dead-lettered (default 5)
	// ShardLease is the lease time of a replica's delivery shards (default
	// 10s): a replica that dies hands its shards, and the jobs it held,
	// to the others after it. Live replicas renew every ShardLease/4 and
	// send only within ShardLease/2 of their last renewal.
	ShardLease time.Duration
	// Backlog is how many delivery jobs a replica holds in memory at most
	// (default 5,000): a huge fan-out stays in Redis, not in the heap.
	Backlog int
	// Operators are the Telegram user ids that get the operator commands
	// (/stats, /health, /deadletters, /broadcast) in their private chat.
	Operators []int64
	// SourceList is the config file's sources, which operators export and
	// import as OPML from Telegram; nil where there is no file to change.
	SourceList SourceList
	Now        func() time.Time
}

// Store is what the use cases need from the shared store: one small
// interface per concern, each declared beside the code that uses it, so a
// reader sees what a use case touches and a test can stand in for one
// concern. storage.Store implements it.
type Store interface {
	// chat.Store is the conversation's (bot/chat); the Bot wires it with
	// the same store.
	chat.Store
	chat.Inbox
	broadcastStore
	// deliver.Store is the delivery engine's (bot/deliver): the outbox,
	// digests, edits, pauses, the shared limits and the pre-send checks.
	deliver.Store
	// ChangeSub makes a subscription change alone: a paused chat's, which
	// gets no reply to carry it (replyChange).
	ChangeSub(ctx context.Context, ch storage.SubChange) (bool, error)
	lease.Store
	// poll.Store is the poll use case's own (bot/poll); the Bot wires
	// the poller with the same store.
	poll.Store
}

// Bot is one replica's use cases over the shared store.
type Bot struct {
	cfg     Config
	store   Store
	sender  Sender
	log     *slog.Logger
	metrics *Metrics
	catalog atomic.Pointer[chat.Lineup] // the sources, swapped whole by SetSources
	poller  *poll.Poller                // the poll use case (PollSource)
	eng     *deliver.Engine             // the delivery engine: cards, digests, edits, broadcasts and paced replies
	chat    *chat.Conversation          // the conversation (bot/chat), wired to the delivery
}

// DefaultConfig is the one table of the use cases' defaults: New fills
// every zero field from it, and cmd/akhbar fills its configuration from it,
// so `akhbar check -show` prints what the bot really runs with.
func DefaultConfig() Config {
	return Config{
		BotName:       "أخبار",
		Location:      time.UTC,
		SummaryChars:  400,
		FullTextBelow: 400,
		Limits:        Limits{GlobalPerSecond: 30, PrivatePerSecond: 1, GroupPerMinute: 20},
		Workers:       8, DigestThreshold: 3, MaxAttempts: 5,
		ShardLease: 10 * time.Second,
		Backlog:    deliver.DefaultBacklog,
	}
}

// ArticleReader reads the page at a link (chat.ArticleReader).
type ArticleReader = chat.ArticleReader

// New wires a Bot. reg may be nil when metrics are not wanted.
func New(cfg Config, store Store, fetcher *feeds.Fetcher, sender Sender, log *slog.Logger, reg prometheus.Registerer) *Bot {
	def := DefaultConfig()
	if cfg.Location == nil {
		cfg.Location = def.Location
	}
	if cfg.SummaryChars <= 0 {
		cfg.SummaryChars = def.SummaryChars
	}
	if cfg.FullTextBelow <= 0 {
		cfg.FullTextBelow = def.FullTextBelow
	}
	if cfg.Limits.GlobalPerSecond <= 0 {
		cfg.Limits.GlobalPerSecond = def.Limits.GlobalPerSecond
	}
	if cfg.Limits.PrivatePerSecond <= 0 {
		cfg.Limits.PrivatePerSecond = def.Limits.PrivatePerSecond
	}
	if cfg.Limits.GroupPerMinute <= 0 {
		cfg.Limits.GroupPerMinute = def.Limits.GroupPerMinute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = def.Workers
	}
	if cfg.DigestThreshold <= 0 {
		cfg.DigestThreshold = def.DigestThreshold
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = def.MaxAttempts
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = def.Backlog
	}
	if cfg.ShardLease <= 0 {
		cfg.ShardLease = def.ShardLease
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LinkFetcher == nil {
		cfg.LinkFetcher = NewLinkFetcher("")
	}
	if cfg.BotName == "" {
		cfg.BotName = def.BotName
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bot{
		cfg: cfg, store: store, sender: sender, log: log,
		metrics: newMetrics(reg),
	}
	b.poller = poll.New(poll.Config{
		SummaryChars: cfg.SummaryChars, FullTextBelow: cfg.FullTextBelow, NoArticleFetch: cfg.NoArticleFetch,
		Now: cfg.Now, Log: log,
		Metrics: poll.Metrics{Polls: b.metrics.Polls, NewItems: b.metrics.NewItems, Jobs: b.metrics.Jobs, SameStory: b.metrics.SameStory},
	}, store, fetcher, pollSide{b}, pollSide{b})
	b.eng = newEngine(b)
	if reg != nil {
		reg.MustRegister(paceCollector{b.eng})
	}
	b.chat = newConversation(b)
	b.SetSources(cfg.Sources)
	b.cfg.Sources = nil // the catalog holds them; a reload replaces it
	return b
}

func (b *Bot) now() time.Time { return b.cfg.Now() }
