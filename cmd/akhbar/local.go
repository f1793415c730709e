package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/alicebob/miniredis/v2"
)

//go:embed sample/*.xml
var sampleFS embed.FS

// localMode is akhbar without a token: an in-process Redis-compatible store
// (unless REDIS_URL is set), the bundled sample feeds on 127.0.0.1, the
// fake Telegram server as the API, and a demo reader subscribed to every
// source, whose cards are printed as they arrive.
type localMode struct {
	cfg      *Config
	out      io.Writer
	redis    *miniredis.Miniredis
	tg       *telegramtest.Server
	tgSrv    *http.Server
	tgURL    string
	feeds    *sampleFeeds
	feedsSrv *http.Server
	every    time.Duration
}

const (
	localToken   = "1000:local-mode"
	demoUserID   = 4242
	demoUserLang = "ar"
)

func startLocal(ctx context.Context, cfg *Config, getenv func(string) string, out io.Writer) (*localMode, error) {
	l := &localMode{out: out, every: 20 * time.Second}
	if v := getenv("AKHBAR_LOCAL_NEWS_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("AKHBAR_LOCAL_NEWS_EVERY: %w", err)
		}
		l.every = d
	}
	var err error
	l.feeds, err = newSampleFeeds(2)
	if err != nil {
		return nil, err
	}
	feedsURL, srv, err := listen("127.0.0.1:0", l.feeds)
	if err != nil {
		return nil, err
	}
	l.feedsSrv = srv
	if cfg == nil {
		if cfg, err = localConfig(feedsURL); err != nil {
			return nil, err
		}
	}
	l.cfg = cfg

	l.tg = telegramtest.NewUnstarted(telegramtest.Options{Token: localToken, BotUsername: "akhbar_local_bot", LenientEntities: false})
	addr := getenv("AKHBAR_LOCAL_TELEGRAM_ADDR")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l.tgURL, l.tgSrv, err = listen(addr, l.tg.Handler())
	if err != nil {
		return nil, err
	}
	if getenv("REDIS_URL") == "" && cfg.Redis.URL == "" {
		l.redis = miniredis.NewMiniRedis()
		// TTLs follow the wall clock, as in Redis: leases, parked chats
		// and cached items must expire on their own.
		l.redis.ClockTTL(true)
		if err := l.redis.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
	}
	fmt.Fprintf(out, "akhbar local mode: no TELEGRAM_BOT_TOKEN, so the bot talks to a fake Telegram at %s\n", l.tgURL)
	fmt.Fprintf(out, "  sample feeds: %s (a new item appears every %s)\n", feedsURL, l.every)
	if l.redis != nil {
		fmt.Fprintf(out, "  store: embedded in-process Redis-compatible server at %s (set REDIS_URL to use yours)\n", l.redis.Addr())
	}
	fmt.Fprintf(out, "  a demo reader (chat %d) sends /start and subscribes to every source; the cards it gets are printed below.\n\n", demoUserID)
	return l, nil
}

// override points the config at the local services; REDIS_URL, when set,
// still wins for the store.
func (l *localMode) override(cfg *Config) {
	cfg.Telegram.Token = localToken
	cfg.Telegram.APIURL = l.tgURL
	cfg.Telegram.Mode = "polling"
	if l.redis != nil {
		cfg.Redis.URL = "redis://" + l.redis.Addr()
	}
}

// run plays the demo reader and prints every message the bot sends, and
// reveals a new sample item every l.every.
func (l *localMode) run(ctx context.Context, log *slog.Logger) error {
	chat := telegramtest.Chat{ID: demoUserID, Type: "private", FirstName: "قارئ"}
	user := telegramtest.User{ID: demoUserID, FirstName: "قارئ", LanguageCode: demoUserLang}
	l.tg.UserMessage(chat, user, "/start")
	for _, s := range l.cfg.Sources {
		l.tg.UserMessage(chat, user, "/subscribe "+s.ID)
	}
	// The reader's screen: every message as soon as the fake records it.
	shown := make(chan struct{})
	go func() {
		defer close(shown)
		printed := 0
		for l.tg.WaitRecords(ctx, printed+1) == nil {
			msgs := l.tg.SentSince(printed)
			for _, m := range msgs {
				printMessage(l.out, m)
			}
			printed += len(msgs)
		}
	}()
	defer func() { <-shown }()
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if name, title, ok := l.feeds.revealNext(); ok {
				log.Info("local mode: new sample item", "feed", name, "title", title)
			}
		}
	}
}

