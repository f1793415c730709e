// Package storage is akhbar's Redis store: seen sets, items and their
// "latest" indexes, subscriptions, chat settings, the delivery outbox
// (Redis Streams sharded by chat, read by a consumer group, each shard
// leased to one replica), leases, shared rate limits and the little
// Telegram state the bot keeps (update offset, admin cache).
//
// Every replica of the bot shares one Store, so all cross-replica
// coordination (who polls a source this tick, who long-polls Telegram, how
// fast everyone may send) lives here rather than in process memory.
//
// # Key schema
//
// All keys start with Options.Prefix (default "akhbar:"). Keys that one
// operation touches together (a Lua script, a MULTI block, a multi-key
// command) share a hash tag, the part in braces, so the same code runs on
// Redis Cluster, where a multi-key operation must stay in one slot.
// Pipelines may span slots: go-redis splits them per node.
//
//	src:{id}:seen          ZSET  item id → last time it was in the feed (ms); trimmed by SeenRetention
//	src:{id}:state         HASH  etag, last_modified, failures, last_error, last_poll, next_try, baseline, first_try, last_ok (ms)
//	src:{id}:latest        ZSET  item id → published (ms), newest LatestMax kept
//	item:{id}              HASH  item fields except Content, history "1" if sent to no chat (TTL ItemTTL)
//	latest                 ZSET  item id → published (ms), all sources
//	topic:{t}:latest       ZSET  item id → published (ms), per topic
//	breaking:latest        ZSET  item id → published (ms), breaking news of all sources
//	chat:{id}              HASH  kind, title, username, lang, tz, created, the chat's settings, paused, paused_why, no_photos
//	chat:{id}:subs         SET   targets ("s:<source>", "t:<topic>" or "b:all") of one chat
//	subs:{target}          SET   chat ids subscribed to a target (the fan-out index)
//	chats                  SET   known chat ids (ChatCount)
//	paused                 ZSET  chat id → paused since (ms): chats the bot may not post to now (PauseChat)
//	sent:{chat}            ZSET  item id → delivery time (ms), trimmed by SentRetention
//	sentmsg:{chat}         HASH  item id → "<Telegram message id>:text" or ":photo" (for later edits; older records: the bare id)
//	{deliveries}:<n>       STREAM delivery jobs {chat, item, attempt, edit} of shard n (ShardOf), group "senders"
//	{deliveries}:lane:<id>:<n> STREAM a big fan-out's jobs of shard n (a lane)
//	{deliveries}:lane:<id>:chats SET chats the lane still owes its item
//	{deliveries}:lanes     HASH  lane id → "item\tstart ms\tedit"; {deliveries}:lane-seq STRING its counter
//	{deliveries}:owner:<n> STRING replica leasing shard n (PX)
//	{deliveries}:replicas  ZSET  replica → alive until (ms)
//	{deliveries}:dead      STREAM dead letters {chat, item, attempt, error, time}
//	digest:{chat}          ZSET  items held for a chat's digest; digests:due ZSET chat → when
//	src:{id}:hashes        HASH  item id → content hash, to notice a publisher's edits
//	search:{term}          ZSET  item id → score, the search index; searchq:{token} STRING a paged query
//	link:{sha256}          STRING the card of a link a user sent (cache, PX, ≤ LinkCardMaxBytes)
//	links                  ZSET  sha256 → card expiry (ms): caps the link cache at LinkCacheMax
//	park:global            STRING bot-wide park after a bulk 429; pace:global:slow STRING slow-down factor
//	lease:<name>           STRING owner (PX ttl); lease:polling:<source> is a source's poll lock
//	lease:poll:{<prefix>lease:polling:<source>}:<tick> STRING owner of a source's poll of a tick (PX a period)
//	park:{chat}            STRING parked-until time (ms) after a 429 (PX)
//	updates:offset         STRING Telegram getUpdates offset
//	{updates}:inbox        ZSET  update id → lease end (ms): updates taken from Telegram, not yet handled
//	{updates}:inbox:data   HASH  update id → the update (JSON of bot.Update)
//	admin:{chat}:<user>    STRING "1:<expiry ms>"/"0:…" cached getChatMember answer (PX)
//	rl:<key>               STRING GCRA state of a rate limit (chat:<id>, global, link:<sender>, user:<sender>)
//	broadcast:{id}         HASH  an operator's broadcast: text, by, lang, state, chat, message, total, created, started, finished, edited
//	broadcast:{id}:sent    SET   chats that got it; broadcast:{id}:failed SET chats it could not reach
//	broadcasts             ZSET  broadcast id → sequence, the newest 100; broadcast-seq STRING its counter
//	stats:{day}            HASH  counters of a day (rate_limited), kept a week
//
// Every delivery key shares the tag {deliveries}, so that a dead letter is
// added and its job acknowledged in one MULTI, one XREADGROUP reads many
// streams, and the shard-balancing script sees every owner. Every
// acknowledged entry is also deleted (XACK + XDEL), so the streams' lengths
// are the outstanding work. TestKeySchema pins most of these names.
package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned when a chat, item or sent message is absent.
var ErrNotFound = errors.New("storage: not found")

