package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/prometheus/client_golang/prometheus"
)

const operatorID = 900

var (
	operator   = bot.User{ID: operatorID, FirstName: "مشرف", LanguageCode: "ar"}
	operatorDM = bot.Chat{ID: operatorID, Type: "private"}
)

// buttonData lists the callback data of a message's buttons.
func buttonData(t *testing.T, m telegramtest.Message) []string {
	t.Helper()
	var kb struct {
		Rows [][]struct {
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if len(m.ReplyMarkup) == 0 {
		return nil
	}
	if err := json.Unmarshal(m.ReplyMarkup, &kb); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range kb.Rows {
		for _, b := range row {
			out = append(out, b.CallbackData)
		}
	}
	return out
}

// pressOn presses a button of a message the bot sent, as Telegram delivers
// the press (the fake knows the query, so the answer is accepted).
func pressOn(h *harness, chat bot.Chat, from bot.User, messageID int, data string) bot.Update {
	id := h.tg.CallbackQuery(telegramtest.Chat{ID: chat.ID, Type: chat.Type}, telegramtest.User{ID: from.ID, FirstName: from.FirstName, LanguageCode: from.LanguageCode}, messageID, data)
	return bot.Update{Callback: &bot.Callback{ID: id, Chat: chat, From: from, MessageID: messageID, Data: data}}
}

// streamIDs are Redis stream entry ids (time-based) in a transcript.
var streamIDs = regexp.MustCompile(`\d{13}-\d+`)

// TestOperatorConversation is an operator's session in Arabic next to a
// reader trying the same commands: the reader gets the unknown-command
// answer, as for any unknown command.
func TestOperatorConversation(t *testing.T) {
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, bot.Config{BotName: "أخبار", BotUsername: "akhbar_test_bot", BotID: telegramtest.BotID,
		Location: time.UTC, Limits: fast, Operators: []int64{operatorID}, Now: func() time.Time { return now }}, telegramtest.Options{})
	ctx := context.Background()
	h.bot.SetSources([]feeds.Source{h.src, {ID: "cnn", Name: "CNN بالعربية", URL: "https://arabic.cnn.com/rss", Topics: []string{"عالمية"}}})
	for i, title := range []string{"الأردن يطلق حملة وطنية للتشجير", "ارتفاع أسعار الذهب محلياً بحسب Reuters"} {
		it := feeds.Item{ID: fmt.Sprintf("item%d", i), SourceID: "almamlaka", Title: title,
			Link: fmt.Sprintf("https://www.almamlakatv.com/news/%d", 123+i), Summary: "ملخص.",
			Published: time.Date(2026, 11, 28, 9+i, 15, 0, 0, time.UTC), Topics: []string{"محليات"}}
		must(t, h.store.SaveItem(ctx, it))
	}
	must(t, h.store.SetSourceState(ctx, "almamlaka", storage.SourceState{LastPoll: now.Add(-2 * time.Minute)}))
	must(t, h.store.SetSourceState(ctx, "cnn", storage.SourceState{LastOK: now.Add(-3 * time.Hour), LastPoll: now.Add(-time.Minute), Failures: 3,
		LastError: "poll cnn: fetch https://arabic.cnn.com/rss: status 503", NextTry: now.Add(7 * time.Minute)}))
	for _, c := range []int64{11, 12} {
		must(t, h.store.SaveChat(ctx, storage.Chat{ID: c, Kind: "private"}))
		h.subscribe(t, c)
	}
	must(t, h.store.EnsureGroup(ctx))
	must(t, h.store.Enqueue(ctx, []storage.Job{{ChatID: 11, ItemID: "item1"}}))
	ds, err := h.store.ReadJobs(ctx, "w", 1, 0)
	must(t, err)
	ds[0].Attempt = 5
	must(t, h.store.DeadLetter(ctx, ds[0], "Bad Request: message is too long"))
	must(t, h.store.CountDaily(ctx, "2026-11-28", "rate_limited"))

	tr := &transcript{t: t, h: h}
	reader := bot.User{ID: 11, FirstName: "ليلى", LanguageCode: "ar"}
	readerDM := bot.Chat{ID: 11, Type: "private"}
	for _, cmd := range []string{"/stats", "/health", "/deadletters", "/broadcast مرحبا", "/غريب"} {
		tr.do("ليلى", msg(readerDM, reader, cmd))
	}
	tr.do("ليلى", tr.press(readerDM, reader, "op:st"))
	group := bot.Chat{ID: -100500, Type: "supergroup", Title: "غرفة الأخبار"}
	tr.do("المشرف", msg(group, operator, "/stats"))

	tr.do("المشرف", msg(operatorDM, operator, "/stats"))
	tr.do("المشرف", msg(operatorDM, operator, "/health"))
	tr.do("المشرف", msg(operatorDM, operator, "/deadletters"))
	dead, err := h.store.DeadLetters(ctx, 1)
	must(t, err)
	tr.do("المشرف", tr.press(operatorDM, operator, "op:dr:"+dead[0].StreamID))
	tr.do("المشرف", tr.press(operatorDM, operator, "op:dr:"+dead[0].StreamID))
	tr.do("المشرف", msg(operatorDM, operator, "/broadcast"))
	tr.do("المشرف", msg(operatorDM, operator, "/broadcast صيانة مجدولة الليلة\nمن الثانية حتى الثالثة."))
	tr.do("المشرف", tr.press(operatorDM, operator, "op:bx:1"))
	tr.do("المشرف", tr.press(operatorDM, operator, "op:bc:1"))
	tr.b = *bytesReplace(&tr.b, streamIDs, "<entry>")
	tr.golden("operator_ar.golden")

	if n, _ := h.store.DeadLetterCount(ctx); n != 0 {
		t.Errorf("dead letters after the retry = %d, want 0", n)
	}
	if q, _ := h.store.Queue(ctx); q.Jobs != 1 {
		t.Errorf("queue after the retry = %d jobs, want the retried one", q.Jobs)
	}
}

func bytesReplace(b *strings.Builder, re *regexp.Regexp, with string) *strings.Builder {
	var out strings.Builder
	out.WriteString(re.ReplaceAllString(b.String(), with))
	return &out
}

// TestBroadcastReachesEverySubscribedChatWithinLimits confirms a broadcast
// and lets the delivery workers send it: every subscribed chat gets it once,
// at Telegram's limits (the fake enforces them), a chat that blocked the
// bot counts as failed, and the confirmation becomes the progress, edited
// to the final counts. A second press sends nothing more.
func TestBroadcastReachesEverySubscribedChatWithinLimits(t *testing.T) {
	h := newHarness(t, bot.Config{Operators: []int64{operatorID}, Location: time.UTC}, telegramtest.Options{Limits: true})
	ctx := context.Background()
	var reached []int64
	for c := int64(1); c <= 12; c++ {
		reached = append(reached, c)
	}
	reached = append(reached, -1001, -1002, -1003)
	for _, c := range append(reached, 13, 14, 15) {
		kind := "private"
		if c < 0 {
			kind = "supergroup"
		}
		must(t, h.store.SaveChat(ctx, storage.Chat{ID: c, Kind: kind}))
	}
	h.subscribe(t, reached...)
	h.subscribe(t, 14, 15)                                                               // 13 only said /start
	must(t, h.store.PauseChat(ctx, 14, "Bad Request: have no rights to send a message")) // paused: left out
	h.tg.Block(15)

	reg := prometheus.NewRegistry()
	reg.MustRegister(h.bot.ProgressCollector())

	text := "📣 صيانة مجدولة الليلة\nمن الثانية حتى الثالثة."
	must(t, h.bot.HandleUpdate(ctx, msg(operatorDM, operator, "/broadcast "+text)))
	confirm := h.tg.SentTo(operatorID)[0]
	if !strings.Contains(confirm.ParsedText, "16 محادثة") {
		t.Fatalf("confirmation = %q, want 16 chats (12 private, 3 groups, the blocked one)", confirm.ParsedText)
	}
	data := buttonData(t, confirm)
	if len(data) != 2 || !strings.HasPrefix(data[0], "op:bc:") {
		t.Fatalf("confirmation buttons = %v", data)
	}
	must(t, h.bot.HandleUpdate(ctx, pressOn(h, operatorDM, operator, confirm.MessageID, data[0])))
	must(t, h.bot.HandleUpdate(ctx, pressOn(h, operatorDM, operator, confirm.MessageID, data[0])))
	h.tg.FailNext("sendMessage", http.StatusTooManyRequests, "") // one 429 on the way, counted for /stats
	if p, _ := h.store.Pending(ctx); p != 16 {
		t.Fatalf("jobs after two presses = %d, want 16", p)
	}
	if got := gauge(t, reg, "akhbar_broadcast_chats", "total"); got != 16 {
		t.Errorf("akhbar_broadcast_chats{total} = %v, want 16", got)
	}
	if got := gauge(t, reg, "akhbar_delivery_queue_jobs", ""); got != 16 {
		t.Errorf("akhbar_delivery_queue_jobs = %v, want 16", got)
	}

	id := strings.TrimPrefix(data[0], "op:bc:")
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { h.bot.RunDelivery(dctx, "test-consumer"); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		bc, err := h.store.Broadcast(ctx, id)
		must(t, err)
		if bc.Done() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broadcast not done: %+v", bc)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The last result's edit follows its record.
	deadline = time.Now().Add(10 * time.Second)
	var progress string
	for time.Now().Before(deadline) {
		msgs := h.tg.SentTo(operatorID)
		if progress = msgs[len(msgs)-1].ParsedText; strings.Contains(progress, "اكتمل") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done

	for _, c := range reached {
		got := h.tg.SentTo(c)
		if len(got) != 1 || got[0].ParsedText != text {
			t.Errorf("chat %d got %d messages (%+v), want the broadcast once", c, len(got), got)
		}
	}
	for _, c := range []int64{13, 14, 15} {
		if got := h.tg.SentTo(c); len(got) != 0 {
			t.Errorf("chat %d got %d messages, want none", c, len(got))
		}
	}
	if !strings.Contains(progress, "أُرسل 15") || !strings.Contains(progress, "تعذّر 1") {
		t.Errorf("final progress = %q, want 15 sent and 1 failed", progress)
	}
	if st := h.tg.Stats(); st.LimitViolations != 0 || st.EarlyRetries != 0 {
		t.Errorf("limits broken: %+v", st)
	}
	if got := gauge(t, reg, "akhbar_broadcast_chats", "total"); got != 0 {
		t.Errorf("akhbar_broadcast_chats{total} after it finished = %v, want 0", got)
	}
	must(t, h.bot.HandleUpdate(ctx, msg(operatorDM, operator, "/stats")))
	msgs := h.tg.SentTo(operatorID)
	if stats := msgs[len(msgs)-1].ParsedText; !strings.Contains(stats, "ردود 429 اليوم: 1") || !strings.Contains(stats, "طابور الإرسال: فارغ") {
		t.Errorf("/stats after the broadcast = %q, want one 429 and an empty queue", stats)
	}
}

// gauge reads one series of a gathered metric; label is the value of its
// only label, or "" for none.
func gauge(t *testing.T, g prometheus.Gatherer, name, label string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || (len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label) {
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s{%s}", name, label)
	return 0
}

// TestBroadcastIsNeverPartOfADigest queues a broadcast behind more cards
// than make a digest: the cards go as one digest, the broadcast on its own.
func TestBroadcastIsNeverPartOfADigest(t *testing.T) {
	h := newHarness(t, bot.Config{Operators: []int64{operatorID}}, telegramtest.Options{Limits: true})
	ctx := context.Background()
	var jobs []storage.Job
	for i := range 5 {
		it := feeds.Item{ID: fmt.Sprintf("n%d", i), SourceID: "almamlaka", Title: fmt.Sprintf("خبر رقم %d", i),
			Link: fmt.Sprintf("https://www.almamlakatv.com/news/%d", i), Summary: "ملخص.", Published: sampleNow.Add(-time.Duration(i) * time.Minute)}
		must(t, h.store.SaveItem(ctx, it))
		jobs = append(jobs, storage.Job{ChatID: 21, ItemID: it.ID})
	}
	id, err := h.store.CreateBroadcast(ctx, storage.Broadcast{Text: "رسالة من فريق التحرير", By: operatorID})
	must(t, err)
	if ok, err := h.store.StartBroadcast(ctx, id, 1, operatorID, 1); err != nil || !ok {
		t.Fatalf("StartBroadcast = %v, %v", ok, err)
	}
	jobs = append(jobs, storage.Job{ChatID: 21, ItemID: storage.BroadcastItem(id)})
	must(t, h.store.Enqueue(ctx, jobs))
	h.deliver(t, 2)
	got := h.tg.SentTo(21)
	if len(got) != 2 || !strings.Contains(got[0].ParsedText, "خبر رقم 4") || got[1].ParsedText != "رسالة من فريق التحرير" {
		t.Fatalf("chat 21 got %d messages %+v, want a digest of 5 then the broadcast", len(got), got)
	}
	if bc, _ := h.store.Broadcast(ctx, id); !bc.Done() || bc.Sent != 1 {
		t.Errorf("broadcast = %+v, want done, sent to 1", bc)
	}
}

// TestDeadLetterRetriedFromTelegram lets a card die (Telegram refuses
// every form of it), then the operator retries it with the button once the
// chat takes messages again: the chat gets its card.
func TestDeadLetterRetriedFromTelegram(t *testing.T) {
	h := newHarness(t, bot.Config{Operators: []int64{operatorID}, Location: time.UTC}, telegramtest.Options{Limits: true})
	ctx := context.Background()
	h.subscribe(t, 31)
	h.feed.set("p=125")
	h.poll(t)
	h.feed.set()
	h.tg.FailChat(31, http.StatusBadRequest, "Bad Request: BUTTON_TYPE_INVALID")
	if res := h.poll(t); res.Jobs != 1 {
		t.Fatalf("poll = %+v, want 1 job", res)
	}
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { h.bot.RunDelivery(dctx, "test-consumer"); close(done) }()
	if err := h.settled(withTimeout(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.store.DeadLetterCount(ctx); n != 1 {
		t.Fatalf("dead letters = %d, want 1", n)
	}

	must(t, h.bot.HandleUpdate(ctx, msg(operatorDM, operator, "/deadletters")))
	list := h.tg.SentTo(operatorID)[0]
	if !strings.Contains(list.ParsedText, "المحادثة 31") || !strings.Contains(list.ParsedText, "BUTTON_TYPE_INVALID") {
		t.Errorf("/deadletters = %q, want chat 31 and Telegram's answer", list.ParsedText)
	}
	data := buttonData(t, list)
	if len(data) == 0 || !strings.HasPrefix(data[0], "op:dr:") {
		t.Fatalf("buttons = %v, want a retry button first", data)
	}
	h.tg.FailChat(31, 0, "")
	must(t, h.bot.HandleUpdate(ctx, pressOn(h, operatorDM, operator, list.MessageID, data[0])))
	if err := h.tg.WaitSent(withTimeout(t, 30*time.Second), 2); err != nil {
		t.Fatal(err)
	}
	if err := h.settled(withTimeout(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	if got := h.tg.SentTo(31); len(got) != 1 || !strings.Contains(got[0].ParsedText, "المملكة") {
		t.Errorf("chat 31 got %+v, want its card", got)
	}
	if n, _ := h.store.DeadLetterCount(ctx); n != 0 {
		t.Errorf("dead letters after the retry = %d, want 0", n)
	}
	answers := h.tg.CallbackAnswers()
	if len(answers) != 1 || answers[0].Text != "↻ أُعيدت رسالة واحدة إلى الطابور" {
		t.Errorf("callback answers = %+v", answers)
	}
}

func withTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestHealthShowsAFailingSourceFirst polls a source that answers 503 and
// one that works: /health puts the failing one first with its error and
// back-off, then the working one with its last success.
func TestHealthShowsAFailingSourceFirst(t *testing.T) {
	h := newHarness(t, bot.Config{Operators: []int64{operatorID}, Location: time.UTC}, telegramtest.Options{})
	ctx := context.Background()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	broken := feeds.Source{ID: "broken", Name: "مصدر معطل", URL: down.URL + "/rss", AllowPrivate: true}
	h.bot.SetSources([]feeds.Source{h.src, broken})
	h.poll(t)
	if _, err := h.bot.PollSource(ctx, broken, time.Minute); err == nil {
		t.Fatal("poll of a 503 source succeeded")
	}
	en := bot.User{ID: operatorID, FirstName: "Op", LanguageCode: "en"}
	must(t, h.bot.HandleUpdate(ctx, msg(operatorDM, en, "/health")))
	got := unmarked(h.tg.SentTo(operatorID)[0].ParsedText)
	failing, working := strings.Index(got, "⚠️ مصدر معطل: 1 failure:"), strings.Index(got, "✅ المملكة: last success")
	if failing < 0 || working < failing || !strings.Contains(got, "503") || !strings.Contains(got, "next try in ") || !strings.Contains(got, "last success never") {
		t.Errorf("/health =\n%s\nwant the failing source first, with its 503, its back-off and no success yet, then the working one", got)
	}
}

// TestSetSourcesWhileHandlingUpdates swaps the sources while people use
// the menus (run with -race): every answer comes from one catalog, and the
// new sources are offered once swapped.
func TestSetSourcesWhileHandlingUpdates(t *testing.T) {
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{Limits: fast}, telegramtest.Options{})
	ctx := context.Background()
	a := []feeds.Source{h.src}
	b := []feeds.Source{h.src, {ID: "hespress", Name: "هسبريس", URL: "https://www.hespress.com/feed", Topics: []string{"المغرب"}}}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				h.bot.SetSources(b)
			} else {
				h.bot.SetSources(a)
			}
		}
	}()
	user := bot.User{ID: 51, FirstName: "Ali", LanguageCode: "ar"}
	dm := bot.Chat{ID: 51, Type: "private"}
	for range 20 {
		must(t, h.bot.HandleUpdate(ctx, msg(dm, user, "/sources")))
		must(t, h.bot.HandleUpdate(ctx, msg(dm, user, "/subscribe المملكة")))
	}
	close(stop)
	wg.Wait()

	h.bot.SetSources(b)
	before := len(h.tg.SentTo(51))
	must(t, h.bot.HandleUpdate(ctx, msg(dm, user, "/subscribe هسبريس")))
	must(t, h.bot.HandleUpdate(ctx, msg(dm, user, "/sources")))
	got := h.tg.SentTo(51)[before:]
	if len(got) != 2 || !strings.Contains(got[0].ParsedText, "هسبريس") || !strings.Contains(string(got[1].ReplyMarkup), "هسبريس") {
		t.Fatalf("after the swap: %+v, want hespress subscribed and in the menu", got)
	}
	if subs, _ := h.store.Subscriptions(ctx, 51); len(subs) != 2 {
		t.Errorf("subscriptions = %v, want almamlaka and hespress", subs)
	}
	if ids := h.bot.Sources(); len(ids) != 2 || ids[1].ID != "hespress" {
		t.Errorf("Sources() = %+v", ids)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestStatsShowsAFanoutsProgress: a big fan-out (a lane of its own) shows
// on /stats with the chats it has left, and in the metrics.
func TestStatsShowsAFanoutsProgress(t *testing.T) {
	h := newHarness(t, bot.Config{Operators: []int64{operatorID}, Location: time.UTC}, telegramtest.Options{})
	ctx := context.Background()
	it := feeds.Item{ID: "big1", SourceID: "almamlaka", Title: "خبر عاجل للجميع", Link: "https://www.almamlakatv.com/news/9", Published: sampleNow}
	must(t, h.store.SaveItem(ctx, it))
	var jobs []storage.Job
	for c := range int64(storage.DefaultBulkFanout + 20) {
		jobs = append(jobs, storage.Job{ChatID: 10_000 + c, ItemID: it.ID})
	}
	must(t, h.store.Enqueue(ctx, jobs))
	reg := prometheus.NewRegistry()
	reg.MustRegister(h.bot.ProgressCollector())
	en := bot.User{ID: operatorID, FirstName: "Op", LanguageCode: "en"}
	must(t, h.bot.HandleUpdate(ctx, msg(operatorDM, en, "/stats")))
	got := unmarked(h.tg.SentTo(operatorID)[0].ParsedText)
	for _, want := range []string{"Delivery queue: 520 jobs, the oldest ", "Fan-outs running:\n• خبر عاجل للجميع: 520 chats left"} {
		if !strings.Contains(got, want) {
			t.Errorf("/stats lacks %q:\n%s", want, got)
		}
	}
	if lanes, jobs := gauge(t, reg, "akhbar_fanout_lanes", ""), gauge(t, reg, "akhbar_fanout_lane_jobs", ""); lanes != 1 || jobs != 520 {
		t.Errorf("akhbar_fanout_lanes = %v, akhbar_fanout_lane_jobs = %v; want 1 and 520", lanes, jobs)
	}
}

// unmarked is text without its directional marks, for a test that looks
// for words in it.
func unmarked(s string) string { return strings.NewReplacer("\u200e", "", "\u200f", "").Replace(s) }
