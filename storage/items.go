package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/akhbar/akhbar/feeds"
	"github.com/redis/go-redis/v9"
)

// Fields of the item:{id} hash.
const (
	fSource      = "source"
	fGUID        = "guid"
	fLink        = "link"
	fShortLink   = "shortlink" // absent from items saved before it existed
	fTitle       = "title"
	fSummary     = "summary"
	fImage       = "image"
	fPublished   = "published"
	fTopics      = "topics"
	fFingerprint = "fingerprint"
	// fBodyFingerprint is absent from items saved before it existed: they
	// decode as 0 (unknown).
	fBodyFingerprint = "bodyfp"
	// fBreaking is "1" for breaking news; absent or "" otherwise.
	fBreaking = "breaking"
	// fHistory is "1" for an item saved at its source's first sight and
	// pushed to no chat; absent otherwise.
	fHistory = "history"
)

// topicSep joins Item.Topics in the hash. The ASCII unit separator cannot
// appear in a topic typed in a config file, unlike a comma.
const topicSep = "\x1f"

// sanitizeTopic keeps a topic from splitting in two when read back.
func sanitizeTopic(t string) string {
	return strings.ReplaceAll(t, topicSep, " ")
}

// encodeItem flattens an item into hash field/value pairs. Content is
// dropped: cards use the summary, and raw feed HTML would dominate memory.
func encodeItem(it feeds.Item) []any {
	var topics []string
	for _, t := range it.Topics {
		if t = sanitizeTopic(t); t != "" {
			topics = append(topics, t)
		}
	}
	breaking := ""
	if it.Breaking {
		breaking = "1"
	}
	history := ""
	if it.History {
		history = "1"
	}
	return []any{
		fBreaking, breaking,
		fSource, it.SourceID,
		fGUID, it.GUID,
		fLink, it.Link,
		fShortLink, it.ShortLink,
		fTitle, it.Title,
		fSummary, it.Summary,
		fImage, it.Image,
		fPublished, formatMillis(it.Published),
		fTopics, strings.Join(topics, topicSep),
		fFingerprint, strconv.FormatUint(it.Fingerprint, 10),
		fBodyFingerprint, strconv.FormatUint(it.BodyFingerprint, 10),
		fHistory, history,
	}
}

// decodeItem rebuilds an item from its hash. Unparsable numbers decode as
// zero rather than failing: one damaged field must not hide the item.
func decodeItem(id string, m map[string]string) feeds.Item {
	fp, _ := strconv.ParseUint(m[fFingerprint], 10, 64)
	bodyFP, _ := strconv.ParseUint(m[fBodyFingerprint], 10, 64)
	var topics []string
	if m[fTopics] != "" {
		topics = strings.Split(m[fTopics], topicSep)
	}
	return feeds.Item{
		ID:              id,
		SourceID:        m[fSource],
		GUID:            m[fGUID],
		Link:            m[fLink],
		ShortLink:       m[fShortLink],
		Title:           m[fTitle],
		Summary:         m[fSummary],
		Image:           m[fImage],
		Published:       parseMillis(m[fPublished]),
		Topics:          topics,
		Fingerprint:     fp,
		BodyFingerprint: bodyFP,
		Breaking:        m[fBreaking] == "1",
		History:         m[fHistory] == "1",
	}
}

