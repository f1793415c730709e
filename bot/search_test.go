package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// askNow is the clock of the search tests: the afternoon after the real
// CNN Arabic and Hespress feeds in testdata/search were captured.
var askNow = time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC)

// askHarness is a bot whose store holds the 20 real items of two Arabic
// feeds, saved and indexed by the real poll path (a baseline poll with the
// items hidden, then a poll that finds them all new), on a fixed clock.
func askHarness(t *testing.T, cfg bot.Config) *harness {
	t.Helper()
	clock := func() time.Time { return askNow }
	cfg.Now = clock
	cfg.BotName = "أخبار"
	cfg.BotUsername = "akhbar_test_bot"
	cfg.Location = time.UTC
	cfg.Limits = bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	cfg.NoArticleFetch = true

	tgOpts := telegramtest.Options{Token: "77:ask"}
	tgOpts.OnUnknownMethod = func(m string) { t.Errorf("unknown method %q", m) }
	tg := telegramtest.NewServer(tgOpts)
	t.Cleanup(tg.Close)
	client, err := telegram.New(context.Background(), tgOpts.Token, tg.URL(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	store := storagetest.New(t, storage.Options{Now: clock})

	var srcs []feeds.Source
	var servers []*feedServer
	for _, f := range []struct{ id, name, file, topic string }{
		{"cnn", "CNN بالعربية", "cnn-arabic.xml", "دولي"},
		{"hespress", "هسبريس", "hespress.xml", "المغرب"},
	} {
		data, err := os.ReadFile("testdata/search/" + f.file)
		if err != nil {
			t.Fatal(err)
		}
		fs := &feedServer{body: string(data), hidden: map[string]bool{"<item>": true}}
		fs.srv = httptest.NewServer(fs)
		t.Cleanup(fs.srv.Close)
		servers = append(servers, fs)
		srcs = append(srcs, feeds.Source{ID: f.id, Name: f.name, URL: fs.srv.URL + "/feed.xml", Topics: []string{f.topic}, AllowPrivate: true})
	}
	cfg.Sources = srcs
	b := bot.New(cfg, store, feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), client, nil, nil)
	ctx := context.Background()
	for i, src := range srcs {
		if _, err := b.PollSource(ctx, src, time.Minute); err != nil {
			t.Fatal(err)
		}
		servers[i].set()
		res, err := b.PollSource(ctx, src, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 10 {
			t.Fatalf("%s: %d new items, want 10", src.ID, res.New)
		}
	}
	return &harness{bot: b, store: store, tg: tg, src: srcs[0], feed: servers[0]}
}

// showControls makes the bidi controls of hostile input visible in
// transcripts.
var showControls = strings.NewReplacer("\u202a", "<U+202A>", "\u202b", "<U+202B>", "\u202c", "<U+202C>",
	"\u202d", "<U+202D>", "\u202e", "<U+202E>", "\u2066", "<U+2066>", "\u2067", "<U+2067>", "\u2068", "<U+2068>", "\u2069", "<U+2069>")

// search sends /search with words.
func (tr *transcript) search(who string, chat bot.Chat, from bot.User, words string) {
	tr.t.Helper()
	tr.do(who, msg(chat, from, strings.TrimSpace("/search "+words)))
}

// lastMessageID is the id of the bot's latest message in a chat.
func (tr *transcript) lastMessageID(chatID int64) int {
	tr.t.Helper()
	sent := tr.h.tg.SentSince(0)
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].ChatID == chatID && !sent[i].Edited {
			return sent[i].MessageID
		}
	}
	tr.t.Fatalf("no message in chat %d", chatID)
	return 0
}

// pressOn presses a button of the bot's message msgID.
func (tr *transcript) pressOn(chat bot.Chat, from bot.User, msgID int, data string) bot.Update {
	id := tr.h.tg.CallbackQuery(telegramtest.Chat{ID: chat.ID, Type: chat.Type, Title: chat.Title},
		telegramtest.User{ID: from.ID, FirstName: from.FirstName, LanguageCode: from.LanguageCode}, msgID, data)
	return bot.Update{Callback: &bot.Callback{ID: id, Chat: chat, From: from, MessageID: msgID, Data: data}}
}

