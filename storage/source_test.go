package storage_test

import (
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestSourceState(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		got, err := s.SourceState(ctx, "nosuch")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(storage.SourceState{}, got); diff != "" {
			t.Fatalf("absent state mismatch (-want +got):\n%s", diff)
		}
		want := storage.SourceState{
			ETag: `W/"abc"`, LastModified: "Sat, 28 Nov 2026 10:00:00 GMT", Failures: 3,
			LastError: "fetch: 503", LastPoll: t0, NextTry: t0.Add(time.Minute),
		}
		if err := s.SetSourceState(ctx, "src1", want); err != nil {
			t.Fatal(err)
		}
		got, err = s.SourceState(ctx, "src1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Fatalf("state mismatch (-want +got):\n%s", diff)
		}
		// Clearing fields works; a zero Baseline keeps the recorded one.
		if err := s.MarkSeen(ctx, "src1", nil, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSourceState(ctx, "src1", storage.SourceState{}); err != nil {
			t.Fatal(err)
		}
		got, err = s.SourceState(ctx, "src1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(storage.SourceState{Baseline: t0}, got, timeEqual); diff != "" {
			t.Fatalf("state after reset mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestSourceStateFirstTry: the first attempt is recorded once; later
// states, with another time or none, leave it alone.
func TestSourceStateFirstTry(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if err := s.SetSourceState(ctx, "src1", storage.SourceState{Failures: 1, FirstTry: t0}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []storage.SourceState{{FirstTry: t0.Add(time.Hour)}, {}} {
			if err := s.SetSourceState(ctx, "src1", st); err != nil {
				t.Fatal(err)
			}
			got, err := s.SourceState(ctx, "src1")
			if err != nil {
				t.Fatal(err)
			}
			if !got.FirstTry.Equal(t0) {
				t.Fatalf("after SetSourceState(%+v): FirstTry=%v, want %v", st, got.FirstTry, t0)
			}
		}
	})
}

// TestMarkSeenPartial: ids marked partially are seen, but the source stays
// a first sight until MarkSeen records the baseline.
func TestMarkSeenPartial(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if err := s.MarkSeenPartial(ctx, "src", []string{"a", "b"}, t0); err != nil {
			t.Fatal(err)
		}
		unseen, first, err := s.Unseen(ctx, "src", []string{"a", "b", "c"})
		if err != nil {
			t.Fatal(err)
		}
		if !first || !cmp.Equal(unseen, []string{"c"}) {
			t.Fatalf("after MarkSeenPartial: unseen=%q first=%v, want [c] true", unseen, first)
		}
		if st, _ := s.SourceState(ctx, "src"); !st.Baseline.IsZero() {
			t.Fatalf("MarkSeenPartial recorded a baseline %v", st.Baseline)
		}
		if err := s.MarkSeen(ctx, "src", []string{"a", "b", "c"}, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		unseen, first, err = s.Unseen(ctx, "src", []string{"a", "b", "c"})
		if err != nil || first || unseen != nil {
			t.Fatalf("after MarkSeen: unseen=%q first=%v err=%v, want none, false", unseen, first, err)
		}
	})
}

// timeEqual compares times by instant, as the store keeps milliseconds in
// the local zone.
var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func TestUnseenFirstSight(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := []string{"a", "b", "c"}
		unseen, first, err := s.Unseen(ctx, "src", ids)
		if err != nil {
			t.Fatal(err)
		}
		if !first {
			t.Fatalf("firstSight=false for a new source")
		}
		if diff := cmp.Diff(ids, unseen); diff != "" {
			t.Fatalf("unseen mismatch (-want +got):\n%s", diff)
		}
		// Unseen is read-only: asking again changes nothing.
		if _, first, _ := s.Unseen(ctx, "src", ids); !first {
			t.Fatalf("Unseen recorded a baseline")
		}
		if err := s.MarkSeen(ctx, "src", ids, t0); err != nil {
			t.Fatal(err)
		}
		st, err := s.SourceState(ctx, "src")
		if err != nil {
			t.Fatal(err)
		}
		if !st.Baseline.Equal(t0) {
			t.Fatalf("Baseline=%v, want %v", st.Baseline, t0)
		}
		unseen, first, err = s.Unseen(ctx, "src", []string{"d", "a", "e", "d", "c"})
		if err != nil {
			t.Fatal(err)
		}
		if first {
			t.Fatalf("firstSight=true after MarkSeen")
		}
		if diff := cmp.Diff([]string{"d", "e"}, unseen); diff != "" {
			t.Fatalf("unseen mismatch (-want +got):\n%s", diff)
		}
		// A second MarkSeen keeps the first baseline.
		if err := s.MarkSeen(ctx, "src", []string{"d"}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.SourceState(ctx, "src"); !st.Baseline.Equal(t0) {
			t.Fatalf("Baseline moved to %v", st.Baseline)
		}
		// Other sources are separate.
		if _, first, _ := s.Unseen(ctx, "other", []string{"a"}); !first {
			t.Fatalf("other source shares the baseline")
		}
	})
}

func TestUnseenEmptyFeed(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		unseen, first, err := s.Unseen(ctx, "src", nil)
		if err != nil || !first || unseen != nil {
			t.Fatalf("Unseen(nil)=%v, %v, %v; want nil, true, nil", unseen, first, err)
		}
		// An empty first poll still records the baseline, so the first real
		// item is news, not a first sight.
		if err := s.MarkSeen(ctx, "src", nil, t0); err != nil {
			t.Fatal(err)
		}
		unseen, first, err = s.Unseen(ctx, "src", []string{"x"})
		if err != nil || first || len(unseen) != 1 {
			t.Fatalf("Unseen after empty MarkSeen=%v, %v, %v; want [x], false, nil", unseen, first, err)
		}
	})
}

