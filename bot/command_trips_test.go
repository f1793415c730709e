package bot_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
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
	"github.com/redis/go-redis/v9"
)

// TestCommandRoundTrips: a command costs the chat's read and the reply's
// chat token, whose round trip carries the command's change (a
// subscription: ReplyChange), about two Redis round trips and a third for
// a chat's first command (its record written); the sender's rate, the
// inbox's write and its removal are shared by the updates of a batch, and
// the reply's pause check takes the turn's read. Before, each command
// made six: the rate, the read, the change, a second read for the reply,
// its token, and the inbox's removal, each alone; then three, the change
// in a round trip of its own.
func TestCommandRoundTrips(t *testing.T) {
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot", Limits: fast}, telegramtest.Options{NoCallLog: true})
	d := bot.NewDispatcher(h.bot, bot.DispatchOptions{UserRate: storage.Limit{Rate: 100, Period: 10 * time.Second}}, nil)
	trips := &tripsByShape{by: map[string]int{}}
	h.store.Client().AddHook(trips)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// As issue 14's load scenario: each batch holds one command of every
	// chat, so the chats' commands are handled together.
	const chats = 40
	texts := []string{"/start", "/subscribe almamlaka", "/subscribe محليات", "/unsubscribe almamlaka", "/subscribe almamlaka"}
	trips.on.Store(true)
	id := int64(0)
	for k, text := range texts {
		var us []bot.Update
		for c := range chats {
			id++
			chat := bot.Chat{ID: int64(7001 + c), Type: "private"}
			us = append(us, bot.Update{ID: id, Message: &bot.InMessage{ID: k + 1, Chat: chat,
				From: bot.User{ID: chat.ID, FirstName: "قارئ", LanguageCode: "ar"}, Text: text}})
		}
		if err := d.Accept(ctx, us); err != nil {
			t.Fatal(err)
		}
	}
	commands := chats * len(texts)
	waitUntil(t, "every command answered and out of the inbox", 30*time.Second, func() bool {
		n, err := h.store.InboxLen(context.Background())
		return err == nil && n == 0 && h.tg.Stats().Sent >= commands
	})
	trips.on.Store(false)

	for c := range chats {
		subs, err := h.store.Subscriptions(context.Background(), int64(7001+c))
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 2 {
			t.Fatalf("chat %d has subscriptions %v, want the source and the topic", 7001+c, subs)
		}
	}
	if s := d.Stats(); s.Handled != int64(commands) || s.UserRate != 0 {
		t.Errorf("handled %d, dropped %d over the rate; want %d handled", s.Handled, s.UserRate, commands)
	}
	per := func(n int) float64 { return float64(n) / float64(commands) }
	trips.mu.Lock()
	defer trips.mu.Unlock()
	t.Logf("%d commands: %d round trips (%.2f each): %s", commands, trips.n, per(trips.n), trips.String(commands))
	if got := per(trips.n); got > 2.5 {
		t.Errorf("%.2f round trips per command, want at most 2.5", got)
	}
	if got := per(trips.by["sadd+sadd"] + trips.by["srem+srem"]); got > 0 {
		t.Errorf("%.2f subscription changes in a round trip of their own per command, want none", got)
	}
	if got := per(trips.by["hgetall"]); got > 1 {
		t.Errorf("%.2f chat reads (HGETALL alone) per command, want one", got)
	}
	if got := per(trips.by["multi+zrem+hdel+exec"]); got > 0.5 {
		t.Errorf("%.2f inbox removals per command, want them shared", got)
	}
}

// tripsByShape counts, while on, round trips by what they carried: a
// command alone, or a pipeline's commands joined by +.
type tripsByShape struct {
	on atomic.Bool
	mu sync.Mutex
	n  int
	by map[string]int
}

func (c *tripsByShape) count(names string) {
	switch {
	case !c.on.Load(), names == "zcard": // the test's own InboxLen
		return
	case names == "hello", strings.HasPrefix(names, "client"): // a new connection's handshake, not a command's
		return
	case names == "zadd":
		// The bot-wide pacer's shift of a slot whose send was answered
		// late (Pacer.Answered): how many depends on how loaded the
		// machine is (the race detector: 0.3 a command), not on the
		// command.
		return
	}
	c.mu.Lock()
	c.n++
	c.by[names]++
	c.mu.Unlock()
}

