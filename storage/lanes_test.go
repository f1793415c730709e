package storage_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// TestLanes follows a big fan-out through its lane: enqueued apart from the
// small ones, read in turn with them, owed to its chats until each job is
// settled (sent, acked, or sent ahead from another stream), claimed from a
// dead consumer, counted as pending, and closed once drained.
func TestLanes(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		// Chat c(n) for every n is in shard 1, so the streams read are one
		// shared stream and one lane stream.
		c := func(n int64) int64 { return 16*n + 1 }
		var in []storage.Job
		for chat := int64(1); chat <= 5; chat++ {
			in = append(in, storage.Job{ChatID: c(chat), ItemID: "big"})
		}
		// Two small fan-outs around the big one, in the same call.
		in = append([]storage.Job{{ChatID: c(7), ItemID: "small"}}, in...)
		in = append(in, storage.Job{ChatID: c(8), ItemID: "later"}, storage.Job{ChatID: c(9), ItemID: "later"})
		must(t, s.Enqueue(ctx, in))

		lanes, err := s.Lanes(ctx)
		if err != nil || len(lanes) != 1 || lanes[0].ItemID != "big" || lanes[0].Edit {
			t.Fatalf("Lanes=%+v, %v; want one lane for big", lanes, err)
		}
		lane := lanes[0].ID
		if n, err := s.Pending(ctx); err != nil || n != 8 {
			t.Fatalf("Pending=%d, %v; want 8", n, err)
		}

		// Count applies per stream: two from the shared stream and two from
		// the lane in one read, so the lane cannot crowd the others out.
		got, err := s.ReadJobs(ctx, "w1", 2, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var shared, bulk []storage.Delivery
		for _, d := range got {
			if d.Lane == "" {
				shared = append(shared, d)
			} else if d.Lane == lane {
				bulk = append(bulk, d)
			}
		}
		if len(shared) != 2 || len(bulk) != 2 || shared[0].ItemID != "small" || bulk[0].ChatID != c(1) {
			t.Fatalf("first read %+v; want small+later from the shared stream and chats 1, 2 of the lane", got)
		}
		if shared[0].Enqueued().IsZero() || time.Since(shared[0].Enqueued()) > time.Minute {
			t.Errorf("Enqueued()=%v, want the entry's time", shared[0].Enqueued())
		}

		owed := func(chat int64) bool {
			t.Helper()
			q := []storage.SendQuery{{ChatID: c(chat), LimitKey: "lane-test", Limit: storage.Limit{Rate: 1000, Period: time.Second}, Lanes: []string{lane}}}
			sc, err := s.CheckSend(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return sc[0].Owed[0]
		}
		if !owed(1) || !owed(5) || owed(7) {
			t.Fatalf("owed 1,5,7 = %v %v %v; want true true false", owed(1), owed(5), owed(7))
		}

		// Chat 1 is sent its card, chat 2's job is acked (filtered), chat 5
		// is sent the item ahead of its lane (no entry to ack).
		must(t, s.DeliveredMany(ctx, []storage.Sent{{Delivery: bulk[0], MessageID: 1, At: time.Now()}}))
		must(t, s.Ack(ctx, bulk[1]))
		must(t, s.Ack(ctx, storage.Delivery{Lane: lane, Job: storage.Job{ChatID: c(5), ItemID: "big"}}))
		for chat, want := range map[int64]bool{1: false, 2: false, 3: true, 4: true, 5: false} {
			if owed(chat) != want {
				t.Errorf("owed(%d)=%v, want %v", chat, !want, want)
			}
		}
		if n, _ := s.Pending(ctx); n != 6 {
			t.Fatalf("Pending=%d after two lane jobs settled, want 6", n)
		}

		// w1 dies holding its jobs; w2 reads the rest of both streams and
		// claims w1's jobs.
		rest, err := s.ReadJobs(ctx, "w2", 10, time.Second)
		if err != nil || len(rest) != 4 {
			t.Fatalf("second read %+v, %v; want chat 9's job and chats 3-5 of the lane", rest, err)
		}
		if n, _ := s.CloseDrainedLanes(ctx, 0); n != 0 {
			t.Fatalf("closed %d lanes with jobs outstanding", n)
		}
		claimed, err := s.ClaimShard(ctx, "w2", 1)
		if err != nil || len(claimed) != 6 {
			t.Fatalf("ClaimShard=%+v, %v; want the 3 shared and 3 lane jobs pending", claimed, err)
		}
		must(t, s.Ack(ctx, claimed...))
		if n, _ := s.Pending(ctx); n != 0 {
			t.Fatalf("Pending=%d, want 0", n)
		}
		if n, err := s.CloseDrainedLanes(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("CloseDrainedLanes(young lane)=%d, %v; want 0", n, err)
		}
		if n, err := s.CloseDrainedLanes(ctx, 0); err != nil || n != 1 {
			t.Fatalf("CloseDrainedLanes=%d, %v; want 1", n, err)
		}
		if lanes, _ := s.Lanes(ctx); len(lanes) != 0 {
			t.Fatalf("lanes after closing: %+v", lanes)
		}
		if owed(3) {
			t.Error("a closed lane still owes its chats")
		}
		// Reading goes on without the lane.
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: c(10), ItemID: "next"}}))
		last, err := s.ReadJobs(ctx, "w2", 10, time.Second)
		if err != nil || len(last) != 1 || last[0].ChatID != c(10) {
			t.Fatalf("read after closing %+v, %v; want chat 10's job", last, err)
		}
	}, storage.Options{BulkFanout: 3})
}

