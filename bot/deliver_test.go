package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// harness is one replica's use cases over a real store and the fake
// Telegram server, with the real Bot API adapter in between.
type harness struct {
	bot   *bot.Bot
	store *storage.Store
	tg    *telegramtest.Server
	src   feeds.Source
	feed  *feedServer
	// replica builds another replica of the same bot: its own pacer and
	// caches over the same store, fake and configuration.
	replica func() *bot.Bot
}

// feedServer serves a feed file whose items can be hidden, so a test can
// make a "new" item appear.
type feedServer struct {
	mu     sync.Mutex
	body   string
	hidden map[string]bool // guid substrings left out
	srv    *httptest.Server
}

var itemRE = regexp.MustCompile(`(?s)\s*<item>.*?</item>`)

func (f *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	body := itemRE.ReplaceAllStringFunc(f.body, func(item string) string {
		for h := range f.hidden {
			if strings.Contains(item, h) {
				return ""
			}
		}
		return item
	})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, body)
}

func (f *feedServer) set(hidden ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hidden = map[string]bool{}
	for _, h := range hidden {
		f.hidden[h] = true
	}
}

// sampleNow is the harness's wall clock at its start: the noon after the
// newest item of testdata/feeds/almamlaka-sample.xml (11:05 UTC that day).
// Behaviour that compares an item's publication with now (the edit window,
// "the last 7 days" of /search, the search index's age trim) must give the
// same answer whatever day the tests run, so no harness reads the calendar.
var sampleNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// sampleClock is a clock that starts at sampleNow and runs at real speed,
// so durations (pacing, retries, leases) are real while dates are fixed.
func sampleClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return sampleNow.Add(time.Since(start)) }
}

