package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A chat the bot may not post to for now (it lacks the rights, the group is
// deactivated, the topic closed) is paused rather than forgotten: its
// subscriptions stay, but the fan-out leaves it out and the senders settle
// its jobs unsent, until a member-status update says the bot may post
// again. The chat's hash says so (read with the chat on every send), and
// the paused index lists the chats for the operator and for the fan-out.

// Fields of the chat hash for a pause and a photo restriction.
const (
	fPaused    = "paused"     // when the pause began (ms)
	fPausedWhy = "paused_why" // Telegram's answer that caused it
	fNoPhotos  = "no_photos"  // "1": the bot may send text but no photos
)

// k.paused is the index of paused chats.
func (k keys) paused() string { return k.p + "paused" }

// PausedChat is one chat the bot stopped posting to.
type PausedChat struct {
	ChatID int64
	Since  time.Time
	Reason string
}

// PauseChat pauses deliveries to a chat (see above); reason is Telegram's
// answer, kept for the operator. Pausing a paused chat keeps its first
// time. The chat's hash and the index live in different slots: they are
// written in one pipeline, and a crash between them leaves at worst a chat
// listed and not paused (or paused and not listed), which the next send or
// ResumeChat puts right.
func (s *Store) PauseChat(ctx context.Context, chatID int64, reason string) error {
	now := formatMillis(s.opts.Now())
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, s.k.chat(chatID), fPaused, now)
		p.HSet(ctx, s.k.chat(chatID), fPausedWhy, reason)
		p.ZAddNX(ctx, s.k.paused(), redis.Z{Score: float64(s.opts.Now().UnixMilli()), Member: chatID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("pause chat %d: %w", chatID, err)
	}
	return nil
}

// ResumeChat ends a chat's pause and its photo restriction (the bot's
// rights changed), and reports whether the chat was paused.
func (s *Store) ResumeChat(ctx context.Context, chatID int64) (bool, error) {
	var removed *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		removed = p.ZRem(ctx, s.k.paused(), chatID)
		p.HDel(ctx, s.k.chat(chatID), fPaused, fPausedWhy, fNoPhotos)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("resume chat %d: %w", chatID, err)
	}
	return removed.Val() == 1, nil
}

// SetNoPhotos records that the bot may send a chat text but no photos:
// its cards go as text until ResumeChat.
func (s *Store) SetNoPhotos(ctx context.Context, chatID int64) error {
	if err := s.rdb.HSet(ctx, s.k.chat(chatID), fNoPhotos, "1").Err(); err != nil {
		return fmt.Errorf("set no photos for chat %d: %w", chatID, err)
	}
	return nil
}

// PausedChats lists up to n paused chats (n <= 0: all), longest paused
// first, with the answer that paused each.
func (s *Store) PausedChats(ctx context.Context, n int) ([]PausedChat, error) {
	stop := int64(n - 1)
	if n <= 0 {
		stop = -1
	}
	zs, err := s.rdb.ZRangeWithScores(ctx, s.k.paused(), 0, stop).Result()
	if err != nil {
		return nil, fmt.Errorf("paused chats: %w", err)
	}
	out := make([]PausedChat, len(zs))
	why := make([]*redis.StringCmd, len(zs))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, z := range zs {
			id, err := strconv.ParseInt(fmt.Sprint(z.Member), 10, 64)
			if err != nil {
				return fmt.Errorf("bad chat id %v: %w", z.Member, err)
			}
			out[i] = PausedChat{ChatID: id, Since: time.UnixMilli(int64(z.Score))}
			why[i] = p.HGet(ctx, s.k.chat(id), fPausedWhy)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("paused chats: %w", err)
	}
	for i := range out {
		out[i].Reason = why[i].Val()
	}
	return out, nil
}

// pausedSet reads the paused index as a set, for the fan-out.
func pausedSet(cmd *redis.StringSliceCmd) map[string]bool {
	ids := cmd.Val()
	if len(ids) == 0 {
		return nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}
