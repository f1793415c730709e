package storage_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

func TestAllowTinyLimit(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// One a minute: the second call cannot be allowed however slow the
		// machine is.
		l := storage.Limit{Rate: 1, Period: time.Minute}
		wait, err := s.Allow(ctx, "chat:1", l)
		if err != nil || wait != 0 {
			t.Fatalf("first Allow=%v, %v; want 0, nil", wait, err)
		}
		wait, err = s.Allow(ctx, "chat:1", l)
		if err != nil {
			t.Fatal(err)
		}
		if wait < 50*time.Second || wait > time.Minute {
			t.Fatalf("second Allow retryAfter=%v, want about a minute", wait)
		}
		// Another key has its own bucket.
		if wait, _ := s.Allow(ctx, "chat:2", l); wait != 0 {
			t.Fatalf("other key retryAfter=%v, want 0", wait)
		}
		// After the advertised wait, a token is there again.
		fast := storage.Limit{Rate: 10, Period: time.Second}
		if wait, err := s.Allow(ctx, "fast", fast); err != nil || wait != 0 {
			t.Fatalf("first fast Allow=%v, %v", wait, err)
		}
		wait, err = s.Allow(ctx, "fast", fast)
		if err != nil {
			t.Fatal(err)
		}
		if wait > 100*time.Millisecond {
			t.Fatalf("fast retryAfter=%v, want at most 100ms", wait)
		}
		time.Sleep(wait + 20*time.Millisecond)
		if wait, err := s.Allow(ctx, "fast", fast); err != nil || wait != 0 {
			t.Fatalf("Allow after retryAfter=%v, %v; want 0", wait, err)
		}
	})
}

func TestAllowBurst(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// A slow refill (one token a minute) so the count cannot depend on
		// how long 20 goroutines take to run.
		l := storage.Limit{Rate: 1, Burst: 5, Period: time.Minute}
		// Many replicas' workers draw from one bucket at once: exactly the
		// burst gets through.
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				wait, err := s.Allow(ctx, "global", l)
				if err != nil {
					t.Error(err)
				}
				if wait == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 5 {
			t.Fatalf("%d of 20 allowed, want the burst of 5", n)
		}
	})
}

func TestAllowInvalid(t *testing.T) {
	t.Parallel()
	s := storagetest.Miniredis(t)
	for _, l := range []storage.Limit{{}, {Rate: 1}, {Period: time.Second}, {Rate: -1, Period: time.Second}} {
		if _, err := s.Allow(t.Context(), "k", l); err == nil {
			t.Fatalf("Allow(%+v) accepted", l)
		}
	}
}

func TestPark(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if until, err := s.ParkedUntil(ctx, 1); err != nil || !until.IsZero() {
			t.Fatalf("ParkedUntil(never parked)=%v, %v", until, err)
		}
		until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		must(t, s.Park(ctx, 1, until))
		got, err := s.ParkedUntil(ctx, 1)
		if err != nil || !got.Equal(until) {
			t.Fatalf("ParkedUntil=%v, %v; want %v", got, err, until)
		}
		if got, _ := s.ParkedUntil(ctx, 2); !got.IsZero() {
			t.Fatalf("other chat parked: %v", got)
		}
		// A short park ends by itself (the key expires).
		must(t, s.Park(ctx, 3, time.Now().Add(100*time.Millisecond)))
		time.Sleep(250 * time.Millisecond)
		if got, _ := s.ParkedUntil(ctx, 3); !got.IsZero() {
			t.Fatalf("still parked after the time passed: %v", got)
		}
		if n, _ := s.Client().Exists(ctx, s.Options().Prefix+"park:{3}").Result(); n != 0 {
			t.Fatalf("park key outlived its time")
		}
		// Parking in the past unparks.
		must(t, s.Park(ctx, 1, time.Now().Add(time.Hour)))
		must(t, s.Park(ctx, 1, time.Now().Add(-time.Second)))
		if got, _ := s.ParkedUntil(ctx, 1); !got.IsZero() {
			t.Fatalf("Park(past) left the chat parked until %v", got)
		}
	})
}

