package storage_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func jobs(ds []storage.Delivery) []storage.Job {
	out := make([]storage.Job, len(ds))
	for i, d := range ds {
		out[i] = d.Job
	}
	return out
}

func TestOutboxReadAck(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		must(t, s.EnsureGroup(ctx)) // BUSYGROUP ignored

		// Nothing queued: a short block times out with nil, nil.
		start := time.Now()
		got, err := s.ReadJobs(ctx, "w1", 10, 50*time.Millisecond)
		if err != nil || got != nil {
			t.Fatalf("ReadJobs(empty)=%v, %v; want nil, nil", got, err)
		}
		if waited := time.Since(start); waited < 40*time.Millisecond {
			t.Fatalf("ReadJobs returned after %v, want it to block ~50ms", waited)
		}
		if got, err := s.ReadJobs(ctx, "w1", 10, 0); err != nil || got != nil {
			t.Fatalf("ReadJobs(no block)=%v, %v; want nil, nil", got, err)
		}

		// Chats 1 and 17 share a shard; count applies per stream.
		want := []storage.Job{{ChatID: 1, ItemID: "a"}, {ChatID: -100, ItemID: "b", Attempt: 2}, {ChatID: 17, ItemID: "c"}}
		if storage.ShardOf(1) != storage.ShardOf(17) || storage.ShardOf(1) == storage.ShardOf(-100) {
			t.Fatalf("shards 1=%d 17=%d -100=%d", storage.ShardOf(1), storage.ShardOf(17), storage.ShardOf(-100))
		}
		must(t, s.Enqueue(ctx, want))
		if n, err := s.Pending(ctx); err != nil || n != 3 {
			t.Fatalf("Pending=%d, %v; want 3", n, err)
		}
		first, err := s.ReadJobs(ctx, "w1", 1, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		rest, err := s.ReadJobs(ctx, "w2", 10, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, append(jobs(first), jobs(rest)...)); diff != "" {
			t.Fatalf("jobs mismatch (-want +got):\n%s", diff)
		}
		if n, _ := s.InFlight(ctx); n != 3 {
			t.Fatalf("InFlight=%d, want 3", n)
		}
		must(t, s.Ack(ctx, first[0], first[1]))
		if n, _ := s.Pending(ctx); n != 1 {
			t.Fatalf("Pending after ack=%d, want 1", n)
		}
		if n, _ := s.InFlight(ctx); n != 1 {
			t.Fatalf("InFlight after ack=%d, want 1", n)
		}
		must(t, s.Ack(ctx)) // nothing to ack
		if err := s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "ok"}, {ChatID: 2}}); err == nil {
			t.Fatalf("Enqueue accepted a job without an item")
		}
		if n, _ := s.Pending(ctx); n != 1 {
			t.Fatalf("Pending=%d after a refused Enqueue, want 1 (nothing added)", n)
		}
		// Acked jobs are never read again.
		if got, _ := s.ReadJobs(ctx, "w1", 10, 0); got != nil {
			t.Fatalf("acked jobs read again: %v", got)
		}
	})
}

func TestReadJobsWakesOnEnqueue(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		done := make(chan []storage.Delivery)
		go func() {
			ds, err := s.ReadJobs(ctx, "w", 10, 5*time.Second)
			if err != nil {
				t.Error(err)
			}
			done <- ds
		}()
		time.Sleep(50 * time.Millisecond)
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "x"}}))
		select {
		case ds := <-done:
			if len(ds) != 1 || ds[0].ItemID != "x" {
				t.Fatalf("woken ReadJobs got %v", ds)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("blocked ReadJobs did not wake on Enqueue")
		}
	})
}

