package storage_test

import (
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	now := t0
	clock := func() time.Time { return now }
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// Terms as arabic.Terms gives them: normalised and stemmed.
		docs := []struct {
			id    string
			age   time.Duration
			terms []string
		}{
			{"gold1", 1 * time.Hour, []string{"ذهب", "اسعار", "اردن"}},
			{"gold2", 2 * time.Hour, []string{"ذهب", "اسعار", "مغرب"}},
			{"gov", 3 * time.Hour, []string{"حكوم", "اردن"}},
			{"gold-old", 10 * 24 * time.Hour, []string{"ذهب", "اسعار"}},
			{"dup", 4 * time.Hour, []string{"ذهب", "ذهب", "{bad}", ""}},
		}
		for _, d := range docs {
			if err := s.IndexSearch(ctx, d.id, now.Add(-d.age), d.terms); err != nil {
				t.Fatal(err)
			}
		}
		week := now.Add(-7 * 24 * time.Hour)
		tests := map[string]struct {
			terms []string
			since time.Time
			limit int
			want  []string
		}{
			"one term, newest first":    {[]string{"ذهب"}, week, 10, []string{"gold1", "gold2", "dup"}},
			"all terms must match":      {[]string{"اسعار", "ذهب", "اردن"}, week, 10, []string{"gold1"}},
			"order of terms is free":    {[]string{"اردن", "ذهب", "اسعار"}, week, 10, []string{"gold1"}},
			"older than since excluded": {[]string{"اسعار"}, week, 10, []string{"gold1", "gold2"}},
			"no since: everything":      {[]string{"اسعار"}, time.Time{}, 10, []string{"gold1", "gold2", "gold-old"}},
			"limit":                     {[]string{"ذهب"}, week, 2, []string{"gold1", "gold2"}},
			"unknown term":              {[]string{"ذهب", "زلزال"}, week, 10, nil},
			"repeated query term":       {[]string{"حكوم", "حكوم"}, week, 10, []string{"gov"}},
			"no terms":                  {nil, week, 10, nil},
			"brace term ignored":        {[]string{"{bad}", "حكوم"}, week, 10, []string{"gov"}},
			"zero limit":                {[]string{"ذهب"}, week, 0, nil},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				got, err := s.Search(ctx, tc.terms, tc.since, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("Search(%q) mismatch (-want +got):\n%s", tc.terms, diff)
				}
			})
		}
		if err := s.IndexSearch(ctx, "", now, []string{"x"}); err == nil {
			t.Error("IndexSearch accepted an empty id")
		}
	}, storage.Options{Now: clock})
}

// An undated item is indexed as of now, and found through an
// intersection, whose "missing" (ZMSCORE's 0) its score must not look
// like; an item dated 1970 is history and trimmed at once.
func TestSearchUndatedItem(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		for id, pub := range map[string]time.Time{"undated": {}, "epoch": time.UnixMilli(0)} {
			if err := s.IndexSearch(ctx, id, pub, []string{"a1", "b2"}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Search(ctx, []string{"a1", "b2"}, time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"undated"}, got); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestIndexSearchTrims(t *testing.T) {
	t.Parallel()
	now := t0
	clock := func() time.Time { return now }
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// By age: an entry older than ItemTTL goes when the term is next written.
		if err := s.IndexSearch(ctx, "ancient", now.Add(-15*24*time.Hour), []string{"age"}); err != nil {
			t.Fatal(err)
		}
		if err := s.IndexSearch(ctx, "fresh", now.Add(-time.Hour), []string{"age"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Search(ctx, []string{"age"}, time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"fresh"}, got); diff != "" {
			t.Errorf("age trim mismatch (-want +got):\n%s", diff)
		}

		// By size: the newest SearchMaxPerTerm stay. The set is filled
		// directly (one ZADD) so the test stays fast; the next IndexSearch
		// of the term trims it.
		key := s.Options().Prefix + "search:{size}"
		n := storage.SearchMaxPerTerm + 3
		zs := make([]redis.Z, n-1)
		for i := range zs {
			zs[i] = redis.Z{Score: float64(now.Add(time.Duration(i-n) * time.Minute).UnixMilli()), Member: "n" + strconv.Itoa(i)}
		}
		if err := s.Client().ZAdd(ctx, key, zs...).Err(); err != nil {
			t.Fatal(err)
		}
		if err := s.IndexSearch(ctx, "newest", now, []string{"size"}); err != nil {
			t.Fatal(err)
		}
		if c, err := s.Client().ZCard(ctx, key).Result(); err != nil || c != storage.SearchMaxPerTerm {
			t.Fatalf("ZCARD %s = %d, %v; want %d", key, c, err, storage.SearchMaxPerTerm)
		}
		if sc, err := s.Client().ZScore(ctx, key, "n2").Result(); err == nil {
			t.Errorf("oldest entry n2 kept with score %v", sc)
		}
		if ttl, err := s.Client().PTTL(ctx, key).Result(); err != nil || ttl <= 0 || ttl > storage.DefaultItemTTL {
			t.Errorf("PTTL %s = %v, %v; want within ItemTTL", key, ttl, err)
		}
	}, storage.Options{Now: clock})
}

func TestSearchQuery(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if _, err := s.SearchQuery(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("SearchQuery(nope) err = %v, want ErrNotFound", err)
		}
		if err := s.SaveSearchQuery(ctx, "tok1", "أسعار الذهب"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.SearchQuery(ctx, "tok1"); err != nil || got != "أسعار الذهب" {
			t.Fatalf("SearchQuery(tok1) = %q, %v", got, err)
		}
		ttl, err := s.Client().PTTL(ctx, s.Options().Prefix+"searchq:{tok1}").Result()
		if err != nil || ttl <= 0 || ttl > storage.SearchQueryTTL {
			t.Errorf("PTTL = %v, %v; want within SearchQueryTTL", ttl, err)
		}
	})
}

