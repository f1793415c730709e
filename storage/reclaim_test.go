package storage_test

import (
	"testing"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestReclaimRoundTrips: every replica reclaims the jobs left pending in
// its shards every few seconds, idle or not, and the shards are almost
// always empty: reclaiming all of them takes two round trips (the lanes,
// then one pipeline of every stream's first claim), not one per stream.
func TestReclaimRoundTrips(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 5, ItemID: "left"}}))
		if dead, err := s.ReadJobs(ctx, "dead", 10, 0); err != nil || len(dead) != 1 {
			t.Fatalf("ReadJobs=%v, %v; want the one job", dead, err)
		}
		rt := &roundTrips{}
		s.Client().AddHook(rt)
		got, err := s.Reclaim(ctx, "alive", storage.AllShards(), 0, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Job != (storage.Job{ChatID: 5, ItemID: "left"}) {
			t.Fatalf("Reclaim=%v, want the job the dead consumer left", got)
		}
		if n := rt.n.Load(); n > 2 {
			t.Errorf("Reclaim of %d shards took %d round trips, want 2", storage.Shards, n)
		}
	})
}

// TestReclaimCount: a reclaim takes at most count jobs, whichever streams
// they are in, and leaves the rest pending for the next one.
func TestReclaimCount(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		var all []storage.Job
		for i := range 5 {
			for k := range 3 { // shards 0, 1 and 2
				all = append(all, storage.Job{ChatID: int64(k + 16*(i+1)), ItemID: "i" + itoa(i)})
			}
		}
		must(t, s.Enqueue(ctx, all))
		if dead, err := s.ReadJobs(ctx, "dead", 100, 0); err != nil || len(dead) != len(all) {
			t.Fatalf("ReadJobs=%d, %v; want %d", len(dead), err, len(all))
		}
		shards := []int{0, 1, 2}
		first, err := s.Reclaim(ctx, "alive", shards, 0, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 7 {
			t.Fatalf("Reclaim(count 7) took %d jobs", len(first))
		}
		seen := map[storage.Job]bool{}
		for _, d := range first {
			if seen[d.Job] {
				t.Fatalf("Reclaim returned %v twice", d.Job)
			}
			seen[d.Job] = true
		}
		must(t, s.Ack(ctx, first...))
		rest, err := s.Reclaim(ctx, "alive", shards, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range rest {
			if seen[d.Job] {
				t.Fatalf("%v came back after its ack", d.Job)
			}
			seen[d.Job] = true
		}
		if len(seen) != len(all) {
			t.Fatalf("the two reclaims took %d distinct jobs, want %d", len(seen), len(all))
		}
	})
}
