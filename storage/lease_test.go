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
