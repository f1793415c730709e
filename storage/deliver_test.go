package storage_test

import (
	"slices"
	"strconv"
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

// windowTimes reads a schedule's window as Redis holds it: slot id → time
// on Redis's clock, exact where slots handed out on the local clock carry
// each booking's measured offset.
func windowTimes(t *testing.T, s *storage.Store, key string) map[int64]time.Time {
	t.Helper()
	zs, err := s.Client().ZRangeWithScores(t.Context(), s.Options().Prefix+"pace:{"+key+"}:window", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]time.Time{}
	for _, z := range zs {
		id, err := strconv.ParseInt(z.Member.(string), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = time.UnixMicro(int64(z.Score))
	}
	return out
}

func TestHoldMany(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		t.Run("spaced, booked a batch ahead", func(t *testing.T) {
			// Slots a second apart and 10 s ahead: the third booking is
			// denied however slow the machine.
			p := storage.Pace{Interval: time.Second, Window: 1000, Span: time.Second, Ahead: 10 * time.Second}
			var all []storage.Slot
			for i, want := range []int{10, 10, 0} {
				h, err := s.HoldMany(ctx, "spaced", p, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(h.Slots) != want || h.Slow != 1 || !h.ParkedUntil.IsZero() {
					t.Fatalf("booking %d: %d slots, slow %v, parked %v; want %d at full speed", i, len(h.Slots), h.Slow, h.ParkedUntil, want)
				}
				if want == 0 && (h.RetryAfter <= 0 || h.RetryAfter > 10*time.Second) {
					t.Errorf("denied booking retries after %v, want (0, 10s]", h.RetryAfter)
				}
				all = append(all, h.Slots...)
			}
			at := windowTimes(t, s, "spaced")
			for i := 1; i < len(all); i++ {
				if all[i].ID != all[i-1].ID+1 {
					t.Fatalf("slot ids %d then %d, want consecutive", all[i-1].ID, all[i].ID)
				}
				if d := at[all[i].ID].Sub(at[all[i-1].ID]); d != time.Second {
					t.Errorf("slots %d and %d are %v apart, want 1s", i-1, i, d)
				}
			}
			if d := all[1].At.Sub(all[0].At); d != time.Second {
				t.Errorf("slots of one booking are %v apart on the local clock, want 1s", d)
			}
		})
		t.Run("at most Window in any Span", func(t *testing.T) {
			p := storage.Pace{Interval: time.Millisecond, Window: 3, Span: time.Second, Ahead: time.Minute}
			h, err := s.HoldMany(ctx, "window", p, 5)
			if err != nil {
				t.Fatal(err)
			}
			var got []time.Duration
			for _, sl := range h.Slots {
				got = append(got, sl.At.Sub(h.Slots[0].At)) // one booking: one offset, exact
			}
			// Three 1 ms apart; the fourth a second after the first, the
			// fifth a second after the second. The window keeps the slots
			// of the last Span: all five.
			want := []time.Duration{0, time.Millisecond, 2 * time.Millisecond, time.Second, time.Second + time.Millisecond}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("slot times (-want +got):\n%s", diff)
			}
			if at := windowTimes(t, s, "window"); len(at) != 5 || !at[h.Slots[4].ID].Equal(at[h.Slots[2].ID].Add(time.Second-time.Millisecond)) {
				t.Errorf("window %v, want the 5 slots", at)
			}
			// A slot older than a Span before a booking holds nothing back:
			// the booking drops it.
			short := storage.Pace{Interval: time.Millisecond, Window: 1, Span: 20 * time.Millisecond, Ahead: time.Minute}
			old, err := s.HoldMany(ctx, "window-old", short, 1)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * short.Span)
			next, err := s.HoldMany(ctx, "window-old", short, 1)
			if err != nil {
				t.Fatal(err)
			}
			if at := windowTimes(t, s, "window-old"); len(at) != 1 || at[next.Slots[0].ID].IsZero() {
				t.Errorf("window %v after slots %d and, two spans later, %d; want only the second", at, old.Slots[0].ID, next.Slots[0].ID)
			}
		})
		t.Run("a shifted slot counts when it left", func(t *testing.T) {
			p := storage.Pace{Interval: time.Millisecond, Window: 1, Span: time.Second, Ahead: time.Minute}
			first, err := s.HoldMany(ctx, "shift", p, 1)
			if err != nil {
				t.Fatal(err)
			}
			a := first.Slots[0]
			must(t, s.Shift(ctx, "shift", a, a.At.Add(-500*time.Millisecond))) // never earlier
			must(t, s.Shift(ctx, "shift", a, a.At.Add(500*time.Millisecond)))
			must(t, s.Shift(ctx, "shift", storage.Slot{ID: 999}, a.At)) // not in the window: nothing
			second, err := s.HoldMany(ctx, "shift", p, 1)
			if err != nil {
				t.Fatal(err)
			}
			b := second.Slots[0]
			at := windowTimes(t, s, "shift")
			if _, ok := at[999]; ok || len(at) != 2 || !at[a.ID].Before(at[b.ID]) {
				t.Errorf("window %v, want slots %d and %d (within a Span of the second booking)", at, a.ID, b.ID)
			}
			// The first slot's Redis time, from the second's and the span.
			if d := b.At.Sub(a.At); d < 1400*time.Millisecond || d > 1600*time.Millisecond {
				t.Errorf("the slot after one shifted by 500ms is %v after it, want 1.5s", d)
			}
		})
		t.Run("parked and slowed", func(t *testing.T) {
			until := time.Now().Add(time.Minute)
			must(t, s.ParkGlobal(ctx, until, 0.5, time.Minute))
			h, err := s.HoldMany(ctx, "parked", storage.Pace{Interval: time.Millisecond, Window: 1, Span: time.Second}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Slots) != 0 || h.ParkedUntil.UnixMilli() != until.UnixMilli() || h.Slow != 0.5 || h.RetryAfter <= 0 {
				t.Errorf("while parked: %+v, want no slot, parked until %v, slow 0.5", h, until)
			}
		})
		for name, p := range map[string]storage.Pace{
			"no interval": {Window: 1, Span: time.Second},
			"no window":   {Interval: time.Millisecond, Span: time.Second},
			"no span":     {Interval: time.Millisecond, Window: 1},
		} {
			if _, err := s.HoldMany(ctx, "bad", p, 1); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if _, err := s.HoldMany(ctx, "bad", storage.Pace{Interval: time.Millisecond, Window: 1, Span: time.Second}, 0); err == nil {
			t.Errorf("a booking of 0 was accepted")
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
//
// Not parallel: the flush empties the script cache of every test sharing
// the Redis, and a flush between a pipeline's NOSCRIPT and its retry made
// the package's parallel tests fail now and then (TestCheckSend: "check
// send 1: NOSCRIPT", 2 runs in 8 with only these two tests).
func TestScriptsSurviveAFlush(t *testing.T) {
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
	must(t, s.Client().ScriptFlush(ctx).Err())
	if _, err := s.HoldMany(ctx, "global", storage.Pace{Interval: time.Millisecond, Window: 30, Span: time.Second}, 5); err != nil {
		t.Fatalf("HoldMany after SCRIPT FLUSH: %v", err)
	}
	must(t, s.Client().ScriptFlush(ctx).Err())
	now := time.Now()
	if err := s.DeliveredMany(ctx, []storage.Sent{{Delivery: storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "a"}}, MessageID: 9, Photo: true, At: now}}); err != nil {
		t.Fatalf("DeliveredMany after SCRIPT FLUSH: %v", err)
	}
	if id, kind, err := s.SentMessageKind(ctx, 1, "a"); err != nil || id != 9 || kind != storage.SentPhoto {
		t.Fatalf("sent record after SCRIPT FLUSH: %d %v %v, want 9 photo", id, kind, err)
	}
	if sent, err := s.WasSent(ctx, 1, "a"); err != nil || !sent {
		t.Fatalf("WasSent after SCRIPT FLUSH: %v %v", sent, err)
	}
	// Both records live SentRetention past the send.
	p := s.Options().Prefix
	for _, key := range []string{p + "sent:{1}", p + "sentmsg:{1}"} {
		ttl, err := s.Client().PTTL(ctx, key).Result()
		if err != nil || ttl <= s.Options().SentRetention-time.Minute || ttl > s.Options().SentRetention {
			t.Errorf("%s: TTL %v (%v), want about %v", key, ttl, err, s.Options().SentRetention)
		}
	}
}

// TestRecordAndCheck: the records written with a check are written as by
// DeliveredMany, before the checks, which read them.
func TestRecordAndCheck(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.EnsureGroup(ctx))
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "x"}, {ChatID: 1, ItemID: "y"}}))
		ds, err := s.ReadJobs(ctx, "w1", 10, 0)
		if err != nil || len(ds) != 2 {
			t.Fatalf("ReadJobs=%d, %v", len(ds), err)
		}
		sent := []storage.Sent{{Delivery: ds[0], MessageID: 9, At: time.Now()}}
		q := storage.SendQuery{ChatID: 1, LimitKey: "chat:1", Limit: storage.Limit{Rate: 1, Period: time.Second},
			ItemIDs: []string{ds[0].ItemID, ds[1].ItemID}}
		got, err := s.RecordAndCheck(ctx, sent, []storage.SendQuery{q})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]bool{true, false}, got[0].Sent); diff != "" {
			t.Errorf("sent, as the check read it, mismatch (-want +got):\n%s", diff)
		}
		if id, err := s.SentMessage(ctx, 1, ds[0].ItemID); err != nil || id != 9 {
			t.Errorf("SentMessage=%d, %v; want 9", id, err)
		}
		if n, _ := s.Pending(ctx); n != 1 {
			t.Errorf("pending %d, want the unsent 1", n)
		}
	})
}

