package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
)

// pageServer serves the pages of the link tests on 127.0.0.1 and counts
// the requests that reach it.
type pageServer struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newPageServer(t *testing.T) *pageServer {
	t.Helper()
	article, err := os.ReadFile("testdata/links/skynewsarabia_article.html")
	if err != nil {
		t.Fatal(err)
	}
	ps := &pageServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/middle-east/1780000-sharaa-france", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(article)
	})
	mux.HandleFunc("/late/sharaa-france", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(article)
	})
	mux.HandleFunc("/photo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n"))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><p>" + strings.Repeat("كلام ", 40_000) + "</p></body></html>"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><head><title></title></head><body><nav><a href='/'>الرئيسية</a></nav></body></html>"))
	})
	ps.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.hits.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.srv.Close)
	return ps
}

// testLinkFetcher is the one place a test lets the link fetcher reach
// 127.0.0.1, where its page server runs; production never builds one.
func testLinkFetcher() *feeds.Fetcher {
	return feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true, Timeout: 300 * time.Millisecond, MaxBytes: 64 << 10})
}

func linkHarness(t *testing.T, fetcher *feeds.Fetcher) *harness {
	t.Helper()
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	return newHarness(t, bot.Config{BotName: "أخبار", BotUsername: "akhbar_test_bot", Location: time.UTC, Limits: fast, LinkFetcher: fetcher}, telegramtest.Options{})
}

// hidePort replaces the page server's address in a transcript, so goldens
// do not depend on the port it got.
func (tr *transcript) hidePort(base string) {
	s := tr.b.String()
	for _, old := range []string{base, url.QueryEscape(base)} {
		s = strings.ReplaceAll(s, old, "http://127.0.0.1:PORT")
	}
	s = strings.ReplaceAll(s, strings.TrimPrefix(base, "http://"), "127.0.0.1:PORT")
	tr.b.Reset()
	tr.b.WriteString(s)
}

func TestLinkCardArabic(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, testLinkFetcher())
	tr := &transcript{t: t, h: h}
	layla := bot.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 101, Type: "private"}
	page := ps.srv.URL + "/middle-east/1780000-sharaa-france"

	tr.do("ليلى", msg(dm, layla, "شوف هذا الخبر: "+page+"?utm_source=whatsapp#top، مهم"))
	tr.do("ليلى", msg(dm, layla, page)) // the same canonical URL: from the cache
	if n := ps.hits.Load(); n != 1 {
		t.Errorf("page fetched %d times, want 1 (second answer from the cache)", n)
	}
	tr.do("ليلى", msg(dm, layla, "<b>عاجل</b> \u202e"+page+"\u202c"))
	tr.do("ليلى", msg(dm, layla, "مرحبا، كيف حالك؟")) // no link: nothing to say
	tr.do("ليلى", msg(dm, layla, ps.srv.URL+"/photo.png"))
	tr.do("ليلى", msg(dm, layla, ps.srv.URL+"/huge"))
	tr.do("ليلى", msg(dm, layla, ps.srv.URL+"/slow"))

	sami := bot.User{ID: 105, FirstName: "سامي", LanguageCode: "ar"} // a second user: the per-user limit stays out of the way
	dm2 := bot.Chat{ID: 105, Type: "private"}
	tr.do("سامي", msg(dm2, sami, ps.srv.URL+"/empty"))
	tr.do("سامي", msg(dm2, sami, ps.srv.URL+"/missing"))
	tr.do("سامي", msg(dm2, sami, "ftp://example.com/file.txt")) // not a link the bot reads: ignored

	group := bot.Chat{ID: -1001, Type: "supergroup", Title: "غرفة الأخبار"}
	tr.do("سامي", msg(group, sami, "هذا رابط للجميع "+page))                   // bot not mentioned: silent
	tr.do("سامي", msg(group, sami, "@Akhbar_Test_Bot لخّص هذا من فضلك "+page)) // mentioned: card
	tr.do("سامي", bot.Update{Message: &bot.InMessage{ID: 3, Chat: bot.Chat{ID: -1002, Type: "channel"}, Text: "@akhbar_test_bot " + page}})
	tr.hidePort(ps.srv.URL)
	tr.golden("links_ar.golden")
}