// Options configures a Store. Zero fields take the defaults noted on each.
type Options struct {
	Prefix        string        // default "akhbar:"
	SeenRetention time.Duration // default 90 days: seen ids outlive feed windows (tombstones)
	ItemTTL       time.Duration // default 14 days
	SentRetention time.Duration // default 30 days (per-chat sent records trimmed by age)
	LatestMax     int           // default 500 per latest index
	StreamMaxLen  int64         // default 1_000_000 (XADD MAXLEN ~)
	// DeadMaxLen caps the dead-letter stream (XADD MAXLEN ~); default 10_000.
	DeadMaxLen int64
	// BulkFanout is the size above which an item's fan-out gets a stream
	// of its own (a lane) instead of joining the shared one; default 500.
	BulkFanout int
	// LinkCacheMax caps the link cards cached at once (CacheLink); the
	// cards closest to expiry are evicted first. Default 5,000, at most
	// 40 MiB of cards (LinkCardMaxBytes each), typically 10 MiB.
	LinkCacheMax int
	// Now is the clock used where the caller passes no time (chat creation,
	// parking, dead letters); default time.Now. Tests inject a fixed clock.
	Now func() time.Time
}

// Defaults used for zero Options fields.
const (
	DefaultPrefix        = "akhbar:"
	DefaultSeenRetention = 90 * 24 * time.Hour
	DefaultItemTTL       = 14 * 24 * time.Hour
	DefaultSentRetention = 30 * 24 * time.Hour
	DefaultLatestMax     = 500
	DefaultStreamMaxLen  = 1_000_000
	DefaultDeadMaxLen    = 10_000
	DefaultBulkFanout    = 500
	DefaultLinkCacheMax  = 5_000
)

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.SeenRetention <= 0 {
		o.SeenRetention = DefaultSeenRetention
	}
	if o.ItemTTL <= 0 {
		o.ItemTTL = DefaultItemTTL
	}
	if o.SentRetention <= 0 {
		o.SentRetention = DefaultSentRetention
	}
	if o.LatestMax <= 0 {
		o.LatestMax = DefaultLatestMax
	}
	if o.StreamMaxLen <= 0 {
		o.StreamMaxLen = DefaultStreamMaxLen
	}
	if o.DeadMaxLen <= 0 {
		o.DeadMaxLen = DefaultDeadMaxLen
	}
	if o.BulkFanout <= 0 {
		o.BulkFanout = DefaultBulkFanout
	}
	if o.LinkCacheMax <= 0 {
		o.LinkCacheMax = DefaultLinkCacheMax
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is the Redis-backed state of akhbar. It is safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	opts Options
	k    keys
	// redisClock is Redis's clock as seen from here, for the pacing
	// schedules booked on it (HoldMany).
	redisClock redisClock
}

// New returns a Store over an existing client (a *redis.Client or a
// *redis.ClusterClient). The Store owns the client: Close closes it.
func New(client redis.UniversalClient, opts Options) *Store {
	opts = opts.withDefaults()
	return &Store{
		rdb:  client,
		opts: opts,
		k:    keys{p: opts.Prefix},
	}
}