// newHarness builds one replica over the sample feed, whose source has the
// topics, category map and breaking rule of cfg.Sources[0] when cfg names
// one (else the topic محليات). cfg.Now, when set, is
// the clock of the bot and of its store alike (a store on another clock
// would judge parks, digests and the search index by another day); unset,
// it is sampleClock.
func newHarness(t testing.TB, cfg bot.Config, tgOpts telegramtest.Options) *harness {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = sampleClock()
	}
	data, err := os.ReadFile("testdata/feeds/almamlaka-sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	fs := &feedServer{body: string(data), hidden: map[string]bool{}}
	fs.srv = httptest.NewServer(fs)
	t.Cleanup(fs.srv.Close)

	tgOpts.Token = "77:harness"
	tgOpts.OnUnknownMethod = func(m string) { t.Errorf("unknown method %q", m) }
	tg := telegramtest.NewServer(tgOpts)
	t.Cleanup(tg.Close)
	// As in the program: one kept-alive connection per sender, not the
	// default two, or sends queue behind new connections and bunch up.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	t.Cleanup(tr.CloseIdleConnections)
	client, err := telegram.New(context.Background(), tgOpts.Token, tg.URL(), &http.Client{Timeout: 10 * time.Second, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	storeOpts := storage.Options{Now: cfg.Now}
	store := storagetest.New(t, storeOpts)
	if os.Getenv("AKHBAR_TEST_DELIVERY_ON_CLUSTER") == "1" {
		// .ci/run runs the delivery tests again on a real Redis Cluster.
		store = storagetest.Cluster(t, storeOpts)
	}
	src := feeds.Source{ID: "almamlaka", Name: "المملكة", URL: fs.srv.URL + "/feed.xml", Topics: []string{"محليات"}, AllowPrivate: true}
	if len(cfg.Sources) == 1 { // a test's own topics, category map and breaking rule
		src.Topics, src.Categories, src.Breaking = cfg.Sources[0].Topics, cfg.Sources[0].Categories, cfg.Sources[0].Breaking
	}
	cfg.Sources = []feeds.Source{src}
	cfg.NoArticleFetch = true
	replica := func() *bot.Bot {
		return bot.New(cfg, store, feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), client, nil, nil)
	}
	return &harness{bot: replica(), store: store, tg: tg, src: src, feed: fs, replica: replica}
}

// deliver runs the delivery workers until the fake has n messages.
// settled waits until no delivery job is left in the streams (every one
// acked or dead-lettered), or ctx ends.
func (h *harness) settled(ctx context.Context) error {
	for {
		p, err := h.store.Pending(ctx)
		if err != nil || p == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d jobs still pending: %w", p, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (h *harness) deliver(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.bot.RunDelivery(ctx, "test-consumer"); close(done) }()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	err := h.tg.WaitSent(wctx, n)
	if err == nil {
		err = h.settled(wctx) // and until every job is acked or dead-lettered
	}
	cancel()
	<-done
	if err != nil {
		t.Fatalf("waiting for %d messages: %v (stats %+v)", n, err, h.tg.Stats())
	}
}

func (h *harness) poll(t *testing.T) bot.PollResult {
	t.Helper()
	res, err := h.bot.PollSource(context.Background(), h.src, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (h *harness) subscribe(t *testing.T, chats ...int64) {
	t.Helper()
	for _, c := range chats {
		if _, err := h.store.Subscribe(context.Background(), c, bot.SourceTarget(h.src.ID)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPollBaselinesThenSendsOnlyNewItems(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{Limits: true})
	h.subscribe(t, 11, 12, -100900)
	h.feed.set("p=125") // the newest item is not out yet

	if res := h.poll(t); !res.FirstSight || res.New != 0 || res.Items != 2 {
		t.Fatalf("first poll = %+v, want first sight, 2 items, nothing new", res)
	}
	if res := h.poll(t); res.FirstSight || res.New != 0 {
		t.Fatalf("second poll = %+v, want nothing new", res)
	}
	h.feed.set() // p=125 appears
	if res := h.poll(t); res.New != 1 || res.Jobs != 3 {
		t.Fatalf("poll after a new item = %+v, want 1 new item, 3 jobs", res)
	}
	h.deliver(t, 3)
	for _, c := range []int64{11, 12, -100900} {
		got := h.tg.SentTo(c)
		if len(got) != 1 {
			t.Fatalf("chat %d got %d messages, want 1", c, len(got))
		}
		card := got[0].ParsedText
		for _, bad := range []string{"نسخ رابط الخبر", "| المملكة", "تابعونا", "عمّان - المملكة"} {
			if strings.Contains(card, bad) {
				t.Errorf("card contains boilerplate %q:\n%s", bad, card)
			}
		}
		if !strings.Contains(card, "النشامى يفوزون") || !strings.Contains(card, "📰 المملكة") {
			t.Errorf("card lacks title or source:\n%s", card)
		}
	}
	// The item drops out of the feed window and comes back: no resend.
	h.feed.set("p=125", "p=124")
	h.poll(t)
	h.feed.set()
	if res := h.poll(t); res.New != 0 {
		t.Errorf("an item that left the feed and came back was new again: %+v", res)
	}
	if st := h.tg.Stats(); st.LimitViolations != 0 {
		t.Errorf("%d limit violations", st.LimitViolations)
	}
}

func TestFirstSightNewestSendsOneItem(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	h.src.SendNewestOnFirstSight = true
	h.subscribe(t, 21)
	if res := h.poll(t); !res.FirstSight || res.New != 1 {
		t.Fatalf("first poll = %+v, want only the newest item", res)
	}
	h.deliver(t, 1)
	if got := h.tg.SentTo(21); len(got) != 1 || !strings.Contains(got[0].ParsedText, "النشامى") {
		t.Errorf("got %+v, want the newest card", got)
	}
}

// enqueue saves items and queues them for chats, as a poll would.
func (h *harness) enqueue(t testing.TB, chats []int64, titles ...string) []feeds.Item {
	t.Helper()
	ctx := context.Background()
	var items []feeds.Item
	for i, title := range titles {
		it := feeds.Item{ID: fmt.Sprintf("%s-%s-%d", t.Name(), title, i), SourceID: h.src.ID, Title: title,
			Link: fmt.Sprintf("https://news.example/%d", i), Summary: "ملخص الخبر.", Published: time.Now().Add(time.Duration(i) * time.Second)}
		it.ID = feeds.ItemID(it.ID, "", "", time.Time{})
		if err := h.store.SaveItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		var jobs []storage.Job
		for _, c := range chats {
			jobs = append(jobs, storage.Job{ChatID: c, ItemID: it.ID})
		}
		if err := h.store.Enqueue(ctx, jobs); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	return items
}

func TestManyWaitingItemsBecomeOneDigest(t *testing.T) {
	h := newHarness(t, bot.Config{DigestThreshold: 3}, telegramtest.Options{Limits: true})
	h.enqueue(t, []int64{31}, "خبر أول", "خبر ثان", "خبر ثالث", "خبر رابع", "خبر خامس")
	h.deliver(t, 1)
	got := h.tg.SentTo(31)
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1 digest", len(got))
	}
	for _, title := range []string{"خبر أول", "خبر خامس", "5 أخبار جديدة"} {
		if !strings.Contains(got[0].ParsedText, title) {
			t.Errorf("digest lacks %q:\n%s", title, got[0].ParsedText)
		}
	}
	if p, _ := h.store.Pending(context.Background()); p != 0 {
		t.Errorf("%d jobs still pending after the digest", p)
	}
}

func TestRateLimitedChatWaitsRetryAfterAndOthersGoOn(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{Limits: true})
	h.tg.FailNext("sendMessage", 429, "") // the first send gets 429, retry after its chat's limit
	h.tg.FailNext("sendMessage", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 2","parameters":{"retry_after":2}}`)
	h.enqueue(t, []int64{41, 42, 43, 44}, "خبر")
	h.deliver(t, 4)
	st := h.tg.Stats()
	if st.EarlyRetries != 0 || st.EarlyGlobalRetries != 0 {
		t.Errorf("sends before retry_after ran out: %+v", st)
	}
	if st.TooManyRequests != 2 || st.LimitViolations != 0 {
		t.Errorf("429s = %d (violations %d), want exactly the 2 injected", st.TooManyRequests, st.LimitViolations)
	}
	for _, c := range []int64{41, 42, 43, 44} {
		if n := len(h.tg.SentTo(c)); n != 1 {
			t.Errorf("chat %d got %d messages, want 1", c, n)
		}
	}
}

func TestServerErrorsAreRetriedAndRejectedHTMLFallsBackToPlainText(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	h.tg.FailNext("sendMessage", 502, "<html>Bad Gateway</html>")
	h.tg.FailNext("sendMessage", 400, `{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0"}`)
	h.enqueue(t, []int64{51}, "خبر")
	h.deliver(t, 1)
	got := h.tg.SentTo(51)
	if len(got) != 1 || got[0].ParseMode != "" || !strings.Contains(got[0].ParsedText, "خبر") {
		t.Fatalf("got %+v, want one plain-text card after a 502 and a rejected HTML card", got)
	}
}

func TestGoneChatsAreDroppedAndMigratedGroupsMoved(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	ctx := context.Background()
	h.subscribe(t, 61, 62, -70)
	h.tg.Block(61)
	h.tg.FailChat(62, 400, "Bad Request: chat not found")
	h.tg.Migrate(-70, -100700)
	h.enqueue(t, []int64{61, 62, -70}, "خبر")
	h.deliver(t, 1)
	if got := h.tg.SentTo(-100700); len(got) != 1 {
		t.Fatalf("migrated group got %d messages, want 1", len(got))
	}
	for _, c := range []int64{61, 62, -70} {
		if subs, _ := h.store.Subscriptions(ctx, c); len(subs) != 0 {
			t.Errorf("chat %d keeps subscriptions %v", c, subs)
		}
	}
	if subs, _ := h.store.Subscriptions(ctx, -100700); len(subs) != 1 {
		t.Errorf("new group id subscriptions = %v, want the old group's", subs)
	}
}

func TestFailingJobIsDeadLettered(t *testing.T) {
	h := newHarness(t, bot.Config{MaxAttempts: 1}, telegramtest.Options{})
	h.tg.FailNext("sendMessage", 500, "")
	h.enqueue(t, []int64{81, 82}, "خبر")
	h.deliver(t, 1) // 82 is delivered; 81's only attempt failed
	ctx := context.Background()
	var dead []storage.DeadLetter
	for range 100 {
		dead, _ = h.store.DeadLetters(ctx, 10)
		if len(dead) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(dead) != 1 || dead[0].Reason == "" {
		t.Fatalf("dead letters = %+v, want one with its error", dead)
	}
}
