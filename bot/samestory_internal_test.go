package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

// TestRecentForSameStoryReadsOnlyWhatChanged: the candidates of same-story
// detection are what Latest reads, item for item, whether they come from
// Redis or from the cache; an item this replica saves again (an edit) is
// read again at once, one edited elsewhere within recentFresh, and one
// that expired sends the read to Latest, which drops it from the index.
func TestRecentForSameStoryReadsOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	url, prefix := storagetest.URL(t)
	open := func(ttl time.Duration) *storage.Store {
		t.Helper()
		s, err := storage.Open(ctx, url, storage.Options{Prefix: prefix, Now: now, ItemTTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	store := open(0)
	// Saves with a short TTL, for an item that expires in the test.
	shortLived := open(time.Second)
	b := New(Config{Now: now}, store, nil, nil, nil, nil)
	src := feeds.Source{ID: "s1"}
	for i := range 5 {
		it := feeds.Item{ID: fmt.Sprintf("i%d", i), SourceID: "s1", Title: fmt.Sprintf("خبر %d", i),
			Published: t0.Add(time.Duration(i) * time.Minute), Fingerprint: uint64(100 + i)}
		if _, err := b.save(ctx, src, it); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) []feeds.Item {
		t.Helper()
		got, err := b.recentForSameStory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := store.Latest(ctx, "", sameStoryRecent)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: recent items differ from Latest (-want +got):\n%s", when, diff)
		}
		return got
	}
	if got := check("first read"); len(got) != 5 {
		t.Fatalf("first read: %d items, want 5", len(got))
	}
	if _, ok := b.dl.recent.get("i2"); !ok {
		t.Fatal("an item read is not kept for the next comparison")
	}

	// Edited by this replica: read again at once.
	edited := feeds.Item{ID: "i2", SourceID: "s1", Title: "خبر معدّل", Published: t0.Add(2 * time.Minute), Fingerprint: 999}
	if _, err := b.save(ctx, src, edited); err != nil {
		t.Fatal(err)
	}
	local := check("after a local edit")
	if local[2].ID != "i2" || local[2].Title != edited.Title {
		t.Fatalf("after a local edit: item %s titled %q, want i2 titled %q", local[2].ID, local[2].Title, edited.Title)
	}

	// Edited by another replica (straight in the store): the cached copy
	// stands in until recentFresh has passed.
	other := local[2]
	other.Title, other.Fingerprint = "خبر من نسخة أخرى", 4242
	if err := store.SaveItem(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, err := b.recentForSameStory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(local, got); diff != "" {
		t.Fatalf("within recentFresh: not the cached copies (-cached +got):\n%s", diff)
	}
	clock.Add(int64(recentFresh))
	if got := check("after recentFresh"); got[2].Fingerprint != 4242 {
		t.Fatalf("after recentFresh: i2 has fingerprint %d, want the other replica's 4242", got[2].Fingerprint)
	}

	// An item that expired: the result is Latest's, without it.
	gone := feeds.Item{ID: "i5", SourceID: "s1", Title: "خبر عابر", Published: t0.Add(5 * time.Minute), Fingerprint: 105}
	if err := shortLived.SaveItem(ctx, gone); err != nil {
		t.Fatal(err)
	}
	// That save gave the index the short TTL too: another save, with the
	// usual one, keeps the index (and the other items) alive.
	if err := store.SaveItem(ctx, local[0]); err != nil {
		t.Fatal(err)
	}
	b.dl.recent.put(gone.ID, recentItem{it: gone, at: now()}) // as read just before it expired
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := store.Item(ctx, gone.ID); errors.Is(err, storage.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the short-lived item never expired")
		}
	}
	clock.Add(int64(recentFresh))
	if got := check("after an item expired"); len(got) != 5 || got[0].ID != "i4" {
		t.Fatalf("after an item expired: %d items, newest %q; want the 5 that remain", len(got), got[0].ID)
	}
	ids, err := store.LatestIDs(ctx, "", sameStoryRecent)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids, gone.ID) {
		t.Errorf("the expired item is still indexed: %v", ids)
	}
}
