package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

func TestQueueCountsJobsLanesAndTheOldest(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		q, err := s.Queue(ctx)
		must(t, err)
		if q.Jobs != 0 || !q.Oldest.IsZero() || len(q.Lanes) != 0 {
			t.Fatalf("empty queue = %+v, want nothing", q)
		}
		before := time.Now().Add(-time.Second)
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "a"}, {ChatID: 2, ItemID: "a"}}))
		var big []storage.Job
		for c := range int64(storage.DefaultBulkFanout + 3) {
			big = append(big, storage.Job{ChatID: 1000 + c, ItemID: "big"})
		}
		must(t, s.Enqueue(ctx, big))
		q, err = s.Queue(ctx)
		must(t, err)
		if want := int64(2 + len(big)); q.Jobs != want {
			t.Errorf("Jobs = %d, want %d", q.Jobs, want)
		}
		if len(q.Lanes) != 1 || q.Lanes[0].ItemID != "big" || q.Lanes[0].Jobs != int64(len(big)) {
			t.Errorf("Lanes = %+v, want one lane of item big with %d jobs", q.Lanes, len(big))
		}
		if q.Oldest.Before(before) || q.Oldest.After(time.Now().Add(time.Second)) {
			t.Errorf("Oldest = %v, want about now", q.Oldest)
		}
		// Settling a lane's jobs takes them off its count.
		must(t, s.EnsureGroup(ctx))
		ds, err := s.ReadJobs(ctx, "w", 10_000, 0)
		must(t, err)
		var lane []storage.Delivery
		for _, d := range ds {
			if d.Lane != "" {
				lane = append(lane, d)
			}
		}
		must(t, s.Ack(ctx, lane[:100]...))
		q, err = s.Queue(ctx)
		must(t, err)
		if got, want := q.Lanes[0].Jobs, int64(len(big)-100); got != want {
			t.Errorf("lane jobs after 100 acks = %d, want %d", got, want)
		}
	})
}

func TestRetryDeadLetterReenqueuesOnce(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 42, ItemID: "i1"}}))
		ds, err := s.ReadJobs(ctx, "w", 10, 0)
		must(t, err)
		d := ds[0]
		d.Attempt = 5
		must(t, s.DeadLetter(ctx, d, "Bad Request: message is too long"))
		dead, err := s.DeadLetters(ctx, 10)
		must(t, err)
		if n, err := s.DeadLetterCount(ctx); err != nil || n != 1 || len(dead) != 1 {
			t.Fatalf("dead letters = %d (%v), %d listed; want 1", n, err, len(dead))
		}

		j, err := s.RetryDeadLetter(ctx, dead[0].StreamID)
		must(t, err)
		if j.ChatID != 42 || j.ItemID != "i1" || j.Attempt != 0 {
			t.Errorf("retried job = %+v, want chat 42, item i1, no attempts", j)
		}
		if _, err := s.RetryDeadLetter(ctx, dead[0].StreamID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second retry: %v, want ErrNotFound", err)
		}
		if n, _ := s.DeadLetterCount(ctx); n != 0 {
			t.Errorf("dead letters after the retry = %d, want 0", n)
		}
		again, err := s.ReadJobs(ctx, "w", 10, 0)
		must(t, err)
		if len(again) != 1 || again[0].ChatID != 42 || again[0].ItemID != "i1" || again[0].Attempt != 0 || again[0].Shard != storage.ShardOf(42) {
			t.Fatalf("jobs after the retry = %+v, want the one job back on chat 42's shard", again)
		}
	})
}

func TestSourceStatesRecordTheLastSuccess(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ok := time.UnixMilli(1_800_000_000_000)
		must(t, s.SetSourceState(ctx, "a", storage.SourceState{LastPoll: ok}))
		// The poller reads the state, fails, and writes it back.
		st, err := s.SourceState(ctx, "a")
		must(t, err)
		st.Failures, st.LastError, st.LastPoll, st.NextTry = 1, "fetch: 503", ok.Add(time.Minute), ok.Add(3*time.Minute)
		must(t, s.SetSourceState(ctx, "a", st))

		got, err := s.SourceStates(ctx, []string{"a", "never"})
		must(t, err)
		if len(got) != 2 {
			t.Fatalf("%d states, want 2", len(got))
		}
		if !got[0].LastOK.Equal(ok) || got[0].Failures != 1 || got[0].LastError != "fetch: 503" || !got[0].NextTry.Equal(ok.Add(3*time.Minute)) {
			t.Errorf("state a = %+v, want the failure with LastOK kept at %v", got[0], ok)
		}
		if !got[1].LastOK.IsZero() || !got[1].LastPoll.IsZero() {
			t.Errorf("a source never polled = %+v, want zero", got[1])
		}
	})
}

func TestItemsSinceAndDailyCounters(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		midnight := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
		must(t, s.SaveItem(ctx, item("y", "a", midnight.Add(-time.Minute))))
		must(t, s.SaveItem(ctx, item("t1", "a", midnight)))
		must(t, s.SaveItem(ctx, item("t2", "b", midnight.Add(9*time.Hour))))
		n, err := s.ItemsSince(ctx, []string{"a", "b", "c"}, midnight)
		must(t, err)
		if n[0] != 1 || n[1] != 1 || n[2] != 0 {
			t.Errorf("ItemsSince = %v, want [1 1 0]", n)
		}
		must(t, s.CountDaily(ctx, "2026-11-28", "rate_limited"))
		must(t, s.CountDaily(ctx, "2026-11-28", "rate_limited"))
		must(t, s.CountDaily(ctx, "2026-11-27", "rate_limited"))
		m, err := s.Daily(ctx, "2026-11-28")
		must(t, err)
		if m["rate_limited"] != 2 {
			t.Errorf("counters = %v, want rate_limited 2", m)
		}
	})
}
