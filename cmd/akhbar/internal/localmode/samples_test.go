package localmode

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
)

// TestSampleFeedsDatedNow: local mode serves its sample items dated in the
// present, whatever the calendar says, so cards show recent times and
// /search and inline mode (a week back) find them.
func TestSampleFeedsDatedNow(t *testing.T) {
	samples, err := NewSampleFeeds(SampleHeldBack)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2031, 7, 1, 12, 0, 0, 0, time.UTC) // any day, years after the samples were captured
	samples.redate(func() time.Time { return now })
	newest := func() (time.Time, time.Time) {
		var oldest, newest time.Time
		for _, name := range samples.names {
			rec := httptest.NewRecorder()
			samples.ServeHTTP(rec, httptest.NewRequest("GET", "/"+name, nil))
			for _, m := range pubDateRE.FindAllStringSubmatch(rec.Body.String(), -1) {
				d, err := time.Parse(time.RFC1123Z, m[1])
				if err != nil {
					t.Fatal(err)
				}
				if newest.IsZero() || d.After(newest) {
					newest = d
				}
				if oldest.IsZero() || d.Before(oldest) {
					oldest = d
				}
			}
		}
		return oldest, newest
	}
	oldest, latest := newest()
	if latest.After(now) || now.Sub(latest) > time.Hour {
		t.Errorf("newest sample item dated %v, want within the hour before %v", latest, now)
	}
	if now.Sub(oldest) > 7*24*time.Hour {
		t.Errorf("oldest sample item dated %v, more than the week /search looks back from %v", oldest, now)
	}
	now = now.Add(20 * time.Second)
	if _, _, ok := samples.RevealNext(); !ok {
		t.Fatal("nothing to reveal")
	}
	if _, latest := newest(); !latest.Equal(now) {
		t.Errorf("revealed item dated %v, want the moment it appeared, %v", latest, now)
	}
}

// serve fetches one sample feed and parses it as the bot does.
func serve(t *testing.T, samples *SampleFeeds, name string) []feeds.Item {
	t.Helper()
	rec := httptest.NewRecorder()
	samples.ServeHTTP(rec, httptest.NewRequest("GET", "/"+name, nil))
	items, err := feeds.Parse(feeds.Source{ID: name}, rec.Body.Bytes(), "")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return items
}

// TestSampleNewsGoesOn: local mode adds a sample item every 20 s, and a
// person trying the chat page keeps getting news however long they stay:
// once the held-back items are out, the feeds tell their items again,
// each a new item to the bot (an id it has not seen), dated the moment it
// appears by the clock (an injected one here), and a feed stays its size.
func TestSampleNewsGoesOn(t *testing.T) {
	samples, err := NewSampleFeeds(SampleHeldBack)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2029, 3, 9, 8, 0, 0, 0, time.UTC)
	samples.redate(func() time.Time { return now })
	seen := map[string]bool{}
	size := map[string]int{}
	for _, name := range samples.names {
		items := serve(t, samples, name)
		for _, it := range items {
			seen[it.ID] = true
		}
		size[name] = len(samples.feeds[name].items)
	}
	const reveals = 3 * 60 * 3 // three hours at one every 20 s: the bundled items many times over
	for i := range reveals {
		now = now.Add(20 * time.Second)
		name, title, ok := samples.RevealNext()
		if !ok {
			t.Fatalf("reveal %d (%v in): no more news", i+1, time.Duration(i+1)*20*time.Second)
		}
		items := serve(t, samples, name)
		if len(items) > size[name] {
			t.Fatalf("reveal %d: %s holds %d items, more than its %d", i+1, name, len(items), size[name])
		}
		var fresh []feeds.Item
		for _, it := range items {
			if !seen[it.ID] {
				fresh = append(fresh, it)
				seen[it.ID] = true
			}
		}
		if len(fresh) != 1 {
			t.Fatalf("reveal %d: %s has %d new items, want 1", i+1, name, len(fresh))
		}
		if it := fresh[0]; !it.Published.Equal(now) || it.Title != feeds.PlainText(title) {
			t.Fatalf("reveal %d: new item %q dated %v, want %q dated %v", i+1, it.Title, it.Published, title, now)
		}
	}
	if len(seen) < reveals {
		t.Errorf("%d distinct items after %d reveals", len(seen), reveals)
	}
}
