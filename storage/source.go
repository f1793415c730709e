package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// SourceState is what the poller remembers about one source between ticks.
type SourceState struct {
	ETag, LastModified string // validators for the next conditional GET
	Failures           int    // consecutive failed polls, for back-off
	LastError          string
	LastPoll, NextTry  time.Time
	// LastOK is when a poll last succeeded (SetSourceState records it
	// from a state with no failures); zero when none has.
	LastOK time.Time
	// Baseline is when the source's seen set was first recorded (by
	// MarkSeen); zero means never seen, so the next poll is a first sight.
	Baseline time.Time
	// FirstTry is when the poller first tried to fetch the source, whether
	// or not that fetch worked. A source that fails at start takes its
	// baseline late; items published after FirstTry are news all the same.
	FirstTry time.Time
}

// Fields of the src:{id}:state hash.
const (
	fETag         = "etag"
	fLastModified = "last_modified"
	fFailures     = "failures"
	fLastError    = "last_error"
	fLastPoll     = "last_poll"
	fNextTry      = "next_try"
	fBaseline     = "baseline"
	fFirstTry     = "first_try"
	fLastOK       = "last_ok"
)

// SourceState returns the state of a source, the zero value when absent.
func (s *Store) SourceState(ctx context.Context, sourceID string) (SourceState, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.state(sourceID)).Result()
	if err != nil {
		return SourceState{}, fmt.Errorf("source state %s: %w", sourceID, err)
	}
	return decodeSourceState(m), nil
}

func decodeSourceState(m map[string]string) SourceState {
	failures, _ := strconv.Atoi(m[fFailures])
	return SourceState{
		ETag:         m[fETag],
		LastModified: m[fLastModified],
		Failures:     failures,
		LastError:    m[fLastError],
		LastPoll:     parseMillis(m[fLastPoll]),
		NextTry:      parseMillis(m[fNextTry]),
		Baseline:     parseMillis(m[fBaseline]),
		FirstTry:     parseMillis(m[fFirstTry]),
		LastOK:       parseMillis(m[fLastOK]),
	}
}

// SetSourceState stores st. A zero st.Baseline leaves the recorded baseline
// alone: the baseline belongs to MarkSeen, and a read-modify-write by the
// poller must not turn a known source back into a first sight. FirstTry is
// written once: the first recorded attempt stays, whatever st says later.
// A state with a poll and no failure records that poll as the last success
// (LastOK), so the poller need not keep it.
func (s *Store) SetSourceState(ctx context.Context, sourceID string, st SourceState) error {
	key := s.k.state(sourceID)
	vals := []any{
		fETag, st.ETag,
		fLastModified, st.LastModified,
		fFailures, st.Failures,
		fLastError, st.LastError,
		fLastPoll, formatMillis(st.LastPoll),
		fNextTry, formatMillis(st.NextTry),
	}
	if !st.Baseline.IsZero() {
		vals = append(vals, fBaseline, formatMillis(st.Baseline))
	}
	switch {
	case st.Failures == 0 && !st.LastPoll.IsZero():
		vals = append(vals, fLastOK, formatMillis(st.LastPoll))
	case !st.LastOK.IsZero():
		vals = append(vals, fLastOK, formatMillis(st.LastOK))
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, vals...)
		if !st.FirstTry.IsZero() {
			p.HSetNX(ctx, key, fFirstTry, formatMillis(st.FirstTry))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set source state %s: %w", sourceID, err)
	}
	return nil
}

