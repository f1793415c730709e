package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// breakingMarks are the ways Arabic and English newsrooms put the mark at
// the head of a title.
var breakingMarks = []string{"عاجل: ", "عاجل | ", "عاجل - ", "🔴 عاجل.. ", "[عاجل] ", "(عاجل) ", "خبر عاجل: ", "عاجل| ", "BREAKING: ", "Breaking News - "}

// TestBreakingTitlesOfRealFeeds runs every item of every fixture feed
// through a poll's enrichment: none is breaking news as published (no
// fixture title starts with the mark; several say "عاجل" or "عاجلة" inside,
// which is no mark), and each becomes breaking news with any newsroom mark
// put at its head, its card title then the publisher's own title again;
// the cards and digests of those read as written in Arabic and English.
func TestBreakingTitlesOfRealFeeds(t *testing.T) {
	// Parallel: it computes (every fixture title, every mark) and reads no clock or store, so it overlaps the tests that wait.
	t.Parallel()
	ctx := context.Background()
	b := bot.New(bot.Config{NoArticleFetch: true}, nil, nil, nil, nil, nil)
	src := feeds.Source{ID: "x"}
	checked := 0
	var breakingItems []feeds.Item
	for _, f := range testdataFeeds(t) {
		items, err := feeds.Parse(src, f.body, "https://news.example/feed")
		if err != nil {
			continue // the malformed fixtures
		}
		for _, it := range items {
			plain := b.Enrich(ctx, src, it)
			if plain.Breaking {
				t.Errorf("%s: %q is breaking news", f.path, it.Title)
			}
			if plain.Title == "" {
				continue
			}
			checked++
			for i, mark := range breakingMarks {
				marked := it
				marked.Title = mark + it.Title
				got := b.Enrich(ctx, src, marked)
				if !got.Breaking || got.Title != plain.Title {
					t.Errorf("%s: %q = breaking %v, title %q; want breaking, title %q", f.path, marked.Title, got.Breaking, got.Title, plain.Title)
				}
				if i == 0 {
					breakingItems = append(breakingItems, got)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d titles checked", checked)
	}
	// Their cards and digests read as written, in Arabic and in English.
	for _, chat := range []storage.Chat{{ID: 1, Lang: "ar"}, {ID: 2, Lang: "en"}} {
		for i, it := range breakingItems {
			checkLayout(t, fmt.Sprintf("breaking card %q (%s)", it.Title, chat.Lang), b.Compose(chat.ID, []feeds.Item{it}, chat), chat.Lang)
			if i%12 == 0 {
				batch := breakingItems[i:min(i+12, len(breakingItems))]
				checkLayout(t, fmt.Sprintf("digest of breaking items %d– (%s)", i, chat.Lang), b.Compose(chat.ID, batch, chat), chat.Lang)
			}
		}
	}
}

func TestBreakingRules(t *testing.T) {
	ctx := context.Background()
	b := bot.New(bot.Config{NoArticleFetch: true}, nil, nil, nil, nil, nil)
	for name, tc := range map[string]struct {
		rule       feeds.BreakingRule
		title      string
		categories []string
		want       bool
		wantTitle  string
	}{
		"word inside a title":          {title: "دعوات لتدخل عاجل في غزة", wantTitle: "دعوات لتدخل عاجل في غزة"},
		"mark without a separator":     {title: "عاجل الرئيس يصل عمّان", wantTitle: "عاجل الرئيس يصل عمّان"},
		"another head":                 {title: "تونس: عاجل من الرئاسة", wantTitle: "تونس: عاجل من الرئاسة"},
		"a category":                   {title: "زلزال في الشمال", categories: []string{"أخبار", "الأخبار العاجلة"}, want: true, wantTitle: "زلزال في الشمال"},
		"english category":             {title: "Quake in the north", categories: []string{"Breaking News"}, want: true, wantTitle: "Quake in the north"},
		"the mark alone":               {title: "عاجل:", want: true, wantTitle: "عاجل:"},
		"with tashkeel":                {title: "عَاجِل: زلزال في الشمال", want: true, wantTitle: "زلزال في الشمال"},
		"source never marks":           {rule: feeds.BreakingRule{Off: true}, title: "عاجل: زلزال", categories: []string{"عاجل"}, wantTitle: "عاجل: زلزال"},
		"own pattern":                  {rule: feeds.BreakingRule{Patterns: []string{"الآن"}}, title: "الآن | زلزال في الشمال", want: true, wantTitle: "زلزال في الشمال"},
		"own pattern replaces default": {rule: feeds.BreakingRule{Patterns: []string{"الآن"}}, title: "عاجل: زلزال", wantTitle: "عاجل: زلزال"},
		"own category":                 {rule: feeds.BreakingRule{Categories: []string{"طارئ"}}, title: "زلزال", categories: []string{"طارئ"}, want: true, wantTitle: "زلزال"},
		"empty pattern marks nothing": {rule: feeds.BreakingRule{Patterns: []string{""}, Categories: []string{""}}, title: "ـ: زلزال",
			categories: []string{"ـ", "!"}, wantTitle: "ـ: زلزال"},
	} {
		t.Run(name, func(t *testing.T) {
			got := b.Enrich(ctx, feeds.Source{ID: "x", Breaking: tc.rule}, feeds.Item{Title: tc.title, Categories: tc.categories})
			if got.Breaking != tc.want || got.Title != tc.wantTitle {
				t.Errorf("breaking %v, title %q; want %v, %q", got.Breaking, got.Title, tc.want, tc.wantTitle)
			}
		})
	}
}

// breakingItem is a new item of the sample feed, marked breaking news the
// way newsrooms do, with the title and lead of a real story
// (asharq-al-awsat.xml).
const breakingItem = `<item>
      <title>عاجل | «حزب الله» يعلن شنّ هجوم بمسيّرات وصواريخ على شمال إسرائيل</title>
      <link>https://www.almamlakatv.com/news/126</link>
      <guid isPermaLink="false">https://www.almamlakatv.com/?p=126</guid>
      <pubDate>Sat, 28 Nov 2026 11:50:00 +0000</pubDate>
      <description><![CDATA[أعلن «حزب الله» أن مقاتليه أطلقوا طائرات مسيّرة وصواريخ على شمال إسرائيل اليوم الخميس، بينما تم تفعيل صافرات الإنذار عبر الحدود.]]></description>
    </item>
    <item>`

// TestBreakingNewsComesAtOnceAloud is the breaking-news flow end to end:
// a chat in hourly-digest mode, in its quiet hours and silent, gets the
// breaking card at once, with sound and 🔴 عاجل on it, while the other new
// story waits for its digest; a chat with the same settings that let
// breaking news wait gets nothing until its digest, silent; a chat
// subscribed to breaking news only gets the breaking card alone.
func TestBreakingNewsComesAtOnceAloud(t *testing.T) {
	// Parallel: it waits on the pace of its chats and has its own store prefix, fakes and clock; it reads no rate ("at once" is before the digest, not a latency).
	t.Parallel()
	clk := &clock{}
	start := time.Now()
	now := func() time.Time { return clk.now().Add(sampleNow.Sub(start)) } // 12:00 UTC on the sample's day, running
	h := newHarness(t, bot.Config{Now: now, Location: time.UTC}, telegramtest.Options{})
	h.feed.setBody(strings.Replace(h.feed.body, "<item>", breakingItem, 1))
	ctx := context.Background()
	busy := storage.Settings{Mode: prefs.Hourly, QuietFrom: "11:00", QuietTo: "13:00", Silent: true}
	waits := busy
	waits.BreakingWaits = true
	for id, st := range map[int64]storage.Settings{61: busy, 62: waits, 63: {}} {
		if err := h.store.SaveChat(ctx, storage.Chat{ID: id, Kind: "private", Lang: "ar"}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.SetSettings(ctx, id, st); err != nil {
			t.Fatal(err)
		}
	}
	h.subscribe(t, 61, 62)
	if _, err := h.store.Subscribe(ctx, 63, bot.BreakingTarget); err != nil {
		t.Fatal(err)
	}

	h.feed.set("p=125", "p=126")
	h.poll(t)
	h.feed.set() // the football story and the breaking one are new
	if res := h.poll(t); res.New != 2 || res.Jobs != 5 {
		t.Fatalf("poll = %+v, want 2 new items, 5 jobs (2 + 2 + the breaking-only chat's 1)", res)
	}
	h.deliver(t, 2)

	for _, chat := range []int64{61, 63} {
		got := h.tg.SentTo(chat)
		if len(got) != 1 {
			t.Fatalf("chat %d got %d messages at once, want the breaking card:\n%s", chat, len(got), strings.Join(cardsOf(h, chat), "\n---\n"))
		}
		card := strings.ReplaceAll(got[0].ParsedText, "\u200f", "")
		if !strings.HasPrefix(card, "🔴 عاجل\n«حزب الله» يعلن شنّ هجوم") || strings.Contains(card, "عاجل |") {
			t.Errorf("chat %d: breaking card does not open with 🔴 عاجل and the bare title:\n%s", chat, card)
		}
	}
	if got := h.tg.SentTo(62); len(got) != 0 {
		t.Fatalf("the chat that lets breaking news wait got %d messages in its quiet hours", len(got))
	}
	for _, c := range h.tg.Calls("sendMessage") {
		if c.Params["chat_id"] == "61" && c.Params["disable_notification"] == "true" {
			t.Errorf("the breaking card to the silent chat was silent: %v", c.Params)
		}
	}

	// The hour and the quiet hours end: the digests bring the rest, and
	// the breaking card is not sent twice.
	clk.add(time.Hour + 5*time.Minute)
	if err := h.bot.SendDueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	only(t, h, 61, "«حزب الله»", footballTitle)
	waited := cardsOf(h, 62)
	if len(waited) != 1 || !strings.Contains(waited[0], "🔴 «حزب الله»") || !strings.Contains(waited[0], footballTitle) {
		t.Errorf("the waiting chat's digest = %q, want both stories, the breaking one marked", waited)
	}
	calls := h.tg.Calls("sendMessage")
	if p := calls[len(calls)-1].Params; p["chat_id"] != "62" || p["disable_notification"] != "true" {
		t.Errorf("the waiting chat's digest params = %v, want it silent", p)
	}
	only(t, h, 63, "«حزب الله»")
}

// TestBreakingNewsIsNeverInADigest: a chat that fell behind gets what waits
// as a digest, but breaking news among it goes as a card of its own, in
// its turn: the digest before it stops short of it.
func TestBreakingNewsIsNeverInADigest(t *testing.T) {
	// Parallel: it waits on the pace of one chat and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	h := newHarness(t, bot.Config{DigestThreshold: 2}, telegramtest.Options{})
	ctx := context.Background()
	var jobs []storage.Job
	for i, title := range []string{"خبر أول", "خبر ثان", "زلزال في الشمال", "خبر رابع", "خبر خامس"} {
		it := feeds.Item{ID: feeds.ItemID("brk-digest-"+title, "", "", time.Time{}), SourceID: h.src.ID, Title: title,
			Link: "https://news.example/" + title, Summary: "ملخص الخبر.", Published: sampleNow.Add(time.Duration(i) * time.Second),
			Breaking: i == 2}
		if err := h.store.SaveItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, storage.Job{ChatID: 71, ItemID: it.ID})
	}
	if err := h.store.Enqueue(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	h.deliver(t, 4)
	got := cardsOf(h, 71)
	if len(got) != 4 {
		t.Fatalf("got %d messages, want a digest, the breaking card, then two cards:\n%s", len(got), strings.Join(got, "\n---\n"))
	}
	first, card := got[0], strings.ReplaceAll(got[1], "\u200f", "")
	if !strings.Contains(first, "خبر أول") || !strings.Contains(first, "خبر ثان") || strings.Contains(first, "زلزال") {
		t.Errorf("first message = %q, want a digest of the two items before the breaking one", first)
	}
	if !strings.HasPrefix(card, "🔴 عاجل\nزلزال في الشمال") {
		t.Errorf("second message = %q, want the breaking card", card)
	}
	if !strings.Contains(got[2], "خبر رابع") || !strings.Contains(got[3], "خبر خامس") {
		t.Errorf("then %q, %q; want the two items after it (two waiting: no digest)", got[2], got[3])
	}
}

// TestSubscribeToBreakingNewsAndSettings: "/subscribe عاجل" subscribes a
// chat to breaking news alone, /latest عاجل lists breaking news only, and
// the settings button lets breaking news wait, and back.
func TestSubscribeToBreakingNewsAndSettings(t *testing.T) {
	h := conversationHarness(t)
	ctx := context.Background()
	chat, user := bot.Chat{ID: 81, Type: "private"}, bot.User{ID: 81, FirstName: "هدى", LanguageCode: "ar"}
	say := func(text string) string {
		t.Helper()
		n := len(h.tg.SentTo(81))
		if err := h.bot.HandleUpdate(ctx, msg(chat, user, text)); err != nil {
			t.Fatal(err)
		}
		got := h.tg.SentTo(81)
		if len(got) != n+1 {
			t.Fatalf("%s: %d answers", text, len(got)-n)
		}
		return got[n].ParsedText
	}
	if answer := say("/subscribe الأخبار العاجلة"); !strings.Contains(answer, "🔴 عاجل") {
		t.Errorf("/subscribe الأخبار العاجلة = %q", answer)
	}
	if subs, err := h.store.Subscriptions(ctx, 81); err != nil || len(subs) != 1 || subs[0] != bot.BreakingTarget {
		t.Errorf("subscriptions = %v, %v; want breaking news only", subs, err)
	}
	calm := feeds.Item{ID: "calm", SourceID: h.src.ID, Title: "افتتاح معرض الكتاب", Link: "https://news.example/calm", Published: sampleNow.Add(-2 * time.Hour)}
	urgent := feeds.Item{ID: "urgent", SourceID: h.src.ID, Title: "زلزال في الشمال", Link: "https://news.example/urgent", Published: sampleNow.Add(-time.Hour), Breaking: true}
	for _, it := range []feeds.Item{calm, urgent} {
		if err := h.store.SaveItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	if list := say("/latest عاجل"); !strings.Contains(list, "🔴 زلزال في الشمال") || strings.Contains(list, "معرض الكتاب") {
		t.Errorf("/latest عاجل =\n%s\nwant the breaking item alone, marked", list)
	}
	for _, want := range []bool{true, false} {
		say("/settings breaking")
		c, err := h.store.Chat(ctx, 81)
		if err != nil {
			t.Fatal(err)
		}
		if c.Settings.BreakingWaits != want {
			t.Errorf("after /settings breaking: BreakingWaits = %v, want %v", c.Settings.BreakingWaits, want)
		}
	}
}
