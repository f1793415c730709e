package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/telegramtest"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// getMeAnswer is getMe's answer, which New reads.
const getMeAnswer = `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"a","username":"a_bot"}}`

// sentMessageAnswer is a sendMessage answer as Telegram gives it for a card:
// the whole Message, of which the bot reads only message_id.
const sentMessageAnswer = `{"ok":true,"result":{"message_id":4242,"from":{"id":1,"is_bot":true,"first_name":"akhbar","username":"akhbar_bot"},` +
	`"chat":{"id":77,"first_name":"\u0639\u0644\u064a","type":"private"},"date":1767225600,` +
	`"text":"\u0639\u0627\u062c\u0644: \u0623\u0639\u0644\u0646\u062a \u0627\u0644\u0648\u0632\u0627\u0631\u0629","entities":[{"offset":0,"length":5,"type":"bold"},{"offset":6,"length":9,"type":"text_link","url":"https://example.com/news/1"}],` +
	`"link_preview_options":{"is_disabled":true},"reply_markup":{"inline_keyboard":[[{"text":"\u0627\u0642\u0631\u0623","url":"https://example.com/news/1"},{"text":"\u0646\u0633\u062e","copy_text":{"text":"https://example.com/news/1"}}]]}}}`

// cannedTransport answers getMe, then every request with status and body,
// recording the requests' bodies.
type cannedTransport struct {
	mu     sync.Mutex
	status int
	body   string
	reqs   []recorded
}

type recorded struct {
	method, contentType string
	body                []byte
}

func (t *cannedTransport) set(status int, body string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.status, t.body = status, body
}

func (t *cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	status, answer := t.status, t.body
	if strings.HasSuffix(r.URL.Path, "/getMe") {
		status, answer = http.StatusOK, getMeAnswer
	} else {
		t.reqs = append(t.reqs, recorded{r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], r.Header.Get("Content-Type"), body})
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(answer)), ContentLength: int64(len(answer)), Request: r}, nil
}

