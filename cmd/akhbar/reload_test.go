package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/robfig/cron/v3"
)

// TestReloadSourcesWithoutARestart runs the real program, then changes its
// config: POST /reload adds a source (offered at once and polled at once),
// a config with mistakes is refused with them and the running one kept,
// and SIGHUP applies the next change.
func TestReloadSourcesWithoutARestart(t *testing.T) {
	const token = "321:reload-token-0123456789abcdefghijklmnop"
	tg := telegramtest.NewServer(telegramtest.Options{Token: token})
	t.Cleanup(tg.Close)
	feedSrv := sampleFeedServer(t)
	redisURL, prefix := storagetest.URL(t)
	cfgPath := filepath.Join(t.TempDir(), "akhbar.yaml")
	head := fmt.Sprintf(`
redis:
  prefix: %q
admin:
  listen: "127.0.0.1:0"
fetch:
  allow_private_addresses: true
defaults:
  schedule: "@every 1h"
sources:
`, prefix)
	almamlaka := fmt.Sprintf("  - id: almamlaka\n    name: المملكة\n    url: %s/almamlaka-sample.xml\n", feedSrv.URL)
	hespress := fmt.Sprintf("  - id: hespress\n    name: هسبريس\n    url: %s/hespress.xml\n", feedSrv.URL)
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(head + almamlaka)
	p := start(t, []string{"-config", cfgPath}, map[string]string{
		"TELEGRAM_BOT_TOKEN": token, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL})
	addr := adminAddr(t, p.stderr)
	store, err := storage.Open(context.Background(), redisURL, storage.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	user := telegramtest.User{ID: 301, FirstName: "Ali", LanguageCode: "en"}
	dm := telegramtest.Chat{ID: 301, Type: "private", FirstName: "Ali"}
	menu := func() string {
		t.Helper()
		n := len(tg.SentTo(dm.ID))
		tg.UserMessage(dm, user, "/sources")
		eventually(t, "the /sources answer", func() bool { return len(tg.SentTo(dm.ID)) > n })
		return string(tg.SentTo(dm.ID)[n].ReplyMarkup)
	}
	if m := menu(); !strings.Contains(m, "المملكة") || strings.Contains(m, "هسبريس") {
		t.Fatalf("menu before the reload = %s", m)
	}

	write(head + almamlaka + hespress)
	code, body := post(t, "http://"+addr+"/reload")
	if code != http.StatusOK || !strings.Contains(body, "1 added (hespress)") {
		t.Fatalf("POST /reload = %d %q", code, body)
	}
	if m := menu(); !strings.Contains(m, "هسبريس") {
		t.Errorf("menu after the reload = %s, want hespress", m)
	}
	eventually(t, "the new source's first poll", func() bool {
		st, err := store.SourceState(context.Background(), "hespress")
		return err == nil && !st.LastOK.IsZero()
	})

	// Mistakes: refused with them; the running sources stay.
	write(head + almamlaka + hespress + "  - id: hespress\n    name: x\n    url: ftp://example.com/rss\n    schedule: every minute\n")
	code, body = post(t, "http://"+addr+"/reload")
	for _, want := range []string{"duplicate source id \"hespress\"", "is not an http(s) URL", "schedule \"every minute\""} {
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("POST /reload of a bad config = %d %q, want 422 naming %s", code, body, want)
		}
	}
	if m := menu(); !strings.Contains(m, "هسبريس") || !strings.Contains(m, "المملكة") {
		t.Errorf("menu after a refused reload = %s, want both sources still", m)
	}
	if code, _ := get(t, "http://"+addr+"/reload"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /reload = %d, want 405", code)
	}

	// SIGHUP: almamlaka leaves, and a setting that needs a restart is named.
	write(strings.Replace(head, "admin:", "bot_name: جديد\nadmin:", 1) + hespress)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reload on SIGHUP", func() bool { return strings.Contains(p.stderr.String(), `"removed":["almamlaka"]`) })
	if !strings.Contains(p.stderr.String(), `"restart_needed":["bot_name"]`) {
		t.Errorf("the SIGHUP reload does not name bot_name as needing a restart:\n%s", p.stderr.String())
	}
	if m := menu(); strings.Contains(m, "المملكة") || !strings.Contains(m, "هسبريس") {
		t.Errorf("menu after SIGHUP = %s, want hespress alone", m)
	}
}

func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestPollSchedulerFollowsTheSources applies two lists of sources to a
// running schedule: the removed source is never polled again, the changed
// one is polled with its new settings, the new one at once.
func TestPollSchedulerFollowsTheSources(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := cron.New(cron.WithParser(cronParser))
	c.Start()
	defer c.Stop()
	var (
		mu     sync.Mutex
		polled []string // id@url
	)
	poll := func(_ context.Context, src feeds.Source, _ time.Duration) {
		mu.Lock()
		polled = append(polled, src.ID+"@"+src.URL)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	first := func(_ string, f func() error) {
		wg.Add(1)
		go func() { defer wg.Done(); _ = f() }()
	}
	s := newPollScheduler(ctx, c, poll, first, slog.New(slog.DiscardHandler))
	src := func(id, url string) feeds.Source { return feeds.Source{ID: id, URL: url, Schedule: "@every 1s"} }
	ch, err := s.apply([]feeds.Source{src("a", "u1"), src("b", "u1")})
	if err != nil || ch.String() != "2 added (a, b), 0 changed, 0 removed" {
		t.Fatalf("first apply = %v, %v", ch, err)
	}
	wg.Wait()
	if _, err := s.apply([]feeds.Source{{ID: "x", Schedule: "every minute"}}); err == nil {
		t.Fatal("a bad schedule was applied")
	}
	ch, err = s.apply([]feeds.Source{src("b", "u2"), src("c", "u1")})
	if err != nil || ch.String() != "1 added (c), 1 changed (b), 1 removed (a)" {
		t.Fatalf("second apply = %v, %v", ch, err)
	}
	wg.Wait()
	mu.Lock()
	mark := len(polled)
	mu.Unlock()
	if n := len(c.Entries()); n != 2 {
		t.Errorf("%d cron entries, want 2", n)
	}
	waitFor(t, "b polled with its new URL", 5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range polled[mark:] {
			if p == "b@u2" {
				return true
			}
		}
		return false
	})
	mu.Lock()
	defer mu.Unlock()
	for _, p := range polled[mark:] {
		if strings.HasPrefix(p, "a@") || p == "b@u1" {
			t.Errorf("polled %s after the second apply (all: %v)", p, polled[mark:])
		}
	}
}
