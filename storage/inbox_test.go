package storage_test

import (
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

// TestInbox follows updates through the inbox: kept once however often
// Telegram sends them, not claimable while their holder's lease runs,
// claimable in update order once it ends or is given back, and gone once
// handled.
func TestInbox(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			s := b.New(t, storage.Options{Now: func() time.Time { return now }})
			ctx := t.Context()
			const lease = 20 * time.Second
			us := []storage.InboxUpdate{{ID: 12, Data: `{"b":1}`}, {ID: 10, Data: `{"a":1}`}, {ID: 11, Data: "نص"}}
			added, err := s.KeepUpdates(ctx, us, lease)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int64{12, 10, 11}, added); diff != "" {
				t.Errorf("added mismatch (-want +got):\n%s", diff)
			}
			// Telegram sends 11 again, with a new one: only 13 is new.
			added, err = s.KeepUpdates(ctx, []storage.InboxUpdate{{ID: 11, Data: "x"}, {ID: 13, Data: "d"}}, lease)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int64{13}, added); diff != "" {
				t.Errorf("added again mismatch (-want +got):\n%s", diff)
			}
			claim := func(n int) []storage.InboxUpdate {
				t.Helper()
				got, err := s.ClaimUpdates(ctx, n, lease)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			if got := claim(10); len(got) != 0 {
				t.Fatalf("claimed %v while their lease runs", got)
			}
			must(t, s.DoneUpdates(ctx, []int64{10}))
			now = now.Add(lease / 2)
			must(t, s.RenewUpdates(ctx, []int64{12, 10}, lease)) // 10 is handled: not added back
			now = now.Add(lease/2 + time.Millisecond)
			// 11 and 13 were not renewed: their holder is gone.
			want := []storage.InboxUpdate{{ID: 11, Data: "نص"}, {ID: 13, Data: "d"}}
			if diff := cmp.Diff(want, claim(10)); diff != "" {
				t.Errorf("claim mismatch (-want +got):\n%s", diff)
			}
			if got := claim(10); len(got) != 0 {
				t.Errorf("claimed %v twice", got)
			}
			must(t, s.ReleaseUpdates(ctx, []int64{12, 13}))
			if diff := cmp.Diff([]storage.InboxUpdate{{ID: 12, Data: `{"b":1}`}}, claim(1)); diff != "" {
				t.Errorf("claim of one released mismatch (-want +got):\n%s", diff)
			}
			if n, err := s.InboxLen(ctx); err != nil || n != 3 {
				t.Errorf("inbox length = %d, %v; want 3", n, err)
			}
			must(t, s.DoneUpdates(ctx, []int64{11, 12, 13}))
			if n, err := s.InboxLen(ctx); err != nil || n != 0 {
				t.Errorf("inbox length after done = %d, %v; want 0", n, err)
			}
			now = now.Add(time.Hour)
			if got := claim(10); len(got) != 0 {
				t.Errorf("claimed %v after done", got)
			}
		})
	}
}
