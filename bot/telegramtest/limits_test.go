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
	// twenty sends to a group at the same instant: within its limit.
	var twenty []step
	for range 20 {
		twenty = append(twenty, step{chat: -4001})
	}
	tests := map[string]struct {
		opts  Options
		steps []step
	}{
		"private chat takes one in any second": {
			steps: []step{
				{chat: 42},
				{advance: 950 * time.Millisecond, chat: 42, wantCode: 429, wantRetry: 1}, // no jitter forgiven
				{chat: 43},
				{advance: 50 * time.Millisecond, chat: 42}, // the first has left the window
				{advance: 999 * time.Millisecond, chat: 42, wantCode: 429, wantRetry: 1},
				{advance: time.Millisecond, chat: 42},
			},
		},
		"retry_after rounds up": {
			opts: Options{PrivatePerSecond: 0.25},
			steps: []step{
				{chat: 42},
				{advance: time.Second, chat: 42, wantCode: 429, wantRetry: 3},
				{advance: 2100 * time.Millisecond, chat: 42, wantCode: 429, wantRetry: 1},
				{advance: 900 * time.Millisecond, chat: 42},
			},
		},
		"group takes twenty in any minute": {
			steps: append(twenty,
				step{chat: -4001, wantCode: 429, wantRetry: 60},
				step{chat: -1001234567890}, // another group has its own window
				step{advance: 59500 * time.Millisecond, chat: -4001, wantCode: 429, wantRetry: 1},
				step{advance: 500 * time.Millisecond, chat: -4001},
			),
		},
		"global bulk limit": {
			opts: Options{GlobalPerSecond: 3},
			steps: []step{
				{chat: 1}, {chat: 2}, {chat: 3},
				{chat: 4, wantCode: 429, wantRetry: 1},
				{advance: 500 * time.Millisecond, chat: 5, wantCode: 429, wantRetry: 1},
				{advance: 500 * time.Millisecond, chat: 6}, // exactly a second after the first three
				{chat: 7},
				{chat: 8, paid: true}, // paid broadcasts have their own window
				{chat: 9},
				{chat: 10, wantCode: 429, wantRetry: 1},
			},
		},
		"the window slides": {
			// A window per calendar second would take the fourth send at
			// 1.5 s; a sliding one sees two sends in the second before it.
			opts: Options{GlobalPerSecond: 2},
			steps: []step{
				{chat: 1},
				{advance: 600 * time.Millisecond, chat: 2},
				{advance: 300 * time.Millisecond, chat: 3, wantCode: 429, wantRetry: 1},
				{advance: 100 * time.Millisecond, chat: 3},
				{advance: 500 * time.Millisecond, chat: 4, wantCode: 429, wantRetry: 1},
				{advance: 100 * time.Millisecond, chat: 4},
			},
		},
		"lenient: jitter within the tolerance": {
			opts: Options{LenientLimits: true},
			steps: []step{
				{chat: 42},
				{advance: 950 * time.Millisecond, chat: 42},
				{chat: 42, wantCode: 429, wantRetry: 1},
				{chat: 43},
				{advance: time.Second, chat: 42},
			},
		},
		"lenient: jitter beyond the default is early": {
			opts: Options{LenientLimits: true},
			steps: []step{
				{chat: 42},
				{advance: 700 * time.Millisecond, chat: 42, wantCode: 429, wantRetry: 1},
			},
		},
		"lenient: no jitter": {
			opts: Options{LenientLimits: true, Jitter: -1},
			steps: []step{
				{chat: 42},
				{advance: 950 * time.Millisecond, chat: 42, wantCode: 429, wantRetry: 1},
			},
		},
		"lenient: group takes one every three seconds": {
			opts: Options{LenientLimits: true},
			steps: []step{
				{chat: -4001},
				{advance: 2 * time.Second, chat: -4001, wantCode: 429, wantRetry: 1},
				{advance: time.Second, chat: -4001},
				{chat: -1001234567890},
				{chat: -1001234567890, wantCode: 429, wantRetry: 3},
			},
		},
		"lenient: burst": {
			opts: Options{LenientLimits: true, Burst: 3},
			steps: []step{
				{chat: 42}, {chat: 42}, {chat: 42},
				{chat: 42, wantCode: 429, wantRetry: 1},
			},
		},
		"lenient: global bulk limit": {
			opts: Options{LenientLimits: true, GlobalPerSecond: 2, GlobalBurst: 2},
			steps: []step{
				{chat: 1}, {chat: 2},
				{chat: 3, wantCode: 429, wantRetry: 1},
				{advance: time.Second, chat: 4},
				{chat: 5},
				{chat: 6, wantCode: 429, wantRetry: 1},
				{advance: time.Second, chat: 7, paid: true},
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
			if st.LimitViolations != want429 || st.TooManyRequests != want429 {
				t.Errorf("stats: violations %d, 429s %d; want %d, %d", st.LimitViolations, st.TooManyRequests, want429, want429)
			}
		})
	}
}

