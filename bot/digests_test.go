package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage"
)

// clock is the wall clock plus an offset a test can move forward: the
// delivery scheduler needs time to pass, the digest schedule needs jumps.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// TestChatSettingsShapeDelivery: a chat in hourly-digest mode gets nothing
// until its hour, then one digest; a chat with an exclude filter never
// gets the items it excludes; a silent chat's cards carry no sound.
func TestChatSettingsShapeDelivery(t *testing.T) {
	// Parallel: it waits on the pace of its chats and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	clk := &clock{}
	h := newHarness(t, bot.Config{Now: clk.now}, telegramtest.Options{})
	ctx := context.Background()
	for id, st := range map[int64]storage.Settings{
		91: {Mode: prefs.Hourly},
		92: {Exclude: []string{"رياضة"}, Silent: true},
	} {
		if err := h.store.SaveChat(ctx, storage.Chat{ID: id, Kind: "private", Lang: "ar"}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.SetSettings(ctx, id, st); err != nil {
			t.Fatal(err)
		}
	}
	items := h.enqueue(t, []int64{91, 92}, "ارتفاع أسعار النفط في الأسواق العالمية", "المنتخب يفوز في مباراة رياضة مثيرة")
	h.deliver(t, 1) // until every job is settled: one card for 92, the rest held or filtered
	if got := h.tg.SentTo(91); len(got) != 0 {
		t.Fatalf("hourly chat got %d messages before its hour", len(got))
	}
	got := h.tg.SentTo(92)
	if len(got) != 1 || !strings.Contains(got[0].ParsedText, "النفط") {
		t.Fatalf("filtered chat got %+v, want only the oil story", got)
	}
	calls := h.tg.Calls("sendMessage")
	if p := calls[len(calls)-1].Params; p["chat_id"] != "92" || p["disable_notification"] != "true" {
		t.Errorf("silent chat's card params = %v, want disable_notification", p)
	}

	if err := h.bot.SendDueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.tg.SentTo(91)); n != 0 {
		t.Fatalf("digest sent before it was due (%d messages)", n)
	}
	clk.add(time.Hour)
	if err := h.bot.SendDueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	digest := h.tg.SentTo(91)
	if len(digest) != 1 || !strings.Contains(digest[0].ParsedText, "خبران جديدان") ||
		!strings.Contains(digest[0].ParsedText, "النفط") || !strings.Contains(digest[0].ParsedText, "المنتخب") {
		t.Fatalf("hourly digest = %+v, want one digest of both items", digest)
	}
	// The records keep the digest's negated id, so an edit of one item
	// never turns the digest into one card.
	for _, it := range items {
		if id, err := h.store.SentMessage(ctx, 91, it.ID); err != nil || id != -digest[0].MessageID {
			t.Errorf("sent record of %s in the digest = %d, %v; want %d", it.ID, id, err, -digest[0].MessageID)
		}
	}
	if err := h.bot.SendDueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.tg.SentTo(91)); n != 1 {
		t.Errorf("digest sent %d times", n)
	}
}

// RunDigests works only while it holds the "digests" lease, which another
// replica then cannot take, and gives it back when it stops, so another
// replica takes the digests over at its next try instead of after the
// lease time.
func TestRunDigestsHoldsAndGivesBackItsLease(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.bot.RunDigests(ctx, "replica-a") }()
	bg := context.Background()
	holder := func() string {
		v, _ := h.store.Client().Get(bg, h.store.Options().Prefix+"lease:digests").Result()
		return v
	}
	deadline := time.Now().Add(10 * time.Second)
	for holder() != "replica-a" {
		if time.Now().After(deadline) {
			t.Fatalf("RunDigests never took the digests lease (held by %q)", holder())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if ok, err := h.store.AcquireLease(bg, "digests", "replica-b", time.Minute); err != nil || ok {
		t.Fatalf("another replica took the digests lease while RunDigests held it: %v, %v", ok, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("RunDigests = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunDigests did not return")
	}
	if ok, err := h.store.AcquireLease(bg, "digests", "replica-b", time.Minute); err != nil || !ok {
		t.Errorf("the digests lease was not given back: %v, %v", ok, err)
	}
}
