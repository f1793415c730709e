package storage_test

import (
	"slices"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

func TestCheckSend(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		now := time.Now()
		must(t, s.SaveItem(ctx, feeds.Item{ID: "a", SourceID: "src", Title: "عنوان", Published: now}))
		must(t, s.SaveChat(ctx, storage.Chat{ID: 2, Kind: "private", Lang: "en"}))
		must(t, s.DeliveredMany(ctx, []storage.Sent{{Delivery: storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "a"}}, MessageID: 7, At: now}}))
		must(t, s.Park(ctx, 3, now.Add(time.Hour)))
		perSecond := storage.Limit{Rate: 1, Period: time.Second}
		qs := []storage.SendQuery{
			{ChatID: 1, LimitKey: "chat:1", Limit: perSecond, ItemIDs: []string{"a", "b"}, Fetch: []string{"a", "gone"}},
			{ChatID: 2, LimitKey: "chat:2", Limit: perSecond, ItemIDs: []string{"a"}},
			{ChatID: 3, LimitKey: "chat:3", Limit: perSecond, ItemIDs: []string{"a"}},
			{ChatID: 2, LimitKey: "chat:2", Limit: perSecond, ItemIDs: []string{"a"}}, // the same chat again: its token is taken
		}
		got, err := s.CheckSend(ctx, qs)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(qs) {
			t.Fatalf("%d answers for %d queries", len(got), len(qs))
		}
		if diff := cmp.Diff([]bool{true, false}, got[0].Sent); diff != "" {
			t.Errorf("chat 1 sent mismatch (-want +got):\n%s", diff)
		}
		if it, ok := got[0].Items["a"]; !ok || it.Title != "عنوان" {
			t.Errorf("chat 1 items = %+v, want item a", got[0].Items)
		}
		if _, ok := got[0].Items["gone"]; ok {
			t.Errorf("an item that does not exist was returned")
		}
		if got[0].Wait != 0 || !got[0].ParkedUntil.IsZero() {
			t.Errorf("chat 1: wait %v, parked %v; want a token and no park", got[0].Wait, got[0].ParkedUntil)
		}
		if got[1].Chat.Lang != "en" || got[1].Wait != 0 {
			t.Errorf("chat 2: %+v, want its settings and a token", got[1])
		}
		if got[2].ParkedUntil.Before(now.Add(59 * time.Minute)) {
			t.Errorf("chat 3 parked until %v, want an hour from now", got[2].ParkedUntil)
		}
		if w := got[3].Wait; w <= 0 || w > time.Second {
			t.Errorf("chat 2's second check waits %v, want (0, 1s]", w)
		}
		if _, err := s.CheckSend(ctx, []storage.SendQuery{{ChatID: 1, Limit: storage.Limit{}}}); err == nil {
			t.Errorf("a zero limit was accepted")
		}
	})
}

func TestTakeGlobal(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		l := storage.Limit{Rate: 100, Burst: 20, Period: time.Second} // 10ms slots, two batches of 10 ahead
		tests := []struct {
			name    string
			allowed int
		}{
			{"first batch", 10},
			{"one batch booked ahead", 10},
			{"no third batch", 0},
		}
		var last storage.GlobalGrant
		for _, tc := range tests {
			g, err := s.TakeGlobal(ctx, "global", l, 10)
			if err != nil {
				t.Fatal(err)
			}
			if g.Allowed != tc.allowed || g.Slow != 1 {
				t.Fatalf("%s: %+v, want %d slots at full speed", tc.name, g, tc.allowed)
			}
			last = g
		}
		if last.RetryAfter <= 0 || last.RetryAfter > 110*time.Millisecond {
			t.Errorf("denied batch retries after %v, want (0, 110ms]", last.RetryAfter)
		}

		until := time.Now().Add(time.Minute)
		must(t, s.ParkGlobal(ctx, until, 0.5, time.Minute))
		g, err := s.TakeGlobal(ctx, "other", l, 1)
		if err != nil {
			t.Fatal(err)
		}
		if g.Allowed != 0 || g.ParkedUntil.UnixMilli() != until.UnixMilli() || g.Slow != 0.5 {
			t.Errorf("while parked: %+v, want no slot, parked until %v, slow 0.5", g, until)
		}
		if _, err := s.TakeGlobal(ctx, "global", l, 0); err == nil {
			t.Errorf("a batch of 0 was accepted")
		}
	})
}

func TestDeliveredManyAndClaim(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		var jobs []storage.Job
		for i := range 6 {
			jobs = append(jobs, storage.Job{ChatID: int64(i%3 + 1), ItemID: "it" + itoa(i)})
		}
		must(t, s.Enqueue(ctx, jobs))
		ds, err := s.ReadJobs(ctx, "w1", 10, 0)
		if err != nil || len(ds) != 6 {
			t.Fatalf("ReadJobs=%d, %v", len(ds), err)
		}
		now := time.Now()
		var sent []storage.Sent
		for i, d := range ds[:4] {
			sent = append(sent, storage.Sent{Delivery: d, MessageID: 100 + i, At: now})
		}
		must(t, s.DeliveredMany(ctx, sent))
		must(t, s.DeliveredMany(ctx, sent)) // a retried write changes nothing
		for i, d := range ds {
			ok, err := s.WasSent(ctx, d.ChatID, d.ItemID)
			if err != nil || ok != (i < 4) {
				t.Errorf("WasSent(%d, %s)=%v, %v; want %v", d.ChatID, d.ItemID, ok, err, i < 4)
			}
		}
		if id, err := s.SentMessage(ctx, ds[1].ChatID, ds[1].ItemID); err != nil || id != 101 {
			t.Errorf("SentMessage=%d, %v; want 101", id, err)
		}
		if n, _ := s.Pending(ctx); n != 2 {
			t.Errorf("pending %d, want the 2 unsent", n)
		}

		// w1 dies: w2 takes over the shards of the two unsent entries.
		var got []storage.Delivery
		for _, k := range []int{ds[4].Shard, ds[5].Shard} {
			if slices.ContainsFunc(got, func(d storage.Delivery) bool { return d.Shard == k }) {
				continue
			}
			claimed, err := s.ClaimShard(ctx, "w2", k)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, claimed...)
		}
		var want, have []storage.Job
		for _, d := range ds[4:] {
			want = append(want, d.Job)
		}
		for _, d := range got {
			have = append(have, d.Job)
		}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Fatalf("taken over (-want +got):\n%s", diff)
		}
	})
}

// TestScriptsSurviveAFlush checks the NOSCRIPT path: after Redis loses its
// script cache (a restart or failover), pipelined scripts load again.
func TestScriptsSurviveAFlush(t *testing.T) {
	t.Parallel()
	s := storagetest.Real(t)
	ctx := t.Context()
	q := []storage.SendQuery{{ChatID: 1, LimitKey: "chat:1", Limit: storage.Limit{Rate: 1000, Period: time.Second}, ItemIDs: []string{"a"}}}
	if _, err := s.CheckSend(ctx, q); err != nil {
		t.Fatal(err)
	}
	must(t, s.Client().ScriptFlush(ctx).Err())
	if _, err := s.CheckSend(ctx, q); err != nil {
		t.Fatalf("CheckSend after SCRIPT FLUSH: %v", err)
	}
	if _, err := s.TakeGlobal(ctx, "global", storage.Limit{Rate: 1000, Period: time.Second}, 5); err != nil {
		t.Fatalf("TakeGlobal after SCRIPT FLUSH: %v", err)
	}
}