func TestUpdateOffset(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if off, err := s.UpdateOffset(ctx); err != nil || off != 0 {
			t.Fatalf("UpdateOffset(unset)=%d, %v", off, err)
		}
		for _, want := range []int64{1, 987654321012, 5} {
			must(t, s.SetUpdateOffset(ctx, want))
			if off, err := s.UpdateOffset(ctx); err != nil || off != want {
				t.Fatalf("UpdateOffset=%d, %v; want %d", off, err, want)
			}
		}
	})
}

func TestCachedAdmin(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if _, ok, err := s.CachedAdmin(ctx, -100, 7); err != nil || ok {
			t.Fatalf("CachedAdmin(nothing)=ok %v, %v", ok, err)
		}
		must(t, s.CacheAdmin(ctx, -100, 7, true, time.Minute))
		must(t, s.CacheAdmin(ctx, -100, 10, true, 100*time.Millisecond))
		must(t, s.CacheAdmin(ctx, -100, 8, false, time.Minute))
		tests := map[string]struct {
			chat, user      int64
			wantAdmin, want bool
		}{
			"admin":     {-100, 7, true, true},
			"not admin": {-100, 8, false, true},
			"unknown":   {-100, 9, false, false},
			"other":     {-200, 7, false, false},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				admin, ok, err := s.CachedAdmin(ctx, tc.chat, tc.user)
				if err != nil || admin != tc.wantAdmin || ok != tc.want {
					t.Fatalf("CachedAdmin=%v, %v, %v; want %v, %v", admin, ok, err, tc.wantAdmin, tc.want)
				}
			})
		}
		time.Sleep(250 * time.Millisecond)
		if _, ok, _ := s.CachedAdmin(ctx, -100, 10); ok {
			t.Fatalf("admin answer outlived its ttl")
		}
		if err := s.CacheAdmin(ctx, 1, 1, true, 0); err == nil {
			t.Fatalf("CacheAdmin with no ttl accepted")
		}
	})
}

// TestCachedAdminStaleWithoutServerTTL covers a server whose TTLs do not
// follow the clock (local mode's miniredis): the answer still goes stale.
func TestCachedAdminStaleWithoutServerTTL(t *testing.T) {
	t.Parallel()
	now := t0
	s := storagetest.Miniredis(t, storage.Options{Now: func() time.Time { return now }})
	ctx := t.Context()
	must(t, s.CacheAdmin(ctx, -1, 2, true, time.Minute))
	// Undo the server-side expiry, as a server without TTL ticking would.
	must(t, s.Client().Persist(ctx, s.Options().Prefix+"admin:{-1}:2").Err())
	if admin, ok, err := s.CachedAdmin(ctx, -1, 2); err != nil || !ok || !admin {
		t.Fatalf("fresh CachedAdmin=%v, %v, %v", admin, ok, err)
	}
	now = now.Add(2 * time.Minute)
	if _, ok, err := s.CachedAdmin(ctx, -1, 2); err != nil || ok {
		t.Fatalf("stale CachedAdmin ok=%v, %v; want a miss", ok, err)
	}
}

// TestPushLimit: a one-at-a-time bucket pushed past an event waits a whole
// interval from it; a push to an earlier time changes nothing.
func TestPushLimit(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		l := storage.Limit{Rate: 1, Period: 10 * time.Second}
		if wait, err := s.Allow(ctx, "chat:1", l); err != nil || wait != 0 {
			t.Fatalf("first event: wait %v, %v", wait, err)
		}
		pace := storage.Pace{Interval: time.Millisecond, Window: 1000, Span: time.Second, Ahead: time.Minute}
		push := func(at time.Time, l storage.Limit) error {
			_, err := s.HoldMany(ctx, "push-test", pace, 1, storage.Push{Key: "chat:1", Limit: l, At: at})
			return err
		}
		must(t, push(time.Now().Add(-time.Minute), l)) // earlier: nothing
		wait, err := s.Allow(ctx, "chat:1", l)
		if err != nil || wait < 9*time.Second || wait > 10*time.Second {
			t.Fatalf("after a push to the past: wait %v, %v; want the token's 10s", wait, err)
		}
		must(t, push(time.Now().Add(5*time.Second), l))
		wait, err = s.Allow(ctx, "chat:1", l)
		if err != nil || wait < 14*time.Second || wait > 15*time.Second+100*time.Millisecond {
			t.Fatalf("after a push 5s ahead: wait %v, %v; want 15s", wait, err)
		}
		if err := push(time.Now(), storage.Limit{}); err == nil {
			t.Error("a zero limit was accepted")
		}
	})
}

