package storage_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

func TestBroadcastLifecycle(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		id, err := s.CreateBroadcast(ctx, storage.Broadcast{Text: "صيانة الليلة", By: 7, Lang: "ar"})
		must(t, err)
		b, err := s.Broadcast(ctx, id)
		must(t, err)
		if b.State != storage.BroadcastDraft || b.Text != "صيانة الليلة" || b.By != 7 || b.Lang != "ar" || b.Done() {
			t.Fatalf("draft = %+v", b)
		}
		ok, err := s.StartBroadcast(ctx, id, 3, 7, 99)
		must(t, err)
		if !ok {
			t.Fatal("StartBroadcast of a draft = false")
		}
		// A second press, or another operator's, starts nothing.
		if ok, err := s.StartBroadcast(ctx, id, 3, 7, 99); err != nil || ok {
			t.Fatalf("second StartBroadcast = %v, %v; want false", ok, err)
		}
		if ok, err := s.CancelBroadcast(ctx, id); err != nil || ok {
			t.Fatalf("CancelBroadcast of a started broadcast = %v, %v; want false", ok, err)
		}

		show, err := s.BroadcastResult(ctx, id, 1, true, time.Hour)
		must(t, err)
		if !show {
			t.Error("the first result was not shown")
		}
		if show, _ := s.BroadcastResult(ctx, id, 2, false, time.Hour); show {
			t.Error("a second result within the interval was shown")
		}
		// The same chat again (a resend after a crash) counts once; a failed
		// chat that got it on a retry moves to sent.
		if _, err := s.BroadcastResult(ctx, id, 1, true, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BroadcastResult(ctx, id, 2, true, time.Hour); err != nil {
			t.Fatal(err)
		}
		b, err = s.Broadcast(ctx, id)
		must(t, err)
		if b.Sent != 2 || b.Failed != 0 || b.Done() || b.ChatID != 7 || b.MessageID != 99 || b.Total != 3 {
			t.Fatalf("after two chats = %+v, want 2 sent of 3, shown in 7/99", b)
		}
		show, err = s.BroadcastResult(ctx, id, 3, false, time.Hour)
		must(t, err)
		if !show {
			t.Error("the last result was not shown")
		}
		b, err = s.Broadcast(ctx, id)
		must(t, err)
		if !b.Done() || b.Sent != 2 || b.Failed != 1 || b.Finished.IsZero() {
			t.Fatalf("finished = %+v, want done with 2 sent and 1 failed", b)
		}
		// A sent chat that reports a failure later stays sent.
		if _, err := s.BroadcastResult(ctx, id, 1, false, time.Hour); err != nil {
			t.Fatal(err)
		}
		if b, _ := s.Broadcast(ctx, id); b.Sent != 2 || b.Failed != 1 {
			t.Errorf("after a late failure of a sent chat = %+v", b)
		}

		list, err := s.Broadcasts(ctx, 10)
		must(t, err)
		if len(list) != 1 || list[0].ID != id {
			t.Errorf("Broadcasts = %+v, want the one", list)
		}
		if _, err := s.Broadcast(ctx, "404"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Broadcast(404) = %v, want ErrNotFound", err)
		}
	})
}

func TestCancelBroadcast(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		id, err := s.CreateBroadcast(ctx, storage.Broadcast{Text: "x", By: 7})
		must(t, err)
		if ok, err := s.CancelBroadcast(ctx, id); err != nil || !ok {
			t.Fatalf("CancelBroadcast = %v, %v", ok, err)
		}
		if ok, err := s.StartBroadcast(ctx, id, 1, 7, 1); err != nil || ok {
			t.Fatalf("StartBroadcast of a cancelled broadcast = %v, %v; want false", ok, err)
		}
	})
}

func TestBroadcastItemIDs(t *testing.T) {
	id, ok := storage.BroadcastOf(storage.BroadcastItem("12"))
	if !ok || id != "12" {
		t.Errorf("BroadcastOf(BroadcastItem(12)) = %q, %v", id, ok)
	}
	for _, item := range []string{"bc:", "0123abcd", ""} {
		if _, ok := storage.BroadcastOf(item); ok {
			t.Errorf("BroadcastOf(%q) = true", item)
		}
	}
}

func TestSubscribedChatsLeavesOutUnsubscribedAndPaused(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		for _, c := range []int64{1, 2, 3, -100} {
			must(t, s.SaveChat(ctx, storage.Chat{ID: c, Kind: "private"}))
		}
		subscribe(t, s, 1, "s:a")
		subscribe(t, s, -100, "t:سياسة")
		subscribe(t, s, 3, "s:a")
		must(t, s.PauseChat(ctx, 3, "Bad Request: have no rights to send a message"))
		// Chat 2 only said /start.
		got, err := s.SubscribedChats(ctx)
		must(t, err)
		if want := []int64{-100, 1}; !slices.Equal(got, want) {
			t.Errorf("SubscribedChats = %v, want %v", got, want)
		}
	})
}