func cannedClient(t testing.TB) (*Client, *cannedTransport) {
	t.Helper()
	tr := &cannedTransport{status: http.StatusOK, body: sentMessageAnswer}
	c, err := New(context.Background(), token, "http://api.example", &http.Client{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// hotCall is one of the hot methods, called through Send or Edit.
type hotCall struct {
	method string
	call   func(c *Client) error
	params tgbotapi.Params // the same request for the library's MakeRequest
}

func hotCalls() []hotCall {
	text := bot.Message{ChatID: 5, Text: "<b>عاجل</b>", HTML: true}
	photo := text
	photo.Photo = "https://img.example/a.jpg"
	caption := text
	caption.EditCaption = true
	ctx := context.Background()
	return []hotCall{
		{"sendMessage", func(c *Client) error { _, err := c.Send(ctx, text); return err },
			tgbotapi.Params{"chat_id": "5", "text": text.Text, "parse_mode": "HTML"}},
		{"sendPhoto", func(c *Client) error { _, err := c.Send(ctx, photo); return err },
			tgbotapi.Params{"chat_id": "5", "caption": text.Text, "parse_mode": "HTML", "photo": photo.Photo}},
		{"editMessageText", func(c *Client) error { return c.Edit(ctx, 5, 9, text) },
			tgbotapi.Params{"chat_id": "5", "message_id": "9", "text": text.Text, "parse_mode": "HTML"}},
		{"editMessageCaption", func(c *Client) error { return c.Edit(ctx, 5, 9, caption) },
			tgbotapi.Params{"chat_id": "5", "message_id": "9", "caption": text.Text, "parse_mode": "HTML"}},
	}
}

// errorKinds are the errors the delivery policy tells apart.
var errorKinds = []error{bot.ErrRejected, bot.ErrBadText, bot.ErrBadPhoto, bot.ErrWrongEditKind, bot.ErrCannotPost,
	bot.ErrNoPhotos, bot.ErrChatGone, errNotModified}

// TestHotPathDecodesAnswers: sends and edits, which decode Telegram's
// answer themselves, give the delivery policy the errors it acts on, for
// every answer it acts on.
func TestHotPathDecodesAnswers(t *testing.T) {
	body := func(code int, desc, params string) string {
		b := `{"ok":false,"error_code":` + strconv.Itoa(code) + `,"description":"` + desc + `"`
		if params != "" {
			b += `,"parameters":` + params
		}
		return b + "}"
	}
	tests := map[string]struct {
		status    int
		body      string
		want      []error // every one must match; nil and no rate or migration: a plain, retryable error
		retry     time.Duration
		migrateTo int64
	}{
		"flood":          {429, body(429, "Too Many Requests: retry after 7", `{"retry_after":7}`), nil, 7 * time.Second, 0},
		"flood, hours":   {429, body(429, "Too Many Requests: retry after 14400", `{"retry_after":14400}`), nil, 4 * time.Hour, 0},
		"flood, no time": {429, body(429, "Too Many Requests", ""), nil, time.Second, 0},
		"migrated": {400, body(400, "Bad Request: group chat was upgraded to a supergroup chat", `{"migrate_to_chat_id":-1001234567890}`),
			nil, 0, -1001234567890},
		"blocked":        {403, body(403, "Forbidden: bot was blocked by the user", ""), []error{bot.ErrChatGone}, 0, 0},
		"deactivated":    {403, body(403, "Forbidden: user is deactivated", ""), []error{bot.ErrChatGone}, 0, 0},
		"write, 403":     {403, body(403, "Forbidden: CHAT_WRITE_FORBIDDEN", ""), []error{bot.ErrCannotPost}, 0, 0},
		"chat not found": {400, body(400, "Bad Request: chat not found", ""), []error{bot.ErrChatGone}, 0, 0},
		"bad HTML": {400, body(400, `Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0`, ""),
			[]error{bot.ErrRejected, bot.ErrBadText}, 0, 0},
		"reworded rights": {400, body(400, "Bad Request: Not Enough Rights to send messages", ""), []error{bot.ErrCannotPost}, 0, 0},
		"photo rights":    {400, body(400, "Bad Request: not enough rights to send photos to the chat", ""), []error{bot.ErrNoPhotos}, 0, 0},
		"bad image":       {400, body(400, "Bad Request: wrong file identifier/HTTP URL specified", ""), []error{bot.ErrRejected, bot.ErrBadPhoto}, 0, 0},
		"wrong edit kind": {400, body(400, "Bad Request: there is no caption in the message to edit", ""), []error{bot.ErrRejected, bot.ErrWrongEditKind}, 0, 0},
		"not modified": {400, body(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same", ""),
			[]error{bot.ErrRejected, errNotModified}, 0, 0},
		"unknown 400":  {400, body(400, "Bad Request: SOMETHING_NEW", ""), []error{bot.ErrRejected}, 0, 0},
		"unauthorized": {401, body(401, "Unauthorized", ""), nil, 0, 0},
		"JSON 502":     {502, body(502, "Bad Gateway", ""), nil, 0, 0},
		"HTML 502":     {502, "<html><body><h1>502 Bad Gateway</h1></body></html>", nil, 0, 0},
		"empty 502":    {502, "", nil, 0, 0},
	}
	c, tr := cannedClient(t)
	for name, tc := range tests {
		for _, hc := range hotCalls() {
			t.Run(name+"/"+hc.method, func(t *testing.T) {
				tr.set(tc.status, tc.body)
				err := hc.call(c)
				edit := strings.HasPrefix(hc.method, "edit")
				if edit && slices.Contains(tc.want, errNotModified) {
					if err != nil {
						t.Fatalf("err = %v, want success: the message already says it", err)
					}
					return
				}
				if err == nil {
					t.Fatal("no error")
				}
				if !strings.HasPrefix(err.Error(), "telegram "+hc.method+": ") {
					t.Errorf("err = %q, want it to name the method", err)
				}
				for _, k := range errorKinds {
					if got, want := errors.Is(err, k), slices.Contains(tc.want, k); got != want {
						t.Errorf("errors.Is(%v, %v) = %v, want %v", err, k, got, want)
					}
				}
				var rl *bot.RateLimitError
				if got := errors.As(err, &rl); got != (tc.retry != 0) || got && rl.RetryAfter != tc.retry {
					t.Errorf("err = %v, want RateLimitError{%v}: %v", err, tc.retry, got)
				}
				var mig *bot.MigratedError
				if got := errors.As(err, &mig); got != (tc.migrateTo != 0) || got && mig.To != tc.migrateTo {
					t.Errorf("err = %v, want MigratedError{%d}: %v", err, tc.migrateTo, got)
				}
				var te *tgbotapi.Error
				if tc.status >= 500 && strings.HasPrefix(tc.body, "{") && (!errors.As(err, &te) || te.Code != tc.status) {
					t.Errorf("err = %v, want the library's *Error with code %d", err, tc.status)
				}
			})
		}
	}
	// A proxy's page is named by its status, for the log.
	tr.set(502, "<html>502</html>")
	if _, err := c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"}); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("HTML 502: err = %v, want it to say HTTP 502", err)
	}
}

// TestHotPathMatchesLibrary: for each answer, a send or edit fails with
// the very error the library's MakeRequest path gives, message and all:
// the lean path changes the cost, not the policy.
func TestHotPathMatchesLibrary(t *testing.T) {
	answers := []struct {
		status int
		body   string
	}{
		{429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`},
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1005}}`},
		{403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the channel chat"}`},
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: message is too long"}`},
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: TOPIC_CLOSED"}`},
		{500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`},
		{200, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`},
	}
	c, tr := cannedClient(t)
	for _, a := range answers {
		for _, hc := range hotCalls() {
			tr.set(a.status, a.body)
			got := hc.call(c)
			_, want := c.call(context.Background(), hc.method, hc.params)
			if got == nil || want == nil || got.Error() != want.Error() {
				t.Errorf("%s, answer %s: err = %v, want %v", hc.method, a.body, got, want)
			}
		}
	}
}

// TestHotPathRequests: the hot methods send one JSON object with the
// parameters the library sent as a form, and the fake, reading it as
// Telegram does, sees the same parameters.
func TestHotPathRequests(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	buttons := [][]bot.Button{{{Text: "اقرأ \"الخبر\"", URL: "https://a.example/x?a=1&b=2"}, {Text: "نسخ", CopyText: "https://a.example/x"}}}
	keyboard := card.KeyboardJSON(buttons)
	text := "<b>عاجل</b>\n«اقتباس» \\ \t \u2028 & <a href=\"https://a.example/?q=1&amp;r=2\">رابط</a>"
	tests := []struct {
		name string
		call func() error
		want map[string]string
	}{
		{"sendMessage", func() error {
			_, err := c.Send(ctx, bot.Message{ChatID: 5, Text: text, HTML: true, Buttons: buttons, DisablePreview: true, Silent: true, PaidBroadcast: true})
			return err
		}, map[string]string{"chat_id": "5", "text": text, "parse_mode": "HTML", "reply_markup": keyboard,
			"link_preview_options": `{"is_disabled":true}`, "disable_web_page_preview": "true", "disable_notification": "true", "allow_paid_broadcast": "true"}},
		{"sendMessage", func() error {
			_, err := c.Send(ctx, bot.Message{ChatID: 5, Text: "x", PreviewURL: "https://a.example/y?a=1&b=<2>"})
			return err
		}, map[string]string{"chat_id": "5", "text": "x",
			"link_preview_options": `{"url":"https://a.example/y?a=1&b=<2>","prefer_large_media":true,"show_above_text":true}`}},
		{"sendPhoto", func() error {
			_, err := c.Send(ctx, bot.Message{ChatID: 5, Text: text, HTML: true, Photo: "https://img.example/a.jpg", Buttons: buttons,
				DisablePreview: true, Silent: true})
			return err
		}, map[string]string{"chat_id": "5", "caption": text, "parse_mode": "HTML", "photo": "https://img.example/a.jpg",
			"reply_markup": keyboard, "disable_notification": "true"}},
		{"editMessageText", func() error {
			return c.Edit(ctx, 5, 1, bot.Message{Text: "نص معدّل", PreviewURL: "https://a.example/z", Silent: true, PaidBroadcast: true})
		}, map[string]string{"chat_id": "5", "message_id": "1", "text": "نص معدّل",
			"link_preview_options": `{"url":"https://a.example/z","prefer_large_media":true,"show_above_text":true}`}},
		{"editMessageCaption", func() error {
			return c.Edit(ctx, 5, 3, bot.Message{Text: "<i>شرح</i>", HTML: true, EditCaption: true, DisablePreview: true, Buttons: buttons})
		}, map[string]string{"chat_id": "5", "message_id": "3", "caption": "<i>شرح</i>", "parse_mode": "HTML", "reply_markup": keyboard}},
	}
	for _, tc := range tests {
		if err := tc.call(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		calls := srv.Calls(tc.name)
		if len(calls) == 0 {
			t.Fatalf("%s: no call", tc.name)
		}
		got := calls[len(calls)-1].Params
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := tc.want[k]; !ok {
				t.Errorf("%s: unexpected parameter %s = %q", tc.name, k, got[k])
			}
		}
	}

	// And on the wire: one JSON object, as application/json.
	cc, tr := cannedClient(t)
	if _, err := cc.Send(ctx, bot.Message{ChatID: -1001, Text: text, HTML: true}); err != nil {
		t.Fatal(err)
	}
	r := tr.reqs[len(tr.reqs)-1]
	var obj map[string]any
	if r.contentType != "application/json" || json.Unmarshal(r.body, &obj) != nil || obj["chat_id"] != float64(-1001) || obj["text"] != text {
		t.Errorf("request %s %q: %s, want a JSON object", r.method, r.contentType, r.body)
	}
}

// TestHotPathReadsOnlyTheMessageID: a send's answer gives its message id,
// whatever else the Message holds; an edit's answer may be a Message or
// true (an inline message).
func TestHotPathReadsOnlyTheMessageID(t *testing.T) {
	c, tr := cannedClient(t)
	ctx := context.Background()
	id, err := c.Send(ctx, bot.Message{ChatID: 77, Text: "x"})
	if err != nil || id != 4242 {
		t.Errorf("send = %d, %v, want 4242", id, err)
	}
	for _, res := range []string{`true`, `{"message_id":9,"chat":{"id":5,"type":"private"},"date":1,"text":"y"}`} {
		tr.set(200, `{"ok":true,"result":`+res+`}`)
		if err := c.Edit(ctx, 5, 9, bot.Message{Text: "y"}); err != nil {
			t.Errorf("edit answered %s: %v", res, err)
		}
	}
	tr.set(200, `{"ok":true,"result":{"message_id":"nine"}}`)
	if _, err := c.Send(ctx, bot.Message{ChatID: 5, Text: "x"}); err == nil || errors.Is(err, bot.ErrRejected) {
		t.Errorf("answer with a bad message_id: err = %v, want a plain error", err)
	}
}

// TestHotPathErrorsNeverCarryTheToken: whatever fails on the hot path
// (the connection, or an answer that quotes the request) prints no token.
func TestHotPathErrorsNeverCarryTheToken(t *testing.T) {
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			w.Write([]byte(getMeAnswer))
			return
		}
		if strings.HasSuffix(r.URL.Path, "/editMessageText") {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"ok":false,"error_code":400,"description":"Bad Request: can't call ` + r.URL.Path + `"}`))
			return
		}
		if strings.HasSuffix(r.URL.Path, "/editMessageCaption") {
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`<html>upstream ` + r.URL.String() + ` failed</html>`))
			return
		}
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	}))
	defer hangUp.Close()
	c, err := New(context.Background(), token, hangUp.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	errs := map[string]error{}
	_, errs["sendMessage"] = c.Send(ctx, bot.Message{ChatID: 1, Text: "x"})
	_, errs["sendPhoto"] = c.Send(ctx, bot.Message{ChatID: 1, Text: "x", Photo: "https://img.example/a.jpg"})
	errs["editMessageText"] = c.Edit(ctx, 1, 2, bot.Message{Text: "x"})
	errs["editMessageCaption"] = c.Edit(ctx, 1, 2, bot.Message{Text: "x", EditCaption: true})
	for method, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", method)
			continue
		}
		if strings.Contains(err.Error(), "secret-token-value") {
			t.Errorf("%s: error carries the token: %v", method, err)
		}
	}
	for _, method := range []string{"sendMessage", "sendPhoto", "editMessageText"} {
		if err := errs[method]; err != nil && !strings.Contains(err.Error(), "<token>") {
			t.Errorf("%s: error lost the redacted URL: %v", method, err)
		}
	}
}

// bodyLater is a transport that answers at once and reads the request
// body only afterwards, as http.Transport may when the answer comes before
// the body is written.
type bodyLater struct {
	bodies chan io.ReadCloser
}

func (t *bodyLater) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/getMe") {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(getMeAnswer)), Request: r}, nil
	}
	again, err := r.GetBody()
	if err != nil {
		return nil, err
	}
	t.bodies <- r.Body
	t.bodies <- again
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(sentMessageAnswer)), Request: r}, nil
}

// TestPooledBodyOutlivesTheAnswer: a request body the transport has not
// finished with is not reused for the next send, though Send has returned.
func TestPooledBodyOutlivesTheAnswer(t *testing.T) {
	tr := &bodyLater{bodies: make(chan io.ReadCloser, 400)}
	c, err := New(context.Background(), token, "http://api.example", &http.Client{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{}
	for i := range 100 {
		chat := int64(1000 + i)
		if _, err := c.Send(context.Background(), bot.Message{ChatID: chat, Text: strings.Repeat("ن", 10+i)}); err != nil {
			t.Fatal(err)
		}
		want[chat] = true
	}
	close(tr.bodies)
	got := map[int64]int{}
	for b := range tr.bodies {
		raw, err := io.ReadAll(b)
		b.Close()
		var p struct {
			ChatID int64  `json:"chat_id"`
			Text   string `json:"text"`
		}
		if err != nil || json.Unmarshal(raw, &p) != nil || p.Text != strings.Repeat("ن", 10+int(p.ChatID-1000)) {
			t.Fatalf("body read after the answer: %q, %v", raw, err)
		}
		got[p.ChatID]++
	}
	for chat := range want {
		if got[chat] != 2 {
			t.Errorf("chat %d: %d bodies, want 2 (the body and GetBody's)", chat, got[chat])
		}
	}
}

// TestSendAllocations bounds the client's own allocations per send, the
// answer coming from an in-process transport so nothing else counts. The
// library's path (form encoding, a whole Message decoded) took 107 here,
// the lean one 30, then 22 through http.Client and 16 straight to the
// transport (wire.go); the test's transport makes about 9.
func TestSendAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	c, _ := cannedClient(t)
	m := bot.Message{ChatID: 77, Text: strings.Repeat("<b>عاجل:</b> أعلنت الوزارة. ", 10), HTML: true, DisablePreview: true,
		Buttons: [][]bot.Button{{{Text: "اقرأ", URL: "https://example.com/news/1"}, {Text: "نسخ", CopyText: "https://example.com/news/1"}}}}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := c.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.0f allocations per send", allocs)
	if allocs > 20 {
		t.Errorf("Send allocates %.0f times, want at most 20", allocs)
	}
}

// BenchmarkSend measures Client.Send of a card with a keyboard: against
// the fake Bot API over loopback (the fake's allocations count too), and
// against an in-process transport (the client's alone).
func BenchmarkSend(b *testing.B) {
	m := bot.Message{Text: `<b>عاجل:</b> أعلنت وزارة الصحة ارتفاع عدد الضحايا، وقالت مصادر طبية إن المستشفيات تعمل بطاقتها القصوى. <a href="https://example.com/news/1?utm=x&amp;y=2">المصدر</a>`,
		HTML: true, DisablePreview: true,
		Buttons: [][]bot.Button{{{Text: "المصدر", URL: "https://example.com/news/1"}, {Text: "نسخ", CopyText: "https://example.com/news/1"}}}}
	ctx := context.Background()
	b.Run("fake", func(b *testing.B) {
		srv := telegramtest.NewServer(telegramtest.Options{Token: token, NoCallLog: true})
		b.Cleanup(srv.Close)
		c, err := New(ctx, token, srv.URL(), &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}})
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			i++
			m.ChatID = int64(1 + i%100000)
			if _, err := c.Send(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fake-h2", func(b *testing.B) {
		// As production reaches api.telegram.org: HTTP/2 over TLS.
		srv := telegramtest.NewUnstarted(telegramtest.Options{Token: token, NoCallLog: true})
		b.Cleanup(srv.Close)
		ts := httptest.NewUnstartedServer(srv.Handler())
		ts.EnableHTTP2 = true
		ts.StartTLS()
		b.Cleanup(ts.Close)
		tr := ts.Client().Transport.(*http.Transport).Clone()
		tr.ForceAttemptHTTP2 = true
		c, err := New(ctx, token, ts.URL, &http.Client{Timeout: time.Minute, Transport: tr})
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			i++
			m.ChatID = int64(1 + i%100000)
			if _, err := c.Send(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client", func(b *testing.B) {
		c, _ := cannedClient(b)
		m.ChatID = 77
		for b.Loop() {
			if _, err := c.Send(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzHotPathMatchesLibrary: whatever refusal Telegram (or something in
// its place) answers, a send fails as the library's path would have: the
// same policy errors, the same wait, the same migration, and, when the
// library read a Bot API error, the same message.
func FuzzHotPathMatchesLibrary(f *testing.F) {
	for _, s := range []string{
		`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`,
		`{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1005}}`,
		`{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user","result":true}`,
		`{"ok":false,"error_code":400,"description":"Bad Request: message is too long","result":{"message_id":"x"}}`,
		`{"ok":false,"error_code":"400","description":"Bad Request: chat not found"}`,
		`{"OK":false,"Error_Code":400,"description":"bad request: CHAT_WRITE_FORBIDDEN","parameters":null}`,
		`{"ok":false,"error_code":502,"description":"Bad Gateway"}`,
		`{"ok":false}`,
		`<html>502</html>`,
	} {
		f.Add(400, s)
	}
	c, tr := cannedClient(f)
	ctx := context.Background()
	params := tgbotapi.Params{"chat_id": "5", "text": "x"}
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 999 {
			return
		}
		var lib tgbotapi.APIResponse
		if !json.Valid([]byte(body)) || json.Unmarshal([]byte(body), &lib) == nil && lib.Ok {
			return // not JSON: both plain (TestHotPathDecodesAnswers); ok: the hot path reads less
		}
		tr.set(status, body)
		_, got := c.Send(ctx, bot.Message{ChatID: 5, Text: "x"})
		_, want := c.call(ctx, "sendMessage", params)
		if got == nil || want == nil {
			t.Fatalf("answer %d %s: err = %v, library %v", status, body, got, want)
		}
		for _, k := range errorKinds {
			if errors.Is(got, k) != errors.Is(want, k) {
				t.Errorf("answer %s: errors.Is(%v, %v) = %v, library %v", body, got, k, errors.Is(got, k), want)
			}
		}
		var rl, wrl *bot.RateLimitError
		if errors.As(got, &rl) != errors.As(want, &wrl) || rl != nil && *rl != *wrl {
			t.Errorf("answer %s: err = %v, library %v", body, got, want)
		}
		var mig, wmig *bot.MigratedError
		if errors.As(got, &mig) != errors.As(want, &wmig) || mig != nil && *mig != *wmig {
			t.Errorf("answer %s: err = %v, library %v", body, got, want)
		}
		var te *tgbotapi.Error
		if errors.As(want, &te) && got.Error() != want.Error() {
			t.Errorf("answer %s: err = %q, library %q", body, got, want)
		}
	})
}

