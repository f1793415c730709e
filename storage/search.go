package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/redis/go-redis/v9"
)

// The search index and the two small caches behind /search, inline mode
// and links sent to the bot. Their keys (spelled here, next to the code
// that is their only user):
//
//	search:{term}       ZSET   item id → published (ms; now if undated), per search term;
//	                           trimmed by age (ItemTTL) and to SearchMaxPerTerm
//	searchq:{token}     STRING a /search query, so a "more" button (≤ 64 bytes)
//	                           can name it by token (PX SearchQueryTTL)
//	link:{sha256(url)}  STRING JSON LinkCard for a canonical URL a user sent (PX),
//	                           at most LinkCardMaxBytes
//	links               ZSET   sha256(url) → when its link:{…} entry expires (ms): the
//	                           index that caps the link cache at Options.LinkCacheMax
//
// Every search key is read and written alone (one key per command), so a
// query over several terms works on Redis Cluster: the terms are fetched in
// one pipeline and intersected here, never with ZINTERSTORE across slots.
func (k keys) search(term string) string     { return k.p + "search:{" + term + "}" }
func (k keys) searchQuery(tok string) string { return k.p + "searchq:{" + tok + "}" }
func (k keys) link(hash string) string       { return k.p + "link:{" + hash + "}" }
func (k keys) links() string                 { return k.p + "links" }

// linkHash names a canonical URL in the link cache: hex SHA-256, so any
// URL makes a short key with a valid hash tag.
func linkHash(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:])
}

// Search index limits.
const (
	// SearchMaxPerTerm caps each term's set. A query intersects at most
	// this many of its rarest term's newest items, so the cap is also the
	// depth of the deepest search: with a week of news from a dozen
	// sources a common word holds a few thousand items at most.
	SearchMaxPerTerm = 2000
	// SearchMaxTerms is the most terms one item is indexed under, and the
	// most terms of one query; the rest are ignored.
	SearchMaxTerms = 64
	// maxTermBytes bounds one term (a stemmed word) so a hostile title
	// cannot make huge keys.
	maxTermBytes = 100
	// SearchQueryTTL is how long a /search's "more" buttons keep working.
	SearchQueryTTL = 24 * time.Hour
)

// searchTerms deduplicates terms in order, dropping empty, oversized and
// brace-holding ones (a brace would break the key's hash tag), and keeps
// at most SearchMaxTerms.
func searchTerms(terms []string) []string {
	out := make([]string, 0, min(len(terms), SearchMaxTerms))
	for _, t := range terms {
		if t == "" || len(t) > maxTermBytes || strings.ContainsAny(t, "{}") || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
		if len(out) == SearchMaxTerms {
			break
		}
	}
	return out
}

// searchScore is the score of an item in a term set: its publication time
// in ms (now for an undated item), at least 1, because ZMSCORE reports a
// missing member as 0 through go-redis and the intersection must tell the
// two apart.
func searchScore(published, now time.Time) float64 {
	if published.IsZero() {
		published = now
	}
	return float64(max(published.UnixMilli(), 1))
}