func TestReadJobsRecreatesGroup(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// No EnsureGroup: a wiped store. The read recreates the group; jobs
		// enqueued before then are read from the start of the stream.
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "x"}}))
		ds, err := s.ReadJobs(ctx, "w", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]storage.Job{{ChatID: 1, ItemID: "x"}}, jobs(ds)); diff != "" {
			t.Fatalf("jobs mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestClaimShardAfterOwnerDies: the replica that takes a shard over gets
// every job the last owner read and did not ack, in order, and only that
// shard's.
func TestClaimShardAfterOwnerDies(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		var all []storage.Job
		for i := range 7 {
			all = append(all, storage.Job{ChatID: int64(3 + 16*i), ItemID: "i" + itoa(i)})
		}
		other := storage.Job{ChatID: 4, ItemID: "elsewhere"}
		must(t, s.Enqueue(ctx, append(slices.Clone(all), other)))
		// "dead" reads everything and crashes without acking.
		dead, err := s.ReadJobs(ctx, "dead", 10, 0)
		if err != nil || len(dead) != 8 {
			t.Fatalf("ReadJobs=%d, %v; want 8", len(dead), err)
		}
		got, err := s.ClaimShard(ctx, "alive", 3)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all, jobs(got)); diff != "" {
			t.Fatalf("claimed shard 3 (-want +got):\n%s", diff)
		}
		must(t, s.Ack(ctx, got[:3]...))
		// The next owner of the shard gets what is still unacked.
		again, err := s.ClaimShard(ctx, "next", 3)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all[3:], jobs(again)); diff != "" {
			t.Fatalf("claimed again (-want +got):\n%s", diff)
		}
		must(t, s.Ack(ctx, again...))
		rest, err := s.ClaimShard(ctx, "alive", 4)
		if err != nil || len(rest) != 1 || rest[0].Job != other {
			t.Fatalf("ClaimShard(4)=%v, %v; want the one job of shard 4", rest, err)
		}
		must(t, s.Ack(ctx, rest...))
		if n, _ := s.Pending(ctx); n != 0 {
			t.Fatalf("Pending=%d, want 0", n)
		}
	})
}

func TestClaimShardNoGroup(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		got, err := s.ClaimShard(t.Context(), "w", 0)
		if err != nil || got != nil {
			t.Fatalf("ClaimShard(no stream)=%v, %v; want nil, nil", got, err)
		}
		if n, err := s.InFlight(t.Context()); err != nil || n != 0 {
			t.Fatalf("InFlight(no stream)=%d, %v", n, err)
		}
	})
}

func TestDeadLetter(t *testing.T) {
	t.Parallel()
	now := t0
	opts := storage.Options{Now: func() time.Time { return now }}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if got, err := s.DeadLetters(ctx, 10); err != nil || len(got) != 0 {
			t.Fatalf("DeadLetters(empty)=%v, %v", got, err)
		}
		must(t, s.EnsureGroup(ctx))
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "a", Attempt: 5}, {ChatID: 2, ItemID: "b"}}))
		ds, _ := s.ReadJobs(ctx, "w", 10, 0)
		must(t, s.DeadLetter(ctx, ds[0], "Bad Request: message is too long"))
		must(t, s.DeadLetter(ctx, ds[1], "gave up after 5 attempts"))
		got, err := s.DeadLetters(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []storage.DeadLetter{
			{Job: storage.Job{ChatID: 2, ItemID: "b"}, Reason: "gave up after 5 attempts", Time: t0},
			{Job: storage.Job{ChatID: 1, ItemID: "a", Attempt: 5}, Reason: "Bad Request: message is too long", Time: t0},
		}
		if diff := cmp.Diff(want, got, timeEqual, cmpopts.IgnoreFields(storage.DeadLetter{}, "StreamID")); diff != "" {
			t.Fatalf("DeadLetters mismatch (-want +got):\n%s", diff)
		}
		if got, _ := s.DeadLetters(ctx, 1); len(got) != 1 || got[0].ItemID != "b" {
			t.Fatalf("DeadLetters(1)=%v, want newest only", got)
		}
		if n, _ := s.Pending(ctx); n != 0 {
			t.Fatalf("Pending=%d, want 0 after dead-lettering", n)
		}
	}, opts)
}

func TestMalformedEntryDropped(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		stream := s.Options().Prefix + "{deliveries}"
		// Written by something else (an older version, a person with redis-cli).
		for _, v := range []map[string]any{{"chat": "x", "item": "a"}, {"chat": "1"}, {"junk": "1"}} {
			must(t, s.Client().XAdd(ctx, (&redisXAdd{stream, v}).args()).Err())
		}
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "ok"}}))
		ds, err := s.ReadJobs(ctx, "w", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]storage.Job{{ChatID: 1, ItemID: "ok"}}, jobs(ds)); diff != "" {
			t.Fatalf("jobs mismatch (-want +got):\n%s", diff)
		}
		if n, _ := s.Pending(ctx); n != 1 {
			t.Fatalf("Pending=%d, want 1 (malformed entries dropped)", n)
		}
	})
}

