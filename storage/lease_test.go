package storage_test

import (
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

func TestLeaseExclusive(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		steps := []struct {
			do    string // acquire or release
			owner string
			want  bool
		}{
			{"acquire", "a", true},
			{"acquire", "b", false}, // held by a
			{"acquire", "a", true},  // a extends
			{"release", "b", false}, // not b's: no effect
			{"acquire", "b", false},
			{"release", "a", false},
			{"acquire", "b", true}, // free again
			{"acquire", "a", false},
		}
		for i, st := range steps {
			switch st.do {
			case "acquire":
				got, err := s.AcquireLease(ctx, "poll:src1", st.owner, time.Minute)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got != st.want {
					t.Fatalf("step %d: AcquireLease(%s)=%v, want %v", i, st.owner, got, st.want)
				}
			case "release":
				if err := s.ReleaseLease(ctx, "poll:src1", st.owner); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
		}
		// Another lease name is independent.
		if ok, err := s.AcquireLease(ctx, "leader:updates", "a", time.Minute); err != nil || !ok {
			t.Fatalf("AcquireLease(other name)=%v, %v; want true", ok, err)
		}
	})
}

func TestLeaseExpires(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// Generous margins: a loaded CI machine may pause for a while
		// between two calls, and a test must not fail because of it.
		if ok, err := s.AcquireLease(ctx, "l", "a", 300*time.Millisecond); err != nil || !ok {
			t.Fatalf("first acquire=%v, %v", ok, err)
		}
		if ok, _ := s.AcquireLease(ctx, "l", "b", time.Minute); ok {
			t.Fatalf("b took a live lease")
		}
		time.Sleep(450 * time.Millisecond)
		if ok, err := s.AcquireLease(ctx, "l", "b", time.Minute); err != nil || !ok {
			t.Fatalf("acquire after expiry=%v, %v; want true", ok, err)
		}
		// a's late release must not free b's lease.
		if err := s.ReleaseLease(ctx, "l", "a"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.AcquireLease(ctx, "l", "a", time.Minute); ok {
			t.Fatalf("a's stale release freed b's lease")
		}
	})
}

func TestLeaseExtendKeepsIt(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		key := s.Options().Prefix + "lease:l"
		if ok, err := s.AcquireLease(ctx, "l", "a", time.Second); err != nil || !ok {
			t.Fatalf("acquire=%v, %v", ok, err)
		}
		time.Sleep(100 * time.Millisecond)
		if ok, err := s.AcquireLease(ctx, "l", "a", time.Hour); err != nil || !ok {
			t.Fatalf("extend=%v, %v", ok, err)
		}
		// The holder's second call set the new ttl (an hour), not kept the
		// old one (under a second).
		ttl, err := s.Client().PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl < 59*time.Minute {
			t.Fatalf("lease ttl after extension=%v, want about an hour", ttl)
		}
		if ok, _ := s.AcquireLease(ctx, "l", "b", time.Minute); ok {
			t.Fatalf("b took an extended lease")
		}
	})
}

func TestLeaseInvalid(t *testing.T) {
	t.Parallel()
	s := storagetest.Miniredis(t)
	if _, err := s.AcquireLease(t.Context(), "l", "", time.Second); err == nil {
		t.Fatalf("empty owner accepted")
	}
	if _, err := s.AcquireLease(t.Context(), "l", "a", time.Microsecond); err == nil {
		t.Fatalf("sub-millisecond ttl accepted")
	}
}

// TestTakePoll walks a source's polls through ticks and replicas: a tick
// is one replica's, a poll still running (its lock held) makes the next
// tick's taker skip it, and the lock is the lease PollLockName names, so
// renewing and releasing it (and replicas that take it as a lease, as
// earlier versions did) agree with TakePoll.
func TestTakePoll(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		lock := storage.PollLockName("src1")
		take := func(step string, tick int64, owner string, want storage.PollTake) {
			t.Helper()
			got, err := s.TakePoll(ctx, "src1", tick, owner, time.Minute, time.Minute)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if got != want {
				t.Fatalf("%s: TakePoll(%d, %s)=%v, want %v", step, tick, owner, got, want)
			}
		}
		take("a takes tick 1", 1, "a", storage.PollTaken)
		take("b finds tick 1 taken", 1, "b", storage.PollTickTaken)
		// a's poll of tick 1 still runs: b gets tick 2 but may not poll.
		take("b, tick 2, a still polling", 2, "b", storage.PollBusy)
		take("tick 2 stays b's", 2, "a", storage.PollTickTaken)
		// The lock is a lease: a renews it, b cannot take it.
		if ok, err := s.AcquireLease(ctx, lock, "a", time.Minute); err != nil || !ok {
			t.Fatalf("a renews its poll lock=%v, %v", ok, err)
		}
		if ok, _ := s.AcquireLease(ctx, lock, "b", time.Minute); ok {
			t.Fatalf("b took a's poll lock")
		}
		must(t, s.ReleaseLease(ctx, lock, "a"))
		take("b, tick 3, a done", 3, "b", storage.PollTaken)
		if ok, _ := s.AcquireLease(ctx, lock, "a", time.Minute); ok {
			t.Fatalf("a took b's poll lock")
		}
		// Another source is independent.
		if got, err := s.TakePoll(ctx, "src2", 3, "a", time.Minute, time.Minute); err != nil || got != storage.PollTaken {
			t.Fatalf("TakePoll(src2)=%v, %v; want taken", got, err)
		}
	})
}

func TestTakePollExpires(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		// A killed replica's lock passes after its ttl; its tick's lease
		// after the tick's.
		if got, err := s.TakePoll(ctx, "src1", 1, "a", 300*time.Millisecond, 300*time.Millisecond); err != nil || got != storage.PollTaken {
			t.Fatalf("TakePoll=%v, %v; want taken", got, err)
		}
		time.Sleep(450 * time.Millisecond)
		if got, err := s.TakePoll(ctx, "src1", 1, "b", time.Minute, time.Minute); err != nil || got != storage.PollTaken {
			t.Fatalf("TakePoll after expiry=%v, %v; want taken", got, err)
		}
	})
}

func TestTakePollInvalid(t *testing.T) {
	t.Parallel()
	s := storagetest.Miniredis(t)
	if _, err := s.TakePoll(t.Context(), "src1", 1, "", time.Second, time.Second); err == nil {
		t.Fatalf("empty owner accepted")
	}
	if _, err := s.TakePoll(t.Context(), "src1", 1, "a", time.Second, time.Microsecond); err == nil {
		t.Fatalf("sub-millisecond ttl accepted")
	}
}