func (c *tripsByShape) String(per int) string {
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range c.by {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	var parts []string
	for _, e := range kvs {
		parts = append(parts, fmt.Sprintf("%s %.2f", e.k, float64(e.v)/float64(per)))
	}
	return strings.Join(parts, ", ")
}

func (c *tripsByShape) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (c *tripsByShape) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count(strings.ToLower(cmd.Name()))
		return next(ctx, cmd)
	}
}

func (c *tripsByShape) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		names := make([]string, len(cmds))
		for i, cmd := range cmds {
			names[i] = strings.ToLower(cmd.Name())
		}
		if len(names) > 4 {
			names = append(names[:4], fmt.Sprintf("%d more", len(names)-4))
		}
		c.count(strings.Join(names, "+"))
		return next(ctx, cmds)
	}
}

// TestCommandRepliesKeepTheChatLimit: the replies to a private chat's
// quick commands leave an interval of the chat's limit apart.
func TestCommandRepliesKeepTheChatLimit(t *testing.T) {
	limits := bot.Limits{PrivatePerSecond: 4, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot", Limits: limits}, telegramtest.Options{})
	d := bot.NewDispatcher(h.bot, bot.DispatchOptions{UserRate: storage.Limit{Rate: 100, Period: 10 * time.Second}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	chat := bot.Chat{ID: 7101, Type: "private"}
	from := bot.User{ID: chat.ID, FirstName: "قارئ", LanguageCode: "ar"}
	var us []bot.Update
	for i, text := range []string{"/start", "/help", "/subscribe almamlaka", "/sources", "/unsubscribe almamlaka", "/help"} {
		us = append(us, bot.Update{ID: int64(500 + i), Message: &bot.InMessage{ID: i + 1, Chat: chat, From: from, Text: text}})
	}
	if err := d.Accept(ctx, us); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "six replies", 10*time.Second, func() bool { return len(h.tg.SentTo(chat.ID)) == len(us) })
	sent := h.tg.SentTo(chat.ID)
	// 4 a second at 98%: 255 ms apart; the fake stamps a send as it
	// arrives, which may come a little early after a late one.
	const least = 230 * time.Millisecond
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Time.Sub(sent[i-1].Time); gap < least {
			t.Errorf("reply %d came %v after the one before, want at least %v (4 a second)", i+1, gap, least)
		}
	}
}

// TestHandledUpdatesLeaveTheInboxByStop: handled updates leave the inbox
// together, up to doneLinger after their handling while another is under
// way (flushDone), and a dispatcher that stops removes those it has not
// yet before Run returns: none is left for another replica to handle
// again, only those the stop left unhandled.
func TestHandledUpdatesLeaveTheInboxByStop(t *testing.T) {
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot", Limits: fast}, telegramtest.Options{})
	d := bot.NewDispatcher(h.bot, bot.DispatchOptions{UserRate: storage.Limit{Rate: 100, Period: 10 * time.Second}, Lease: time.Hour}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	// The first reply waits out a 429 of 3 s: its update is under way
	// while the others are handled, so their removal waits for more.
	h.tg.FailNext("sendMessage", http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`)
	slow := bot.Update{ID: 899, Message: &bot.InMessage{ID: 1, Chat: bot.Chat{ID: 7200, Type: "private"}, From: bot.User{ID: 7200}, Text: "/help"}}
	if err := d.Accept(ctx, []bot.Update{slow}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first reply refused", 5*time.Second, func() bool {
		return d.Stats().Held == 1 && h.tg.Stats().Sent == 0 && len(h.tg.Calls("sendMessage")) > 0
	})
	const n = 60
	var us []bot.Update
	for i := range n {
		chat := bot.Chat{ID: int64(7201 + i), Type: "private"}
		us = append(us, bot.Update{ID: int64(900 + i), Message: &bot.InMessage{ID: 1, Chat: chat, From: bot.User{ID: chat.ID}, Text: "/help"}})
	}
	if err := d.Accept(ctx, us); err != nil {
		t.Fatal(err)
	}
	// Stopped while they are being handled: those handled by then are
	// still waiting to leave the inbox together.
	waitUntil(t, "some handled", 20*time.Second, func() bool { return d.Stats().Handled >= 5 })
	cancel()
	<-done
	handled := d.Stats().Handled
	if left, err := h.store.InboxLen(context.Background()); err != nil || left != n+1-handled {
		t.Errorf("the inbox holds %d updates (%v) after Run returned, %d of %d handled; want the %d not handled", left, err, handled, n+1, n+1-handled)
	}
}

// storeCheckingSender runs check on each message before sending it.
type storeCheckingSender struct {
	bot.Sender
	check func(m bot.Message)
}

func (s storeCheckingSender) Send(ctx context.Context, m bot.Message) (int, error) {
	s.check(m)
	return s.Sender.Send(ctx, m)
}

// TestSubscriptionStoredBeforeItsReply: the change a /subscribe or
// /unsubscribe makes rides the round trip of its reply's chat token, and
// is stored, in both directions, when the reply that reports it leaves;
// a chat's reply says "already" only for a change that changed nothing.
func TestSubscriptionStoredBeforeItsReply(t *testing.T) {
	cfg := bot.Config{BotUsername: "akhbar_test_bot", Now: sampleClock(),
		Limits: bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}}
	h := newHarness(t, cfg, telegramtest.Options{})
	client, err := telegram.New(context.Background(), "77:harness", h.tg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const chatID = 7301
	target := "s:" + h.src.ID
	var want []bool // whether chatID holds target as each reply leaves
	sender := storeCheckingSender{Sender: client, check: func(m bot.Message) {
		ctx := context.Background()
		subs, err := h.store.Subscriptions(ctx, chatID)
		if err != nil {
			t.Error(err)
			return
		}
		fans, err := h.store.Subscribers(ctx, []string{target})
		if err != nil {
			t.Error(err)
			return
		}
		has := len(subs) == 1 && subs[0] == target
		if len(want) == 0 {
			t.Errorf("an unexpected reply %q", m.Text)
			return
		}
		if w := want[0]; has != w || (len(fans) == 1) != w {
			t.Errorf("reply %q leaves with subscriptions %v, subscribers %v; want the subscription stored: %v", m.Text, subs, fans, w)
		}
		want = want[1:]
	}}
	cfg.Sources, cfg.NoArticleFetch = []feeds.Source{h.src}, true
	b := bot.New(cfg, h.store, feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}), sender, nil, nil)
	chat := bot.Chat{ID: chatID, Type: "private"}
	from := bot.User{ID: chatID, FirstName: "قارئ", LanguageCode: "ar"}
	steps := []struct {
		text string
		has  bool
	}{
		{"/start", false},
		{"/subscribe " + h.src.ID, true},
		{"/subscribe " + h.src.ID, true}, // already
		{"/unsubscribe " + h.src.ID, false},
		{"/unsubscribe " + h.src.ID, false}, // not subscribed
	}
	var texts []string
	for i, st := range steps {
		want = append(want, st.has)
		u := bot.Update{ID: int64(600 + i), Message: &bot.InMessage{ID: i + 1, Chat: chat, From: from, Text: st.text}}
		if err := b.HandleUpdate(context.Background(), u); err != nil {
			t.Fatalf("%s: %v", st.text, err)
		}
		sent := h.tg.SentTo(chatID)
		if len(sent) != i+1 {
			t.Fatalf("%s: %d replies in all, want %d", st.text, len(sent), i+1)
		}
		texts = append(texts, sent[i].Text)
	}
	// Each repeat is answered otherwise than the change it repeats.
	if texts[1] == texts[2] || texts[3] == texts[4] {
		t.Errorf("replies %q: a repeated change is answered as the change", texts)
	}
}
