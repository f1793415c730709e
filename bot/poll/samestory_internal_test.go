package poll

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/google/go-cmp/cmp"
)

// TestRecentForSameStoryReadsOnlyWhatChanged: the candidates of same-story
// detection are what Latest reads, item for item, whether they come from
// the store or from the cache; items read within recentFresh are not read
// again; an item this replica saves again (an edit) is read again at once,
// one edited elsewhere after recentFresh, and one that expired sends the
// read to Latest, which drops it from the index.
func TestRecentForSameStoryReadsOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := newTestPoller(t0, "s1")
	store := p.store
	src := feeds.Source{ID: "s1"}
	for i := range 5 {
		it := feeds.Item{ID: fmt.Sprintf("i%d", i), SourceID: "s1", Title: fmt.Sprintf("خبر %d", i),
			Published: t0.Add(time.Duration(i) * time.Minute)}
		if _, err := p.save(ctx, src, it); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) []feeds.Item {
		t.Helper()
		got, err := p.recentForSameStory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		reads := store.itemReads
		want, err := store.Latest(ctx, "", sameStoryRecent)
		if err != nil {
			t.Fatal(err)
		}
		store.itemReads = reads // the check's own read is not the poller's
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: recent items differ from Latest (-want +got):\n%s", when, diff)
		}
		return got
	}
	if got := check("first read"); len(got) != 5 || store.itemReads != 5 {
		t.Fatalf("first read: %d items, %d read from the store; want 5 and 5", len(got), store.itemReads)
	}
	check("second read")
	if store.itemReads != 5 {
		t.Fatalf("second read within recentFresh read %d items from the store, want none", store.itemReads-5)
	}

	// Edited by this replica: read again at once.
	edited := feeds.Item{ID: "i2", SourceID: "s1", Title: "خبر معدّل", Published: t0.Add(2 * time.Minute)}
	if _, err := p.save(ctx, src, edited); err != nil {
		t.Fatal(err)
	}
	local := check("after a local edit")
	if local[2].ID != "i2" || local[2].Title != edited.Title || store.itemReads != 6 {
		t.Fatalf("after a local edit: item %s titled %q, %d items read; want i2 titled %q, 6 read",
			local[2].ID, local[2].Title, store.itemReads, edited.Title)
	}

	// Edited by another replica (straight in the store): the cached copy
	// stands in until recentFresh has passed.
	other := local[2]
	other.Title, other.Fingerprint = "خبر من نسخة أخرى", 4242
	if err := store.SaveItem(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, err := p.recentForSameStory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(local, got); diff != "" {
		t.Fatalf("within recentFresh: not the cached copies (-cached +got):\n%s", diff)
	}
	*p.clock = p.clock.Add(recentFresh)
	if got := check("after recentFresh"); got[2].Fingerprint != 4242 {
		t.Fatalf("after recentFresh: i2 has fingerprint %d, want the other replica's 4242", got[2].Fingerprint)
	}

	// An item that expired: the result is Latest's, without it.
	gone := feeds.Item{ID: "i5", SourceID: "s1", Title: "خبر عابر", Published: t0.Add(5 * time.Minute), Fingerprint: 105}
	if err := store.SaveItem(ctx, gone); err != nil {
		t.Fatal(err)
	}
	p.recent.Put(gone.ID, recentItem{it: gone, at: p.now()}) // as read just before it expired
	store.expire(gone.ID)
	*p.clock = p.clock.Add(recentFresh)
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
