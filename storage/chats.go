package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrBadTarget is returned for a subscription target or Latest scope that is
// neither "s:<sourceID>", "t:<topic>" nor BreakingAll.
var ErrBadTarget = errors.New("storage: target must be s:<source>, t:<topic> or b:all")

// BreakingAll is the target of breaking news from every source: a chat
// subscribed to it alone gets breaking news only.
const BreakingAll = "b:all"

func checkTarget(target string) error {
	if len(target) > 2 && (strings.HasPrefix(target, "s:") || strings.HasPrefix(target, "t:")) || target == BreakingAll {
		return nil
	}
	return fmt.Errorf("%q: %w", target, ErrBadTarget)
}

// Subscribe adds target ("s:<sourceID>", "t:<topic>" or BreakingAll) to a chat and
// reports whether it was new. Both directions are written in one pipeline;
// they live in different slots, and a crash between them leaves at most a
// fan-out entry that ForgetChat or Unsubscribe cleans.
func (s *Store) Subscribe(ctx context.Context, chatID int64, target string) (bool, error) {
	return s.ChangeSub(ctx, SubChange{ChatID: chatID, Target: target})
}

// Unsubscribe removes target from a chat and reports whether it was there.
func (s *Store) Unsubscribe(ctx context.Context, chatID int64, target string) (bool, error) {
	return s.ChangeSub(ctx, SubChange{ChatID: chatID, Target: target, Remove: true})
}

// SubChange is one change to a chat's subscriptions: Target added to chat
// ChatID (Subscribe), or removed from it when Remove (Unsubscribe).
type SubChange struct {
	ChatID int64
	Target string
	Remove bool
}

// ChangeSub makes ch, Subscribe's or Unsubscribe's, and reports whether it
// changed anything (the target was new, or was there).
func (s *Store) ChangeSub(ctx context.Context, ch SubChange) (bool, error) {
	if err := ch.check(); err != nil {
		return false, err
	}
	var changed *redis.IntCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		changed = s.queueSubChange(ctx, p, ch)
		return nil
	}); err != nil {
		return false, fmt.Errorf("%s: %w", ch.what(), err)
	}
	return changed.Val() == 1, nil
}

// ChangeSubAndAllow makes ch, then takes a token of key's bucket (Allow),
// in one round trip: a reply that says what ch did takes its chat's token
// in the round trip that writes ch, instead of one each. ch is stored
// before the call returns, so before the reply it lets go leaves: not
// because a pipeline runs in order (on a Redis Cluster the chat's set,
// the target's and the bucket are in different slots, and go-redis sends
// each node its part at once), but because Pipelined returns only once
// every command is answered. It reports whether ch changed anything and
// Allow's wait. An error may leave ch made (as ChangeSub's may leave half
// of it), and the token taken or not: a token taken for no send only
// spaces the chat's next one.
func (s *Store) ChangeSubAndAllow(ctx context.Context, ch SubChange, key string, l Limit) (changed bool, wait time.Duration, err error) {
	if err := ch.check(); err != nil {
		return false, 0, err
	}
	if err := l.check(key); err != nil {
		return false, 0, err
	}
	var sub *redis.IntCmd
	var gcraCmd *redis.Cmd
	// The change first: a NOSCRIPT reruns the script alone (pipelined),
	// never the change.
	if _, err := s.pipelined(ctx, func(p redis.Pipeliner) error {
		sub = s.queueSubChange(ctx, p, ch)
		gcraCmd = s.queueGCRA(ctx, p, key, l, 1)
		return nil
	}); err != nil {
		return false, 0, fmt.Errorf("%s and allow %s: %w", ch.what(), key, err)
	}
	wait, err = gcraWait(gcraCmd)
	if err != nil {
		return sub.Val() == 1, 0, fmt.Errorf("allow %s: %w", key, err)
	}
	return sub.Val() == 1, wait, nil
}

// queueSubChange queues ch's two writes, the chat's set and the target's
// fan-out set, and returns the chat's, which says whether ch changed it.
func (s *Store) queueSubChange(ctx context.Context, p redis.Pipeliner, ch SubChange) *redis.IntCmd {
	if ch.Remove {
		removed := p.SRem(ctx, s.k.chatSubs(ch.ChatID), ch.Target)
		p.SRem(ctx, s.k.subs(ch.Target), ch.ChatID)
		return removed
	}
	added := p.SAdd(ctx, s.k.chatSubs(ch.ChatID), ch.Target)
	p.SAdd(ctx, s.k.subs(ch.Target), ch.ChatID)
	return added
}

