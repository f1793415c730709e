package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Broadcasts: an operator's message to every subscribed chat. It is a
// draft until confirmed; confirmed, it is one delivery job per chat on the
// same streams as the cards (item id BroadcastItem(id)), so it goes
// through the same limits, and each chat's result is recorded once in a
// set of its own, which makes the progress exact even when a job is sent
// again after a crash or retried from the dead letters.

// Broadcast states.
const (
	BroadcastDraft     = "draft"
	BroadcastSending   = "sending"
	BroadcastCancelled = "cancelled"
)

// Broadcast is one operator's message to every subscribed chat.
type Broadcast struct {
	ID    string
	Text  string // plain text
	By    int64  // the operator's user id
	Lang  string // the operator's language, for the progress message
	State string
	// ChatID and MessageID name the message that shows the progress (the
	// confirmation, edited as the broadcast goes).
	ChatID    int64
	MessageID int
	Total     int // chats it was enqueued for
	Sent      int // chats that got it
	Failed    int // chats it could not reach (gone, paused, refused, dead-lettered)
	Created   time.Time
	Started   time.Time
	Finished  time.Time // zero until every chat has a result
}

// Done reports whether every chat the broadcast was enqueued for has a
// result.
func (b Broadcast) Done() bool { return b.State == BroadcastSending && b.Sent+b.Failed >= b.Total }

// BroadcastItem is the item id of a broadcast's delivery jobs. Item ids of
// feed items are hex, so the colon keeps them apart.
func BroadcastItem(id string) string { return broadcastItemPrefix + id }

// BroadcastOf returns the broadcast id of a delivery job's item id, if it
// is a broadcast's.
func BroadcastOf(itemID string) (string, bool) {
	if len(itemID) > len(broadcastItemPrefix) && itemID[:len(broadcastItemPrefix)] == broadcastItemPrefix {
		return itemID[len(broadcastItemPrefix):], true
	}
	return "", false
}

const broadcastItemPrefix = "bc:"

// How long broadcasts are kept: a draft a day (it waits for its
// confirmation), a sent one a week, and the newest broadcastsKept listed.
const (
	broadcastDraftTTL = 24 * time.Hour
	broadcastTTL      = 7 * 24 * time.Hour
	broadcastsKept    = 100
)

func (k keys) broadcast(id string) string       { return k.p + "broadcast:{" + id + "}" }
func (k keys) broadcastOK(id string) string     { return k.p + "broadcast:{" + id + "}:sent" }
func (k keys) broadcastFailed(id string) string { return k.p + "broadcast:{" + id + "}:failed" }
func (k keys) broadcasts() string               { return k.p + "broadcasts" }
func (k keys) broadcastSeq() string             { return k.p + "broadcast-seq" }

// Fields of the broadcast:{id} hash.
const (
	fBText     = "text"
	fBBy       = "by"
	fBLang     = "lang"
	fBState    = "state"
	fBChat     = "chat"
	fBMessage  = "message"
	fBTotal    = "total"
	fBCreated  = "created"
	fBStarted  = "started"
	fBFinished = "finished"
	fBEdited   = "edited"
)

// CreateBroadcast records a draft broadcast and returns its id.
func (s *Store) CreateBroadcast(ctx context.Context, b Broadcast) (string, error) {
	n, err := s.rdb.Incr(ctx, s.k.broadcastSeq()).Result()
	if err != nil {
		return "", fmt.Errorf("create broadcast: %w", err)
	}
	id := strconv.FormatInt(n, 10)
	now := s.opts.Now()
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		key := s.k.broadcast(id)
		p.HSet(ctx, key, fBText, b.Text, fBBy, b.By, fBLang, b.Lang, fBState, BroadcastDraft, fBCreated, formatMillis(now))
		p.PExpire(ctx, key, broadcastDraftTTL)
		p.ZAdd(ctx, s.k.broadcasts(), redis.Z{Score: float64(n), Member: id})
		p.ZRemRangeByRank(ctx, s.k.broadcasts(), 0, -broadcastsKept-1)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("create broadcast: %w", err)
	}
	return id, nil
}