// buttonData returns the callback data of the button labelled label on the
// bot's latest message or edit in a chat.
func (tr *transcript) buttonData(chatID int64, label string) string {
	tr.t.Helper()
	sent := tr.h.tg.SentSince(0)
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].ChatID != chatID {
			continue
		}
		var kb struct {
			Rows [][]struct {
				Text         string `json:"text"`
				CallbackData string `json:"callback_data"`
			} `json:"inline_keyboard"`
		}
		_ = json.Unmarshal(sent[i].ReplyMarkup, &kb)
		for _, row := range kb.Rows {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return b.CallbackData
				}
			}
		}
		break
	}
	tr.t.Fatalf("no button %q on the last message in %d", label, chatID)
	return ""
}

func TestSearchArabic(t *testing.T) {
	h := askHarness(t, bot.Config{})
	tr := &transcript{t: t, h: h}
	layla := bot.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 101, Type: "private"}

	tr.search("ليلى", dm, layla, "")
	tr.search("ليلى", dm, layla, "في من")    // only stop words
	tr.search("ليلى", dm, layla, "سوريا")    // two CNN items
	tr.search("ليلى", dm, layla, "المغربية") // stemmed to مغرب, Hespress's topic: ten items, two pages
	next := tr.buttonData(dm.ID, "التالي")
	if len(next) > 64 {
		t.Errorf("callback data %q is %d bytes", next, len(next))
	}
	msgID := tr.lastMessageID(dm.ID)
	tr.do("ليلى", tr.pressOn(dm, layla, msgID, next))
	tr.do("ليلى", tr.pressOn(dm, layla, msgID, tr.buttonData(dm.ID, "السابق")))
	tr.search("ليلى", dm, layla, "سوريا زلزال") // all words must match
	tr.search("ليلى", dm, layla, "<b>سوريا</b> \u202eفيديو\u202c &")
	tr.do("ليلى", tr.pressOn(dm, layla, msgID, "q:AAAAAAAAAAAAAAAA:5")) // expired or forged token
	tr.do("ليلى", tr.pressOn(dm, layla, msgID, "q:bad"))
	// In a group any member may search; no admin check, no getChatMember.
	group := bot.Chat{ID: -1001, Type: "supergroup", Title: "غرفة الأخبار"}
	tr.do("عضو", msg(group, bot.User{ID: 202, FirstName: "عضو", LanguageCode: "ar"}, "/search@akhbar_test_bot الشيباني"))
	if n := len(h.tg.Calls("getChatMember")); n != 0 {
		t.Errorf("getChatMember called %d times for a search", n)
	}
	tr.golden("search_ar.golden")
}

func TestSearchEnglish(t *testing.T) {
	h := askHarness(t, bot.Config{})
	tr := &transcript{t: t, h: h}
	bob := bot.User{ID: 102, FirstName: "Bob", LanguageCode: "en"}
	dm := bot.Chat{ID: 102, Type: "private"}
	tr.search("Bob", dm, bob, "")
	tr.search("Bob", dm, bob, "المغرب")
	tr.do("Bob", tr.pressOn(dm, bob, tr.lastMessageID(dm.ID), tr.buttonData(dm.ID, "Next")))
	tr.search("Bob", dm, bob, "nothing-like-this")
	tr.golden("search_en.golden")
}

// A search answered by one replica pages on another: the query behind the
// buttons lives in Redis.
func TestSearchPagesOnAnotherReplica(t *testing.T) {
	h := askHarness(t, bot.Config{})
	other := bot.New(bot.Config{Now: func() time.Time { return askNow }, Location: time.UTC,
		Limits: bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}},
		h.store, nil, mustClient(t, h.tg, "77:ask"), nil, nil)
	tr := &transcript{t: t, h: h}
	u := bot.User{ID: 103, FirstName: "Sami", LanguageCode: "ar"}
	dm := bot.Chat{ID: 103, Type: "private"}
	tr.search("Sami", dm, u, "المغرب")
	first := tr.lastMessageID(dm.ID)
	data := tr.buttonData(dm.ID, "التالي")
	up := tr.pressOn(dm, u, first, data)
	if err := other.HandleUpdate(context.Background(), up); err != nil {
		t.Fatal(err)
	}
	sent := h.tg.SentSince(0)
	last := sent[len(sent)-1]
	if !last.Edited || last.MessageID != first || !strings.Contains(last.ParsedText, "(6–") {
		t.Errorf("other replica's answer: edited=%v id=%d text:\n%s", last.Edited, last.MessageID, last.ParsedText)
	}
}

func mustClient(t *testing.T, tg *telegramtest.Server, token string) *telegram.Client {
	t.Helper()
	c, err := telegram.New(context.Background(), token, tg.URL(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