// indexTerm adds one item to one term set and trims the set, in one
// command per term instead of four: KEYS[1] the set; ARGV score, item id,
// age cutoff (ms, exclusive), size cap, TTL (ms). One key, so it runs on
// Redis Cluster.
var indexTerm = redis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local cap = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[1]) > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -cap - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 0
`)

// IndexSearch adds item id, published at published, to the search set of
// each term (normalised, stemmed words: the caller's arabic.Terms), then
// trims each set by age (entries older than ItemTTL, whose items have
// expired) and by size (the newest SearchMaxPerTerm stay). One pipeline
// of one script call per term; indexing an item twice is harmless.
func (s *Store) IndexSearch(ctx context.Context, id string, published time.Time, terms []string) error {
	if id == "" {
		return errors.New("index search: empty id")
	}
	terms = searchTerms(terms)
	if len(terms) == 0 {
		return nil
	}
	now := s.opts.Now()
	score := searchScore(published, now)
	cutoff := now.Add(-s.opts.ItemTTL).UnixMilli()
	ttl := s.opts.ItemTTL.Milliseconds()
	fill := func(p redis.Pipeliner) error {
		for _, t := range terms {
			indexTerm.EvalSha(ctx, p, []string{s.k.search(t)}, score, id, cutoff, SearchMaxPerTerm, ttl)
		}
		return nil
	}
	if _, err := s.pipelined(ctx, fill); err != nil {
		return fmt.Errorf("index search %s: %w", id, err)
	}
	return nil
}

// Search returns the ids of items indexed under every one of terms and
// published at or after since, newest first, at most limit of them.
//
// It works on Redis Cluster, where the term sets live in different slots:
// one pipeline counts each term's recent entries (skipped for a single
// term), the rarest term's newest
// entries (at most SearchMaxPerTerm) become the candidates, and one more
// pipeline asks every other term set for the candidates' scores (ZMSCORE,
// Redis 6.2+); a candidate stays when every set has it. The data moved is
// proportional to the rarest term, not the commonest. Ids whose items have
// expired may be returned: Items skips them.
func (s *Store) Search(ctx context.Context, terms []string, since time.Time, limit int) ([]string, error) {
	terms = searchTerms(terms)
	if len(terms) == 0 || limit <= 0 {
		return nil, nil
	}
	from := "-inf"
	if !since.IsZero() {
		from = strconv.FormatInt(since.UnixMilli(), 10)
	}
	order := make([]int, len(terms))
	for i := range order {
		order[i] = i
	}
	if len(terms) > 1 { // a single term is its own rarest: no need to count
		counts := make([]*redis.IntCmd, len(terms))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, t := range terms {
				counts[i] = p.ZCount(ctx, s.k.search(t), from, "+inf")
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", terms, err)
		}
		for _, c := range counts {
			if c.Val() == 0 {
				return nil, nil // one term matches nothing: neither does the query
			}
		}
		slices.SortStableFunc(order, func(a, b int) int { return int(counts[a].Val() - counts[b].Val()) })
	}

	rarest := terms[order[0]]
	zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, s.k.search(rarest), &redis.ZRangeBy{
		Min: from, Max: "+inf", Count: SearchMaxPerTerm,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", terms, err)
	}
	candidates := make([]string, len(zs))
	for i, z := range zs {
		candidates[i], _ = z.Member.(string)
	}
	if len(order) > 1 && len(candidates) > 0 {
		scores := make([]*redis.FloatSliceCmd, 0, len(order)-1)
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range order[1:] {
				scores = append(scores, p.ZMScore(ctx, s.k.search(terms[i]), candidates...))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", terms, err)
		}
		kept := candidates[:0]
		for j, id := range candidates {
			all := true
			for _, sc := range scores {
				if v := sc.Val(); j >= len(v) || v[j] == 0 {
					all = false
					break
				}
			}
			if all {
				kept = append(kept, id)
			}
		}
		candidates = kept
	}
	if len(candidates) > limit {
		candidates = candidates[:limit]
	}
	return candidates, nil
}

// SaveSearchQuery remembers query under token for SearchQueryTTL, so the
// paging buttons of a search result, which carry only the token, can be
// answered by any replica.
func (s *Store) SaveSearchQuery(ctx context.Context, token, query string) error {
	if err := s.rdb.Set(ctx, s.k.searchQuery(token), query, SearchQueryTTL).Err(); err != nil {
		return fmt.Errorf("save search query %s: %w", token, err)
	}
	return nil
}

// SearchQuery returns the query saved under token, or ErrNotFound once it
// expired.
func (s *Store) SearchQuery(ctx context.Context, token string) (string, error) {
	q, err := s.rdb.Get(ctx, s.k.searchQuery(token)).Result()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("search query %s: %w", token, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("search query %s: %w", token, err)
	}
	return q, nil
}

// LinkCard is what the bot made of a link a user sent: the item its card
// shows and the site's name, or, when the page could not be read, the kind
// of failure (cached briefly so a repeated link is not fetched again).
type LinkCard struct {
	Item    feeds.Item `json:"item"`
	Site    string     `json:"site,omitempty"`
	Failure string     `json:"failure,omitempty"`
}

// LinkCardMaxBytes is the largest encoded LinkCard CacheLink stores. The bot
// caps a card's fields well below it (a card's title, summary, link and
// image fit in 2-4 KB); anything bigger was made from a hostile page.
const LinkCardMaxBytes = 8 << 10

// ErrTooLarge is returned when a value is over the size the store keeps for
// its kind (LinkCardMaxBytes for a link card); nothing was stored.
var ErrTooLarge = errors.New("storage: value too large")

// CacheLink stores c for the canonical URL url for ttl, refusing (with
// ErrTooLarge) a card over LinkCardMaxBytes. The cache holds at most
// Options.LinkCacheMax cards: each one is also indexed in the links ZSET by
// its expiry, and a write that takes the index over the cap evicts the
// cards that would expire first, so people sending many distinct links
// cannot grow it beyond LinkCacheMax × LinkCardMaxBytes.
//
// The card and the index are in different slots (each card has its own
// hash tag, spreading the cache over a cluster), so they are written by a
// pipeline, not atomically: a crash between the two leaves a card
// unindexed until its own TTL ends, which bounds it as well.
func (s *Store) CacheLink(ctx context.Context, url string, c LinkCard, ttl time.Duration) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("cache link: %w", err)
	}
	if len(raw) > LinkCardMaxBytes {
		return fmt.Errorf("cache link: card of %d bytes, limit %d: %w", len(raw), LinkCardMaxBytes, ErrTooLarge)
	}
	h, now := linkHash(url), s.opts.Now()
	pipe := s.rdb.Pipeline()
	pipe.Set(ctx, s.k.link(h), raw, ttl)
	pipe.ZAdd(ctx, s.k.links(), redis.Z{Score: float64(now.Add(ttl).UnixMilli()), Member: h})
	// Members whose card has expired leave the index, so they do not count.
	pipe.ZRemRangeByScore(ctx, s.k.links(), "-inf", "("+strconv.FormatInt(now.UnixMilli(), 10))
	size := pipe.ZCard(ctx, s.k.links())
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cache link: %w", err)
	}
	over := size.Val() - int64(s.opts.LinkCacheMax)
	if over <= 0 {
		return nil
	}
	// ZPOPMIN hands each evicted member to one caller only, so replicas
	// evicting at once delete different cards.
	evicted, err := s.rdb.ZPopMin(ctx, s.k.links(), over).Result()
	if err != nil {
		return fmt.Errorf("cache link: evict: %w", err)
	}
	pipe = s.rdb.Pipeline()
	for _, z := range evicted {
		if m, ok := z.Member.(string); ok {
			pipe.Unlink(ctx, s.k.link(m))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cache link: evict: %w", err)
	}
	return nil
}

// CachedLink returns the LinkCard cached for url, or ErrNotFound. A
// damaged entry counts as absent, so the link is simply fetched again.
func (s *Store) CachedLink(ctx context.Context, url string) (LinkCard, error) {
	var c LinkCard
	raw, err := s.rdb.Get(ctx, s.k.link(linkHash(url))).Bytes()
	if errors.Is(err, redis.Nil) {
		return c, fmt.Errorf("cached link: %w", ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("cached link: %w", err)
	}
	if json.Unmarshal(raw, &c) != nil {
		return LinkCard{}, fmt.Errorf("cached link: damaged entry: %w", ErrNotFound)
	}
	return c, nil
}