// TestWindow checks the strict limit's ring on its own: n arrivals in any
// span, the oldest of the last n deciding, across many turns of the ring.
func TestWindow(t *testing.T) {
	var w window
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const n, span = 3, time.Second
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// Arrivals every 400 ms fit 3 in a second; each fourth is checked at
	// its own time and at 1 ms before the one three back leaves.
	for k := range 20 {
		now := at(400 * k)
		if ok, wait := w.check(now, n, span); !ok {
			t.Fatalf("arrival %d at %v refused (wait %v)", k, now.Sub(t0), wait)
		}
		w.take(now, n)
		if k >= n-1 {
			oldest := at(400 * (k - n + 1))
			early := oldest.Add(span - time.Millisecond)
			if ok, wait := w.check(early, n, span); ok || wait != time.Millisecond {
				t.Fatalf("after arrival %d: check at %v = %v, wait %v; want refused, wait 1ms", k, early.Sub(t0), ok, wait)
			}
			if ok, _ := w.check(oldest.Add(span), n, span); !ok {
				t.Fatalf("after arrival %d: refused when the oldest left", k)
			}
		}
	}
	if len(w.times) != n {
		t.Errorf("ring holds %d times, want %d", len(w.times), n)
	}
}

func TestWindowOf(t *testing.T) {
	tests := map[string]struct {
		rate     float64
		period   time.Duration
		wantN    int
		wantSpan time.Duration
	}{
		"bulk":        {30, time.Second, 30, time.Second},
		"private":     {1, time.Second, 1, time.Second},
		"slow":        {0.25, time.Second, 1, 4 * time.Second},
		"group":       {20, time.Minute, 20, time.Minute},
		"fractional":  {2.5, time.Second, 2, 800 * time.Millisecond},
		"paid":        {1000, time.Second, 1000, time.Second},
		"load 300/s":  {300, time.Second, 300, time.Second},
		"group 1/min": {1, time.Minute, 1, time.Minute},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			n, span := windowOf(tt.rate, tt.period)
			if n != tt.wantN || span != tt.wantSpan {
				t.Errorf("windowOf(%v, %v) = %d in %v, want %d in %v", tt.rate, tt.period, n, span, tt.wantN, tt.wantSpan)
			}
		})
	}
}

