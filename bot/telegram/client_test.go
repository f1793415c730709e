package telegram

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
)

const token = "4242:secret-token-value"

func newClient(t *testing.T, opts telegramtest.Options) (*Client, *telegramtest.Server) {
	t.Helper()
	opts.Token = token
	opts.OnUnknownMethod = func(m string) { t.Errorf("unknown method %q", m) }
	srv := telegramtest.NewServer(opts)
	t.Cleanup(srv.Close)
	c, err := New(context.Background(), token, srv.URL(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestSendMapsTelegramErrors(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	srv.Block(1)
	srv.Migrate(-5, -1005)
	srv.FailChat(3, 400, "Bad Request: chat not found")
	srv.FailChat(4, 403, "Forbidden: user is deactivated")

	if _, err := c.Send(ctx, bot.Message{ChatID: 1, Text: "x"}); !errors.Is(err, bot.ErrChatGone) {
		t.Errorf("blocked: err = %v, want ErrChatGone", err)
	}
	var mig *bot.MigratedError
	if _, err := c.Send(ctx, bot.Message{ChatID: -5, Text: "x"}); !errors.As(err, &mig) || mig.To != -1005 {
		t.Errorf("migrated: err = %v, want MigratedError{-1005}", err)
	}
	for _, id := range []int64{3, 4} {
		if _, err := c.Send(ctx, bot.Message{ChatID: id, Text: "x"}); !errors.Is(err, bot.ErrChatGone) {
			t.Errorf("chat %d: err = %v, want ErrChatGone", id, err)
		}
	}
	if _, err := c.Send(ctx, bot.Message{ChatID: 7, Text: "<b>غير مغلق", HTML: true}); !errors.Is(err, bot.ErrRejected) {
		t.Errorf("bad HTML: err = %v, want ErrRejected", err)
	}
	if _, err := c.Send(ctx, bot.Message{ChatID: 7, Text: strings.Repeat("خ", 4097)}); !errors.Is(err, bot.ErrRejected) {
		t.Errorf("too long: err = %v, want ErrRejected", err)
	}
	srv.FailNext("sendMessage", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`)
	var rl *bot.RateLimitError
	if _, err := c.Send(ctx, bot.Message{ChatID: 8, Text: "x"}); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: err = %v, want RateLimitError{7s}", err)
	}
	srv.FailNext("sendMessage", 502, "<html><body>502 Bad Gateway</body></html>")
	_, err := c.Send(ctx, bot.Message{ChatID: 9, Text: "x"})
	if err == nil || errors.Is(err, bot.ErrChatGone) || errors.Is(err, bot.ErrRejected) {
		t.Errorf("502 HTML: err = %v, want a plain retryable error", err)
	}
	id, err := c.Send(ctx, bot.Message{ChatID: 9, Text: "<b>عاجل</b>", HTML: true,
		Buttons: [][]bot.Button{{{Text: "اقرأ", URL: "https://a.example/x"}, {Text: "نسخ", CopyText: "https://a.example/x"}}}})
	if err != nil || id == 0 {
		t.Fatalf("send = %d, %v", id, err)
	}
	got := srv.SentTo(9)
	if len(got) != 1 || got[0].ParsedText != "عاجل" || !strings.Contains(string(got[0].ReplyMarkup), `"copy_text":{"text":"https://a.example/x"}`) {
		t.Errorf("sent = %+v", got)
	}
}

func TestErrorsNeverCarryTheToken(t *testing.T) {
	// A server that hangs up: Go's *url.Error then prints the whole URL.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			w.Write([]byte(`{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"a","username":"a_bot"}}`))
			return
		}
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	}))
	defer srv.Close()
	c, err := New(context.Background(), token, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"})
	if err == nil {
		t.Fatal("send to a server that hangs up succeeded")
	}
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Fatalf("error carries the token: %v", err)
	}
	if !strings.Contains(err.Error(), "<token>") {
		t.Errorf("error lost the redacted URL: %v", err)
	}

	// And a Bot API that cannot be reached at start-up.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = New(context.Background(), "1:wrong-token-xyz", "http://"+addr, nil)
	if err == nil || strings.Contains(err.Error(), "wrong-token-xyz") {
		t.Errorf("New with a bad endpoint: err = %v", err)
	}
}

type memOffsets struct {
	mu  sync.Mutex
	off int64
}

func (m *memOffsets) UpdateOffset(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.off, nil
}

func (m *memOffsets) SetUpdateOffset(_ context.Context, off int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.off = off
	return nil
}

func TestPollDeliversUpdatesInOrderPerChatAndKeepsOffset(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	u1 := telegramtest.User{ID: 1, FirstName: "a", LanguageCode: "ar"}
	u2 := telegramtest.User{ID: 2, FirstName: "b"}
	for i := range 3 {
		srv.UserMessage(telegramtest.Chat{ID: 1, Type: "private"}, u1, "/m"+string(rune('0'+i)))
		srv.UserMessage(telegramtest.Chat{ID: 2, Type: "private"}, u2, "/n"+string(rune('0'+i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	got := map[int64][]string{}
	offsets := &memOffsets{}
	handle := func(_ context.Context, u bot.Update) error {
		mu.Lock()
		defer mu.Unlock()
		got[u.Message.Chat.ID] = append(got[u.Message.Chat.ID], u.Message.Text)
		if len(got[1])+len(got[2]) == 6 {
			cancel()
		}
		return nil
	}
	done := make(chan struct{})
	go func() { c.Poll(ctx, offsets, time.Second, handle, slog.New(slog.DiscardHandler)); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("poll did not finish")
	}
	if a, b := strings.Join(got[1], ","), strings.Join(got[2], ","); a != "/m0,/m1,/m2" || b != "/n0,/n1,/n2" {
		t.Errorf("order: chat 1 %s, chat 2 %s", a, b)
	}
	if off, _ := offsets.UpdateOffset(ctx); off != 7 {
		t.Errorf("offset = %d, want 7 (last update_id 6 + 1)", off)
	}
}

func TestWebhookRefusesRequestsWithoutTheSecret(t *testing.T) {
	var logs bytes.Buffer
	handled := 0
	h := WebhookHandler("s3cret_token-1", func(context.Context, bot.Update) error { handled++; return nil },
		slog.New(slog.NewTextHandler(&logs, nil)))
	body := `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"/start"}}`
	tests := map[string]struct {
		secret string
		method string
		want   int
	}{
		"no secret":    {"", http.MethodPost, http.StatusForbidden},
		"wrong secret": {"s3cret_token-2", http.MethodPost, http.StatusForbidden},
		"GET":          {"s3cret_token-1", http.MethodGet, http.StatusMethodNotAllowed},
		"right secret": {"s3cret_token-1", http.MethodPost, http.StatusOK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/", strings.NewReader(body))
			if tc.secret != "" {
				r.Header.Set("X-Telegram-Bot-Api-Secret-Token", tc.secret)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("status = %d, want %d", w.Code, tc.want)
			}
		})
	}
	if handled != 1 {
		t.Errorf("handled %d updates, want 1 (only the one with the secret)", handled)
	}
}

func TestSetCommandsPerLanguage(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	for lang, text := range map[string]string{"ar": "ar", "": "en"} {
		if err := c.SetCommands(ctx, lang, bot.Commands(text)); err != nil {
			t.Fatal(err)
		}
	}
	ar := srv.Commands("default", "ar")
	def := srv.Commands("default", "")
	if len(ar) != 10 || len(def) != 10 || ar[0].Description == def[0].Description {
		t.Errorf("commands ar=%v default=%v: want 10 each, different descriptions", ar, def)
	}
}

func TestPhotoCardsAndTheirFallback(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	card := bot.Message{ChatID: 5, Text: "<b>عنوان</b>\nملخص", HTML: true, Photo: "https://img.example/a.jpg",
		Buttons: [][]bot.Button{{{Text: "اقرأ", URL: "https://a.example/x"}}}}
	if _, err := c.Send(ctx, card); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Calls("sendPhoto")); n != 1 {
		t.Fatalf("sendPhoto calls = %d, want 1", n)
	}
	// Telegram cannot fetch the image: the card goes out as text.
	srv.FailNext("sendPhoto", 400, `{"ok":false,"error_code":400,"description":"Bad Request: failed to get HTTP URL content"}`)
	card.ChatID = 6
	if _, err := c.Send(ctx, card); err != nil {
		t.Fatal(err)
	}
	got := srv.SentTo(6)
	if len(got) != 1 || got[0].ParsedText != "عنوان\nملخص" || len(got[0].Photo) != 0 {
		t.Errorf("fallback sent %+v, want the text card", got)
	}
	// A large preview above the text, through link_preview_options.
	if _, err := c.Send(ctx, bot.Message{ChatID: 7, Text: "x", PreviewURL: "https://a.example/x"}); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls("sendMessage")
	if lp := calls[len(calls)-1].Params["link_preview_options"]; !strings.Contains(lp, `"show_above_text":true`) || !strings.Contains(lp, "https://a.example/x") {
		t.Errorf("link_preview_options = %s", lp)
	}
}

func TestPaidBroadcastParameter(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	if _, err := c.Send(context.Background(), bot.Message{ChatID: 3, Text: "x", PaidBroadcast: true}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("sendMessage")[0].Params["allow_paid_broadcast"]; got != "true" {
		t.Errorf("allow_paid_broadcast = %q, want true", got)
	}
}
