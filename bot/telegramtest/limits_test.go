package telegramtest

import (
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"
)

// sendAt sends one message to chat and returns the status code and
// retry_after of the answer (0 and 0 on success).
func sendAt(t *testing.T, bot *tgbotapi.BotAPI, chat int64, extra tgbotapi.Params) (int, int) {
	t.Helper()
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "text": "خبر"}
	for k, v := range extra {
		p[k] = v
	}
	_, err := bot.MakeRequest("sendMessage", p)
	if err == nil {
		return 0, 0
	}
	var e *tgbotapi.Error
	if !errorsAs(err, &e) {
		return http.StatusBadGateway, 0 // a non-JSON answer: the injected proxy page
	}
	return e.Code, e.RetryAfter
}

func TestLimits(t *testing.T) {
	type step struct {
		advance   time.Duration
		chat      int64
		paid      bool
		wantCode  int
		wantRetry int
	}
	tests := map[string]struct {
		opts  Options
		steps []step
		want  Stats
	}{
		"private chat takes one a second": {
			steps: []step{
				{chat: 42},
				{advance: 950 * time.Millisecond, chat: 42}, // within the jitter tolerance
				{chat: 42, wantCode: 429, wantRetry: 1},
				{chat: 43},
				{advance: time.Second, chat: 42},
			},
		},
		"jitter beyond the default is early": {
			steps: []step{
				{chat: 42},
				{advance: 700 * time.Millisecond, chat: 42, wantCode: 429, wantRetry: 1},
			},
		},
		"no jitter": {
			opts: Options{Jitter: -1},
			steps: []step{
				{chat: 42},
				{advance: 950 * time.Millisecond, chat: 42, wantCode: 429, wantRetry: 1},
			},
		},
		"retry_after rounds up": {
			opts: Options{PrivatePerSecond: 0.25},
			steps: []step{
				{chat: 42},
				{advance: time.Second, chat: 42, wantCode: 429, wantRetry: 3},
				{advance: 3 * time.Second, chat: 42},
			},
		},
		"group takes twenty a minute": {
			steps: []step{
				{chat: -4001},
				{advance: 2 * time.Second, chat: -4001, wantCode: 429, wantRetry: 1},
				{advance: time.Second, chat: -4001},
				{chat: -1001234567890},
				{chat: -1001234567890, wantCode: 429, wantRetry: 3},
			},
		},
		"burst": {
			opts: Options{Burst: 3},
			steps: []step{
				{chat: 42}, {chat: 42}, {chat: 42},
				{chat: 42, wantCode: 429, wantRetry: 1},
			},
		},
		"global bulk limit": {
			opts: Options{GlobalPerSecond: 2, GlobalBurst: 2},
			steps: []step{
				{chat: 1}, {chat: 2},
				{chat: 3, wantCode: 429, wantRetry: 1},
				{advance: time.Second, chat: 4},
				{chat: 5},
				{chat: 6, wantCode: 429, wantRetry: 1},
				{advance: time.Second, chat: 7, paid: true}, // paid broadcasts have their own bucket
				{chat: 8, paid: true},
				{chat: 9},
				{chat: 10},
				{chat: 11, wantCode: 429, wantRetry: 1},
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			clk := newClock()
			opts := tt.opts
			opts.Limits, opts.Now = true, clk.Now
			srv, bot := newBot(t, opts)
			want429 := 0
			for i, st := range tt.steps {
				clk.Advance(st.advance)
				extra := tgbotapi.Params{}
				if st.paid {
					extra["allow_paid_broadcast"] = "true"
				}
				code, retry := sendAt(t, bot, st.chat, extra)
				if code != st.wantCode || retry != st.wantRetry {
					t.Errorf("step %d (chat %d): answer %d retry_after %d, want %d retry_after %d", i, st.chat, code, retry, st.wantCode, st.wantRetry)
				}
				if st.wantCode == 429 {
					want429++
				}
			}
			st := srv.Stats()
			if st.LimitViolations != want429 || st.TooManyRequests != want429 || st.EarlyRetries != 0 || st.EarlyGlobalRetries != 0 {
				t.Errorf("stats: violations %d, 429s %d, early %d, early global %d; want %d, %d, 0, 0",
					st.LimitViolations, st.TooManyRequests, st.EarlyRetries, st.EarlyGlobalRetries, want429, want429)
			}
		})
	}
}