func TestDeliveredWasSent(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 42, ItemID: "x"}}))
		ds, _ := s.ReadJobs(ctx, "w", 1, 0)
		if sent, err := s.WasSent(ctx, 42, "x"); err != nil || sent {
			t.Fatalf("WasSent before delivery=%v, %v", sent, err)
		}
		if _, err := s.SentMessage(ctx, 42, "x"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("SentMessage before delivery err=%v, want ErrNotFound", err)
		}
		must(t, s.Delivered(ctx, ds[0], 9001, time.Now()))
		if sent, err := s.WasSent(ctx, 42, "x"); err != nil || !sent {
			t.Fatalf("WasSent after delivery=%v, %v", sent, err)
		}
		if sent, _ := s.WasSent(ctx, 43, "x"); sent {
			t.Fatalf("another chat sees the sent record")
		}
		if id, err := s.SentMessage(ctx, 42, "x"); err != nil || id != 9001 {
			t.Fatalf("SentMessage=%d, %v; want 9001", id, err)
		}
		if n, _ := s.Pending(ctx); n != 0 {
			t.Fatalf("Pending=%d after Delivered, want 0", n)
		}
		// A crash after sending but before the ack: the job is claimed
		// again, and WasSent says to skip it.
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 42, ItemID: "x"}}))
		ds, _ = s.ReadJobs(ctx, "w", 1, 0)
		if sent, _ := s.WasSent(ctx, ds[0].ChatID, ds[0].ItemID); !sent {
			t.Fatalf("duplicate job not recognised as sent")
		}
	})
}

func TestTrimSent(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		day := 24 * time.Hour
		now := time.Now()
		for i := range 5 {
			d := storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "old" + itoa(i)}}
			must(t, s.Delivered(ctx, d, i, now.Add(-10*day)))
		}
		must(t, s.Delivered(ctx, storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "new"}}, 99, now))
		must(t, s.TrimSent(ctx, 1, now))
		for i := range 5 {
			id := "old" + itoa(i)
			if sent, _ := s.WasSent(ctx, 1, id); sent {
				t.Fatalf("%s kept past retention", id)
			}
			if _, err := s.SentMessage(ctx, 1, id); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("%s message id kept past retention: %v", id, err)
			}
		}
		if id, err := s.SentMessage(ctx, 1, "new"); err != nil || id != 99 {
			t.Fatalf("recent record trimmed: %d, %v", id, err)
		}
	}, storage.Options{SentRetention: 7 * 24 * time.Hour})
}

func TestDeliveredTrimsSometimes(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		now := time.Now()
		must(t, s.Delivered(ctx, storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "ancient"}}, 1, now.Add(-48*time.Hour)))
		// Deliveries of many items: about one in 32 trims, so 200 make
		// the miss chance negligible (and the ids are fixed: deterministic).
		for i := range 200 {
			must(t, s.Delivered(ctx, storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "i" + itoa(i)}}, i, now))
		}
		if sent, _ := s.WasSent(ctx, 1, "ancient"); sent {
			t.Fatalf("Delivered never trimmed the sent record")
		}
	}, storage.Options{SentRetention: 24 * time.Hour})
}

// TestClaimShardDeletedEntry covers an entry deleted while pending (by
// hand, or by an old version): it is not claimed, and it leaves the pending
// list (Redis 7 drops it in XAUTOCLAIM, miniredis already in XDEL).
func TestClaimShardDeletedEntry(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "gone"}, {ChatID: 17, ItemID: "kept"}}))
		ds, _ := s.ReadJobs(ctx, "dead", 10, 0)
		if len(ds) != 2 {
			t.Fatalf("ReadJobs=%v", ds)
		}
		must(t, s.Client().XDel(ctx, s.Options().Prefix+"{deliveries}:"+strconv.Itoa(ds[0].Shard), ds[0].StreamID).Err())
		got, err := s.ClaimShard(ctx, "alive", storage.ShardOf(1))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]storage.Job{{ChatID: 17, ItemID: "kept"}}, jobs(got)); diff != "" {
			t.Fatalf("claimed mismatch (-want +got):\n%s", diff)
		}
		if n, _ := s.InFlight(ctx); n != 1 {
			t.Fatalf("InFlight=%d, want 1", n)
		}
	})
}