// FuzzAppendString: the hand-written JSON string encoder says what
// encoding/json says, for any bytes, valid UTF-8 or not.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "عاجل", "a\"b\\c", "\n\r\t\b\f\x00\x1f\x7f", "\xff\xfe", "\u2028\u2029", "<b>&amp;</b>", "😀", "\xed\xa0\x80", "a\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString([]byte("x"), s)
		if got[0] != 'x' {
			t.Fatalf("appendString overwrote the buffer: %q", got)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if want := bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got[1:], want) {
			t.Errorf("appendString(%q) = %s, encoding/json says %s", s, got[1:], want)
		}
	})
}

// cardText is a card's text as the bot sends one: a title, a summary of a
// few hundred characters of Arabic HTML, and its links.
var cardText = `<b>عاجل: أعلنت وزارة الصحة ارتفاع عدد الضحايا</b>` + "\n\n" +
	strings.Repeat(`وقالت مصادر طبية إن المستشفيات تعمل بطاقتها القصوى، وإن فرق الإسعاف ما زالت تنقل المصابين "من المناطق المتضررة". `, 6) +
	"\n\n" + `<a href="https://example.com/news/1?utm=x&amp;y=2">المصدر</a> · <i>منذ 5 دقائق</i>`

// TestTextCacheEncodesAsAppendString: a text encodes the same from the
// cache as without it, the first time and every time after, and texts that
// differ never share an encoding, also across the cache being emptied.
func TestTextCacheEncodesAsAppendString(t *testing.T) {
	var c textCache
	texts := []string{cardText, cardText + "\t\"\\", strings.Repeat("x", 300), "short <b>\"text\"</b>"}
	for i := range maxCachedTexts + 10 {
		texts = append(texts, fmt.Sprintf("%s %d", cardText, i))
	}
	for round := range 2 {
		for _, s := range texts {
			got := c.append([]byte("prefix"), s)
			want := appendString([]byte("prefix"), s)
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d: text of %d bytes encoded %q, want %q", round, len(s), got, want)
			}
		}
	}
	if len(c.m) > maxCachedTexts {
		t.Errorf("cache holds %d texts, want at most %d", len(c.m), maxCachedTexts)
	}
}

