package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestFailingSourceBacksOff: a source that fails is not polled again until
// its back-off (at least the server's Retry-After) has passed, and a
// success resets it.
func TestFailingSourceBacksOff(t *testing.T) {
	ctx := context.Background()
	var failing atomic.Bool
	var hits atomic.Int64
	failing.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if failing.Load() {
			w.Header().Set("Retry-After", "120")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`))
	}))
	defer srv.Close()
	tg := telegramtest.NewServer(telegramtest.Options{Token: "5:poll"})
	defer tg.Close()
	client, err := telegram.New(ctx, "5:poll", tg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	store := storagetest.New(t)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	src := feeds.Source{ID: "flaky", Name: "متعثر", URL: srv.URL, AllowPrivate: true}
	b := bot.New(bot.Config{Sources: []feeds.Source{src}, Now: func() time.Time { return now }},
		store, feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), client, nil, nil)

	if _, err := b.PollSource(ctx, src, time.Minute); err == nil {
		t.Fatal("poll of a failing source returned no error")
	}
	st, _ := store.SourceState(ctx, src.ID)
	if st.Failures != 1 || st.NextTry.Sub(now) < 120*time.Second || st.LastError == "" {
		t.Fatalf("state after a 503 = %+v, want 1 failure and next try ≥ 120 s away", st)
	}
	now = now.Add(time.Minute) // the next tick: still backing off
	if res, err := b.PollSource(ctx, src, time.Minute); err != nil || !res.Skipped {
		t.Fatalf("poll during back-off = %+v, %v; want skipped", res, err)
	}
	if hits.Load() != 1 {
		t.Fatalf("the source was fetched %d times during its back-off", hits.Load())
	}
	failing.Store(false)
	now = now.Add(5 * time.Minute)
	if _, err := b.PollSource(ctx, src, time.Minute); err != nil {
		t.Fatal(err)
	}
	if st, _ := store.SourceState(ctx, src.ID); st.Failures != 0 || !st.NextTry.IsZero() {
		t.Errorf("state after a success = %+v, want reset", st)
	}
}
