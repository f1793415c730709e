package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestCallbackWithoutChatRefused: a callback with no message (a button
// under an inline-mode message, or a forged update) carries chat 0. It is
// answered and nothing else: no chat 0 remembered, subscribed or set, no
// admin check. Before, "senderChat == chat" (0 == 0) made its sender an
// anonymous admin of chat 0.
func TestCallbackWithoutChatRefused(t *testing.T) {
	h := conversationHarness(t)
	ctx := context.Background()
	u := bot.User{ID: 201, FirstName: "مجهول", LanguageCode: "ar"}
	dm := bot.Chat{ID: 201, Type: "private"}
	// Real buttons: the ones /sources and /settings show.
	for _, cmd := range []string{"/sources", "/settings"} {
		if err := h.bot.HandleUpdate(ctx, msg(dm, u, cmd)); err != nil {
			t.Fatal(err)
		}
	}
	var datas []string
	for _, m := range h.tg.SentSince(0) {
		datas = append(datas, callbackDatas(t, m.ReplyMarkup)...)
	}
	if len(datas) < 4 {
		t.Fatalf("only %d buttons to press: %q", len(datas), datas)
	}
	answers := len(h.tg.CallbackAnswers())
	for _, data := range datas {
		// A query id the fake knows, so the answer is accepted; the update
		// itself has no chat, as Telegram sends it for an inline message.
		id := h.tg.CallbackQuery(telegramtest.Chat{ID: dm.ID, Type: dm.Type}, telegramtest.User{ID: u.ID, FirstName: u.FirstName}, 1, data)
		if err := h.bot.HandleUpdate(ctx, bot.Update{Callback: &bot.Callback{ID: id, From: u, Data: data}}); err != nil {
			t.Errorf("%s: %v", data, err)
		}
	}
	if got, want := len(h.tg.CallbackAnswers())-answers, len(datas); got != want {
		t.Errorf("%d callbacks answered, want %d", got, want)
	}
	if c, err := h.store.Chat(ctx, 0); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("chat 0 remembered: %+v, %v", c, err)
	}
	if subs, err := h.store.Subscriptions(ctx, 0); err != nil || len(subs) != 0 {
		t.Errorf("chat 0 subscribed to %q (%v)", subs, err)
	}
	if calls := h.tg.Calls("getChatMember"); len(calls) != 0 {
		t.Errorf("%d getChatMember calls for chatless callbacks", len(calls))
	}
	if subs, err := h.store.Subscriptions(ctx, dm.ID); err != nil || len(subs) != 0 {
		t.Errorf("the presser's own chat subscribed to %q (%v)", subs, err)
	}
}

// callbackDatas lists the callback_data of an inline keyboard.
func callbackDatas(t *testing.T, markup json.RawMessage) []string {
	t.Helper()
	if len(markup) == 0 {
		return nil
	}
	var kb struct {
		Rows [][]struct {
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal(markup, &kb); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range kb.Rows {
		for _, b := range row {
			if b.CallbackData != "" {
				out = append(out, b.CallbackData)
			}
		}
	}
	return out
}

// TestPollArticlePagesGuarded: with fetch.allow_private_addresses on (the
// fetcher's AllowPrivate, and the source's, as cmd/akhbar sets both), the
// feed on 127.0.0.1 is polled, but its items' article pages on 127.0.0.1
// and 169.254.169.254 are not fetched: the items go out with their
// excerpts.
func TestPollArticlePagesGuarded(t *testing.T) {
	ctx := context.Background()
	var pageHits atomic.Int64
	var mu sync.Mutex
	items := ""
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			pageHits.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<html><body><article><p>"+strings.Repeat("نص المقال الكامل من الصفحة المحلية. ", 40)+"</p></article></body></html>")
			return
		}
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>محلي</title>%s</channel></rss>`, items)
	}))
	defer srv.Close()
	tg := telegramtest.NewServer(telegramtest.Options{Token: "5:guard"})
	defer tg.Close()
	client, err := telegram.New(ctx, "5:guard", tg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	store := storagetest.New(t)
	src := feeds.Source{ID: "local", Name: "محلي", URL: srv.URL + "/feed.xml", AllowPrivate: true}
	b := bot.New(bot.Config{Sources: []feeds.Source{src}}, store, feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), client, nil, nil)

	if _, err := b.PollSource(ctx, src, time.Minute); err != nil { // first sight: an empty baseline
		t.Fatal(err)
	}
	mu.Lock()
	items = fmt.Sprintf(`<item><title>خبر من الشبكة المحلية</title><link>%s/article/1</link><guid>1</guid><description>مقتطف الخبر الأول.</description></item>
<item><title>خبر يشير إلى عنوان البيانات الوصفية</title><link>http://169.254.169.254/latest/meta-data/</link><guid>2</guid><description>مقتطف الخبر الثاني.</description></item>`, srv.URL)
	mu.Unlock()
	res, err := b.PollSource(ctx, src, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 2 {
		t.Fatalf("poll = %+v, want 2 new items", res)
	}
	if n := pageHits.Load(); n != 0 {
		t.Errorf("article pages on 127.0.0.1 fetched %d times, want 0", n)
	}
	latest, err := store.Latest(ctx, "", 10)
	if err != nil || len(latest) != 2 {
		t.Fatalf("latest = %v, %v", latest, err)
	}
	for _, it := range latest {
		if strings.Contains(it.Summary, "نص المقال الكامل") || !strings.Contains(it.Summary, "مقتطف") {
			t.Errorf("item %q summary %q, want its excerpt", it.Title, it.Summary)
		}
	}
}