// TestLaneEditsApart checks that an item's edits get a lane apart from its
// cards, and that jobs of a lane keep their order.
func TestLaneEditsApart(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		var in []storage.Job
		for chat := int64(1); chat <= 4; chat++ {
			in = append(in, storage.Job{ChatID: chat, ItemID: "x"})
		}
		must(t, s.Enqueue(ctx, in))
		for i := range in {
			in[i].Edit = true
		}
		must(t, s.Enqueue(ctx, in))
		lanes, err := s.Lanes(ctx)
		if err != nil || len(lanes) != 2 || lanes[0].Edit || !lanes[1].Edit {
			t.Fatalf("Lanes=%+v, %v; want the cards' lane then the edits'", lanes, err)
		}
		got, err := s.ReadJobs(ctx, "w", 10, time.Second)
		if err != nil || len(got) != 8 {
			t.Fatalf("ReadJobs=%+v, %v", got, err)
		}
		var chats []int64
		for _, d := range got {
			if d.Lane == lanes[1].ID && d.Edit {
				chats = append(chats, d.ChatID)
			}
		}
		if !slices.Equal(chats, []int64{1, 2, 3, 4}) {
			t.Errorf("edit lane order %v", chats)
		}
	}, storage.Options{BulkFanout: 3})
}

// TestBalanceShards: one replica owns every shard; a second one gets half
// once the first has drained and given them back; a replica that leaves
// hands its shards over at once, one that dies after the lease time; a
// replica shutting down keeps what it has and takes nothing new.
func TestBalanceShards(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// Long enough that no shard expires between the turns of a busy
		// machine under the race detector (300 ms did, in CI).
		const ttl = 3 * time.Second
		balance := func(r string, turn storage.ShardTurn) ([]int, int) {
			t.Helper()
			got, share, err := s.BalanceShards(ctx, r, ttl, turn)
			if err != nil {
				t.Fatal(err)
			}
			return got, share
		}
		take := storage.ShardTurn{Take: true}
		if got, share := balance("r1", take); len(got) != storage.Shards || share != storage.Shards {
			t.Fatalf("alone: %v (share %d), want every shard", got, share)
		}
		if got, share := balance("r2", take); len(got) != 0 || share != storage.Shards/2 {
			t.Fatalf("r2 before r1 gave any back: %v (share %d)", got, share)
		}
		r1, share := balance("r1", take)
		if len(r1) != storage.Shards || share != storage.Shards/2 {
			t.Fatalf("r1 before draining: %v (share %d); want all it had, share half", r1, share)
		}
		r1, _ = balance("r1", storage.ShardTurn{Take: true, Give: r1[share:]})
		r2, _ := balance("r2", take)
		if len(r1) != storage.Shards/2 || len(r2) != storage.Shards/2 {
			t.Fatalf("two replicas: r1 %v, r2 %v; want half each", r1, r2)
		}
		for _, k := range r1 {
			if slices.Contains(r2, k) {
				t.Fatalf("shard %d owned twice: r1 %v, r2 %v", k, r1, r2)
			}
		}
		if again, _ := balance("r1", take); !slices.Equal(again, r1) {
			t.Fatalf("a renewal moved shards: %v, then %v", r1, again)
		}
		must(t, s.LeaveShards(ctx, "r2"))
		if got, _ := balance("r1", storage.ShardTurn{}); !slices.Equal(got, r1) {
			t.Fatalf("a turn without Take took shards: %v, had %v", got, r1)
		}
		if got, _ := balance("r1", take); len(got) != storage.Shards {
			t.Fatalf("after r2 left: %v, want every shard", got)
		}
		// r1 dies (stops calling): after the lease time r3 takes everything.
		if got, _ := balance("r3", take); len(got) != 0 {
			t.Fatalf("r3 while r1 lives: %v", got)
		}
		time.Sleep(ttl + 50*time.Millisecond)
		if got, _ := balance("r3", take); len(got) != storage.Shards {
			t.Fatalf("r3 after r1 died: %v, want every shard", got)
		}
		if _, _, err := s.BalanceShards(ctx, "", ttl, take); err == nil {
			t.Error("no error for an empty replica name")
		}
	})
}