func TestTooManyRequestsBody(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Limits: true, Now: clk.Now})
	defer srv.Close()
	post := func() (int, string) {
		resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/sendMessage", map[string][]string{"chat_id": {"-4001"}, "text": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, readAll(t, resp)
	}
	post()
	status, body := post()
	if want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`; status != 429 || body != want {
		t.Errorf("429 answer = %d %s\nwant 429 %s", status, body, want)
	}
}

func TestEarlyRetries(t *testing.T) {
	clk := newClock()
	srv, bot := newBot(t, Options{Limits: true, Now: clk.Now})
	sendAt(t, bot, -4001, nil)
	if code, retry := sendAt(t, bot, -4001, nil); code != 429 || retry != 3 {
		t.Fatalf("second send = %d retry %d, want 429 retry 3", code, retry)
	}
	clk.Advance(2 * time.Second) // parked for 3 s: this is early
	sendAt(t, bot, -4001, nil)
	clk.Advance(time.Second) // now the retry_after has run out
	sendAt(t, bot, -4001, nil)
	if got := srv.Stats().EarlyRetries; got != 1 {
		t.Errorf("EarlyRetries = %d, want 1", got)
	}

	// An injected 429 parks the chat as well.
	srv.FailNext("sendMessage", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30","parameters":{"retry_after":30}}`)
	if code, retry := sendAt(t, bot, 42, nil); code != 429 || retry != 30 {
		t.Fatalf("injected = %d retry %d", code, retry)
	}
	clk.Advance(29 * time.Second)
	sendAt(t, bot, 42, nil)
	if got := srv.Stats().EarlyRetries; got != 2 {
		t.Errorf("EarlyRetries after injected 429 = %d, want 2", got)
	}
}

func TestEarlyGlobalRetries(t *testing.T) {
	clk := newClock()
	srv, bot := newBot(t, Options{Limits: true, Now: clk.Now, GlobalPerSecond: 1, GlobalBurst: 1})
	sendAt(t, bot, 1, nil)
	if code, retry := sendAt(t, bot, 2, nil); code != 429 || retry != 1 {
		t.Fatalf("bulk limit = %d retry %d, want 429 retry 1", code, retry)
	}
	clk.Advance(100 * time.Millisecond)
	sendAt(t, bot, 5, nil) // within Jitter of the 429: already in flight, not counted
	// The chat that got the bulk 429 is parked itself: its quick retry is
	// an early retry whatever the jitter.
	sendAt(t, bot, 2, nil)
	clk.Advance(400 * time.Millisecond)
	// Another chat, but the whole sender is parked: early, and told to wait
	// another second.
	if code, retry := sendAt(t, bot, 3, nil); code != 429 || retry != 1 {
		t.Fatalf("early send = %d retry %d, want 429 retry 1", code, retry)
	}
	clk.Advance(time.Second)
	if code, _ := sendAt(t, bot, 4, nil); code != 0 {
		t.Fatalf("send after the retry_after = %d, want success", code)
	}
	st := srv.Stats()
	if st.EarlyGlobalRetries != 1 || st.EarlyRetries != 1 {
		t.Errorf("early global %d, early per chat %d; want 1 and 1", st.EarlyGlobalRetries, st.EarlyRetries)
	}
}

