package deliver

import (
	"context"
	"log/slog"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/lease"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the engine needs from the shared store, one small
// interface per part of it; storage.Store implements it.
type Store interface {
	outboxStore
	digestStore
	editStore
	pauseStore
	broadcastStore
	SlotStore
	SendChecker
	replyStore
	lease.Store
}

// outboxStore is the delivery stream: shards, lanes, claims, acks, dead
// letters, sent records, and the chat moves a send can cause.
type outboxStore interface {
	Ack(ctx context.Context, ds ...storage.Delivery) error
	BalanceShards(ctx context.Context, replica string, ttl time.Duration, turn storage.ShardTurn) (owned []int, share int, err error)
	ClaimShard(ctx context.Context, consumer string, shard int) ([]storage.Delivery, error)
	CloseDrainedLanes(ctx context.Context, minAge time.Duration) (int, error)
	DeadLetter(ctx context.Context, d storage.Delivery, reason string) error
	DeliveredMany(ctx context.Context, sent []storage.Sent) error
	Enqueue(ctx context.Context, jobs []storage.Job) error
	EnsureGroup(ctx context.Context) error
	ForgetChat(ctx context.Context, id int64) error
	Lanes(ctx context.Context) ([]storage.Lane, error)
	LeaveShards(ctx context.Context, replica string) error
	MigrateChat(ctx context.Context, from, to int64) error
	Park(ctx context.Context, chatID int64, until time.Time) error
	ReadShards(ctx context.Context, consumer string, shards []int, lanes []string, count int, block time.Duration) ([]storage.Delivery, error)
	Reclaim(ctx context.Context, consumer string, shards []int, minIdle time.Duration, count int) ([]storage.Delivery, error)
	TakeTurn(ctx context.Context, replica string, ttl time.Duration, turn storage.ShardTurn) (storage.Turn, error)
}

// broadcastStore reads an operator's broadcast for its sends.
type broadcastStore interface {
	Broadcast(ctx context.Context, id string) (storage.Broadcast, error)
}

// Sender is what the engine needs from Telegram (bot.Sender has more);
// errors are bot/tg's.
type Sender interface {
	Send(ctx context.Context, m card.Message) (messageID int, err error)
	Edit(ctx context.Context, chatID int64, messageID int, m card.Message) error
}

// Renderer makes an item's card for a chat and names sources: the bot's
// catalog and its share buttons, which are the conversation's.
type Renderer interface {
	Card(it feeds.Item, chat storage.Chat) card.Card
	SourceName(id string) string
}

// Limits are Telegram's sending limits, shared by every replica through
// Redis.
type Limits struct {
	GlobalPerSecond  float64 // default 30
	PrivatePerSecond float64 // default 1
	GroupPerMinute   float64 // default 20 (groups, supergroups and channels)
	// PaidBroadcast sends cards with allow_paid_broadcast, so a global
	// rate up to 1000/s is allowed (Telegram charges Stars for it).
	PaidBroadcast bool
}

// Config is the engine's part of the bot's configuration, defaults filled
// in (bot.New does).
type Config struct {
	Limits          Limits
	Workers         int
	DigestThreshold int
	MaxAttempts     int
	ShardLease      time.Duration
	Backlog         int
	Location        *time.Location // the bot's time zone, for chats without one
	Now             func() time.Time
	// CountRateLimited adds a 429 to the day's count the operator reads;
	// BroadcastResult records a chat's result of an operator's broadcast.
	// Both are the operator's, so the engine takes them as functions; nil
	// does nothing.
	CountRateLimited func(ctx context.Context, now time.Time)
	BroadcastResult  func(ctx context.Context, id string, chatID int64, ok bool)
}

// Metrics are the bot's series the engine counts in (bot.Metrics owns and
// registers them).
type Metrics struct {
	Sends       *prometheus.CounterVec
	SendTime    prometheus.Histogram
	Backlog     prometheus.Gauge
	DeadJobs    prometheus.Counter
	Fallbacks   *prometheus.CounterVec
	Claimed     prometheus.Counter
	GlobalParks prometheus.Counter
	Outages     prometheus.Counter
	SentAhead   prometheus.Counter
	Paused      prometheus.Counter
	Resumed     prometheus.Counter
}

// Engine is one replica's delivery: the senders of cards, digests, edits
// and broadcasts, and the paced sends of replies, within the limits they
// share.
type Engine struct {
	cfg     Config
	store   Store
	sender  Sender
	render  Renderer
	log     *slog.Logger
	metrics Metrics
	dl      *deliveryState
}

// New wires an engine.
func New(cfg Config, store Store, sender Sender, render Renderer, m Metrics, log *slog.Logger) *Engine {
	return &Engine{cfg: cfg, store: store, sender: sender, render: render, log: log, metrics: m,
		dl: newDeliveryState(store, cfg.Limits.GlobalPerSecond)}
}

func (e *Engine) now() time.Time { return e.cfg.Now() }

// PaceStats counts this replica's slots shifted in the bot-wide window
// (answered late), given up as stale and booked bunched.
func (e *Engine) PaceStats() (shifted, gaveUp, bunched int64) { return e.dl.pacer.Stats() }

// Compose is the message that brings items to a chat (compose).
func (e *Engine) Compose(chatID int64, items []feeds.Item, chat storage.Chat) card.Message {
	return e.compose(chatID, items, chat)
}

// PacedSend and Pace are the replies' sends (pacedSend, pace).
func (e *Engine) PacedSend(ctx context.Context, m card.Message) (int, error) {
	return e.pacedSend(ctx, m)
}

func (e *Engine) Pace(ctx context.Context, chatID int64) error { return e.pace(ctx, chatID) }

// PacedSendChange makes a subscription change and sends the reply that
// reports it (reply(changed)) as PacedSend does, the change written in
// the round trip of the reply's first token; it returns the message sent.
func (e *Engine) PacedSendChange(ctx context.Context, ch storage.SubChange, reply func(changed bool) card.Message) (card.Message, int, error) {
	return e.pacedSendChange(ctx, ch, reply)
}