// closeLanesOnce closes every drained lane just before the first pipeline
// that adds to a lane, as another replica would while an enqueue stalls.
type closeLanesOnce struct {
	s    *storage.Store
	done atomic.Bool
}

func (h *closeLanesOnce) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *closeLanesOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *closeLanesOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if c.Name() == "xadd" && slices.ContainsFunc(c.Args(), func(a any) bool { return a == "nomkstream" }) &&
				h.done.CompareAndSwap(false, true) {
				if _, err := h.s.CloseDrainedLanes(ctx, 0); err != nil {
					return err
				}
				break
			}
		}
		return next(ctx, cmds)
	}
}

// TestLaneClosedMidEnqueue: a lane closed as drained before its jobs were
// added (the enqueue stalled) does not strand them: they get a new lane,
// which owes their chats, and every job is read.
func TestLaneClosedMidEnqueue(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		hook := &closeLanesOnce{s: s}
		s.Client().AddHook(hook)
		var in []storage.Job
		for c := int64(1); c <= 6; c++ {
			in = append(in, storage.Job{ChatID: c, ItemID: "big"})
		}
		must(t, s.Enqueue(ctx, in))
		if !hook.done.Load() {
			t.Fatal("the lane was never closed under the enqueue")
		}
		lanes, err := s.Lanes(ctx)
		if err != nil || len(lanes) != 1 || lanes[0].ID == "1" {
			t.Fatalf("Lanes=%+v, %v; want one new lane (not the closed lane 1)", lanes, err)
		}
		got, err := s.ReadJobs(ctx, "w", 10, 0)
		if err != nil || len(got) != 6 {
			t.Fatalf("ReadJobs=%+v, %v; want the 6 jobs", got, err)
		}
		q := []storage.SendQuery{{ChatID: 6, LimitKey: "closed-lane", Limit: storage.Limit{Rate: 1000, Period: time.Second}, Lanes: []string{lanes[0].ID}}}
		if sc, err := s.CheckSend(ctx, q); err != nil || !sc[0].Owed[0] {
			t.Fatalf("the new lane does not owe chat 6: %+v, %v", sc, err)
		}
	}, storage.Options{BulkFanout: 3})
}