// BenchmarkCardJSON measures encoding a card's parameters for one chat of
// a fan-out: every text encoded anew, and from the text cache.
func BenchmarkCardJSON(b *testing.B) {
	m := bot.Message{ChatID: 77, Text: cardText, HTML: true, DisablePreview: true,
		Buttons: [][]bot.Button{{{Text: "📖 قراءة الخبر", URL: "https://example.com/news/1"}, {Text: "📤 مشاركة", CallbackData: "s:abc"}}}}
	buf := make([]byte, 0, 8<<10)
	b.Run("encoded", func(b *testing.B) {
		for b.Loop() {
			buf = appendMessage(buf[:0], methodSendMessage, m.ChatID, 0, m, nil)
		}
	})
	b.Run("cached", func(b *testing.B) {
		var texts textCache
		for b.Loop() {
			buf = appendMessage(buf[:0], methodSendMessage, m.ChatID, 0, m, &texts)
		}
	})
}

// TestHotSendKeepsTheClientTimeout: a send goes to the transport without
// http.Client, and still ends by the client's Timeout when its context
// has no sooner deadline, and by the context's when that is sooner.
func TestHotSendKeepsTheClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := telegramtest.NewUnstarted(telegramtest.Options{Token: token, NoCallLog: true})
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/sendMessage") {
			select { // Telegram does not answer for 10s
			case <-release:
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	c, err := New(context.Background(), token, ts.URL, &http.Client{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := bot.Message{ChatID: 5, Text: "x"}
	start := time.Now()
	_, err = c.Send(context.Background(), m)
	if took := time.Since(start); err == nil || took > 5*time.Second {
		t.Fatalf("send to a server that never answers: err %v after %v, want an error by the client's timeout", err, took)
	}
	if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "<token>") {
		t.Errorf("error %q: want the call's URL, redacted", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c.http.Timeout = time.Hour
	start = time.Now()
	if _, err = c.Send(ctx, m); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("send under a context of 50ms: err %v after %v", err, time.Since(start))
	}
}