// TestRecordAndCheckNoScriptTakesOneToken: a check that carries sent
// records mixes the chat limit's script (not safe to repeat: it takes a
// token) with the records' scripts in one pipeline. When Redis knows some
// of the scripts and not others (a replica reloading them one by one, a
// cluster node that lost its cache in a failover), the GCRA runs while a
// record answers NOSCRIPT; the run after the reload must not take the
// chat's token a second time.
func TestRecordAndCheckNoScriptTakesOneToken(t *testing.T) {
	s := storagetest.Miniredis(t)
	ctx := t.Context()
	must(t, s.Client().ScriptFlush(ctx).Err())
	must(t, storage.LoadGCRAOnly(ctx, s))
	q := []storage.SendQuery{{ChatID: 1, LimitKey: "chat:1", Limit: storage.Limit{Rate: 2, Burst: 2, Period: time.Hour}}}
	sent := []storage.Sent{{Delivery: storage.Delivery{Job: storage.Job{ChatID: 2, ItemID: "a"}}, MessageID: 9, At: time.Now()}}
	cs, err := s.RecordAndCheck(ctx, sent, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := cs[0].Wait; got != 0 {
		t.Fatalf("first check waits %v, want a token", got)
	}
	if ok, err := s.WasSent(ctx, 2, "a"); err != nil || !ok {
		t.Fatalf("WasSent = %v, %v, want the record written", ok, err)
	}
	// The burst holds two tokens: the first check took one.
	cs, err = s.CheckSend(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := cs[0].Wait; got != 0 {
		t.Fatalf("second check waits %v, want the burst's second token (the first check took two)", got)
	}
}

// TestHoldManyNoScriptBooksOnce: a booking that carries pushes mixes the
// booking script (not safe to repeat: it books slots) with the pushes'
// in one pipeline; when Redis knows the booking's script and not the
// pushes', the run after the reload must not book a second batch of
// slots, which would count in the window unused and hold the rate back.
func TestHoldManyNoScriptBooksOnce(t *testing.T) {
	s := storagetest.Miniredis(t)
	ctx := t.Context()
	must(t, s.Client().ScriptFlush(ctx).Err())
	must(t, storage.LoadHoldManyOnly(ctx, s))
	lim := storage.Limit{Rate: 1, Period: time.Second}
	h, err := s.HoldMany(ctx, "global", storage.Pace{Interval: time.Millisecond, Window: 30, Span: time.Second, Ahead: 10 * time.Millisecond}, 3,
		storage.Push{Key: "chat:1", Limit: lim, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, sl := range h.Slots {
		ids = append(ids, sl.ID)
	}
	if diff := cmp.Diff([]int64{1, 2, 3}, ids); diff != "" {
		t.Errorf("slot ids mismatch (-want +got), a second booking's after a NOSCRIPT:\n%s", diff)
	}
}