// check refuses a bad target to subscribe to; a bad one is never there to
// remove, so Unsubscribe takes any.
func (ch SubChange) check() error {
	if ch.Remove {
		return nil
	}
	if err := checkTarget(ch.Target); err != nil {
		return fmt.Errorf("subscribe %d: %w", ch.ChatID, err)
	}
	return nil
}

// what names ch in an error: "subscribe 5 to s:x", "unsubscribe 5 from s:x".
func (ch SubChange) what() string {
	if ch.Remove {
		return fmt.Sprintf("unsubscribe %d from %s", ch.ChatID, ch.Target)
	}
	return fmt.Sprintf("subscribe %d to %s", ch.ChatID, ch.Target)
}

// Subscriptions returns a chat's targets, sorted.
func (s *Store) Subscriptions(ctx context.Context, chatID int64) ([]string, error) {
	subs, err := s.rdb.SMembers(ctx, s.k.chatSubs(chatID)).Result()
	if err != nil {
		return nil, fmt.Errorf("subscriptions %d: %w", chatID, err)
	}
	slices.Sort(subs)
	return subs, nil
}

// Subscribers returns the chats subscribed to any of targets, deduplicated
// and sorted, leaving out paused chats (PauseChat): the fan-out. One
// SMEMBERS per target in a pipeline: SUNION would cross slots on a cluster.
func (s *Store) Subscribers(ctx context.Context, targets []string) ([]int64, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.StringSliceCmd, len(targets))
	var paused *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, t := range targets {
			cmds[i] = p.SMembers(ctx, s.k.subs(t))
		}
		paused = p.ZRange(ctx, s.k.paused(), 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("subscribers: %w", err)
	}
	skip := pausedSet(paused)
	var ids []int64
	for i, c := range cmds {
		for _, m := range c.Val() {
			if skip[m] {
				continue
			}
			id, err := strconv.ParseInt(m, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("subscribers of %s: bad chat id %q: %w", targets[i], m, err)
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// Chat is what the bot knows about a Telegram chat.
type Chat struct {
	ID       int64
	Kind     string // private, group, supergroup, channel
	Title    string
	Username string
	Lang     string
	TZ       string
	Created  time.Time
	Settings Settings
	// Paused is when deliveries to the chat were paused (PauseChat), zero
	// when they are not; PausedWhy is Telegram's answer that paused them.
	Paused    time.Time
	PausedWhy string
	// NoPhotos: the bot may send the chat text but no photos (SetNoPhotos).
	NoPhotos bool
}

// Fields of the chat:{id} hash.
const (
	fKind     = "kind"
	fTitle2   = "title"
	fUsername = "username"
	fLang     = "lang"
	fTZ       = "tz"
	fCreated  = "created"
)

// SaveChat creates or updates a chat. An existing chat keeps its Created
// time; a new chat with a zero Created gets Options.Now.
func (s *Store) SaveChat(ctx context.Context, c Chat) error {
	created := c.Created
	if created.IsZero() {
		created = s.opts.Now()
	}
	key := s.k.chat(c.ID)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, fKind, c.Kind, fTitle2, c.Title, fUsername, c.Username, fLang, c.Lang, fTZ, c.TZ)
		p.HSetNX(ctx, key, fCreated, formatMillis(created))
		p.SAdd(ctx, s.k.chats(), c.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("save chat %d: %w", c.ID, err)
	}
	return nil
}

// Chat returns a chat, or ErrNotFound.
func (s *Store) Chat(ctx context.Context, id int64) (Chat, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.chat(id)).Result()
	if err != nil {
		return Chat{}, fmt.Errorf("chat %d: %w", id, err)
	}
	if len(m) == 0 {
		return Chat{}, fmt.Errorf("chat %d: %w", id, ErrNotFound)
	}
	return decodeChat(id, m), nil
}

func decodeChat(id int64, m map[string]string) Chat {
	return Chat{
		ID:        id,
		Kind:      m[fKind],
		Title:     m[fTitle2],
		Username:  m[fUsername],
		Lang:      m[fLang],
		TZ:        m[fTZ],
		Created:   parseMillis(m[fCreated]),
		Settings:  decodeSettings(m),
		Paused:    parseMillis(m[fPaused]),
		PausedWhy: m[fPausedWhy],
		NoPhotos:  m[fNoPhotos] == "1",
	}
}

// ChatCount returns the number of known chats.
func (s *Store) ChatCount(ctx context.Context) (int64, error) {
	n, err := s.rdb.SCard(ctx, s.k.chats()).Result()
	if err != nil {
		return 0, fmt.Errorf("chat count: %w", err)
	}
	return n, nil
}

// ForgetChat drops everything about a chat the bot can no longer reach
// (blocked, kicked, deleted): its subscriptions in both directions, its
// settings and its sent records.
func (s *Store) ForgetChat(ctx context.Context, id int64) error {
	targets, err := s.rdb.SMembers(ctx, s.k.chatSubs(id)).Result()
	if err != nil {
		return fmt.Errorf("forget chat %d: %w", id, err)
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range targets {
			p.SRem(ctx, s.k.subs(t), id)
		}
		// One slot per DEL: these keys share {id}, but keeping each DEL to
		// one key keeps the rule obvious.
		p.Unlink(ctx, s.k.chatSubs(id))
		p.Unlink(ctx, s.k.chat(id))
		p.Unlink(ctx, s.k.sent(id))
		p.Unlink(ctx, s.k.sentMsg(id))
		p.Unlink(ctx, s.k.park(id))
		p.SRem(ctx, s.k.chats(), id)
		p.ZRem(ctx, s.k.paused(), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget chat %d: %w", id, err)
	}
	return nil
}

// MigrateChat moves a group that became a supergroup to its new id: the
// subscriptions, the settings (with ID updated and Kind "supergroup") and
// the sent records, so nothing is resent. It copies first and deletes the
// old chat last, so rerunning it after a crash finishes the job, and a
// second run is a no-op.
func (s *Store) MigrateChat(ctx context.Context, from, to int64) error {
	if from == to {
		return nil
	}
	var (
		subs    *redis.StringSliceCmd
		chat    *redis.MapStringStringCmd
		sent    *redis.ZSliceCmd
		sentMsg *redis.MapStringStringCmd
	)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		subs = p.SMembers(ctx, s.k.chatSubs(from))
		chat = p.HGetAll(ctx, s.k.chat(from))
		sent = p.ZRangeWithScores(ctx, s.k.sent(from), 0, -1)
		sentMsg = p.HGetAll(ctx, s.k.sentMsg(from))
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate chat %d to %d: read: %w", from, to, err)
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range subs.Val() {
			p.SAdd(ctx, s.k.chatSubs(to), t)
			p.SAdd(ctx, s.k.subs(t), to)
		}
		if m := chat.Val(); len(m) > 0 {
			c := decodeChat(to, m)
			key := s.k.chat(to)
			p.HSet(ctx, key, fKind, "supergroup", fTitle2, c.Title, fUsername, c.Username, fLang, c.Lang, fTZ, c.TZ)
			if created := m[fCreated]; created != "" {
				p.HSetNX(ctx, key, fCreated, created)
			}
			for _, f := range settingsFields {
				if v, ok := m[f]; ok {
					p.HSet(ctx, key, f, v)
				}
			}
			p.SAdd(ctx, s.k.chats(), to)
		}
		if z := sent.Val(); len(z) > 0 {
			p.ZAdd(ctx, s.k.sent(to), z...)
			p.PExpire(ctx, s.k.sent(to), s.opts.SentRetention)
		}
		if m := sentMsg.Val(); len(m) > 0 {
			vals := make([]any, 0, 2*len(m))
			for k, v := range m {
				vals = append(vals, k, v)
			}
			p.HSet(ctx, s.k.sentMsg(to), vals...)
			p.PExpire(ctx, s.k.sentMsg(to), s.opts.SentRetention)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate chat %d to %d: copy: %w", from, to, err)
	}
	if err := s.ForgetChat(ctx, from); err != nil {
		return fmt.Errorf("migrate chat %d to %d: %w", from, to, err)
	}
	return nil
}
