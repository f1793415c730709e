package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
)

// The sample feed's three stories (testdata/feeds/almamlaka-sample.xml):
// tree planting (environment), the gold price (economy), the national
// team's win (sport).
const (
	treesTitle    = "الأردن يطلق حملة وطنية للتشجير"
	goldTitle     = "ارتفاع أسعار الذهب"
	footballTitle = "النشامى يفوزون"
)

// setBody replaces the feed the harness serves (every item shown).
func (f *feedServer) setBody(body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body = body
}

// withCategories gives each of the sample feed's items the categories
// named for its guid (p=123 …).
func withCategories(body string, cats map[string][]string) string {
	for guid, list := range cats {
		var tags string
		for _, c := range list {
			tags += "<category><![CDATA[" + c + "]]></category>"
		}
		marker := "?" + guid + "</guid>"
		body = strings.Replace(body, marker, marker+"\n      "+tags, 1)
	}
	return body
}

// topicHarness is the sample source with the topics of the example
// (محليات, اقتصاد, رياضة), its three stories new after a first poll that
// saw none of them, and chats subscribed to the source and to each topic.
func topicHarness(t *testing.T, src feeds.Source, body func(string) string) *harness {
	t.Helper()
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{Limits: fast, Sources: []feeds.Source{src}}, telegramtest.Options{})
	if body != nil {
		h.feed.setBody(body(h.feed.body))
	}
	ctx := context.Background()
	for chat, target := range map[int64]string{
		51: bot.TopicTarget("رياضة"), 52: bot.SourceTarget(h.src.ID), 53: bot.TopicTarget("اقتصاد"), 54: bot.TopicTarget("محليات"),
	} {
		if _, err := h.store.Subscribe(ctx, chat, target); err != nil {
			t.Fatal(err)
		}
	}
	h.feed.set("p=123", "p=124", "p=125")
	h.poll(t) // first sight: nothing of the three yet
	h.feed.set()
	if res := h.poll(t); res.New != 3 {
		t.Fatalf("second poll = %+v, want the 3 stories new", res)
	}
	return h
}

// cardsOf returns the text of every message a chat got.
func cardsOf(h *harness, chat int64) []string {
	var out []string
	for _, m := range h.tg.SentTo(chat) {
		out = append(out, m.ParsedText)
	}
	return out
}

// only checks that a chat got exactly one card per wanted title, in any order.
func only(t *testing.T, h *harness, chat int64, titles ...string) {
	t.Helper()
	got := cardsOf(h, chat)
	if len(got) != len(titles) {
		t.Errorf("chat %d got %d messages, want %d (%q):\n%s", chat, len(got), len(titles), titles, strings.Join(got, "\n---\n"))
		return
	}
	for _, title := range titles {
		if !slices.ContainsFunc(got, func(c string) bool { return strings.Contains(c, title) }) {
			t.Errorf("chat %d did not get %q:\n%s", chat, title, strings.Join(got, "\n---\n"))
		}
	}
}

// hashtags returns the hashtag line of the card with title.
func hashtags(t *testing.T, h *harness, chat int64, title string) string {
	t.Helper()
	for _, c := range cardsOf(h, chat) {
		if strings.Contains(c, title) {
			lines := strings.Split(c, "\n")
			last := strings.TrimPrefix(lines[len(lines)-1], "\u200f")
			if !strings.HasPrefix(last, "#") {
				return ""
			}
			return last
		}
	}
	t.Fatalf("chat %d has no card %q", chat, title)
	return ""
}

// latest asks the bot "/latest <args>" in a private chat and returns its
// answer.
func latest(t *testing.T, h *harness, chat int64, args string) string {
	t.Helper()
	n := len(h.tg.SentTo(chat))
	u := msg(bot.Chat{ID: chat, Type: "private"}, bot.User{ID: chat, FirstName: "قارئ", LanguageCode: "ar"}, "/latest "+args)
	if err := h.bot.HandleUpdate(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	got := h.tg.SentTo(chat)
	if len(got) != n+1 {
		t.Fatalf("/latest %s: %d answers", args, len(got)-n)
	}
	return got[n].ParsedText
}

// TestTopicSubscriptionGetsOnlyItsItems is the example end to end:
// a source with the topics محليات, اقتصاد and رياضة, whose feed gives no
// categories, publishes a tree-planting, a gold-price and a football story.
// The sports subscriber gets the football story alone; the economy
// subscriber the gold price alone; the source's subscriber all three; the
// محليات subscriber all three too, since nothing in an item can say it is
// not local news from a local newsroom. Each card's hashtags are its own
// topics, and /latest رياضة lists what the sports subscription brings.
func TestTopicSubscriptionGetsOnlyItsItems(t *testing.T) {
	h := topicHarness(t, feeds.Source{Topics: []string{"محليات", "اقتصاد", "رياضة"}}, nil)
	h.deliver(t, 1+3+1+3)
	only(t, h, 51, footballTitle)
	only(t, h, 53, goldTitle)
	only(t, h, 52, treesTitle, goldTitle, footballTitle)
	only(t, h, 54, treesTitle, goldTitle, footballTitle)

	for title, want := range map[string]string{
		goldTitle:     "#محليات #اقتصاد",
		footballTitle: "#محليات #رياضة",
		treesTitle:    "#محليات",
	} {
		if got := hashtags(t, h, 52, title); got != want {
			t.Errorf("hashtags of %q = %q, want %q", title, got, want)
		}
	}

	sport := latest(t, h, 51, "الرياضة")
	if !strings.Contains(sport, footballTitle) || strings.Contains(sport, goldTitle) || strings.Contains(sport, treesTitle) {
		t.Errorf("/latest الرياضة lists more than the football story:\n%s", sport)
	}
	economy := latest(t, h, 53, "اقتصاد")
	if !strings.Contains(economy, goldTitle) || strings.Contains(economy, footballTitle) || strings.Contains(economy, treesTitle) {
		t.Errorf("/latest اقتصاد lists more than the gold story:\n%s", economy)
	}
}

// TestTopicsFromFeedCategories: where the feed gives categories, they
// decide. The source maps its feed's "ملاعب" to رياضة and "شؤون محلية" to
// محليات, which is then a topic only the items so categorised take; the
// gold story's "الاقتصاد" names the economy topic itself, and the tree
// story's "بيئة" names a subject the source does not carry, so it takes no
// subject topic, though the model would find one.
func TestTopicsFromFeedCategories(t *testing.T) {
	src := feeds.Source{Topics: []string{"محليات", "اقتصاد", "رياضة"},
		Categories: map[string]string{"ملاعب": "رياضة", "شؤون محلية": "محليات"}}
	h := topicHarness(t, src, func(body string) string {
		return withCategories(body, map[string][]string{
			"p=123": {"بيئة", "شؤون محلية"},
			"p=124": {"الاقتصاد"},
			"p=125": {"ملاعب"},
		})
	})
	h.deliver(t, 1+3+1+1)
	only(t, h, 51, footballTitle)
	only(t, h, 53, goldTitle)
	only(t, h, 54, treesTitle)
	only(t, h, 52, treesTitle, goldTitle, footballTitle)
	for title, want := range map[string]string{goldTitle: "#اقتصاد", footballTitle: "#رياضة", treesTitle: "#محليات"} {
		if got := hashtags(t, h, 52, title); got != want {
			t.Errorf("hashtags of %q = %q, want %q", title, got, want)
		}
	}
}