// SaveItem stores an item (without Content and Categories) for ItemTTL and
// indexes it by publication time in the global, source and topic "latest"
// indexes, and breaking news in the breaking one, each trimmed to the
// newest LatestMax. One pipeline.
func (s *Store) SaveItem(ctx context.Context, it feeds.Item) error {
	if it.ID == "" {
		return errors.New("save item: empty id")
	}
	score := float64(0)
	if !it.Published.IsZero() {
		score = float64(it.Published.UnixMilli())
	}
	indexes := []string{s.k.latest()}
	if it.SourceID != "" {
		indexes = append(indexes, s.k.srcLatest(it.SourceID))
	}
	for _, t := range it.Topics {
		if t = sanitizeTopic(t); t != "" {
			indexes = append(indexes, s.k.topicLatest(t))
		}
	}
	if it.Breaking {
		indexes = append(indexes, s.k.breakingLatest())
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		key := s.k.item(it.ID)
		p.HSet(ctx, key, encodeItem(it)...)
		p.PExpire(ctx, key, s.opts.ItemTTL)
		for _, idx := range indexes {
			p.ZAdd(ctx, idx, redis.Z{Score: score, Member: it.ID})
			p.ZRemRangeByRank(ctx, idx, 0, int64(-s.opts.LatestMax-1))
			// An index outlives its items by at most one ItemTTL of silence.
			p.PExpire(ctx, idx, s.opts.ItemTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save item %s: %w", it.ID, err)
	}
	return nil
}

// Item returns one stored item, or ErrNotFound (never stored or expired).
func (s *Store) Item(ctx context.Context, id string) (feeds.Item, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.item(id)).Result()
	if err != nil {
		return feeds.Item{}, fmt.Errorf("item %s: %w", id, err)
	}
	if len(m) == 0 {
		return feeds.Item{}, fmt.Errorf("item %s: %w", id, ErrNotFound)
	}
	return decodeItem(id, m), nil
}

// Items returns the stored items among ids, in order, skipping missing ones.
func (s *Store) Items(ctx context.Context, ids []string) ([]feeds.Item, error) {
	items, _, err := s.items(ctx, ids)
	return items, err
}

// items is Items that also reports the missing ids.
func (s *Store) items(ctx context.Context, ids []string) ([]feeds.Item, []string, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.k.item(id))
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("items: %w", err)
	}
	items := make([]feeds.Item, 0, len(ids))
	var missing []string
	for i, c := range cmds {
		m := c.Val()
		if len(m) == 0 {
			missing = append(missing, ids[i])
			continue
		}
		items = append(items, decodeItem(ids[i], m))
	}
	return items, missing, nil
}

// Latest returns up to n items of a scope, newest first: scope "" is all
// sources, "s:<sourceID>" one source, "t:<topic>" one topic, BreakingAll
// the breaking news of every source. Index entries whose item expired are
// skipped and removed from the index.
func (s *Store) Latest(ctx context.Context, scope string, n int) ([]feeds.Item, error) {
	idx, err := s.latestIndex(scope)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	var out []feeds.Item
	start := int64(0)
	// Each round reads the next window of the index; a window is short only
	// when items expired, so this ends after a few rounds at most.
	for len(out) < n {
		want := int64(n - len(out))
		ids, err := s.rdb.ZRevRange(ctx, idx, start, start+want-1).Result()
		if err != nil {
			return nil, fmt.Errorf("latest %q: %w", scope, err)
		}
		if len(ids) == 0 {
			break
		}
		items, missing, err := s.items(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("latest %q: %w", scope, err)
		}
		out = append(out, items...)
		start += int64(len(ids))
		if len(missing) > 0 {
			members := make([]any, len(missing))
			for i, id := range missing {
				members[i] = id
			}
			if err := s.rdb.ZRem(ctx, idx, members...).Err(); err != nil {
				return nil, fmt.Errorf("latest %q: drop expired: %w", scope, err)
			}
			start -= int64(len(missing))
		}
		if int64(len(ids)) < want {
			break
		}
	}
	return out, nil
}

// latestIndex is the index of a Latest scope.
func (s *Store) latestIndex(scope string) (string, error) {
	switch {
	case scope == "":
		return s.k.latest(), nil
	case strings.HasPrefix(scope, "s:") && len(scope) > 2:
		return s.k.srcLatest(scope[2:]), nil
	case strings.HasPrefix(scope, "t:") && len(scope) > 2:
		return s.k.topicLatest(scope[2:]), nil
	case scope == BreakingAll:
		return s.k.breakingLatest(), nil
	}
	return "", fmt.Errorf("latest %q: %w", scope, ErrBadTarget)
}

// LatestIDs is the ids Latest would read, newest first, in one read of
// the index: for a caller that keeps copies of the items (an id whose
// item expired is among them until Latest drops it).
func (s *Store) LatestIDs(ctx context.Context, scope string, n int) ([]string, error) {
	idx, err := s.latestIndex(scope)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	ids, err := s.rdb.ZRevRange(ctx, idx, 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("latest ids %q: %w", scope, err)
	}
	return ids, nil
}
