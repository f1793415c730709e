// Package localmode is akhbar without a token, a config file or REDIS_URL:
// an in-process Redis-compatible store, the bundled sample feeds on
// 127.0.0.1 (gaining an item every few seconds, for ever), the fake
// Telegram server as the API with the chat page (localweb) in front of
// it, and a demo reader subscribed to every source, whose cards are
// printed as they arrive. It touches nothing outside the process, so it
// can never join a production Redis.
//
// The main package reads the environment and the embedded config; this
// package serves what the bot talks to. The bot itself is main's, started
// with the addresses Mode gives it.
package localmode

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/cmd/akhbar/internal/localweb"
	"github.com/alicebob/miniredis/v2"
)

const (
	// Token is the fake Telegram's bot token in local mode.
	Token       = "1000:local-mode"
	botUsername = "akhbar_local_bot"
	// DemoUserID is the terminal's demo reader.
	DemoUserID   = 4242
	demoUserLang = "ar"
)

// SampleHeldBack is how many of each sample feed's newest items local mode
// holds back and reveals one at a time (a feed keeps at least one from the
// start); once they are out, the feeds go on with their items again under
// new ids, so a person trying the chat page keeps getting cards.
const SampleHeldBack = 8

// Demo is what the main package's config says of the demo, given the
// sample feeds' address.
type Demo struct {
	BotName string
	Sources []string // the sources' ids, which the demo reader subscribes to
}

// Options configures Start.
type Options struct {
	// Every is how often a sample item appears.
	Every time.Duration
	// WebAddr is the chat page's address: "" for localweb.DefaultAddr (or a
	// free port), "off" for no page.
	WebAddr string
	// TelegramAddr is where the fake Telegram listens.
	TelegramAddr string
	// Out receives the banner and every message the bot sends.
	Out io.Writer
	// Configure is called once the sample feeds are served, with their
	// URL: the main package renders its embedded config around it.
	Configure func(feedsURL string) (Demo, error)
	// Now is the clock of the sample items' dates; nil means time.Now.
	Now func() time.Time
}

// Mode is local mode running: its store, feeds, fake Telegram and page.
type Mode struct {
	out      io.Writer
	demo     Demo
	redis    *miniredis.Miniredis
	tg       *telegramtest.Server
	tgSrv    *http.Server
	tgURL    string
	feeds    *SampleFeeds
	feedsSrv *http.Server
	every    time.Duration
	web      *localweb.Server // nil with WebAddr "off"
}

// Start serves the sample feeds, the fake Telegram, the chat page and the
// embedded store, and prints where they are. Close stops them.
func Start(ctx context.Context, opts Options) (_ *Mode, err error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	l := &Mode{out: opts.Out, every: opts.Every}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	l.feeds, err = NewSampleFeeds(SampleHeldBack)
	if err != nil {
		return nil, err
	}
	l.feeds.redate(now)
	feedsURL, srv, err := listen("127.0.0.1:0", l.feeds)
	if err != nil {
		return nil, err
	}
	l.feedsSrv = srv
	if l.demo, err = opts.Configure(feedsURL); err != nil {
		return nil, err
	}

	l.tg = telegramtest.NewUnstarted(telegramtest.Options{Token: Token, BotUsername: botUsername, LenientEntities: false})
	api := l.tg.Handler()
	if opts.WebAddr != "off" {
		l.web = localweb.New(localweb.Options{TG: l.tg, BotName: l.demo.BotName, BotUsername: botUsername})
		api = l.web.Tap(api)
	}
	l.tgURL, l.tgSrv, err = listen(opts.TelegramAddr, api)
	if err != nil {
		return nil, err
	}
	var webURL string
	if l.web != nil {
		if webURL, err = l.web.Listen(opts.WebAddr); err != nil {
			return nil, fmt.Errorf("AKHBAR_LOCAL_WEB: %w", err)
		}
	}
	l.redis = miniredis.NewMiniRedis()
	// TTLs follow the wall clock, as in Redis: leases, parked chats and
	// cached items must expire on their own.
	l.redis.ClockTTL(true)
	if err := l.redis.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	out := l.out
	fmt.Fprintf(out, "akhbar local mode: no TELEGRAM_BOT_TOKEN, so the bot talks to a fake Telegram at %s\n", l.tgURL)
	if webURL != "" {
		fmt.Fprintf(out, "  chat with the bot in your browser: %s (AKHBAR_LOCAL_WEB=host:port to move it, off to skip it)\n", webURL)
	}
	fmt.Fprintf(out, "  sample feeds: %s (a new item appears every %s)\n", feedsURL, l.every)
	fmt.Fprintf(out, "  store: embedded in-process Redis-compatible server at %s\n", l.redis.Addr())
	fmt.Fprintf(out, "  a demo reader (chat %d) sends /start and subscribes to every source; every message the bot sends is printed below.\n\n", DemoUserID)
	return l, nil
}

// TelegramURL is the fake Telegram's Bot API address.
func (l *Mode) TelegramURL() string { return l.tgURL }

// RedisURL is the embedded store's address.
func (l *Mode) RedisURL() string { return "redis://" + l.redis.Addr() }

// Operators are the Telegram users local mode makes operators: the person
// on the chat page runs the demo, so the operator commands (/stats,
// /health, /deadletters, /broadcast, /export) are theirs to try.
func (l *Mode) Operators() []int64 {
	if l.web == nil {
		return nil
	}
	return []int64{localweb.PersonID}
}

// Run plays the demo reader and prints every message the bot sends, and
// reveals a new sample item every Options.Every, until ctx ends.
func (l *Mode) Run(ctx context.Context, log *slog.Logger) error {
	chat := telegramtest.Chat{ID: DemoUserID, Type: "private", FirstName: "قارئ"}
	user := telegramtest.User{ID: DemoUserID, FirstName: "قارئ", LanguageCode: demoUserLang}
	l.tg.UserMessage(chat, user, "/start")
	for _, id := range l.demo.Sources {
		l.tg.UserMessage(chat, user, "/subscribe "+id)
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
			if name, title, ok := l.feeds.RevealNext(); ok {
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

// Close stops everything Start started.
func (l *Mode) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if l.web != nil {
		l.web.Close()
	}
	if l.tg != nil {
		l.tg.Close()
	}
	if l.tgSrv != nil {
		_ = l.tgSrv.Shutdown(ctx)
	}
	if l.feedsSrv != nil {
		_ = l.feedsSrv.Shutdown(ctx)
	}
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
