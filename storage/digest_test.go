package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

func TestDigestHoldDueTake(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Now()
		if err := s.HoldForDigest(ctx, 5, []string{"a", "b"}, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.HoldForDigest(ctx, 5, []string{"b", "c"}, now.Add(2*time.Hour)); err != nil { // later due: the earlier stays
			t.Fatal(err)
		}
		if err := s.HoldForDigest(ctx, -7, []string{"x"}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueDigests(ctx, now, 10)
		if err != nil || len(due) != 1 || due[0] != -7 {
			t.Fatalf("due now = %v, %v; want [-7]", due, err)
		}
		due, _ = s.DueDigests(ctx, now.Add(90*time.Minute), 10)
		if len(due) != 2 {
			t.Fatalf("due in 90 min = %v, want both chats", due)
		}
		items, err := s.TakeDigest(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(items, ","); got != "a,b,c" {
			t.Errorf("taken = %s, want a,b,c", got)
		}
		if again, _ := s.TakeDigest(ctx, 5); len(again) != 0 {
			t.Errorf("taken twice: %v", again)
		}
		if due, _ := s.DueDigests(ctx, now.Add(3*time.Hour), 10); len(due) != 1 || due[0] != -7 {
			t.Errorf("due after taking chat 5 = %v, want [-7]", due)
		}
	})
}