// TestNetworkDelay checks that the delays come from the seed (the same
// sequence for the same seed), stay within [0, NetworkDelay] and vary, and
// that a request is held for at least its draw.
func TestNetworkDelay(t *testing.T) {
	draws := func(seed uint64) []time.Duration {
		srv := NewUnstarted(Options{NetworkDelay: 20 * time.Millisecond, NetworkSeed: seed})
		defer srv.Close()
		var ds []time.Duration
		for range 200 {
			ds = append(ds, srv.drawDelay())
		}
		return ds
	}
	a, b, c := draws(3), draws(3), draws(4)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different delays (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Error("seeds 3 and 4 drew the same delays")
	}
	lo, hi := a[0], a[0]
	for _, d := range a {
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 0 || hi > 20*time.Millisecond || hi-lo < 10*time.Millisecond {
		t.Errorf("delays in [%v, %v], want spread over [0, 20ms]", lo, hi)
	}
	if d := NewUnstarted(Options{}).drawDelay(); d != 0 {
		t.Errorf("no NetworkDelay: drew %v", d)
	}

	// A request waits at least its draw: seed 1's second draw is 19.9 ms,
	// far above a loopback round trip, so a delay not applied shows (the
	// first draw went to newBot's getMe).
	srv, bot := newBot(t, Options{NetworkDelay: 20 * time.Millisecond, NetworkSeed: 1})
	want := draws(1)[1]
	start := time.Now()
	if code, _ := sendAt(t, bot, 42, nil); code != 0 {
		t.Fatalf("send = %d", code)
	}
	if took := time.Since(start); took < want {
		t.Errorf("send answered after %v, want at least its delay %v", took, want)
	}
	if st := srv.Stats(); st.Sent != 1 {
		t.Errorf("sent %d, want 1", st.Sent)
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
	for range 20 {
		post()
	}
	status, body := post()
	if want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 60","parameters":{"retry_after":60}}`; status != 429 || body != want {
		t.Errorf("429 answer = %d %s\nwant 429 %s", status, body, want)
	}
}

func TestEarlyRetries(t *testing.T) {
	clk := newClock()
	srv, bot := newBot(t, Options{Limits: true, Now: clk.Now})
	sendAt(t, bot, 42, nil)
	if code, retry := sendAt(t, bot, 42, nil); code != 429 || retry != 1 {
		t.Fatalf("second send = %d retry %d, want 429 retry 1", code, retry)
	}
	clk.Advance(500 * time.Millisecond) // parked for 1 s: this is early (and refused: parked to 1.5 s)
	sendAt(t, bot, 42, nil)
	clk.Advance(time.Second) // now the retry_after has run out
	if code, _ := sendAt(t, bot, 42, nil); code != 0 {
		t.Fatalf("send after the retry_after = %d, want success", code)
	}
	if st := srv.Stats(); st.EarlyRetries != 1 || st.ChatViolations[42] != 2 || len(st.ChatViolations) != 1 || st.BulkViolations != 0 {
		t.Errorf("EarlyRetries %d, chat violations %v, bulk %d; want 1, chat 42's two, 0", st.EarlyRetries, st.ChatViolations, st.BulkViolations)
	}

	// An injected 429 parks the chat as well.
	srv.FailNext("sendMessage", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30","parameters":{"retry_after":30}}`)
	if code, retry := sendAt(t, bot, 43, nil); code != 429 || retry != 30 {
		t.Fatalf("injected = %d retry %d", code, retry)
	}
	clk.Advance(29 * time.Second)
	sendAt(t, bot, 43, nil)
	if got := srv.Stats().EarlyRetries; got != 2 {
		t.Errorf("EarlyRetries after injected 429 = %d, want 2", got)
	}
}

func TestEarlyGlobalRetries(t *testing.T) {
	clk := newClock()
	srv, bot := newBot(t, Options{Limits: true, Now: clk.Now, GlobalPerSecond: 1})
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
	if st.EarlyGlobalRetries != 1 || st.EarlyRetries != 1 || st.BulkViolations != 4 {
		t.Errorf("early global %d, early per chat %d, bulk 429s %d; want 1, 1, 4", st.EarlyGlobalRetries, st.EarlyRetries, st.BulkViolations)
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
	srv, bot := newBot(t, Options{Limits: true, Now: clk.Now, GlobalPerSecond: 1, Jitter: -1})
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