// Broadcast returns a broadcast with its progress, or ErrNotFound.
func (s *Store) Broadcast(ctx context.Context, id string) (Broadcast, error) {
	bs, err := s.readBroadcasts(ctx, []string{id})
	if err != nil {
		return Broadcast{}, err
	}
	if len(bs) == 0 {
		return Broadcast{}, fmt.Errorf("broadcast %s: %w", id, ErrNotFound)
	}
	return bs[0], nil
}

// Broadcasts returns the newest n broadcasts, newest first.
func (s *Store) Broadcasts(ctx context.Context, n int) ([]Broadcast, error) {
	if n <= 0 {
		return nil, nil
	}
	ids, err := s.rdb.ZRevRange(ctx, s.k.broadcasts(), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("broadcasts: %w", err)
	}
	return s.readBroadcasts(ctx, ids)
}

// readBroadcasts reads the broadcasts among ids that still exist, in order.
func (s *Store) readBroadcasts(ctx context.Context, ids []string) ([]Broadcast, error) {
	type read struct {
		h        *redis.MapStringStringCmd
		ok, fail *redis.IntCmd
	}
	reads := make([]read, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			reads[i] = read{p.HGetAll(ctx, s.k.broadcast(id)), p.SCard(ctx, s.k.broadcastOK(id)), p.SCard(ctx, s.k.broadcastFailed(id))}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read broadcasts: %w", err)
	}
	var out []Broadcast
	for i, r := range reads {
		m := r.h.Val()
		if len(m) == 0 {
			continue
		}
		by, _ := strconv.ParseInt(m[fBBy], 10, 64)
		chat, _ := strconv.ParseInt(m[fBChat], 10, 64)
		msg, _ := strconv.Atoi(m[fBMessage])
		total, _ := strconv.Atoi(m[fBTotal])
		out = append(out, Broadcast{
			ID: ids[i], Text: m[fBText], By: by, Lang: m[fBLang], State: m[fBState],
			ChatID: chat, MessageID: msg, Total: total, Sent: int(r.ok.Val()), Failed: int(r.fail.Val()),
			Created: parseMillis(m[fBCreated]), Started: parseMillis(m[fBStarted]), Finished: parseMillis(m[fBFinished]),
		})
	}
	return out, nil
}

// startBroadcast turns a draft into a broadcast being sent, once.
//
// KEYS: broadcast. ARGV: total, chat, message, started ms, ttl ms.
var startBroadcast = redis.NewScript(`
if redis.call("HGET", KEYS[1], "state") ~= "draft" then
  return 0
end
redis.call("HSET", KEYS[1], "state", "sending", "total", ARGV[1], "chat", ARGV[2], "message", ARGV[3], "started", ARGV[4])
if tonumber(ARGV[1]) == 0 then
  redis.call("HSET", KEYS[1], "finished", ARGV[4])
end
redis.call("PEXPIRE", KEYS[1], ARGV[5])
return 1
`)

// StartBroadcast marks a draft as being sent to total chats, its progress
// shown in the given message. It reports false when the broadcast is no
// draft (already started or cancelled: a second press of the button, or
// another operator's) or gone, and then nothing is to be enqueued.
func (s *Store) StartBroadcast(ctx context.Context, id string, total int, chatID int64, messageID int) (bool, error) {
	n, err := startBroadcast.Run(ctx, s.rdb, []string{s.k.broadcast(id)},
		total, chatID, messageID, s.opts.Now().UnixMilli(), broadcastTTL.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("start broadcast %s: %w", id, err)
	}
	return n == 1, nil
}

// cancelBroadcast turns a draft into a cancelled broadcast.
//
// KEYS: broadcast.
var cancelBroadcast = redis.NewScript(`
if redis.call("HGET", KEYS[1], "state") ~= "draft" then
  return 0
end
redis.call("HSET", KEYS[1], "state", "cancelled")
return 1
`)

// CancelBroadcast cancels a draft; it reports false when the broadcast is
// no draft.
func (s *Store) CancelBroadcast(ctx context.Context, id string) (bool, error) {
	n, err := cancelBroadcast.Run(ctx, s.rdb, []string{s.k.broadcast(id)}).Int()
	if err != nil {
		return false, fmt.Errorf("cancel broadcast %s: %w", id, err)
	}
	return n == 1, nil
}