func TestSeenTombstonesAndRetention(t *testing.T) {
	t.Parallel()
	opts := storage.Options{SeenRetention: 10 * 24 * time.Hour}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		day := 24 * time.Hour
		mark := func(now time.Time, ids ...string) {
			t.Helper()
			if err := s.MarkSeen(ctx, "src", ids, now); err != nil {
				t.Fatal(err)
			}
		}
		unseen := func(ids ...string) []string {
			t.Helper()
			u, _, err := s.Unseen(ctx, "src", ids)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		mark(t0, "old", "stays")
		// "old" drops out of the feed; "stays" is still in it every day.
		for d := 1; d <= 9; d++ {
			mark(t0.Add(time.Duration(d)*day), "stays")
		}
		// Day 9: "old" reappears within retention: a tombstone, not news.
		if got := unseen("old", "stays", "new"); !cmp.Equal(got, []string{"new"}) {
			t.Fatalf("day 9 unseen=%q, want [new]", got)
		}
		// Day 11: "old" was last seen 11 days ago: trimmed. "stays" was
		// refreshed daily, so it never expires.
		mark(t0.Add(11*day), "stays")
		if got := unseen("old", "stays"); !cmp.Equal(got, []string{"old"}) {
			t.Fatalf("day 11 unseen=%q, want [old]", got)
		}
		// Exactly at the cutoff an id is kept.
		mark(t0.Add(20*day), "edge")
		mark(t0.Add(30*day), "stays")
		if got := unseen("edge"); got != nil {
			t.Fatalf("id at the cutoff trimmed: unseen=%q", got)
		}
	}, opts)
}

func TestMarkSeenMany(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// More ids than one ZADD chunk (and Lua's unpack limit) in the script.
		ids := make([]string, 5000)
		for i := range ids {
			ids[i] = "id" + string(rune('a'+i%26)) + itoa(i)
		}
		if err := s.MarkSeen(ctx, "big", ids, t0); err != nil {
			t.Fatal(err)
		}
		unseen, _, err := s.Unseen(ctx, "big", append(ids, "fresh"))
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(unseen, []string{"fresh"}) {
			t.Fatalf("unseen=%d ids, want [fresh]", len(unseen))
		}
	})
}
