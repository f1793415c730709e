package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"

	"github.com/akhbar/akhbar/cmd/akhbar/internal/localmode"
)

// syncBuffer is a bytes.Buffer safe for the program's concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// program is one run of the real akhbar (the run function main calls).
type program struct {
	cancel context.CancelFunc
	done   chan int
	stderr *syncBuffer
}

func start(t *testing.T, args []string, env map[string]string) *program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{cancel: cancel, done: make(chan int, 1), stderr: &syncBuffer{}}
	getenv := func(k string) string { return env[k] }
	go func() { p.done <- run(ctx, args, getenv, &syncBuffer{}, p.stderr) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

func (p *program) stop(t *testing.T) {
	t.Helper()
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case code := <-p.done:
		if code != 0 {
			t.Errorf("akhbar exited with %d; stderr:\n%s", code, p.stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("akhbar did not stop within 15s; stderr:\n%s", p.stderr.String())
	}
}

// eventually polls cond until it holds; the deadline only guards against a
// hang, it is not what the test measures.
// sampleFeedServer serves local mode's sample feeds, the newest item of
// each held back, for a test's config to name as sources.
func sampleFeedServer(t *testing.T) *httptest.Server {
	t.Helper()
	samples, err := localmode.NewSampleFeeds(1)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(samples)
	t.Cleanup(srv.Close)
	return srv
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitFor(t, what, 20*time.Second, cond)
}

func cardsTo(tg *telegramtest.Server, chatID int64, title string) int {
	n := 0
	for _, m := range tg.SentTo(chatID) {
		if strings.Contains(m.ParsedText, title) && !m.Edited {
			n++
		}
	}
	return n
}

// TestEndToEnd runs the real program against the fake Telegram server, a
// local feed server with real feeds, and Redis: people subscribe, a new item
// appears, every subscriber gets exactly one card, a blocked chat is
// dropped, a migrated group is moved, and a restart resends nothing.
func TestEndToEnd(t *testing.T) {
	const token = "123456:e2e-secret-token-0123456789abcdefghij"
	tg := telegramtest.NewServer(telegramtest.Options{Token: token, Limits: true,
		OnUnknownMethod: func(m string) { t.Errorf("unknown Bot API method %q", m) }})
	t.Cleanup(tg.Close)

	samples, err := localmode.NewSampleFeeds(1) // the newest item of each feed is held back
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int64
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/almamlaka-sample.xml" {
			fetches.Add(1)
		}
		samples.ServeHTTP(w, r)
	}))
	t.Cleanup(feedSrv.Close)

	redisURL, prefix := storagetest.URL(t)
	cfgPath := filepath.Join(t.TempDir(), "akhbar.yaml")
	cfg := fmt.Sprintf(`
redis:
  prefix: %q
admin:
  listen: "127.0.0.1:0"
timezone: Asia/Amman
fetch:
  allow_private_addresses: true
defaults:
  schedule: "@every 1s"
sources:
  - id: almamlaka
    name: المملكة
    url: %s/almamlaka-sample.xml
    topics: [محليات, اقتصاد]
  - id: hespress
    name: هسبريس
    url: %s/hespress.xml
    topics: [المغرب]
`, prefix, feedSrv.URL, feedSrv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TELEGRAM_BOT_TOKEN": token, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL}
	args := []string{"run", "-config", cfgPath}
	ctx := context.Background()

	store, err := storage.Open(ctx, redisURL, storage.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	p := start(t, args, env)

	var (
		alice   = telegramtest.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}
		bob     = telegramtest.User{ID: 102, FirstName: "Bob", LanguageCode: "en"}
		carol   = telegramtest.User{ID: 103, FirstName: "كارول", LanguageCode: "ar"}
		admin   = telegramtest.User{ID: 104, FirstName: "مشرف", LanguageCode: "ar"}
		member  = telegramtest.User{ID: 105, FirstName: "عضو", LanguageCode: "ar"}
		private = func(u telegramtest.User) telegramtest.Chat {
			return telegramtest.Chat{ID: u.ID, Type: "private", FirstName: u.FirstName}
		}
		group    = telegramtest.Chat{ID: -1001234, Type: "supergroup", Title: "غرفة الأخبار"}
		oldGroup = telegramtest.Chat{ID: -555, Type: "group", Title: "مجموعة قديمة"}
	)
	tg.SetChatMember(group.ID, admin.ID, "administrator")
	tg.SetChatMember(oldGroup.ID, admin.ID, "creator")

	tg.UserMessage(private(alice), alice, "/start")
	tg.UserMessage(private(alice), alice, "/subscribe المملكة")
	tg.UserMessage(private(bob), bob, "/subscribe almamlaka")
	tg.UserMessage(private(carol), carol, "/subscribe محليات") // by topic
	tg.UserMessage(group, admin, "/subscribe@akhbar_test_bot almamlaka")
	tg.UserMessage(group, member, "/subscribe hespress") // not an admin
	tg.UserMessage(oldGroup, admin, "/subscribe almamlaka")
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := tg.WaitSent(wctx, 7); err != nil {
		t.Fatalf("replies to the commands: %v; stderr:\n%s", err, p.stderr.String())
	}
	if got := tg.SentTo(group.ID); len(got) != 2 || !strings.Contains(got[1].ParsedText, "إلا المشرفون") {
		t.Errorf("group replies = %+v, want a subscription and an admins-only refusal", got)
	}
	if got := tg.SentTo(bob.ID); len(got) != 1 || !strings.Contains(got[0].ParsedText, "Subscribed to") {
		t.Errorf("bob (English) got %+v, want an English confirmation", got)
	}
	if subs, _ := store.Subscriptions(ctx, group.ID); strings.Join(subs, ",") != "s:almamlaka" {
		t.Errorf("group subscriptions = %v, want only s:almamlaka", subs)
	}

	// The first poll only records what the feed holds: nothing old is sent.
	before := fetches.Load()
	eventually(t, "two polls of the source", func() bool { return fetches.Load() >= before+2 })
	baseline := len(tg.Sent())
	if baseline != 7 {
		t.Fatalf("after the first polls %d messages were sent, want the 7 replies only (no old items)", baseline)
	}

	tg.Block(carol.ID)
	tg.Migrate(oldGroup.ID, -1005550000)
	_, title, ok := samples.RevealNext() // almamlaka-sample.xml comes first
	if !ok {
		t.Fatal("no item to reveal")
	}
	title = strings.TrimSuffix(title, " | المملكة") // the card drops the site suffix
	newGroup := int64(-1005550000)
	for _, c := range []int64{alice.ID, bob.ID, group.ID, newGroup} {
		eventually(t, fmt.Sprintf("the card in chat %d", c), func() bool { return cardsTo(tg, c, title) >= 1 })
	}
	eventually(t, "carol's subscriptions dropped", func() bool {
		subs, _ := store.Subscriptions(ctx, carol.ID)
		return len(subs) == 0
	})
	if subs, _ := store.Subscriptions(ctx, newGroup); strings.Join(subs, ",") != "s:almamlaka" {
		t.Errorf("migrated group subscriptions = %v, want s:almamlaka", subs)
	}
	if subs, _ := store.Subscriptions(ctx, oldGroup.ID); len(subs) != 0 {
		t.Errorf("old group id still subscribed: %v", subs)
	}

	// Let the next polls run, then restart: nothing may be sent twice.
	before = fetches.Load()
	eventually(t, "two more polls", func() bool { return fetches.Load() >= before+2 })
	p.stop(t)
	sentBefore := len(tg.Sent())
	p2 := start(t, args, env)
	before = fetches.Load()
	eventually(t, "polls after the restart", func() bool { return fetches.Load() >= before+3 })
	p2.stop(t)

	for _, c := range []int64{alice.ID, bob.ID, group.ID, newGroup} {
		if n := cardsTo(tg, c, title); n != 1 {
			t.Errorf("chat %d got the card %d times, want exactly 1", c, n)
		}
	}
	if n := len(tg.Sent()); n != sentBefore {
		t.Errorf("the restart sent %d more messages, want 0", n-sentBefore)
	}
	if cardsTo(tg, carol.ID, title) != 0 {
		t.Errorf("a blocked chat got the card")
	}
	st := tg.Stats()
	t.Logf("sent %d messages; fake stats: %+v", len(tg.Sent()), st)
	for _, out := range []string{p.stderr.String(), p2.stderr.String()} {
		if strings.Contains(out, token) || strings.Contains(out, "e2e-secret-token") {
			t.Fatalf("the bot token appears in the logs")
		}
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		yaml string
		code int
		want []string
	}{
		"valid":       {yaml: "sources:\n  - id: a\n    name: أ\n    url: https://a.example/feed\n", code: 0, want: []string{"ok, 1 source"}},
		"unknown key": {yaml: "sourcez: []\n", code: 1, want: []string{"line 1", "sourcez"}},
		"topics, categories, breaking": {yaml: `sources:
  - id: a
    name: أ
    url: https://a.example/feed
    topics: [محليات, رياضة]
    categories: {"كرة محلية": رياضة, "أخبار الأردن": محليات}
    keywords: {محليات: [الأردن, البلقاء]}
    breaking: {patterns: ["عاجل", "الآن"], categories: ["عاجل"]}
`, code: 0, want: []string{"ok, 1 source"}},
		"topic mistakes": {yaml: `sources:
  - id: a
    name: أ
    url: https://a.example/feed
    topics: [رياضة, العاجل]
    categories: {"ملاعب": الرياضة}
    breaking: {patterns: [""]}
    keywords: {محليات: [الأردن], رياضة: [], العاجل: [""]}
`, code: 1, want: []string{
			`line 5: source "a": topic "العاجل" is what readers call breaking news`,
			`line 6: source "a": category "ملاعب" maps to "الرياضة", which is not one of its topics`,
			`line 7: source "a": breaking: empty or too long pattern or category ""`,
			`line 8: source "a": keywords for "محليات", which is not one of its topics`,
			`line 8: source "a": keywords for "رياضة": give 1 to 100 words`,
			`line 8: source "a": keywords for "العاجل": empty or too long word ""`,
		}},
		"negative delivery": {yaml: "delivery:\n  workers: 4\n  backlog: -1\n", code: 1,
			want: []string{`line 3: delivery.backlog -1: want a positive number`}},
		"negative updates": {yaml: "updates:\n  commands_per_user: -1\n  commands_window: -10s\n", code: 1,
			want: []string{`line 2: updates.commands_per_user -1: want a positive number`, `line 3: updates.commands_window -10: want a positive number`}},
		"mistakes": {yaml: `sources:
  - id: a
    name: أ
    url: https://a.example/feed
    schedule: "every five minutes"
  - id: a
    name: ب
    url: "ftp://b"
  - id: Bad Id
    url: https://c.example
`, code: 1, want: []string{
			`line 5: source "a": schedule "every five minutes"`,
			`line 6: duplicate source id "a" (first on line 2)`,
			`line 8: source "a": url "ftp://b" is not an http(s) URL`,
			`line 9: source id "Bad Id"`,
			`source "Bad Id" has no name`,
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"check", "-config", path}, func(string) string { return "" }, &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut.String())
			}
			all := out.String() + errOut.String()
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

// TestLocalModeStarts runs `akhbar` with no token, no config and no Redis:
// it must start on its embedded defaults and deliver a sample card.
func TestLocalModeStarts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	env := map[string]string{"AKHBAR_LOCAL_NEWS_EVERY": "300ms"}
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, out, errOut) }()
	// Items arrive faster than the demo reader's 1 message/s, so they may
	// come as cards or, once several wait, as one digest.
	eventually(t, "news in local mode", func() bool {
		o := out.String()
		return strings.Contains(o, "📰") || strings.Contains(o, "أخبار جديدة")
	})
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "local mode") {
		t.Errorf("local mode did not say so:\n%s", out.String())
	}
}
