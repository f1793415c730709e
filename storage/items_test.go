package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

func item(id, src string, pub time.Time, topics ...string) feeds.Item {
	return feeds.Item{
		ID: id, SourceID: src, GUID: "guid-" + id, Link: "https://example.com/" + id + "/a-slug", ShortLink: "https://example.com/" + id,
		Title: "عنوان " + id, Content: "<p>not stored</p>", Summary: "ملخص الخبر " + id,
		Image: "https://example.com/" + id + ".jpg", Published: pub, Topics: topics,
		Fingerprint: 0xfedcba9876543210,
	}
}

// stored is what the store gives back for it: everything but Content and
// Categories.
func stored(it feeds.Item) feeds.Item {
	it.Content, it.Categories = "", nil
	return it
}

func TestSaveItem(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if _, err := s.Item(ctx, "nosuch"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Item(nosuch) err=%v, want ErrNotFound", err)
		}
		tests := map[string]feeds.Item{
			"full":      item("a1", "src", t0, "سياسة", "اقتصاد"),
			"minimal":   {ID: "m1"},
			"comma":     item("c1", "src", t0, "سياسة, دولية", "a,b"),
			"max fp":    {ID: "fp", Fingerprint: ^uint64(0), Published: t0.Add(123 * time.Millisecond)},
			"pre-epoch": {ID: "old", Published: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
			"breaking":  {ID: "b1", Title: "عاجل: زلزال", Breaking: true, Categories: []string{"عاجل"}},
			"history":   {ID: "h1", SourceID: "src", Title: "عنوان", Published: t0, History: true},
		}
		for name, it := range tests {
			t.Run(name, func(t *testing.T) {
				if err := s.SaveItem(ctx, it); err != nil {
					t.Fatal(err)
				}
				got, err := s.Item(ctx, it.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(stored(it), got, timeEqual); diff != "" {
					t.Fatalf("item mismatch (-want +got):\n%s", diff)
				}
			})
		}
		if err := s.SaveItem(ctx, feeds.Item{}); err == nil {
			t.Fatalf("SaveItem accepted an empty id")
		}
	})
}

func TestItems(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		for _, id := range []string{"a", "b", "c"} {
			if err := s.SaveItem(ctx, item(id, "src", t0)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Items(ctx, []string{"c", "missing", "a"})
		if err != nil {
			t.Fatal(err)
		}
		want := []feeds.Item{stored(item("c", "src", t0)), stored(item("a", "src", t0))}
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Fatalf("Items mismatch (-want +got):\n%s", diff)
		}
		if got, err := s.Items(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("Items(nil)=%v, %v", got, err)
		}
	})
}

func ids(items []feeds.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestLatest(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		saves := []feeds.Item{
			item("a", "s1", t0.Add(1*time.Minute), "سياسة"),
			item("b", "s2", t0.Add(3*time.Minute), "رياضة"),
			item("c", "s1", t0.Add(2*time.Minute), "سياسة", "رياضة"),
			item("d", "s2", t0.Add(4*time.Minute)),
		}
		for _, it := range saves {
			if err := s.SaveItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		tests := map[string]struct {
			scope string
			n     int
			want  []string
		}{
			"all":         {"", 10, []string{"d", "b", "c", "a"}},
			"all top 2":   {"", 2, []string{"d", "b"}},
			"source":      {"s:s1", 10, []string{"c", "a"}},
			"topic":       {"t:رياضة", 10, []string{"b", "c"}},
			"topic top 1": {"t:سياسة", 1, []string{"c"}},
			"unknown":     {"s:nosuch", 5, []string{}},
			"zero":        {"", 0, []string{}},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				got, err := s.Latest(ctx, tc.scope, tc.n)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
					t.Fatalf("Latest(%q, %d) mismatch (-want +got):\n%s", tc.scope, tc.n, diff)
				}
			})
		}
		if _, err := s.Latest(ctx, "x:bad", 1); !errors.Is(err, storage.ErrBadTarget) {
			t.Fatalf("Latest(bad scope) err=%v, want ErrBadTarget", err)
		}
	})
}

func TestLatestTrimmed(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		for i := range 10 {
			if err := s.SaveItem(ctx, item(itoa(i), "s", t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Latest(ctx, "s:s", 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"9", "8", "7"}, ids(got)); diff != "" {
			t.Fatalf("trimmed index mismatch (-want +got):\n%s", diff)
		}
		n, err := s.Client().ZCard(ctx, s.Options().Prefix+"latest").Result()
		if err != nil || n != 3 {
			t.Fatalf("latest index holds %d (%v), want 3", n, err)
		}
	}, storage.Options{LatestMax: 3})
}

func TestLatestSkipsExpired(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		for i := range 6 {
			if err := s.SaveItem(ctx, item(itoa(i), "s", t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
		// Items 5, 4 and 2 expire (deleted directly, as TTL expiry would).
		p := s.Options().Prefix
		for _, id := range []string{"5", "4", "2"} {
			if err := s.Client().Del(ctx, p+"item:{"+id+"}").Err(); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Latest(ctx, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"3", "1"}, ids(got)); diff != "" {
			t.Fatalf("Latest mismatch (-want +got):\n%s", diff)
		}
		left, err := s.Client().ZRevRange(ctx, p+"latest", 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"3", "1", "0"}, left); diff != "" {
			t.Fatalf("index after lazy removal mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestItemTTL(t *testing.T) {
	t.Parallel()
	const ttl = 2 * time.Second
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		saved := time.Now()
		if err := s.SaveItem(ctx, item("x", "s", t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Item(ctx, "x"); err != nil && time.Since(saved) < ttl {
			t.Fatalf("fresh item: %v", err)
		}
		// Past the TTL with margin (CI saw 300 ms pass between a save and a
		// read on a loaded machine, so the TTL is not sub-second either).
		time.Sleep(time.Until(saved.Add(ttl + 300*time.Millisecond)))
		if _, err := s.Item(ctx, "x"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("expired item err=%v, want ErrNotFound", err)
		}
		if got, err := s.Latest(ctx, "s:s", 5); err != nil || len(got) != 0 {
			t.Fatalf("Latest after expiry=%v, %v; want none", ids(got), err)
		}
	}, storage.Options{ItemTTL: ttl})
}

// TestLatestBreaking: breaking news has an index of its own across sources,
// and a chat can subscribe to it alone.
func TestLatestBreaking(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		calm, urgent, urgent2 := item("n1", "a", t0, "سياسة"), item("u1", "a", t0.Add(time.Minute), "سياسة"), item("u2", "b", t0.Add(2*time.Minute))
		urgent.Breaking, urgent2.Breaking = true, true
		for _, it := range []feeds.Item{calm, urgent, urgent2} {
			if err := s.SaveItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Latest(ctx, storage.BreakingAll, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]feeds.Item{stored(urgent2), stored(urgent)}, got, timeEqual); diff != "" {
			t.Errorf("breaking latest mismatch (-want +got):\n%s", diff)
		}
		if _, err := s.Subscribe(ctx, 5, storage.BreakingAll); err != nil {
			t.Fatal(err)
		}
		if chats, err := s.Subscribers(ctx, []string{storage.BreakingAll}); err != nil || len(chats) != 1 || chats[0] != 5 {
			t.Errorf("subscribers of breaking news = %v, %v; want [5]", chats, err)
		}
		for _, bad := range []string{"b:", "b:a", "x:all"} {
			if _, err := s.Subscribe(ctx, 5, bad); !errors.Is(err, storage.ErrBadTarget) {
				t.Errorf("Subscribe(%q) err = %v, want ErrBadTarget", bad, err)
			}
		}
	})
}
