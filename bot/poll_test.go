package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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

// roundTrip serves HTTP requests from a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestArticlePageImageIsBounded: the image an article page names (its
// og:image, from a third party's page) is bounded like the feed's own
// image URLs: one over feeds.MaxURLBytes is dropped, and the card goes
// without it; a usual one is kept.
func TestArticlePageImageIsBounded(t *testing.T) {
	for name, tc := range map[string]struct {
		image string
		kept  bool
	}{
		"usual":          {"https://img.example.com/a/1.jpg", true},
		"at the bound":   {"https://img.example.com/" + strings.Repeat("a", feeds.MaxURLBytes-len("https://img.example.com/.jpg")) + ".jpg", true},
		"over the bound": {"https://img.example.com/" + strings.Repeat("a", feeds.MaxURLBytes) + ".jpg", false},
		"100,000 bytes":  {"https://img.example.com/" + strings.Repeat("a", 100_000) + ".jpg", false},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			page := `<html><head><meta property="og:image" content="` + tc.image + `"></head><body><article><p>` +
				strings.Repeat("نص المقال الكامل من الصفحة. ", 40) + `</p></article></body></html>`
			rt := roundTrip(func(r *http.Request) (*http.Response, error) {
				rec := httptest.NewRecorder()
				rec.Header().Set("Content-Type", "text/html; charset=utf-8")
				rec.WriteString(page)
				res := rec.Result()
				res.Request = r
				return res, nil
			})
			tg := telegramtest.NewServer(telegramtest.Options{Token: "5:img"})
			defer tg.Close()
			client, err := telegram.New(ctx, "5:img", tg.URL(), nil)
			if err != nil {
				t.Fatal(err)
			}
			src := feeds.Source{ID: "s", Name: "مصدر"}
			b := bot.New(bot.Config{Sources: []feeds.Source{src}, CardImages: true}, storagetest.New(t),
				feeds.NewFetcher(feeds.FetcherOptions{Transport: rt}), client, nil, nil)
			it := b.Enrich(ctx, src, feeds.Item{ID: "x", SourceID: "s", Title: "عنوان", Link: "https://news.example.com/a/1", Content: "مقتطف."})
			if got := it.Image == tc.image; got != tc.kept {
				t.Fatalf("enriched item's image: %d bytes, want the page's %d bytes kept %v", len(it.Image), len(tc.image), tc.kept)
			}
			m := b.Compose(42, []feeds.Item{it}, storage.Chat{ID: 42, Kind: "private"})
			if _, err := client.Send(ctx, m); err != nil {
				t.Fatalf("card sent with image %d bytes: %v", len(m.Photo), err)
			}
			if sent := tg.SentTo(42); len(sent) != 1 || (len(sent[0].Photo) > 0) != tc.kept {
				t.Errorf("sent %+v, want one card, with a photo %v", sent, tc.kept)
			}
		})
	}
}