func TestCacheLink(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		url := "https://www.skynewsarabia.com/middle-east/1"
		if _, err := s.CachedLink(ctx, url); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("CachedLink before caching: err = %v, want ErrNotFound", err)
		}
		want := storage.LinkCard{Item: stored(item("l1", "", t0)), Site: "سكاي نيوز عربية"}
		if err := s.CacheLink(ctx, url, want, time.Hour); err != nil {
			t.Fatal(err)
		}
		got, err := s.CachedLink(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Errorf("LinkCard mismatch (-want +got):\n%s", diff)
		}
		failure := storage.LinkCard{Failure: "private"}
		if err := s.CacheLink(ctx, url+"?x", failure, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, err := s.CachedLink(ctx, url+"?x"); err != nil || got.Failure != "private" || got.Item.ID != "" {
			t.Errorf("failure entry = %+v, %v", got, err)
		}
		// A damaged entry reads as absent, so the link is fetched again.
		keys, err := storagetest.Keys(ctx, s.Client(), s.Options().Prefix+"link:*") // every master of a cluster
		if err != nil || len(keys) != 2 {
			t.Fatalf("link keys = %v, %v", keys, err)
		}
		for _, k := range keys {
			if err := s.Client().Set(ctx, k, "{not json", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CachedLink(ctx, url); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("damaged entry: err = %v, want ErrNotFound", err)
		}
	})
}

// People sending many distinct links cannot grow the link cache past
// LinkCacheMax: the cards closest to expiry (here the oldest, all cached
// for an hour) are evicted, their keys deleted, and the index stays at the
// cap. On a cluster too: each card has its own slot, the index another.
func TestLinkCacheBounded(t *testing.T) {
	t.Parallel()
	const max, sent = 10, 40
	base := time.Now()
	var tick atomic.Int64
	clock := func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := s.Options().Prefix
		url := func(i int) string { return "https://example.com/news/" + strconv.Itoa(i) }
		for i := range sent {
			c := storage.LinkCard{Item: stored(item("l"+strconv.Itoa(i), "", t0)), Site: "example.com"}
			if err := s.CacheLink(ctx, url(i), c, time.Hour); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Client().ZCard(ctx, p+"links").Result(); err != nil || n > max {
				t.Fatalf("after %d links: index holds %d, %v; want ≤ %d", i+1, n, err, max)
			}
		}
		keys, err := storagetest.Keys(ctx, s.Client(), p+"link:*")
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != max {
			t.Errorf("%d cards cached, want %d", len(keys), max)
		}
		for i := range sent {
			_, err := s.CachedLink(ctx, url(i))
			if kept := i >= sent-max; kept != (err == nil) {
				t.Errorf("link %d: CachedLink err = %v, want kept=%v", i, err, kept)
			}
		}
	}, storage.Options{LinkCacheMax: max, Now: clock})
}

// A card over LinkCardMaxBytes is refused, not stored, not indexed.
func TestCacheLinkRefusesLargeCard(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		it := stored(item("big", "", t0))
		it.Title = strings.Repeat("عنوان ", storage.LinkCardMaxBytes/6)
		err := s.CacheLink(ctx, "https://example.com/big", storage.LinkCard{Item: it}, time.Hour)
		if !errors.Is(err, storage.ErrTooLarge) {
			t.Fatalf("CacheLink: err = %v, want ErrTooLarge", err)
		}
		if _, err := s.CachedLink(ctx, "https://example.com/big"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("CachedLink: err = %v, want ErrNotFound", err)
		}
		if n, err := s.Client().Exists(ctx, s.Options().Prefix+"links").Result(); err != nil || n != 0 {
			t.Errorf("index exists = %d, %v; want 0", n, err)
		}
	})
}

// After Redis loses its script cache (restart, failover), indexing loads
// the script again instead of failing. Only on the test's own miniredis:
// flushing the shared Redis's scripts would disturb other tests.
func TestIndexSearchAfterScriptFlush(t *testing.T) {
	t.Parallel()
	s := storagetest.Miniredis(t, storage.Options{Now: func() time.Time { return t0 }})
	ctx := t.Context()
	if err := s.IndexSearch(ctx, "a", t0, []string{"x1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexSearch(ctx, "b", t0.Add(time.Minute), []string{"x1"}); err != nil {
		t.Fatalf("after SCRIPT FLUSH: %v", err)
	}
	got, err := s.Search(ctx, []string{"x1"}, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b", "a"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