// printMessage shows a sent message the way a reader would see it.
func printMessage(w io.Writer, m telegramtest.Message) {
	verb := "→"
	if m.Edited {
		verb = "✎"
	}
	text := m.ParsedText
	if text == "" {
		text = m.Text
	}
	fmt.Fprintf(w, "──── %s chat %d ────\n%s\n", verb, m.ChatID, text)
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			URL          string `json:"url"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if len(m.ReplyMarkup) > 0 && json.Unmarshal(m.ReplyMarkup, &kb) == nil {
		for _, row := range kb.InlineKeyboard {
			var cells []string
			for _, b := range row {
				cells = append(cells, "["+b.Text+"]")
			}
			fmt.Fprintln(w, strings.Join(cells, " "))
		}
	}
	fmt.Fprintln(w)
}

func (l *localMode) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l.tg.Close()
	_ = l.tgSrv.Shutdown(ctx)
	_ = l.feedsSrv.Shutdown(ctx)
	if l.redis != nil {
		l.redis.Close()
	}
}

func listen(addr string, h http.Handler) (string, *http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), srv, nil
}

// sampleFeeds serves the bundled feeds, holding back the newest items of
// each and revealing them one at a time, so local mode shows news arriving
// (the first poll of a source only records what is there).
type sampleFeeds struct {
	mu    sync.Mutex
	feeds map[string]*sampleFeed
	names []string
	next  int
}

type sampleFeed struct {
	head, tail string
	items      []string // oldest first
	shown      int
}

var itemRE = regexp.MustCompile(`(?s)\s*<item>.*?</item>`)
var pubDateRE = regexp.MustCompile(`<pubDate>([^<]+)</pubDate>`)

func newSampleFeeds(holdBack int) (*sampleFeeds, error) {
	entries, err := sampleFS.ReadDir("sample")
	if err != nil {
		return nil, err
	}
	s := &sampleFeeds{feeds: map[string]*sampleFeed{}}
	for _, e := range entries {
		data, err := sampleFS.ReadFile("sample/" + e.Name())
		if err != nil {
			return nil, err
		}
		text := string(data)
		locs := itemRE.FindAllStringIndex(text, -1)
		if len(locs) == 0 {
			continue
		}
		f := &sampleFeed{head: text[:locs[0][0]], tail: text[locs[len(locs)-1][1]:]}
		for _, loc := range locs {
			f.items = append(f.items, text[loc[0]:loc[1]])
		}
		sort.SliceStable(f.items, func(i, j int) bool { return pubDate(f.items[i]).Before(pubDate(f.items[j])) })
		f.shown = max(len(f.items)-holdBack, 1)
		s.feeds[e.Name()] = f
		s.names = append(s.names, e.Name())
	}
	sort.Strings(s.names)
	return s, nil
}

func pubDate(item string) time.Time {
	if m := pubDateRE.FindStringSubmatch(item); m != nil {
		if t, err := time.Parse(time.RFC1123Z, strings.TrimSpace(m[1])); err == nil {
			return t
		}
	}
	return time.Time{}
}

// revealNext shows one more held-back item, taking the feeds in turn.
func (s *sampleFeeds) revealNext() (feed, title string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range s.names {
		name := s.names[s.next%len(s.names)]
		s.next++
		f := s.feeds[name]
		if f.shown < len(f.items) {
			item := f.items[f.shown]
			f.shown++
			title := item
			if i := strings.Index(item, "<title>"); i >= 0 {
				title = item[i+7:]
				if j := strings.Index(title, "</title>"); j >= 0 {
					title = title[:j]
				}
			}
			return name, title, true
		}
	}
	return "", "", false
}

func (s *sampleFeeds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	f, ok := s.feeds[name]
	var body, etag string
	if ok {
		body = f.head + strings.Join(f.items[:f.shown], "") + f.tail
		etag = `"` + strconv.Itoa(f.shown) + `"`
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	io.WriteString(w, body)
}