// Open connects to the Redis named by rawURL and pings it.
//
// Accepted forms: redis://[user:pass@]host:port[/db], rediss:// (TLS),
// unix:///path/to/socket, redis-cluster://[user:pass@]h1:p1,h2:p2 (also
// rediss-cluster://) and redis://h1:p1?cluster=true&addr=h2:p2, the last two
// giving a *redis.ClusterClient. Errors name the host but never the password.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	client, shown, err := newClient(rawURL)
	if err != nil {
		return nil, err
	}
	s := New(client, opts)
	if err := s.Ping(ctx); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("open redis %s: %w", shown, err)
	}
	return s, nil
}

// newClient parses rawURL into a client and a password-free rendering of the
// URL for error messages.
func newClient(rawURL string) (redis.UniversalClient, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the whole URL, password included
		}
		return nil, "(unparsable URL)", fmt.Errorf("open redis: parse URL: %w", err)
	}
	shown := u.Redacted()
	q := u.Query()
	cluster := false
	switch u.Scheme {
	case "redis-cluster", "rediss-cluster":
		cluster = true
		u.Scheme = strings.TrimSuffix(u.Scheme, "-cluster")
		hosts := strings.Split(u.Host, ",")
		u.Host = hosts[0]
		for _, h := range hosts[1:] {
			if h != "" {
				q.Add("addr", h)
			}
		}
	}
	if q.Has("cluster") {
		if q.Get("cluster") == "true" || q.Get("cluster") == "1" {
			cluster = true
		}
		q.Del("cluster")
	}
	u.RawQuery = q.Encode()
	if cluster {
		if strings.Trim(u.Path, "/") != "" {
			return nil, shown, fmt.Errorf("open redis %s: a cluster has no database number", shown)
		}
		u.Path = ""
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, shown, fmt.Errorf("open redis %s: %w", shown, redactErr(err, u))
		}
		clusterOptions(o)
		return redis.NewClusterClient(o), shown, nil
	}
	o, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, shown, fmt.Errorf("open redis %s: %w", shown, redactErr(err, u))
	}
	singleOptions(o)
	return redis.NewClient(o), shown, nil
}

// singleOptions sets what the store needs of a single Redis's client,
// whatever the URL asked.
//
// No retries (MaxRetries -1, where go-redis's default is 3): after a
// network error (an EOF, a reset, a read timeout) go-redis sends the
// command, or the whole pipeline, again on a new connection, though Redis
// may have run it before the connection ended. Most of the store's
// commands are not safe to run twice: the GCRA takes a token again,
// holdMany books its slots again, XAUTOCLAIM and XREADGROUP take jobs the
// first answer's reader never saw, XADD enqueues a job twice, INCR counts
// twice. So a network error is the caller's: its loop tries again at its
// own pace (TestPipelineCutAfterRunTakesOneToken). What go-redis does
// before a command reaches Redis is kept: a pooled connection Redis closed
// (a restart) is found by the pool's health check and dropped before use,
// and a dial that fails is dialled again (DialerRetries).
//
// The protocol stays go-redis's RESP3: RESP2 would save its look for push
// messages before each reply (3% of issue 14's CPU samples), but four
// alternating load runs could not tell it from noise (whole run: median
// ratio 0.97, pairs 0.72-1.28), and RESP2 turns off the maintenance
// notifications a managed Redis sends before it moves or fails over.
func singleOptions(o *redis.Options) {
	o.MaxRetries = -1
}

// clusterOptions is singleOptions for a cluster's client, but for the
// retries: its nodes' clients have none already (go-redis's default
// there), and the ClusterClient's own, within its MaxRedirects loop, are
// not turned off here: that loop follows MOVED and ASK too
// (TestClusterPipelineCutAfterRunTakesOneToken, skipped, shows them).
func clusterOptions(*redis.ClusterOptions) {}

// redactErr guards against a parse error that quotes the URL back.
func redactErr(err error, u *url.URL) error {
	if p, ok := u.User.Password(); ok && p != "" && strings.Contains(err.Error(), p) {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// Client returns the underlying client, for health checks and metrics.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Close closes the underlying client.
func (s *Store) Close() error {
	if err := s.rdb.Close(); err != nil {
		return fmt.Errorf("close redis: %w", err)
	}
	return nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Options returns the effective options (defaults filled in).
func (s *Store) Options() Options { return s.opts }
