package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage"
)

// Telegram's placeholder senders (see chat.SenderKey).
var (
	groupAnonymousBot = telegramtest.User{ID: 1087968824, FirstName: "Group", Username: "GroupAnonymousBot", IsBot: true}
	channelBot        = telegramtest.User{ID: 136817688, FirstName: "Channel", Username: "Channel_Bot", IsBot: true}
)

// replyBound is how soon a person's /help must be answered while someone
// else floods the bot: the reply itself takes a few milliseconds; on main
// it waited behind the flood for 11 s and more.
const replyBound = 1500 * time.Millisecond

// dispatching runs the bot as the program does: long polling the fake into
// a Dispatcher. It stops when the test ends.
func dispatching(t *testing.T, h *harness, opts bot.DispatchOptions) *bot.Dispatcher {
	t.Helper()
	d := bot.NewDispatcher(h.bot, opts, nil)
	client := mustClient(t, h.tg, "77:harness")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(ctx) })
	wg.Go(func() { _ = client.Poll(ctx, h.store, time.Second, d, slog.New(slog.DiscardHandler)) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return d
}

// waitUntil polls cond every 5 ms; the timeout only guards against a hang.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// answered measures how long chat's first reply takes to arrive after
// send queues its message.
func answered(t *testing.T, tg *telegramtest.Server, chat int64, send func()) time.Duration {
	t.Helper()
	before := len(tg.SentTo(chat))
	start := time.Now()
	send()
	waitUntil(t, fmt.Sprintf("a reply in chat %d", chat), 30*time.Second, func() bool { return len(tg.SentTo(chat)) > before })
	return time.Since(start)
}

func private(id int64) telegramtest.Chat { return telegramtest.Chat{ID: id, Type: "private"} }

func person(id int64, name string) telegramtest.User {
	return telegramtest.User{ID: id, FirstName: name, LanguageCode: "ar"}
}

// Twelve /help from one person, then one from another: the other is
// answered at once, not after the twelve replies that must each wait for
// the first chat's one-per-second limit (11 s on main, where the next
// getUpdates waited for the whole batch).
func TestFloodFromOneUserDoesNotDelayAnother(t *testing.T) {
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot"}, telegramtest.Options{})
	flooder, other := person(501, "سيل"), person(502, "هادئ")
	for range 12 {
		h.tg.UserMessage(private(flooder.ID), flooder, "/help")
	}
	// The rate per person stays out of the way: this is about waiting.
	dispatching(t, h, bot.DispatchOptions{QueuePerChat: 20, UserRate: storage.Limit{Rate: 100, Period: 10 * time.Second}})
	waitUntil(t, "the flood's first reply", 10*time.Second, func() bool { return len(h.tg.SentTo(flooder.ID)) > 0 })

	took := answered(t, h.tg, other.ID, func() { h.tg.UserMessage(private(other.ID), other, "/help") })
	ahead := len(h.tg.SentTo(flooder.ID))
	if took > replyBound {
		t.Errorf("the other person's /help was answered after %v, want under %v", took, replyBound)
	}
	if ahead >= 12 {
		t.Errorf("the other person's reply came after all %d of the flood's", ahead)
	}
	t.Logf("answered in %v, with %d of the flood's 12 replies sent before", took.Round(time.Millisecond), ahead)
}

// A group flooding the bot (each member one command, so no rate per person
// applies) fills only its own queue: a private chat is answered at once,
// although the group's replies wait three seconds each for its
// 20-a-minute limit.
func TestFloodFromGroupDoesNotDelayPrivateChat(t *testing.T) {
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot"}, telegramtest.Options{})
	group := telegramtest.Chat{ID: -1001234, Type: "supergroup", Title: "مجموعة صاخبة"}
	const members = 30
	for i := range members {
		h.tg.UserMessage(group, person(int64(600+i), "عضو"), "/help@akhbar_test_bot")
	}
	d := dispatching(t, h, bot.DispatchOptions{QueuePerChat: 8})
	waitUntil(t, "the group's first reply", 10*time.Second, func() bool { return len(h.tg.SentTo(group.ID)) > 0 })

	alone := person(700, "وحيدة")
	took := answered(t, h.tg, alone.ID, func() { h.tg.UserMessage(private(alone.ID), alone, "/help") })
	if took > replyBound {
		t.Errorf("the private chat was answered after %v, want under %v", took, replyBound)
	}
	// The whole flood was taken in one batch: 8 wait, the rest were dropped.
	s := d.Stats()
	if s.QueueFull != members-8 {
		t.Errorf("dropped %d for a full queue, want %d", s.QueueFull, members-8)
	}
	if s.MaxWaiting > 8 {
		t.Errorf("a chat queue holds %d, over its bound 8", s.MaxWaiting)
	}
	t.Logf("private chat answered in %v; group replies so far %d; %+v", took.Round(time.Millisecond), len(h.tg.SentTo(group.ID)), s)
}

// Webhook mode takes updates the same way: Telegram (the fake posts one
// update at a time and waits for the answer, as a strict reading allows)
// is answered once the update is kept, so a flood does not hold up the
// next person's update behind its replies.
func TestWebhookFloodDoesNotDelayAnother(t *testing.T) {
	const secret = "webhook_secret_token_for_the_test_0123"
	var handler http.Handler = http.NotFoundHandler()
	var mu sync.Mutex
	front := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := handler
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot"}, telegramtest.Options{WebhookClient: front.Client()})
	d := bot.NewDispatcher(h.bot, bot.DispatchOptions{UserRate: storage.Limit{Rate: 100, Period: 10 * time.Second}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	mu.Lock()
	handler = telegram.WebhookHandler(secret, d, slog.New(slog.DiscardHandler))
	mu.Unlock()
	if err := mustClient(t, h.tg, "77:harness").SetWebhook(ctx, front.URL+"/telegram", secret); err != nil {
		t.Fatal(err)
	}

	flooder, other := person(511, "سيل"), person(512, "هادئ")
	for range 12 {
		h.tg.UserMessage(private(flooder.ID), flooder, "/help")
	}
	waitUntil(t, "the flood's first reply", 10*time.Second, func() bool { return len(h.tg.SentTo(flooder.ID)) > 0 })
	took := answered(t, h.tg, other.ID, func() { h.tg.UserMessage(private(other.ID), other, "/help") })
	if took > replyBound {
		t.Errorf("the other person's /help was answered after %v, want under %v", took, replyBound)
	}
	if n := len(h.tg.SentTo(flooder.ID)); n >= 12 {
		t.Errorf("the other person's reply came after all %d of the flood's", n)
	}
}

// Commands and button presses past a sender's rate are dropped without a
// reply. Anonymous admins count per group, and people posting as a
// channel per channel, not all together as Telegram's placeholder user.
func TestCommandsOverTheRateGetNoReply(t *testing.T) {
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot", Limits: fast}, telegramtest.Options{})
	d := bot.NewDispatcher(h.bot, bot.DispatchOptions{QueuePerChat: 20, UserRate: storage.Limit{Rate: 3, Period: time.Minute}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	g1 := bot.Chat{ID: -100111, Type: "supergroup", Title: "الأولى"}
	g2 := bot.Chat{ID: -100222, Type: "supergroup", Title: "الثانية"}
	channel1, channel2 := int64(-100901), int64(-100902)
	flooder := bot.User{ID: 521, FirstName: "سيل", LanguageCode: "ar"}
	anon := bot.User{ID: groupAnonymousBot.ID, FirstName: "Group", Username: "GroupAnonymousBot", IsBot: true}
	asChannel := bot.User{ID: channelBot.ID, FirstName: "Channel", Username: "Channel_Bot", IsBot: true}
	var us []bot.Update
	id := int64(1000)
	add := func(chat bot.Chat, from bot.User, senderChat int64, text string, n int) {
		for range n {
			id++
			us = append(us, bot.Update{ID: id, Message: &bot.InMessage{ID: int(id), Chat: chat, From: from, SenderChat: senderChat, Text: text}})
		}
	}
	add(bot.Chat{ID: flooder.ID, Type: "private"}, flooder, 0, "/help", 12)
	add(g1, anon, g1.ID, "/help@akhbar_test_bot", 5)
	add(g2, anon, g2.ID, "/help@akhbar_test_bot", 5)
	add(g1, asChannel, channel1, "/help@akhbar_test_bot", 4)
	add(g2, asChannel, channel2, "/help@akhbar_test_bot", 4)
	add(bot.Chat{ID: flooder.ID, Type: "private"}, flooder, 0, "just talking, not a command", 2)
	if err := d.Accept(ctx, us); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "every update handled or dropped", 20*time.Second, func() bool { return d.Stats().Held == 0 })

	want := map[int64]int{
		flooder.ID: 3, // 12 commands: 3 answered
		g1.ID:      6, // its anonymous admins 3, one channel's poster 3
		g2.ID:      6,
	}
	for chat, n := range want {
		if got := len(h.tg.SentTo(chat)); got != n {
			t.Errorf("chat %d got %d replies, want %d", chat, got, n)
		}
	}
	s := d.Stats()
	if s.UserRate != 9+2+2+1+1 {
		t.Errorf("dropped %d over the rate, want 15", s.UserRate)
	}
	if s.Handled != 3+6+6+2 { // the two plain messages are handled (and ignored), never counted
		t.Errorf("handled %d, want 17", s.Handled)
	}
}

// A sender's rate is taken as their updates arrive, a batch's together:
// the commands over it are dropped before they are written to the inbox,
// so a dispatcher that is not running yet holds only those within it. (On
// main the rate was taken as each was handled: all twelve were written.)
func TestCommandsOverTheRateAreNotKept(t *testing.T) {
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot"}, telegramtest.Options{})
	d := bot.NewDispatcher(h.bot, bot.DispatchOptions{QueuePerChat: 20, UserRate: storage.Limit{Rate: 3, Period: time.Minute}}, nil)
	ctx := context.Background()
	flooder := bot.User{ID: 561, FirstName: "سيل", LanguageCode: "ar"}
	var us []bot.Update
	for i := range 12 {
		us = append(us, bot.Update{ID: int64(100 + i), Message: &bot.InMessage{ID: i + 1, Chat: bot.Chat{ID: flooder.ID, Type: "private"}, From: flooder, Text: "/help"}})
	}
	us = append(us, bot.Update{ID: 200, Message: &bot.InMessage{ID: 20, Chat: bot.Chat{ID: flooder.ID, Type: "private"}, From: flooder, Text: "not a command"}})
	if err := d.Accept(ctx, us); err != nil {
		t.Fatal(err)
	}
	if n, err := h.store.InboxLen(ctx); err != nil || n != 3+1 {
		t.Errorf("the inbox holds %d (%v), want the 3 commands within the rate and the plain message", n, err)
	}
	if s := d.Stats(); s.UserRate != 9 || s.Held != 4 {
		t.Errorf("dropped %d over the rate, holding %d; want 9 and 4", s.UserRate, s.Held)
	}
	// Telegram sends the batch again (the offset was not confirmed): what
	// is held is skipped, without another token.
	if err := d.Accept(ctx, us[:3]); err != nil {
		t.Fatal(err)
	}
	if s := d.Stats(); s.UserRate != 9 || s.Held != 4 {
		t.Errorf("after the batch came again: dropped %d over the rate, holding %d; want 9 and 4", s.UserRate, s.Held)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = d.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitUntil(t, "the updates kept handled", 10*time.Second, func() bool { return d.Stats().Handled == 4 })
	waitUntil(t, "the inbox emptied", 5*time.Second, func() bool {
		n, _ := h.store.InboxLen(ctx)
		return n == 0
	})
	if got := len(h.tg.SentTo(flooder.ID)); got != 3 {
		t.Errorf("%d replies, want 3", got)
	}
}

// A flood is held in bounded queues: however many updates one person and
// one group send, the dispatcher holds at most QueuePerChat waiting (plus
// one being handled) per chat, drops the rest at once, and the inbox holds
// no more than the dispatcher; so the process's memory does not grow with
// the flood, and Telegram's queue is emptied without waiting for replies.
func TestFloodIsHeldInBoundedQueues(t *testing.T) {
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot"}, telegramtest.Options{NoCallLog: true})
	group := telegramtest.Chat{ID: -1005555, Type: "supergroup", Title: "مجموعة صاخبة"}
	flooder := person(531, "سيل")
	const perSource = 600
	for i := range perSource {
		h.tg.UserMessage(private(flooder.ID), flooder, "/help")
		h.tg.UserMessage(group, person(int64(1000+i%60), "عضو"), "/latest@akhbar_test_bot")
	}
	const bound = 8
	d := dispatching(t, h, bot.DispatchOptions{QueuePerChat: bound})
	var most bot.DispatchStats
	waitUntil(t, "Telegram's queue emptied", 20*time.Second, func() bool {
		s := d.Stats()
		most.Held, most.MaxWaiting = max(most.Held, s.Held), max(most.MaxWaiting, s.MaxWaiting)
		return h.tg.PendingUpdates() == 0
	})
	s := d.Stats()
	inbox, err := h.store.InboxLen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if most.MaxWaiting > bound {
		t.Errorf("a chat queue reached %d, over its bound %d", most.MaxWaiting, bound)
	}
	if most.Held > 2*(bound+1) {
		t.Errorf("held %d updates at most, want at most %d (two chats)", most.Held, 2*(bound+1))
	}
	if inbox > int64(2*(bound+1)) {
		t.Errorf("the inbox holds %d updates, want at most %d", inbox, 2*(bound+1))
	}
	if got, want := s.QueueFull+s.UserRate+s.Handled+int64(s.Held), int64(2*perSource); got != want {
		t.Errorf("dropped %d + %d, handled %d, held %d: %d updates, want %d", s.QueueFull, s.UserRate, s.Handled, s.Held, got, want)
	}
	if s.QueueFull < 2*perSource-4*(bound+1)-2*8 {
		t.Errorf("dropped only %d for full queues", s.QueueFull)
	}
	t.Logf("%d updates: most held %d, longest queue %d, inbox %d; %+v", 2*perSource, most.Held, most.MaxWaiting, inbox, s)
}

// Updates a replica took and did not handle are not lost: when it dies,
// another replica handles them once their lease ends, in order, once each;
// when it stops, it gives them back at once.
func TestUpdatesOfAStoppedReplicaAreHandled(t *testing.T) {
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot", Limits: fast}, telegramtest.Options{})
	const lease = 300 * time.Millisecond
	opts := bot.DispatchOptions{Lease: lease}
	chat := bot.Chat{ID: 541, Type: "private"}
	from := bot.User{ID: 541, FirstName: "ليلى", LanguageCode: "ar"}
	ctx := context.Background()

	// The first replica takes three updates and dies before handling them
	// (it never runs: nothing handles, renews or gives back).
	dead := bot.NewDispatcher(h.bot, opts, nil)
	// The lease runs from the moment Accept stamps it, so the takeover is
	// timed from before Accept: timed from after it (and after the second
	// replica started), a slow Accept on a busy machine made a takeover
	// right at the lease's end look 200 ms early.
	start := time.Now()
	var us []bot.Update
	for i, text := range []string{"/help", "/sources", "/latest"} {
		us = append(us, bot.Update{ID: int64(10 + i), Message: &bot.InMessage{ID: i + 1, Chat: chat, From: from, Text: text}})
	}
	if err := dead.Accept(ctx, us); err != nil {
		t.Fatal(err)
	}
	// The second replica handles them after the lease.
	other := bot.NewDispatcher(h.bot, opts, nil)
	octx, ocancel := context.WithCancel(ctx)
	odone := make(chan struct{})
	go func() { _ = other.Run(octx); close(odone) }()
	waitUntil(t, "the dead replica's updates handled", 10*time.Second, func() bool { return len(h.tg.SentTo(chat.ID)) == 3 })
	if took := time.Since(start); took < lease {
		t.Errorf("taken over after %v, before the lease %v ended", took, lease)
	}
	var order []string
	for _, m := range h.tg.SentTo(chat.ID) {
		order = append(order, strings.SplitN(m.ParsedText, "\n", 2)[0])
	}
	if got, want := strings.Join(order, " | "), "الأوامر | المصادر والمواضيع — ضغطة على الاسم للاشتراك فيه، وضغطة ثانية لإلغائه: | لا أخبار بعد."; got != want {
		t.Errorf("replies %q, want %q (help, sources, latest: in order)", got, want)
	}
	if s := other.Stats(); s.Recovered != 3 {
		t.Errorf("recovered %d, want 3", s.Recovered)
	}

	// A replica that stops gives back what it holds: another takes it at
	// once, not after the lease. This one's chat waits for a slow reply.
	ocancel()
	<-odone
	slow := bot.NewDispatcher(h.bot, bot.DispatchOptions{Lease: time.Hour, Workers: 1}, nil)
	sctx, scancel := context.WithCancel(ctx)
	sdone := make(chan struct{})
	go func() { _ = slow.Run(sctx); close(sdone) }()
	// The reply in chat 542 waits out a 429.
	h.tg.FailNext("sendMessage", http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`)
	stuck := bot.Chat{ID: 542, Type: "private"}
	later := bot.Chat{ID: 543, Type: "private"}
	if err := slow.Accept(ctx, []bot.Update{
		{ID: 20, Message: &bot.InMessage{ID: 1, Chat: stuck, From: bot.User{ID: 542}, Text: "/help"}},
		{ID: 21, Message: &bot.InMessage{ID: 1, Chat: later, From: bot.User{ID: 543}, Text: "/help"}},
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the one worker is on chat 542
	scancel()
	<-sdone
	next := bot.NewDispatcher(h.bot, bot.DispatchOptions{Lease: time.Hour}, nil)
	nctx, ncancel := context.WithCancel(ctx)
	ndone := make(chan struct{})
	go func() { _ = next.Run(nctx); close(ndone) }()
	t.Cleanup(func() { ncancel(); <-ndone })
	waitUntil(t, "the stopped replica's updates handled", 10*time.Second, func() bool {
		return len(h.tg.SentTo(later.ID)) == 1 && len(h.tg.SentTo(stuck.ID)) == 1
	})
	waitUntil(t, "the inbox emptied", 5*time.Second, func() bool {
		n, _ := h.store.InboxLen(ctx)
		return n == 0
	})
}

// Accept waits while the dispatcher holds its maximum, so Telegram keeps
// what the bot has no room for; its context bounds the wait.
func TestAcceptWaitsForRoom(t *testing.T) {
	h := newHarness(t, bot.Config{BotUsername: "akhbar_test_bot"}, telegramtest.Options{})
	d := bot.NewDispatcher(h.bot, bot.DispatchOptions{MaxHeld: 2}, nil) // not running: nothing is handled
	ctx := context.Background()
	up := func(id int64) bot.Update {
		return bot.Update{ID: id, Message: &bot.InMessage{ID: 1, Chat: bot.Chat{ID: id, Type: "private"}, From: bot.User{ID: id}, Text: "/help"}}
	}
	if err := d.Accept(ctx, []bot.Update{up(1), up(2)}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := d.Accept(wctx, []bot.Update{up(3)}); err == nil {
		t.Fatal("a full dispatcher took another update")
	}
	if n, _ := h.store.InboxLen(ctx); n != 2 {
		t.Errorf("inbox holds %d, want 2", n)
	}
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = d.Run(rctx); close(done) }()
	t.Cleanup(func() { rcancel(); <-done })
	if err := d.Accept(ctx, []bot.Update{up(3)}); err != nil {
		t.Fatalf("after room was made: %v", err)
	}
}

// The link-fetch limit (6 new links a minute) counts an anonymous admin
// per group and a person posting as a channel per channel: on main they
// were keyed on Telegram's placeholder user, one bucket for every group.
func TestLinkLimitPerSenderChat(t *testing.T) {
	ps := newPageServer(t)
	h := linkHarness(t, testLinkFetcher(t, ps))
	anon := bot.User{ID: groupAnonymousBot.ID, FirstName: "Group", Username: "GroupAnonymousBot", IsBot: true}
	asChannel := bot.User{ID: channelBot.ID, FirstName: "Channel", Username: "Channel_Bot", IsBot: true}
	g1 := bot.Chat{ID: -100311, Type: "supergroup", Title: "الأولى"}
	g2 := bot.Chat{ID: -100322, Type: "supergroup", Title: "الثانية"}
	n := 0
	link := func(chat bot.Chat, from bot.User, senderChat int64) string {
		t.Helper()
		n++
		u := bot.Update{ID: int64(n), Message: &bot.InMessage{ID: n, Chat: chat, From: from, SenderChat: senderChat,
			Text: fmt.Sprintf("@akhbar_test_bot %s/missing/%d", ps.URL, n)}}
		before := len(h.tg.SentTo(chat.ID))
		if err := h.bot.HandleUpdate(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		sent := h.tg.SentTo(chat.ID)
		if len(sent) != before+1 {
			t.Fatalf("%d replies to a link, want 1", len(sent)-before)
		}
		return sent[len(sent)-1].ParsedText
	}
	const slowDown = "وصلتني روابط كثيرة"
	for range 6 {
		if got := link(g1, anon, g1.ID); strings.Contains(got, slowDown) {
			t.Fatalf("an anonymous admin's link within the limit: %q", got)
		}
	}
	if got := link(g1, anon, g1.ID); !strings.Contains(got, slowDown) {
		t.Errorf("the 7th link of the first group's anonymous admins: %q, want the slow-down sentence", got)
	}
	if got := link(g2, anon, g2.ID); strings.Contains(got, slowDown) {
		t.Errorf("another group's anonymous admin was slowed down by the first group's: %q", got)
	}
	for range 6 {
		link(g1, asChannel, -100901)
	}
	if got := link(g1, asChannel, -100902); strings.Contains(got, slowDown) {
		t.Errorf("a person posting as another channel was slowed down: %q", got)
	}
	if got, want := ps.hits.Load(), int64(6+1+6+1); got != want {
		t.Errorf("pages fetched %d times, want %d", got, want)
	}
}