// TestCheckSendHeld: a check that takes a chat's token says until when the
// bucket surely holds its next one, and a push that Push.Moves calls
// useless leaves the bucket as it was, while one it keeps moves it.
func TestCheckSendHeld(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		l := storage.Limit{Rate: 1, Burst: 1, Period: 10 * time.Second}
		check := func(chat int64) storage.SendCheck {
			t.Helper()
			scs, err := s.CheckSend(ctx, []storage.SendQuery{{ChatID: chat, LimitKey: "chat:" + itoa(int(chat)), Limit: l, ItemIDs: []string{"a"}}})
			if err != nil || scs[0].Wait != 0 {
				t.Fatalf("check chat %d: %+v, %v; want a token", chat, scs, err)
			}
			return scs[0]
		}
		if sc := check(1); !sc.Held.IsZero() {
			t.Errorf("held %v before Redis's clock was sampled, want zero", sc.Held)
		}
		pace := storage.Pace{Interval: time.Millisecond, Window: 1000, Span: time.Second, Ahead: time.Minute}
		push := func(p storage.Push) {
			t.Helper()
			if _, err := s.HoldMany(ctx, "held-test", pace, 1, p); err != nil {
				t.Fatal(err)
			}
		}
		push(storage.Push{Key: "unrelated", Limit: l, At: time.Now()}) // samples Redis's clock
		t0 := time.Now()
		sc := check(2)
		if sc.Held.Before(t0.Add(9*time.Second)) || sc.Held.After(time.Now().Add(10*time.Second)) {
			t.Fatalf("held %v, want about 10s after %v", sc.Held, t0)
		}
		bucket := func() string {
			t.Helper()
			v, err := s.Client().Get(ctx, s.Options().Prefix+"rl:chat:2").Result()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		before := bucket()
		useless := storage.Push{Key: "chat:2", Limit: l, At: t0.Add(-time.Second)}
		if useless.Moves(sc.Held) {
			t.Fatalf("a push from before the check moves the bucket (held %v)", sc.Held)
		}
		push(useless)
		if after := bucket(); after != before {
			t.Fatalf("a push Moves called useless moved the bucket from %s to %s", before, after)
		}
		late := storage.Push{Key: "chat:2", Limit: l, At: time.Now().Add(time.Second)}
		if !late.Moves(sc.Held) {
			t.Fatalf("a push a second after the check does not move the bucket (held %v)", sc.Held)
		}
		push(late)
		if after := bucket(); after == before {
			t.Fatalf("a push Moves kept left the bucket at %s", after)
		}
		if !late.Moves(time.Time{}) {
			t.Error("a push with nothing known of the bucket is skipped")
		}
	})
}

// AllowMany takes a token for each key in one round trip, in order: a key
// named twice takes two of its bucket, and Allow draws from the same one.
func TestAllowMany(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		l := storage.Limit{Rate: 2, Burst: 2, Period: time.Minute}
		waits, err := s.AllowMany(ctx, []string{"user:1", "user:2", "user:1", "user:1"}, l)
		if err != nil {
			t.Fatal(err)
		}
		if len(waits) != 4 || waits[0] != 0 || waits[1] != 0 || waits[2] != 0 {
			t.Fatalf("waits %v, want the first three allowed", waits)
		}
		if waits[3] < 20*time.Second || waits[3] > 30*time.Second {
			t.Errorf("the third token of user:1 waits %v, want about 30s (two a minute)", waits[3])
		}
		if wait, err := s.Allow(ctx, "user:2", l); err != nil || wait != 0 {
			t.Errorf("Allow user:2 = %v, %v; want its second token", wait, err)
		}
		if wait, err := s.Allow(ctx, "user:2", l); err != nil || wait == 0 {
			t.Errorf("Allow user:2 = %v, %v; want a wait: AllowMany took a token of the same bucket", wait, err)
		}
		if waits, err := s.AllowMany(ctx, nil, l); err != nil || waits != nil {
			t.Errorf("AllowMany of no keys = %v, %v", waits, err)
		}
		if _, err := s.AllowMany(ctx, []string{"x"}, storage.Limit{}); err == nil {
			t.Error("AllowMany took an invalid limit")
		}
	})
}