func TestFailNext(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.FailNext("sendmessage", http.StatusBadGateway, badGatewayHTML)
	srv.FailNext("sendMessage", http.StatusTooManyRequests, "")
	srv.FailNext("getChat", http.StatusInternalServerError, "")

	_, err := bot.Send(tgbotapi.NewMessage(42, "x"))
	if err == nil {
		t.Fatal("502 HTML answer gave no error")
	}
	var e *tgbotapi.Error
	if errorsAs(err, &e) {
		t.Errorf("502 HTML answer decoded as an API error %+v; the library cannot decode HTML", e)
	}
	_, err = bot.Send(tgbotapi.NewMessage(42, "x"))
	if e := apiErr(t, err); e.Code != 429 || e.RetryAfter != 1 {
		t.Errorf("injected 429 = %d retry %d", e.Code, e.RetryAfter)
	}
	_, err = bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: 42}})
	if e := apiErr(t, err); e.Code != 500 || e.Message != "Internal Server Error" {
		t.Errorf("injected 500 = %d %q", e.Code, e.Message)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(42, "x")); err != nil {
		t.Errorf("after the injected faults: %v", err)
	}
	st := srv.Stats()
	if st.ServerErrors != 2 || st.TooManyRequests != 1 || st.Sent != 1 || st.LimitViolations != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestFaults(t *testing.T) {
	run := func(seed uint64) []int {
		srv, bot := newBot(t, Options{})
		srv.SetFaults(Faults{Seed: seed, Rate429: 0.3, RetryAfterMin: 2, RetryAfterMax: 4, Rate5xx: 0.2})
		var codes []int
		for i := range 40 {
			code, retry := sendAt(t, bot, int64(1000+i), nil)
			if code == 429 && (retry < 2 || retry > 4) {
				t.Errorf("retry_after %d outside [2, 4]", retry)
			}
			codes = append(codes, code)
		}
		// getMe and getUpdates are spared by default.
		if _, err := bot.GetMe(); err != nil {
			t.Errorf("getMe under faults: %v", err)
		}
		return codes
	}
	a, b := run(7), run(7)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed gave different faults (-first +second):\n%s", diff)
	}
	count := map[int]int{}
	for _, c := range a {
		count[c]++
	}
	if count[429] == 0 || count[0] == 0 {
		t.Errorf("fault mix %v: want some 429s and some successes", count)
	}
}

// TestSlowSendJudgedWhenHandled checks that a send held by a slow fault
// meets the limits at the time it is handled, after sends that overtook it,
// rather than at a stale arrival time.
func TestSlowSendJudgedWhenHandled(t *testing.T) {
	clk := newClock()
	srv, bot := newBot(t, Options{Limits: true, Now: clk.Now, GlobalPerSecond: 1, GlobalBurst: 1, Jitter: -1})
	srv.SetFaults(Faults{RateSlow: 1, SlowDelay: 200 * time.Millisecond, Methods: []string{"sendPhoto"}})
	done := make(chan error, 1)
	go func() {
		_, err := bot.Send(tgbotapi.NewPhoto(1, tgbotapi.FileURL("https://example.com/a.jpg")))
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		srv.mu.Lock()
		held := srv.slowing
		srv.mu.Unlock()
		if held == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the photo never reached the slow fault")
		}
		runtime.Gosched()
	}
	if code, _ := sendAt(t, bot, 2, nil); code != 0 {
		t.Fatalf("overtaking send = %d, want success", code)
	}
	clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Errorf("slow send a full interval later: %v", err)
	}
	if st := srv.Stats(); st.LimitViolations != 0 {
		t.Errorf("%d limit violations, want 0", st.LimitViolations)
	}
}

func TestSlowFaults(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.SetFaults(Faults{RateSlow: 1, SlowDelay: 50 * time.Millisecond, Methods: []string{"sendMessage"}})
	start := time.Now()
	if _, err := bot.Send(tgbotapi.NewMessage(42, "x")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("slow send took %v, want at least 50ms", d)
	}
}
