package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

// TestPauseChat: a paused chat keeps its subscriptions but leaves the
// fan-out, shows as paused with the reason on its chat, is listed for the
// operator, and is back in the fan-out once resumed; forgetting a chat
// unlists it.
func TestPauseChat(t *testing.T) {
	t.Parallel()
	opts := storage.Options{Now: func() time.Time { return t0 }}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		for _, c := range []int64{1, -100200, -100300} {
			must(t, s.SaveChat(ctx, storage.Chat{ID: c, Kind: "supergroup"}))
			subscribe(t, s, c, "s:src")
		}
		const why = "Bad Request: have no rights to send a message"
		must(t, s.PauseChat(ctx, -100200, why))
		must(t, s.PauseChat(ctx, -100300, "Bad Request: TOPIC_CLOSED"))

		if got, err := s.Subscribers(ctx, []string{"s:src"}); err != nil || !cmp.Equal(got, []int64{1}) {
			t.Fatalf("Subscribers = %v, %v; want only the chat not paused", got, err)
		}
		if subs, _ := s.Subscriptions(ctx, -100200); !cmp.Equal(subs, []string{"s:src"}) {
			t.Fatalf("paused chat's subscriptions = %v, want kept", subs)
		}
		c, err := s.Chat(ctx, -100200)
		if err != nil || !c.Paused.Equal(t0) || c.PausedWhy != why || c.Kind != "supergroup" {
			t.Fatalf("Chat = %+v, %v; want paused since %v for %q", c, err, t0, why)
		}
		list, err := s.PausedChats(ctx, 0)
		want := []storage.PausedChat{{ChatID: -100200, Since: t0, Reason: why}, {ChatID: -100300, Since: t0, Reason: "Bad Request: TOPIC_CLOSED"}}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, list); diff != "" {
			t.Fatalf("PausedChats mismatch (-want +got):\n%s", diff)
		}
		if first, _ := s.PausedChats(ctx, 1); len(first) != 1 {
			t.Fatalf("PausedChats(1) = %+v, want one", first)
		}

		must(t, s.SetNoPhotos(ctx, -100200))
		if c, _ := s.Chat(ctx, -100200); !c.NoPhotos {
			t.Fatal("NoPhotos not kept")
		}
		if ok, err := s.ResumeChat(ctx, -100200); err != nil || !ok {
			t.Fatalf("ResumeChat = %v, %v; want true", ok, err)
		}
		if ok, _ := s.ResumeChat(ctx, -100200); ok {
			t.Fatal("ResumeChat of a chat not paused reported true")
		}
		if c, _ := s.Chat(ctx, -100200); !c.Paused.IsZero() || c.PausedWhy != "" || c.NoPhotos || c.Kind != "supergroup" {
			t.Fatalf("resumed chat = %+v, want no pause, no photo restriction, the rest kept", c)
		}
		if got, _ := s.Subscribers(ctx, []string{"s:src"}); !cmp.Equal(got, []int64{-100200, 1}) {
			t.Fatalf("Subscribers after resume = %v", got)
		}
		must(t, s.ForgetChat(ctx, -100300))
		if list, _ := s.PausedChats(ctx, 0); len(list) != 0 {
			t.Fatalf("PausedChats after forgetting = %+v, want none", list)
		}
	}, opts)
}

// TestPauseKeepsItsFirstTime: pausing a paused chat again keeps when the
// pause began (and lists it by that time), with the latest reason.
func TestPauseKeepsItsFirstTime(t *testing.T) {
	t.Parallel()
	now := t0
	s := storagetest.Miniredis(t, storage.Options{Now: func() time.Time { return now }})
	ctx := t.Context()
	must(t, s.PauseChat(ctx, -1, "Bad Request: group is deactivated"))
	now = now.Add(time.Minute)
	must(t, s.PauseChat(ctx, -2, "Bad Request: TOPIC_CLOSED"))
	now = now.Add(time.Minute)
	must(t, s.PauseChat(ctx, -1, "Bad Request: CHAT_WRITE_FORBIDDEN"))
	list, err := s.PausedChats(ctx, 0)
	want := []storage.PausedChat{{ChatID: -1, Since: t0, Reason: "Bad Request: CHAT_WRITE_FORBIDDEN"}, {ChatID: -2, Since: t0.Add(time.Minute), Reason: "Bad Request: TOPIC_CLOSED"}}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Fatalf("PausedChats mismatch (-want +got):\n%s", diff)
	}
	if c, _ := s.Chat(ctx, -1); !c.Paused.Equal(t0) {
		t.Fatalf("Chat.Paused = %v, want %v", c.Paused, t0)
	}
}

// TestSentMessageKind: a send recorded as a photo or as text reads back
// with its kind (a digest's negated id too); a record from before kinds
// were kept reads as unknown.
func TestSentMessageKind(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		d := func(item string) storage.Delivery {
			return storage.Delivery{Job: storage.Job{ChatID: 42, ItemID: item}}
		}
		now := time.Now()
		must(t, s.DeliveredMany(ctx, []storage.Sent{
			{Delivery: d("photo"), MessageID: 7, Photo: true, At: now},
			{Delivery: d("text"), MessageID: 8, At: now},
			{Delivery: d("digest"), MessageID: -9, At: now},
		}))
		must(t, s.Client().HSet(ctx, s.Options().Prefix+"sentmsg:{42}", "old", "6").Err())
		for item, want := range map[string]struct {
			id   int
			kind storage.SentKind
		}{"photo": {7, storage.SentPhoto}, "text": {8, storage.SentText}, "digest": {-9, storage.SentText}, "old": {6, storage.SentUnknown}} {
			id, kind, err := s.SentMessageKind(ctx, 42, item)
			if err != nil || id != want.id || kind != want.kind {
				t.Errorf("SentMessageKind(%s) = %d, %d, %v; want %d, %d", item, id, kind, err, want.id, want.kind)
			}
			if id, err := s.SentMessage(ctx, 42, item); err != nil || id != want.id {
				t.Errorf("SentMessage(%s) = %d, %v; want %d", item, id, err, want.id)
			}
		}
		if _, _, err := s.SentMessageKind(ctx, 42, "never"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("SentMessageKind(never) err = %v, want ErrNotFound", err)
		}
	})
}
