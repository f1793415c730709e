package bot_test

import (
	"bytes"
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
	"github.com/redis/go-redis/v9"
)

// runClock is a test clock set to the fixtures' dates that runs at real
// speed from there (delivery paces by it, so it must move), and can jump.
type runClock struct {
	mu        sync.Mutex
	at, start time.Time
}

func newRunClock(at time.Time) *runClock { return &runClock{at: at, start: time.Now()} }

func (c *runClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at.Add(time.Since(c.start))
}

func (c *runClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.start = at, time.Now()
}

// onClock gives h a store on cfg.Now (the search index and delivery judge
// by the store's clock too) and a bot over it that polls h.src with a
// fetcher of fopts. Nothing in these tests reads the calendar.
func (h *harness) onClock(tb testing.TB, cfg bot.Config, fopts feeds.FetcherOptions) {
	tb.Helper()
	h.store = storagetest.New(tb, storage.Options{Now: cfg.Now})
	client, err := telegram.New(context.Background(), "77:harness", h.tg.URL(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Sources = []feeds.Source{h.src}
	cfg.NoArticleFetch = true
	fopts.AllowPrivate = true
	h.bot = bot.New(cfg, h.store, feeds.NewFetcher(fopts), client, nil, nil)
}

// sampleDay is the date of testdata/feeds/almamlaka-sample.xml: its items
// are published at 09:15 (التشجير), 10:40 (الذهب) and 11:05 (النشامى).
func sampleDay(hour, minute int) time.Time {
	return time.Date(2026, 11, 28, hour, minute, 0, 0, time.UTC)
}

// TestFirstSightShowsTheFeedAndPushesNothing: a fresh bot's first poll
// saves what the feed already holds, so /latest, /search and inline mode
// show it at once, and sends none of it to the subscribers.
func TestFirstSightShowsTheFeedAndPushesNothing(t *testing.T) {
	clock := newRunClock(sampleDay(12, 0))
	cfg := bot.Config{Now: clock.Now, BotName: "أخبار", BotUsername: "akhbar_test_bot", Location: time.UTC,
		Limits: bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}}
	h := newHarness(t, cfg, telegramtest.Options{})
	h.onClock(t, cfg, feeds.FetcherOptions{})
	h.subscribe(t, 11, -100900)

	res := h.poll(t)
	if !res.FirstSight || res.New != 0 || res.Jobs != 0 || res.History != 3 {
		t.Fatalf("first poll = %+v, want first sight, 3 items kept as history, none pushed", res)
	}
	if p, err := h.store.Pending(context.Background()); err != nil || p != 0 {
		t.Fatalf("%d delivery jobs (%v) after a first sight, want none", p, err)
	}
	if n := h.tg.Stats().Sent; n != 0 {
		t.Fatalf("%d messages sent by a first sight", n)
	}

	tr := &transcript{t: t, h: h}
	reader := bot.User{ID: 11, FirstName: "قارئ", LanguageCode: "ar"}
	chat := bot.Chat{ID: 11, Type: "private"}
	titles := []string{"الأردن يطلق حملة وطنية للتشجير", "ارتفاع أسعار الذهب محلياً", "النشامى يفوزون على ضيفهم"}
	tr.do("reader", msg(chat, reader, "/latest"))
	for _, title := range titles {
		if !strings.Contains(tr.b.String(), title) {
			t.Errorf("/latest lacks %q:\n%s", title, tr.b.String())
		}
	}
	tr.b.Reset()
	tr.search("reader", chat, reader, "الذهب")
	if !strings.Contains(tr.b.String(), titles[1]) || strings.Contains(tr.b.String(), titles[2]) {
		t.Errorf("/search الذهب should find the gold item only:\n%s", tr.b.String())
	}
	for query, want := range map[string]int{"": 3, "النشامى": 1} {
		a := tr.inline("reader", reader, query, "")
		var results []inlineResult
		if err := json.Unmarshal(a.Results, &results); err != nil {
			t.Fatal(err)
		}
		if len(results) != want {
			t.Errorf("inline %q: %d results, want %d:\n%s", query, len(results), want, tr.b.String())
		}
	}
	if got := h.tg.SentTo(-100900); len(got) != 0 {
		t.Errorf("the subscribed group got %d messages", len(got))
	}
	if res := h.poll(t); res.FirstSight || res.New != 0 || res.History != 0 {
		t.Errorf("second poll = %+v, want nothing new and no first sight", res)
	}
}

// TestHistoryEditedBySourceIsSavedNotSent: an item kept as history that
// its source then edits is saved again (still history, the new title in
// /latest) and no edit job is queued: no chat has its card.
func TestHistoryEditedBySourceIsSavedNotSent(t *testing.T) {
	ctx := context.Background()
	clock := newRunClock(sampleDay(12, 0))
	cfg := bot.Config{Now: clock.Now}
	h := newHarness(t, cfg, telegramtest.Options{})
	h.onClock(t, cfg, feeds.FetcherOptions{})
	h.subscribe(t, 51)
	if res := h.poll(t); res.History != 3 {
		t.Fatalf("first poll = %+v, want 3 items kept as history", res)
	}
	h.feed.mu.Lock()
	h.feed.body = strings.Replace(h.feed.body, "النشامى يفوزون على ضيفهم بثلاثية", "النشامى يفوزون على ضيفهم برباعية", 1)
	h.feed.mu.Unlock()
	clock.Set(sampleDay(12, 5))
	if res := h.poll(t); res.New != 0 || res.Jobs != 0 {
		t.Fatalf("poll after the edit = %+v, want nothing new", res)
	}
	if p, err := h.store.Pending(ctx); err != nil || p != 0 {
		t.Fatalf("%d jobs (%v) queued for an edited history item, want none", p, err)
	}
	latest, err := h.store.Latest(ctx, bot.SourceTarget(h.src.ID), 1)
	if err != nil || len(latest) != 1 {
		t.Fatalf("latest = %v, %v", latest, err)
	}
	if it := latest[0]; !strings.Contains(it.Title, "برباعية") || !it.History {
		t.Errorf("edited item = %q (history %v), want the new title, still history", it.Title, it.History)
	}
}

// flakyFeed answers 503 while down, else serves the harness's feed.
func flakyFeed(t *testing.T, h *harness) (down *atomic.Bool) {
	t.Helper()
	down = &atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		h.feed.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.src.URL = srv.URL + "/feed.xml"
	return down
}

// TestFirstSightAfterFailuresPushesWhatWasPublishedMeanwhile: a source
// that answers 503 when the bot starts takes its first good fetch late;
// what it published after the bot first tried it is news, and is pushed;
// what it held before stays history.
func TestFirstSightAfterFailuresPushesWhatWasPublishedMeanwhile(t *testing.T) {
	clock := newRunClock(sampleDay(10, 50)) // after التشجير and الذهب, before النشامى
	cfg := bot.Config{Now: clock.Now}
	h := newHarness(t, cfg, telegramtest.Options{Limits: true})
	down := flakyFeed(t, h)
	h.onClock(t, cfg, feeds.FetcherOptions{})
	h.subscribe(t, 21, 22)

	down.Store(true)
	if _, err := h.bot.PollSource(context.Background(), h.src, time.Minute); err == nil {
		t.Fatal("a poll of a source answering 503 succeeded")
	}
	down.Store(false)
	clock.Set(sampleDay(11, 30))
	res := h.poll(t)
	if !res.FirstSight || res.New != 1 || res.Jobs != 2 || res.History != 2 {
		t.Fatalf("first good poll = %+v, want first sight, 1 item pushed to 2 chats, 2 kept as history", res)
	}
	h.deliver(t, 2)
	for _, c := range []int64{21, 22} {
		got := h.tg.SentTo(c)
		if len(got) != 1 || !strings.Contains(got[0].ParsedText, "النشامى يفوزون") {
			t.Fatalf("chat %d got %d messages %+v, want the card published after the first attempt", c, len(got), got)
		}
	}
}

// TestFirstSightPushesNothingDatedInTheFutureOrUndated: after a failed
// first attempt, only items dated between that attempt and now are news;
// one dated in the future (a clock ahead of ours) or not dated at all may
// be old, and is kept as history.
func TestFirstSightPushesNothingDatedInTheFutureOrUndated(t *testing.T) {
	clock := newRunClock(sampleDay(9, 0)) // before every item
	cfg := bot.Config{Now: clock.Now}
	h := newHarness(t, cfg, telegramtest.Options{})
	h.feed.body = strings.Replace(h.feed.body, "<pubDate>Sat, 28 Nov 2026 10:40:00 +0000</pubDate>", "", 1) // الذهب: undated
	down := flakyFeed(t, h)
	h.onClock(t, cfg, feeds.FetcherOptions{})
	h.subscribe(t, 31)

	down.Store(true)
	if _, err := h.bot.PollSource(context.Background(), h.src, time.Minute); err == nil {
		t.Fatal("a poll of a source answering 503 succeeded")
	}
	down.Store(false)
	clock.Set(sampleDay(10, 0)) // التشجير (09:15) is past; النشامى (11:05) is ahead
	res := h.poll(t)
	if !res.FirstSight || res.New != 1 || res.History != 2 {
		t.Fatalf("first good poll = %+v, want 1 item pushed, the undated and the future one kept as history", res)
	}
	h.deliver(t, 1)
	if got := h.tg.SentTo(31); len(got) != 1 || !strings.Contains(got[0].ParsedText, "حملة وطنية للتشجير") {
		t.Fatalf("chat got %+v, want only the 09:15 card", got)
	}
}

// TestFirstSightLongAfterTheFirstAttempt: a source that failed for a month
// before its first good fetch pushes, of what it published since that
// first attempt, only what is less than a day old; the rest is history.
func TestFirstSightLongAfterTheFirstAttempt(t *testing.T) {
	for name, tc := range map[string]struct {
		at            time.Time
		news, history int
	}{
		// The window opens at 10:00 the day before: الذهب (10:40) and
		// النشامى (11:05) are in it, التشجير (09:15) is not.
		"a day later":     {sampleDay(10, 0).AddDate(0, 0, 1), 2, 1},
		"20 days later":   {sampleDay(12, 0).AddDate(0, 0, 20), 0, 3},
		"the same moment": {sampleDay(12, 0), 3, 0},
	} {
		t.Run(name, func(t *testing.T) {
			clock := newRunClock(sampleDay(12, 0).AddDate(0, -1, 0)) // the first attempt, a month before the items
			cfg := bot.Config{Now: clock.Now}
			h := newHarness(t, cfg, telegramtest.Options{})
			down := flakyFeed(t, h)
			h.onClock(t, cfg, feeds.FetcherOptions{})
			h.subscribe(t, 21)
			down.Store(true)
			if _, err := h.bot.PollSource(context.Background(), h.src, time.Minute); err == nil {
				t.Fatal("a poll of a source answering 503 succeeded")
			}
			down.Store(false)
			clock.Set(tc.at)
			res := h.poll(t)
			if !res.FirstSight || res.New != tc.news || res.History != tc.history {
				t.Errorf("first good poll = %+v, want first sight, %d items pushed, %d kept as history", res, tc.news, tc.history)
			}
		})
	}
}

// TestFirstSightNewestStillSentAfterFailures: SendNewestOnFirstSight adds
// the newest item to what was published since the first attempt.
func TestFirstSightNewestStillSentAfterFailures(t *testing.T) {
	clock := newRunClock(sampleDay(10, 0))
	cfg := bot.Config{Now: clock.Now}
	h := newHarness(t, cfg, telegramtest.Options{})
	down := flakyFeed(t, h)
	h.src.SendNewestOnFirstSight = true
	h.onClock(t, cfg, feeds.FetcherOptions{})
	h.subscribe(t, 41)
	down.Store(true)
	if _, err := h.bot.PollSource(context.Background(), h.src, time.Minute); err == nil {
		t.Fatal("a poll of a source answering 503 succeeded")
	}
	down.Store(false)
	clock.Set(sampleDay(10, 50)) // الذهب (10:40) since the first attempt; النشامى (11:05) is ahead but newest
	if res := h.poll(t); res.New != 2 || res.History != 1 {
		t.Fatalf("first good poll = %+v, want 2 pushed (since the first attempt, and the newest), 1 history", res)
	}
}

// TestHistoryIsNobodysTwin: an item kept as history at its source's first
// sight was sent to no chat, so the same story from another source still
// reaches the chats that follow both.
func TestHistoryIsNobodysTwin(t *testing.T) {
	ctx := context.Background()
	clock := newRunClock(sampleDay(12, 0))
	body := `<p>فاز المنتخب الوطني لكرة القدم على ضيفه بثلاثة أهداف دون رد، في المباراة التي جرت مساء الجمعة على ستاد عمّان الدولي ضمن التصفيات المؤهلة لكأس آسيا.</p>
<p>وسجّل أهداف المنتخب موسى التعمري في الدقيقة 12، ويزن النعيمات في الدقيقة 58، وعلي علوان من ركلة جزاء في الدقيقة 81.</p>
<p>وبهذا الفوز رفع المنتخب رصيده إلى 10 نقاط في صدارة المجموعة، بفارق ثلاث نقاط عن أقرب ملاحقيه.</p>`
	item := func(guid string) string {
		return fmt.Sprintf(`<item><title>النشامى يفوزون بثلاثية</title><guid>%s</guid><pubDate>%s</pubDate><description><![CDATA[%s]]></description></item>`,
			guid, sampleDay(11, 5).Format(time.RFC1123Z), body)
	}
	feedA := &storyFeed{item: item("a1"), shown: true} // in the feed before the bot first saw it
	feedB := &storyFeed{item: item("b1")}
	var srcs []feeds.Source
	for id, f := range map[string]*storyFeed{"a": feedA, "b": feedB} {
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		srcs = append(srcs, feeds.Source{ID: id, Name: "مصدر " + id, URL: srv.URL, AllowPrivate: true})
	}
	tg := telegramtest.NewServer(telegramtest.Options{Token: "9:twin"})
	t.Cleanup(tg.Close)
	client, err := telegram.New(ctx, "9:twin", tg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	store := storagetest.New(t, storage.Options{Now: clock.Now})
	b := bot.New(bot.Config{Sources: srcs, NoArticleFetch: true, Now: clock.Now}, store,
		feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), client, nil, nil)
	for _, c := range []int64{1, 2} {
		for _, s := range srcs {
			if _, err := store.Subscribe(ctx, c, bot.SourceTarget(s.ID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	poll := func(src feeds.Source) bot.PollResult {
		t.Helper()
		res, err := b.PollSource(ctx, src, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	srcA, srcB := srcs[0], srcs[1]
	if srcA.ID != "a" {
		srcA, srcB = srcB, srcA
	}
	if res := poll(srcA); res.History != 1 {
		t.Fatalf("source a's first poll = %+v, want its item kept as history", res)
	}
	poll(srcB) // baseline: empty
	feedB.show()
	if res := poll(srcB); res.New != 1 || res.Jobs != 2 {
		t.Fatalf("source b's new item = %+v, want 2 jobs: nobody was sent a's copy", res)
	}
}

// hugeFeed is an RSS feed of small items from, …, to-1, oldest first (the
// way an appending feed grows, so "the newest" are at its end, not its
// start): item i is published i minutes after oldest and has guid
// "huge-<i>".
func hugeFeed(from, to int, oldest time.Time) []byte {
	var b bytes.Buffer
	b.Grow((to - from) * 110)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>كبير</title>`)
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "<item><title>خبر %d</title><guid>huge-%d</guid><pubDate>%s</pubDate></item>\n",
			i, i, oldest.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

// hugeHarness polls a source that serves *body, with a fetcher whose body
// cap fits 32 MB (the default 5 MiB would refuse a 200,000-item feed
// before the poll saw it).
func hugeHarness(tb testing.TB, cfg bot.Config, body *atomic.Pointer[[]byte]) *harness {
	tb.Helper()
	h := newHarness(tb, cfg, telegramtest.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(*body.Load())
	}))
	tb.Cleanup(srv.Close)
	h.src = feeds.Source{ID: "huge", Name: "كبير", URL: srv.URL, AllowPrivate: true}
	h.onClock(tb, cfg, feeds.FetcherOptions{MaxBytes: 32 << 20})
	return h
}

// pollWatch watches a poll's Redis traffic: it counts item saves and
// writes to the source's seen set, and cancels the poll's context once
// cutAfter items are saved, as the poll's deadline would.
type pollWatch struct {
	saves, marks atomic.Int64
	cutAfter     atomic.Int64
	cancel       atomic.Pointer[context.CancelFunc]
}

func (w *pollWatch) DialHook(next redis.DialHook) redis.DialHook { return next }

func (w *pollWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		args := cmd.Args()
		if err == nil && (cmd.Name() == "evalsha" || cmd.Name() == "eval") && len(args) > 3 &&
			strings.HasSuffix(fmt.Sprint(args[3]), "}:seen") {
			w.marks.Add(1)
		}
		return err
	}
}

func (w *pollWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if err == nil && len(cmds) > 0 && cmds[0].Name() == "hset" && strings.Contains(fmt.Sprint(cmds[0].Args()[1]), "item:{") {
			if w.saves.Add(1) == w.cutAfter.Load() {
				(*w.cancel.Load())()
			}
		}
		return err
	}
}

// TestHugeFeedHandlesTheNewestInChunks: a 200,000-item feed is handled as
// its newest feeds.MaxItems items, its progress written in chunks; a first
// sight cut short by its deadline keeps every item it saved (shown, and
// marked seen) and stays a first sight, and the next poll does the rest.
func TestHugeFeedHandlesTheNewestInChunks(t *testing.T) {
	n := 200_000
	if raceEnabled {
		// The race detector makes parsing 200,000 items take minutes;
		// 10,000 is still fifty times the cap.
		n = 10_000
	}
	oldest := sampleDay(0, 0).Add(-time.Duration(n) * time.Minute)
	clock := newRunClock(sampleDay(12, 0))
	var body atomic.Pointer[[]byte]
	huge := hugeFeed(0, n, oldest)
	body.Store(&huge)
	h := hugeHarness(t, bot.Config{Now: clock.Now}, &body)
	watch := &pollWatch{}
	h.store.Client().AddHook(watch)

	var newest []string // the ids of the feeds.MaxItems newest items
	for i := n - feeds.MaxItems; i < n; i++ {
		newest = append(newest, feeds.ItemID(fmt.Sprintf("huge-%d", i), "", "", time.Time{}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	watch.cancel.Store(&cancel)
	watch.cutAfter.Store(60) // in the middle of the second chunk
	res, err := h.bot.PollSource(ctx, h.src, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("poll cut after 60 saves = %v, want cut short", err)
	}
	if res.Items != feeds.MaxItems || res.Dropped != n-feeds.MaxItems {
		t.Fatalf("poll of %d items = %+v, want %d handled, the rest dropped", n, res, feeds.MaxItems)
	}
	if got := watch.marks.Load(); got != 2 {
		t.Errorf("the cut poll wrote the seen set %d times, want 2: the first chunk, then what it did of the second", got)
	}
	unseen, first, err := h.store.Unseen(context.Background(), h.src.ID, newest)
	if err != nil {
		t.Fatal(err)
	}
	// The 60th item was being indexed for search when the poll was cut:
	// not finished, so not marked.
	if !first || len(unseen) != feeds.MaxItems-59 {
		t.Fatalf("after the cut: first sight %v, %d of %d unseen; want still a first sight, the 59 finished marked seen",
			first, len(unseen), feeds.MaxItems)
	}

	// The feed now holds just those newest items (parsing 200,000 again
	// would prove nothing new and take seconds).
	small := hugeFeed(n-feeds.MaxItems, n, oldest)
	body.Store(&small)
	watch.saves.Store(0)
	watch.marks.Store(0)
	watch.cutAfter.Store(-1)
	res = h.poll(t)
	if !res.FirstSight || res.History != feeds.MaxItems-59 || res.New != 0 {
		t.Fatalf("poll after the cut = %+v, want first sight, the %d items not finished kept as history", res, feeds.MaxItems-59)
	}
	if got := watch.saves.Load(); got != feeds.MaxItems-59 {
		t.Errorf("%d items saved by the second poll, want %d: what the cut poll finished is not redone", got, feeds.MaxItems-59)
	}
	if got, want := watch.marks.Load(), int64((feeds.MaxItems-59+49)/50+1); got != want {
		t.Errorf("the poll wrote the seen set %d times, want %d: once per chunk of 50, then the baseline", got, want)
	}
	latest, err := h.store.Latest(context.Background(), bot.SourceTarget(h.src.ID), 2*feeds.MaxItems)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != feeds.MaxItems {
		t.Fatalf("/latest holds %d items of the source, want %d", len(latest), feeds.MaxItems)
	}
	for i, it := range latest {
		if want := newest[len(newest)-1-i]; it.ID != want || !it.History {
			t.Fatalf("latest[%d] = %s %q (history %v), want the %d-th newest as history", i, it.ID, it.Title, it.History, i+1)
		}
	}
	unseen, first, err = h.store.Unseen(context.Background(), h.src.ID, newest)
	if err != nil || first || len(unseen) != 0 {
		t.Fatalf("after the poll: %d unseen, first sight %v, %v; want all seen, baseline recorded", len(unseen), first, err)
	}
	if res := h.poll(t); res.FirstSight || res.New != 0 || res.History != 0 {
		t.Errorf("next poll = %+v, want nothing new", res)
	}
}

// BenchmarkPollHugeFeed polls a 200,000-item feed (about 20 MB): "first"
// is a source seen for the first time (a new bot, or a wiped store),
// "again" a known source polled once more with nothing new, the cost a
// hostile or broken feed imposes at every tick.
func BenchmarkPollHugeFeed(b *testing.B) {
	const n = 200_000
	oldest := sampleDay(0, 0).Add(-n * time.Minute)
	now := sampleDay(12, 0)
	huge := hugeFeed(0, n, oldest)
	var body atomic.Pointer[[]byte]
	body.Store(&huge)
	cfg := bot.Config{Now: func() time.Time { return now }}
	ctx := context.Background()

	b.Run("first", func(b *testing.B) {
		h := hugeHarness(b, cfg, &body)
		b.SetBytes(int64(len(huge)))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			src := h.src
			src.ID = fmt.Sprintf("huge%d", i)
			if _, err := h.bot.PollSource(ctx, src, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		h := hugeHarness(b, cfg, &body)
		if _, err := h.bot.PollSource(ctx, h.src, time.Minute); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(huge)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.bot.PollSource(ctx, h.src, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
}