// broadcastResult records one chat's result (a chat that got it stays
// counted as sent; one that failed and got it on a retry moves to sent),
// and says whether the progress should be shown now: every `every`, and
// once every chat has a result.
//
// KEYS: broadcast, sent set, failed set. ARGV: chat, ok (1/0), now ms,
// every ms, ttl ms.
var broadcastResult = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then
  return {0, 0, 0, 0}
end
if ARGV[2] == "1" then
  redis.call("SREM", KEYS[3], ARGV[1])
  redis.call("SADD", KEYS[2], ARGV[1])
elseif redis.call("SISMEMBER", KEYS[2], ARGV[1]) == 0 then
  redis.call("SADD", KEYS[3], ARGV[1])
end
redis.call("PEXPIRE", KEYS[2], ARGV[5])
redis.call("PEXPIRE", KEYS[3], ARGV[5])
local sent = redis.call("SCARD", KEYS[2])
local failed = redis.call("SCARD", KEYS[3])
local total = tonumber(redis.call("HGET", KEYS[1], "total") or "0")
local edited = tonumber(redis.call("HGET", KEYS[1], "edited") or "0")
local show = 0
local done = sent + failed >= total
if done or tonumber(ARGV[3]) - edited >= tonumber(ARGV[4]) then
  show = 1
  redis.call("HSET", KEYS[1], "edited", ARGV[3])
end
if done and not redis.call("HGET", KEYS[1], "finished") then
  redis.call("HSET", KEYS[1], "finished", ARGV[3])
end
return {sent, failed, total, show}
`)

// BroadcastResult records whether a chat got a broadcast and reports
// whether its progress should be shown now: at most once per `every` while
// it runs, and whenever every chat has a result.
func (s *Store) BroadcastResult(ctx context.Context, id string, chatID int64, ok bool, every time.Duration) (show bool, err error) {
	okArg := 0
	if ok {
		okArg = 1
	}
	res, err := broadcastResult.Run(ctx, s.rdb, []string{s.k.broadcast(id), s.k.broadcastOK(id), s.k.broadcastFailed(id)},
		chatID, okArg, s.opts.Now().UnixMilli(), every.Milliseconds(), broadcastTTL.Milliseconds()).Int64Slice()
	if err != nil {
		return false, fmt.Errorf("broadcast %s result for %d: %w", id, chatID, err)
	}
	if len(res) != 4 {
		return false, fmt.Errorf("broadcast %s result for %d: %d values", id, chatID, len(res))
	}
	return res[3] == 1, nil
}

// SubscribedChats lists every chat with at least one subscription that is
// not paused, sorted: who a broadcast goes to. It scans the chats in
// batches, so a big bot costs a few round trips per thousand chats.
func (s *Store) SubscribedChats(ctx context.Context) ([]int64, error) {
	paused, err := s.rdb.ZRange(ctx, s.k.paused(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("subscribed chats: %w", err)
	}
	skip := make(map[string]bool, len(paused))
	for _, p := range paused {
		skip[p] = true
	}
	var out []int64
	var cursor uint64
	for {
		members, next, err := s.rdb.SScan(ctx, s.k.chats(), cursor, "", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("subscribed chats: %w", err)
		}
		var ids []int64
		for _, m := range members {
			if skip[m] {
				continue
			}
			id, err := strconv.ParseInt(m, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("subscribed chats: bad chat id %q: %w", m, err)
			}
			ids = append(ids, id)
		}
		cards := make([]*redis.IntCmd, len(ids))
		if len(ids) > 0 {
			if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, id := range ids {
					cards[i] = p.SCard(ctx, s.k.chatSubs(id))
				}
				return nil
			}); err != nil && !errors.Is(err, redis.Nil) {
				return nil, fmt.Errorf("subscribed chats: %w", err)
			}
		}
		for i, id := range ids {
			if cards[i].Val() > 0 {
				out = append(out, id)
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