// TestTakeTurn: a replica's turn balances the shards, reads the open lanes
// and sweeps the shards for the jobs a dead consumer left, in its lanes
// too, in one round trip; without lanes or a sweep asked it is
// BalanceShards.
func TestTakeTurn(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		jobs := []storage.Job{{ChatID: 5, ItemID: "small"}}
		for c := range 4 { // more than BulkFanout: a lane
			jobs = append(jobs, storage.Job{ChatID: int64(100 + c), ItemID: "big"})
		}
		must(t, s.Enqueue(ctx, jobs))
		lanes, err := s.Lanes(ctx)
		if err != nil || len(lanes) != 1 || lanes[0].ItemID != "big" {
			t.Fatalf("Lanes=%v, %v; want the big fan-out's", lanes, err)
		}
		ids := []string{lanes[0].ID}
		if dead, err := s.ReadShards(ctx, "dead", storage.AllShards(), ids, 100, 0); err != nil || len(dead) != len(jobs) {
			t.Fatalf("ReadShards=%v, %v; want every job", dead, err)
		}
		const ttl = 3 * time.Second
		// A first turn loads the script, which a fresh server lacks.
		if _, err := s.TakeTurn(ctx, "alive", ttl, storage.ShardTurn{Take: true}); err != nil {
			t.Fatal(err)
		}
		rt := &roundTrips{}
		s.Client().AddHook(rt)
		turn, err := s.TakeTurn(ctx, "alive", ttl, storage.ShardTurn{Take: true, Lanes: true,
			Sweep: storage.Sweep{Shards: storage.AllShards(), Lanes: ids, Count: 100}})
		if err != nil || turn.SweepErr != nil {
			t.Fatalf("TakeTurn: %v, sweep %v", err, turn.SweepErr)
		}
		if n := rt.n.Load(); n != 1 {
			t.Errorf("a turn with lanes and a sweep took %d round trips, want 1", n)
		}
		if !slices.Equal(turn.Owned, storage.AllShards()) || turn.Share != storage.Shards {
			t.Errorf("alone: owned %v (share %d), want every shard", turn.Owned, turn.Share)
		}
		if !slices.Equal(turn.Lanes, lanes) {
			t.Errorf("Lanes=%v, want %v", turn.Lanes, lanes)
		}
		var got []storage.Job
		for _, d := range turn.Reclaimed {
			got = append(got, d.Job)
		}
		sortJobs := func(js []storage.Job) {
			slices.SortFunc(js, func(a, b storage.Job) int { return int(a.ChatID - b.ChatID) })
		}
		sortJobs(got)
		sortJobs(jobs)
		if !slices.Equal(got, jobs) {
			t.Errorf("Reclaimed=%v, want the dead consumer's %v", got, jobs)
		}
		again, err := s.TakeTurn(ctx, "alive", ttl, storage.ShardTurn{})
		if err != nil || !slices.Equal(again.Owned, turn.Owned) || again.Lanes != nil || again.Reclaimed != nil {
			t.Errorf("a bare turn: %+v, %v; want the shards held and nothing else", again, err)
		}
		if _, err := s.TakeTurn(ctx, "", ttl, storage.ShardTurn{}); err == nil {
			t.Error("no error for an empty replica name")
		}
	}, storage.Options{BulkFanout: 3})
}

// TestTakeTurnScriptLost: a turn whose script Redis lost (a restart, a
// SCRIPT FLUSH) runs the script again and still returns its sweep, whose
// claims are not made twice (a second claim would not return them).
func TestTakeTurnScriptLost(t *testing.T) {
	t.Parallel()
	s := storagetest.Miniredis(t) // its own server: the flush touches no other test
	ctx := t.Context()
	must(t, s.EnsureGroup(ctx))
	must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 5, ItemID: "left"}}))
	if dead, err := s.ReadJobs(ctx, "dead", 10, 0); err != nil || len(dead) != 1 {
		t.Fatalf("ReadJobs=%v, %v; want the one job", dead, err)
	}
	if _, err := s.TakeTurn(ctx, "alive", time.Second, storage.ShardTurn{Take: true}); err != nil {
		t.Fatal(err)
	}
	// The sweep takes jobs idle longer than minIdle, as a replica's sweeps
	// do: a claim made again right after the first would find the job
	// idle for less than that and not return it (with no MinIdle it would,
	// and the test could not tell one claim from two).
	const minIdle = 50 * time.Millisecond
	time.Sleep(2 * minIdle)
	must(t, s.Client().ScriptFlush(ctx).Err())
	turn, err := s.TakeTurn(ctx, "alive", time.Second, storage.ShardTurn{Take: true,
		Sweep: storage.Sweep{Shards: storage.AllShards(), MinIdle: minIdle, Count: 100}})
	if err != nil || turn.SweepErr != nil {
		t.Fatalf("TakeTurn after a script flush: %v, sweep %v", err, turn.SweepErr)
	}
	if len(turn.Owned) != storage.Shards {
		t.Errorf("owned %v, want every shard", turn.Owned)
	}
	if len(turn.Reclaimed) != 1 || turn.Reclaimed[0].Job != (storage.Job{ChatID: 5, ItemID: "left"}) {
		t.Errorf("Reclaimed=%v, want the job the dead consumer left", turn.Reclaimed)
	}
}