func TestLinkCardEnglish(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, testLinkFetcher())
	tr := &transcript{t: t, h: h}
	bob := bot.User{ID: 102, FirstName: "Bob", LanguageCode: "en"}
	dm := bot.Chat{ID: 102, Type: "private"}
	tr.do("Bob", msg(dm, bob, ps.srv.URL+"/middle-east/1780000-sharaa-france"))
	tr.do("Bob", msg(dm, bob, ps.srv.URL+"/photo.png"))
	// With the production fetcher, the same page is refused.
	prod := &transcript{t: t, h: linkHarness(t, nil)}
	prod.do("Bob", msg(dm, bob, ps.srv.URL+"/middle-east/1780000-sharaa-france"))
	prod.do("Bob", msg(dm, bob, "http://10.0.0.1/admin"))
	tr.b.WriteString(prod.b.String())
	tr.hidePort(ps.srv.URL)
	tr.golden("links_en.golden")
}

// TestLinkProductionRefusesPrivateAddresses uses the link fetcher the bot
// builds itself (Config.LinkFetcher nil), as in production: loopback and
// private addresses are refused with the Arabic sentence and never reached.
func TestLinkProductionRefusesPrivateAddresses(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, nil)
	u := bot.User{ID: 106, FirstName: "هدى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 106, Type: "private"}
	port := strings.TrimPrefix(ps.srv.URL, "http://127.0.0.1:")
	for _, link := range []string{
		ps.srv.URL + "/middle-east/1780000-sharaa-france",
		"http://10.0.0.1/",
		"http://localhost:" + port + "/middle-east/1780000-sharaa-france",
		"http://[::1]:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
		"http://169.254.169.254/latest/meta-data/",
	} {
		t.Run(link, func(t *testing.T) {
			before := len(h.tg.SentSince(0))
			if err := h.bot.HandleUpdate(context.Background(), msg(dm, u, "اقرأ "+link)); err != nil {
				t.Fatal(err)
			}
			sent := h.tg.SentSince(before)
			if len(sent) != 1 {
				t.Fatalf("%d answers, want 1", len(sent))
			}
			if want := "لا أفتح روابط العناوين الخاصة أو المحلية"; !strings.Contains(sent[0].ParsedText, want) {
				t.Errorf("answer %q, want the private-address sentence", sent[0].ParsedText)
			}
		})
	}
	if n := ps.hits.Load(); n != 0 {
		t.Errorf("the page server was reached %d times", n)
	}
}

// A user sending link after link is slowed down, across replicas (the
// limit is in Redis); cached links stay free.
func TestLinkRateLimitPerUser(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, testLinkFetcher())
	u := bot.User{ID: 107, FirstName: "كريم", LanguageCode: "ar"}
	dm := bot.Chat{ID: 107, Type: "private"}
	for i := range 7 {
		link := ps.srv.URL + "/middle-east/1780000-sharaa-france?n=" + string(rune('a'+i))
		if err := h.bot.HandleUpdate(context.Background(), msg(dm, u, link)); err != nil {
			t.Fatal(err)
		}
	}
	sent := h.tg.SentSince(0)
	if len(sent) != 7 {
		t.Fatalf("%d answers, want 7", len(sent))
	}
	if !strings.Contains(sent[6].ParsedText, "أرسلت روابط كثيرة") {
		t.Errorf("7th link in a minute: %q, want the slow-down sentence", sent[6].ParsedText)
	}
	if n := ps.hits.Load(); n != 6 {
		t.Errorf("page fetched %d times, want 6", n)
	}
}

// Several people sending the same new link at once (to any replicas) cost
// one fetch: the first takes a lease on the URL, the others wait for its
// card in the cache.
func TestSameLinkAtOnceIsFetchedOnce(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true, Timeout: 5 * time.Second}))
	other := bot.New(bot.Config{BotUsername: "akhbar_test_bot", Location: time.UTC,
		Limits:      bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000},
		LinkFetcher: feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true, Timeout: 5 * time.Second})},
		h.store, nil, mustClient(t, h.tg, "77:harness"), nil, nil)
	link := ps.srv.URL + "/late/sharaa-france"
	var wg sync.WaitGroup
	for i, b := range []*bot.Bot{h.bot, other, h.bot, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := bot.User{ID: int64(300 + i), FirstName: "قارئ", LanguageCode: "ar"}
			if err := b.HandleUpdate(context.Background(), msg(bot.Chat{ID: u.ID, Type: "private"}, u, link)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := ps.hits.Load(); n != 1 {
		t.Errorf("page fetched %d times, want 1", n)
	}
	sent := h.tg.SentSince(0)
	if len(sent) != 4 {
		t.Fatalf("%d answers, want 4", len(sent))
	}
	for _, m := range sent {
		if !strings.Contains(m.ParsedText, "الشرع: نؤسس لشراكة") {
			t.Errorf("chat %d got %q, want the card", m.ChatID, m.ParsedText)
		}
	}
}