// Unseen returns the ids (in input order, duplicates kept once) not in the
// source's seen set, and whether this is the first sight of the source (no
// baseline: a new source or a wiped store), in which case the caller sends
// nothing old. It writes nothing: the caller fans the items out first and
// then calls MarkSeen, so a crash in between repeats the fan-out (the sent
// record deduplicates it) rather than losing items.
func (s *Store) Unseen(ctx context.Context, sourceID string, ids []string) ([]string, bool, error) {
	var (
		base   *redis.StringCmd
		scores *redis.Cmd
	)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		base = p.HGet(ctx, s.k.state(sourceID), fBaseline)
		if len(ids) > 0 {
			// Raw ZMSCORE: go-redis's ZMScore turns a missing member's nil into 0.
			args := make([]any, 0, 2+len(ids))
			args = append(args, "zmscore", s.k.seen(sourceID))
			for _, id := range ids {
				args = append(args, id)
			}
			scores = p.Do(ctx, args...)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("unseen %s: %w", sourceID, err)
	}
	firstSight := errors.Is(base.Err(), redis.Nil)
	if len(ids) == 0 {
		return nil, firstSight, nil
	}
	got, err := scores.Slice()
	if err != nil {
		return nil, false, fmt.Errorf("unseen %s: %w", sourceID, err)
	}
	if len(got) != len(ids) {
		return nil, false, fmt.Errorf("unseen %s: %d scores for %d ids", sourceID, len(got), len(ids))
	}
	var unseen []string
	dup := make(map[string]bool, len(ids))
	for i, id := range ids {
		if got[i] != nil || dup[id] {
			continue
		}
		dup[id] = true
		unseen = append(unseen, id)
	}
	return unseen, firstSight, nil
}

// markSeen refreshes the seen ids (score = now, so ids still in the feed
// never expire), records the baseline on first sight when asked to, and
// trims ids not seen since the retention cutoff. One script: the seen set
// and state hash share the source's hash tag.
//
// KEYS: seen, state. ARGV: now ms, cutoff ms, ttl ms, "1" to record the
// baseline (else "0"), ids...
var markSeen = redis.NewScript(`
local now = ARGV[1]
for i = 5, #ARGV, 500 do
  local args = {}
  for j = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = now
    args[#args + 1] = ARGV[j]
  end
  redis.call("ZADD", KEYS[1], unpack(args))
end
if ARGV[4] == "1" then
  redis.call("HSETNX", KEYS[2], "baseline", now)
end
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. ARGV[2])
if redis.call("EXISTS", KEYS[1]) == 1 then
  redis.call("PEXPIRE", KEYS[1], ARGV[3])
end
return 0
`)

// MarkSeen records ids as seen at now, records the baseline if the source
// has none, and drops ids last seen before now-SeenRetention. Ids that left
// the feed stay as tombstones until then, so an item that drops out and
// reappears is not sent twice.
func (s *Store) MarkSeen(ctx context.Context, sourceID string, ids []string, now time.Time) error {
	return s.markSeen(ctx, sourceID, ids, now, true)
}

// MarkSeenPartial is MarkSeen without the baseline: a poll marks its items
// seen chunk by chunk, so one cut short (a deadline, a Redis error) keeps
// the items it handled, and a first sight cut short stays a first sight,
// so the rest of the feed's history is not taken for news. The poll calls
// MarkSeen with all its items once it is done.
func (s *Store) MarkSeenPartial(ctx context.Context, sourceID string, ids []string, now time.Time) error {
	return s.markSeen(ctx, sourceID, ids, now, false)
}

func (s *Store) markSeen(ctx context.Context, sourceID string, ids []string, now time.Time, baseline bool) error {
	args := make([]any, 0, 4+len(ids))
	nowMs := now.UnixMilli()
	flag := "0"
	if baseline {
		flag = "1"
	}
	args = append(args, nowMs, nowMs-s.opts.SeenRetention.Milliseconds(), s.opts.SeenRetention.Milliseconds(), flag)
	for _, id := range ids {
		args = append(args, id)
	}
	err := markSeen.Run(ctx, s.rdb, []string{s.k.seen(sourceID), s.k.state(sourceID)}, args...).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("mark seen %s: %w", sourceID, err)
	}
	return nil
}

// formatMillis encodes a time as unix milliseconds, the zero time as "".
func formatMillis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// parseMillis decodes formatMillis; anything unparsable is the zero time.
func parseMillis(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
}
