package bot_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// pageServer serves the pages of the link tests on 127.0.0.1 and counts
// the requests that reach it. Through fetcher, the pages are those of the
// made-up public site at URL (http://news.example): the link fetcher
// always keeps its guard, which refuses 127.0.0.1 itself.
type pageServer struct {
	srv  *httptest.Server
	URL  string
	hits atomic.Int64
	auth atomic.Int64 // requests that carried an Authorization header
	// hosts are the Host headers of the requests that reached it.
	hosts sync.Map
}

// hostilePage is an article page whose author chose its title, image URL
// and site name to blow up a cached card and pass for the newsroom.
func hostilePage() []byte {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>`)
	b.WriteString(strings.Repeat("عاجل جداً ", 105_000)) // 18 bytes each: 1.89 MB
	b.WriteString(`</title><meta property="og:site_name" content="المملكة">`)
	b.WriteString(`<meta property="og:image" content="https://img.example/` + strings.Repeat("a", 10_000) + `.jpg">`)
	b.WriteString(`</head><body><article><p>`)
	b.WriteString("قال مسؤولون إن الحكومة قررت رفع أسعار الوقود اعتباراً من الشهر المقبل. ")
	b.WriteString("وأوضحوا أن القرار جاء بعد ارتفاع الأسعار العالمية خلال الأسابيع الماضية، وأن الدعم سيستمر للفئات الأقل دخلاً.")
	b.WriteString(`</p></article></body></html>`)
	return []byte(b.String())
}

// fetcher is the production link fetcher (bot.LinkFetcherOptions: guard,
// ports 80 and 443 plus extraPorts) with a Transport that sends every
// request to the page server, whatever host and port the URL names, and
// the tests' own timeout and page cap. The guard still refuses literal
// private addresses before the Transport, and ports are still checked.
func (ps *pageServer) fetcher(t *testing.T, timeout time.Duration, maxBytes int64, extraPorts ...int) *feeds.Fetcher {
	opts := bot.LinkFetcherOptions("", extraPorts...)
	opts.Timeout, opts.MaxBytes = timeout, maxBytes
	tr := &http.Transport{DisableCompression: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, ps.srv.Listener.Addr().String())
		}}
	t.Cleanup(tr.CloseIdleConnections)
	opts.Transport = tr
	return feeds.NewFetcher(opts)
}

func newPageServer(t *testing.T) *pageServer {
	t.Helper()
	article, err := os.ReadFile("testdata/links/skynewsarabia_article.html")
	if err != nil {
		t.Fatal(err)
	}
	ps := &pageServer{URL: "http://news.example"}
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
	// hostile: a page that calls itself the newsroom and has a ~1.9 MB
	// <title> and an image URL of 10 KB, inside the 2 MiB page limit.
	mux.HandleFunc("/hostile", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(hostilePage())
	})
	// reset drops the connection without an answer.
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	ps.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.hits.Add(1)
		ps.hosts.Store(r.Host, true)
		if r.Header.Get("Authorization") != "" {
			ps.auth.Add(1)
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.srv.Close)
	return ps
}

// testLinkFetcher is ps.fetcher with a short timeout and a small page cap.
func testLinkFetcher(t *testing.T, ps *pageServer, extraPorts ...int) *feeds.Fetcher {
	return ps.fetcher(t, 300*time.Millisecond, 64<<10, extraPorts...)
}

func linkHarness(t *testing.T, fetcher bot.ArticleReader) *harness {
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
	h := linkHarness(t, testLinkFetcher(t, ps))
	tr := &transcript{t: t, h: h}
	layla := bot.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 101, Type: "private"}
	page := ps.URL + "/middle-east/1780000-sharaa-france"

	tr.do("ليلى", msg(dm, layla, "شوف هذا الخبر: "+page+"?utm_source=whatsapp#top، مهم"))
	tr.do("ليلى", msg(dm, layla, page)) // the same canonical URL: from the cache
	if n := ps.hits.Load(); n != 1 {
		t.Errorf("page fetched %d times, want 1 (second answer from the cache)", n)
	}
	tr.do("ليلى", msg(dm, layla, "<b>عاجل</b> \u202e"+page+"\u202c"))
	tr.do("ليلى", msg(dm, layla, "مرحبا، كيف حالك؟")) // no link: nothing to say
	tr.do("ليلى", msg(dm, layla, ps.URL+"/photo.png"))
	tr.do("ليلى", msg(dm, layla, ps.URL+"/huge"))
	tr.do("ليلى", msg(dm, layla, ps.URL+"/slow"))

	sami := bot.User{ID: 105, FirstName: "سامي", LanguageCode: "ar"} // a second user: the per-user limit stays out of the way
	dm2 := bot.Chat{ID: 105, Type: "private"}
	tr.do("سامي", msg(dm2, sami, ps.URL+"/empty"))
	tr.do("سامي", msg(dm2, sami, ps.URL+"/missing"))
	tr.do("سامي", msg(dm2, sami, "ftp://example.com/file.txt")) // not a link the bot reads: ignored

	group := bot.Chat{ID: -1001, Type: "supergroup", Title: "غرفة الأخبار"}
	tr.do("سامي", msg(group, sami, "هذا رابط للجميع "+page))                   // bot not mentioned: silent
	tr.do("سامي", msg(group, sami, "@Akhbar_Test_Bot لخّص هذا من فضلك "+page)) // mentioned: card
	tr.do("سامي", bot.Update{Message: &bot.InMessage{ID: 3, Chat: bot.Chat{ID: -1002, Type: "channel"}, Text: "@akhbar_test_bot " + page}})
	tr.golden("links_ar.golden")
}

func TestLinkCardEnglish(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, testLinkFetcher(t, ps))
	tr := &transcript{t: t, h: h}
	bob := bot.User{ID: 102, FirstName: "Bob", LanguageCode: "en"}
	dm := bot.Chat{ID: 102, Type: "private"}
	tr.do("Bob", msg(dm, bob, ps.URL+"/middle-east/1780000-sharaa-france"))
	tr.do("Bob", msg(dm, bob, ps.URL+"/photo.png"))
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
// private addresses are refused with the one generic sentence and never
// reached.
func TestLinkProductionRefusesPrivateAddresses(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, nil)
	port := strings.TrimPrefix(ps.srv.URL, "http://127.0.0.1:")
	for i, link := range []string{
		ps.srv.URL + "/middle-east/1780000-sharaa-france",
		"http://10.0.0.1/",
		"http://localhost:" + port + "/middle-east/1780000-sharaa-france",
		"http://[::1]:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
		"http://[::127.0.0.1]:" + port + "/", // IPv4-compatible
		"http://[::7f00:1]/",
		"http://[64:ff9b::a9fe:a9fe]/", // NAT64 of the metadata address
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:a9fe:a9fe]/",
	} {
		// One sender per link: the per-user link limit stays out of the way.
		u := bot.User{ID: int64(1060 + i), FirstName: "هدى", LanguageCode: "ar"}
		dm := bot.Chat{ID: u.ID, Type: "private"}
		t.Run(link, func(t *testing.T) {
			before := len(h.tg.SentSince(0))
			if err := h.bot.HandleUpdate(context.Background(), msg(dm, u, "اقرأ "+link)); err != nil {
				t.Fatal(err)
			}
			sent := h.tg.SentSince(before)
			if len(sent) != 1 {
				t.Fatalf("%d answers, want 1", len(sent))
			}
			if want := "لم أستطع قراءة هذه الصفحة"; !strings.Contains(sent[0].ParsedText, want) {
				t.Errorf("answer %q, want the generic sentence", sent[0].ParsedText)
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
	h := linkHarness(t, testLinkFetcher(t, ps))
	u := bot.User{ID: 107, FirstName: "كريم", LanguageCode: "ar"}
	dm := bot.Chat{ID: 107, Type: "private"}
	for i := range 7 {
		link := ps.URL + "/middle-east/1780000-sharaa-france?n=" + string(rune('a'+i))
		if err := h.bot.HandleUpdate(context.Background(), msg(dm, u, link)); err != nil {
			t.Fatal(err)
		}
	}
	sent := h.tg.SentSince(0)
	if len(sent) != 7 {
		t.Fatalf("%d answers, want 7", len(sent))
	}
	if !strings.Contains(sent[6].ParsedText, "وصلتني روابط كثيرة") {
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
	h := linkHarness(t, ps.fetcher(t, 5*time.Second, bot.LinkMaxBytes))
	other := bot.New(bot.Config{BotUsername: "akhbar_test_bot", Location: time.UTC,
		Limits:      bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000},
		LinkFetcher: ps.fetcher(t, 5*time.Second, bot.LinkMaxBytes)},
		h.store, nil, mustClient(t, h.tg, "77:harness"), nil, nil)
	link := ps.URL + "/late/sharaa-france"
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

// TestLinkCardBounded: a ~1.9 MB page with a huge <title>, a 10 KB image
// URL and og:site_name "المملكة" gives a card of bounded size, cached as a
// bounded entry, naming the link's real host.
func TestLinkCardBounded(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, ps.fetcher(t, 10*time.Second, bot.LinkMaxBytes))
	u := bot.User{ID: 108, FirstName: "رنا", LanguageCode: "ar"}
	dm := bot.Chat{ID: 108, Type: "private"}
	if n := len(hostilePage()); n < 1_800_000 || n > bot.LinkMaxBytes {
		t.Fatalf("page of %d bytes, want ~1.9 MB within the %d limit", n, bot.LinkMaxBytes)
	}
	if err := h.bot.HandleUpdate(context.Background(), msg(dm, u, ps.URL+"/hostile")); err != nil {
		t.Fatal(err)
	}
	sent := h.tg.SentSince(0)
	if len(sent) != 1 {
		t.Fatalf("%d answers, want 1", len(sent))
	}
	text := sent[0].ParsedText
	if !strings.Contains(text, "رفع أسعار الوقود") || !strings.Contains(text, "عاجل جداً") {
		t.Errorf("answer %q, want the card", text)
	}
	if !strings.Contains(text, "📰 \u200enews.example\u200e\u200f") || strings.Contains(text, "المملكة") {
		t.Errorf("card's source line: %q, want the link's host news.example, not the page's own name", text)
	}

	lc, err := h.store.CachedLink(context.Background(), ps.URL+"/hostile")
	if err != nil {
		t.Fatalf("card not cached: %v", err)
	}
	if n := utf8.RuneCountInString(lc.Item.Title); n > 300 {
		t.Errorf("cached title of %d characters, want ≤ 300", n)
	}
	if n := len(lc.Item.Image); n > 2048 {
		t.Errorf("cached image URL of %d bytes, want ≤ 2048", n)
	}
	if lc.Site != "news.example" {
		t.Errorf("cached site %q, want news.example", lc.Site)
	}
	keys, err := storagetest.Keys(context.Background(), h.store.Client(), h.store.Options().Prefix+"link:*")
	if err != nil || len(keys) != 1 {
		t.Fatalf("link cache keys = %v, %v; want 1", keys, err)
	}
	n, err := h.store.Client().StrLen(context.Background(), keys[0]).Result()
	if err != nil || n > storage.LinkCardMaxBytes {
		t.Errorf("cached entry of %d bytes (%v), want ≤ %d", n, err, storage.LinkCardMaxBytes)
	}
	t.Logf("a %d-byte page gave a %d-byte cache entry", len(hostilePage()), n)
}

// TestLinkFailuresLookAlike: a refused address, a refused port, a timeout,
// an HTTP error and a dropped connection all get the same sentence, so the
// answers do not map which hosts and ports answer.
func TestLinkFailuresLookAlike(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, testLinkFetcher(t, ps))
	for lang, want := range map[string]string{
		"ar": "لم أستطع قراءة هذه الصفحة؛ ربما الرابط خاطئ أو الموقع لا يستجيب الآن. يمكن المحاولة لاحقاً.",
		"en": "I could not read this page; the link may be wrong, or the site not answering now. You can try again later.",
	} {
		for i, link := range []string{
			"http://10.0.0.1/admin",
			"http://169.254.169.254/latest/meta-data/",
			"http://[::ffff:10.0.0.1]/",
			ps.URL + ":22/",
			ps.URL + ":6379/",
			ps.URL + ":8080/middle-east/1780000-sharaa-france",
			ps.URL + "/slow",
			ps.URL + "/missing",
			ps.URL + "/reset",
			ps.URL + "/" + strings.Repeat("x", 2100), // a link over 2,048 bytes
		} {
			u := bot.User{ID: int64(2000 + i), FirstName: "س", LanguageCode: lang}
			if lang == "en" {
				u.ID += 100
			}
			before := len(h.tg.SentSince(0))
			if err := h.bot.HandleUpdate(context.Background(), msg(bot.Chat{ID: u.ID, Type: "private"}, u, link)); err != nil {
				t.Fatal(err)
			}
			sent := h.tg.SentSince(before)
			if len(sent) != 1 || strings.TrimLeft(sent[0].ParsedText, "\u200e\u200f") != want {
				t.Errorf("%s %.60s: answers %v, want one %q", lang, link, sent, want)
			}
		}
	}
	// Only port 80 was asked for (/slow, /missing, /reset).
	ps.hosts.Range(func(host, _ any) bool {
		if host != "news.example" {
			t.Errorf("a request reached the page server for %s", host)
		}
		return true
	})
	if ps.hits.Load() == 0 {
		t.Error("the page server was never reached")
	}
}

// TestLinkPorts: a user's link reaches ports 80 and 443 only, unless the
// operator allows more (8080, 8443) through NewLinkFetcher's extraPorts.
func TestLinkPorts(t *testing.T) {
	ps := newPageServer(t)
	page := ps.URL + ":8080/middle-east/1780000-sharaa-france"
	u := bot.User{ID: 109, FirstName: "مها", LanguageCode: "ar"}
	dm := bot.Chat{ID: 109, Type: "private"}

	h := linkHarness(t, testLinkFetcher(t, ps))
	if err := h.bot.HandleUpdate(context.Background(), msg(dm, u, page)); err != nil {
		t.Fatal(err)
	}
	if sent := h.tg.SentSince(0); len(sent) != 1 || !strings.Contains(sent[0].ParsedText, "لم أستطع قراءة هذه الصفحة") {
		t.Errorf("port 8080 by default: %v, want the generic sentence", sent)
	}
	if n := ps.hits.Load(); n != 0 {
		t.Errorf("port 8080 reached %d times by default", n)
	}

	allowed := linkHarness(t, testLinkFetcher(t, ps, 8080, 8443))
	if err := allowed.bot.HandleUpdate(context.Background(), msg(dm, u, page)); err != nil {
		t.Fatal(err)
	}
	if sent := allowed.tg.SentSince(0); len(sent) != 1 || !strings.Contains(sent[0].ParsedText, "الشرع: نؤسس لشراكة") {
		t.Errorf("port 8080 allowed: %v, want the card", sent)
	}
}

// TestLinkDropsUserinfo: credentials in a link are neither sent to the site
// nor shown on the card.
func TestLinkDropsUserinfo(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, testLinkFetcher(t, ps))
	u := bot.User{ID: 110, FirstName: "زيد", LanguageCode: "ar"}
	link := "http://admin:s3cret@news.example/middle-east/1780000-sharaa-france"
	if err := h.bot.HandleUpdate(context.Background(), msg(bot.Chat{ID: 110, Type: "private"}, u, "شوف "+link)); err != nil {
		t.Fatal(err)
	}
	sent := h.tg.SentSince(0)
	if len(sent) != 1 || !strings.Contains(sent[0].ParsedText, "الشرع: نؤسس لشراكة") {
		t.Fatalf("answers %v, want the card", sent)
	}
	if n := ps.auth.Load(); n != 0 {
		t.Errorf("%d requests carried the link's credentials", n)
	}
	if raw := fmt.Sprint(sent[0]); strings.Contains(raw, "s3cret") || strings.Contains(raw, "admin") {
		t.Errorf("the card shows the link's credentials: %s", raw)
	}
	if _, err := h.store.CachedLink(context.Background(), ps.URL+"/middle-east/1780000-sharaa-france"); err != nil {
		t.Errorf("card not cached under the link without credentials: %v", err)
	}
}
