package bot_test

import (
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
)

// TestSourceEditUpdatesSentCards: when the publisher changes an item's
// title, the cards already sent are edited in place; a chat that never got
// the card gets nothing.
func TestSourceEditUpdatesSentCards(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	h.subscribe(t, 1, 2)
	h.feed.set("p=125")
	h.poll(t) // baseline
	h.feed.set()
	if res := h.poll(t); res.New != 1 {
		t.Fatalf("poll = %+v, want the new item", res)
	}
	h.deliver(t, 2)
	h.subscribe(t, 3) // subscribed after the card went out

	h.feed.mu.Lock()
	h.feed.body = strings.Replace(h.feed.body, "النشامى يفوزون على ضيفهم بثلاثية", "النشامى يفوزون على ضيفهم برباعية", 1)
	h.feed.mu.Unlock()
	if res := h.poll(t); res.Edited != 1 || res.New != 0 {
		t.Fatalf("poll after the edit = %+v, want 1 edited, 0 new", res)
	}
	h.deliver(t, 2) // until the edit jobs are settled
	for _, c := range []int64{1, 2} {
		msgs := h.tg.SentTo(c)
		if len(msgs) != 2 || !msgs[1].Edited || !strings.Contains(msgs[1].ParsedText, "برباعية") || msgs[1].MessageID != msgs[0].MessageID {
			t.Fatalf("chat %d records = %+v, want the card then its edit", c, msgs)
		}
	}
	if msgs := h.tg.SentTo(3); len(msgs) != 0 {
		t.Errorf("a chat that never got the card got %d messages", len(msgs))
	}
	if res := h.poll(t); res.Edited != 0 {
		t.Errorf("an unchanged feed counted %d edits", res.Edited)
	}
}
