package telegram

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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

// each accepts updates by handling them one by one, at once.
func each(handle func(context.Context, bot.Update) error) AcceptFunc {
	return func(ctx context.Context, us []bot.Update) error {
		for _, u := range us {
			_ = handle(ctx, u)
		}
		return nil
	}
}

// A batch is confirmed to Telegram only once accepted: when accept
// refuses it (the store is down), the next getUpdates asks for the same
// updates again, and the offset moves only after they are taken.
func TestPollConfirmsOnlyAcceptedUpdates(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	u1 := telegramtest.User{ID: 1, FirstName: "a"}
	srv.UserMessage(telegramtest.Chat{ID: 1, Type: "private"}, u1, "/a")
	srv.UserMessage(telegramtest.Chat{ID: 1, Type: "private"}, u1, "/b")
	ctx, cancel := context.WithCancel(context.Background())
	offsets := &memOffsets{}
	var mu sync.Mutex
	var tries []string
	var offsetAtTry []int64
	accept := AcceptFunc(func(_ context.Context, us []bot.Update) error {
		mu.Lock()
		defer mu.Unlock()
		var texts []string
		for _, u := range us {
			texts = append(texts, u.Message.Text)
		}
		tries = append(tries, strings.Join(texts, ","))
		off, _ := offsets.UpdateOffset(ctx)
		offsetAtTry = append(offsetAtTry, off)
		if len(tries) == 1 {
			return errors.New("redis: connection refused")
		}
		cancel()
		return nil
	})
	done := make(chan struct{})
	go func() { c.Poll(ctx, offsets, time.Second, accept, slog.New(slog.DiscardHandler)); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("poll did not finish")
	}
	if got := strings.Join(tries, " | "); got != "/a,/b | /a,/b" {
		t.Errorf("accepted batches %q, want the refused batch again", got)
	}
	if offsetAtTry[1] != 0 {
		t.Errorf("offset %d saved before the batch was accepted", offsetAtTry[1])
	}
	if srv.PendingUpdates() != 2 {
		t.Errorf("Telegram holds %d updates, want 2 (not confirmed yet)", srv.PendingUpdates())
	}
	if off, _ := offsets.UpdateOffset(context.Background()); off != 3 {
		t.Errorf("offset = %d after the batch was taken, want 3", off)
	}
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
	go func() { c.Poll(ctx, offsets, time.Second, each(handle), slog.New(slog.DiscardHandler)); close(done) }()
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
	h := WebhookHandler("s3cret_token-1", each(func(context.Context, bot.Update) error { handled++; return nil }),
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

// An update the bot could not take is answered 503, so Telegram sends it
// again; one taken is answered 200 before it is handled.
func TestWebhookAnswersOnceTaken(t *testing.T) {
	body := `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"/start"}}`
	for name, tc := range map[string]struct {
		err  error
		want int
	}{
		"taken":     {nil, http.StatusOK},
		"not taken": {errors.New("redis: connection refused"), http.StatusServiceUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			var got []bot.Update
			h := WebhookHandler("s3cret_token-1", AcceptFunc(func(_ context.Context, us []bot.Update) error {
				got = append(got, us...)
				return tc.err
			}), slog.New(slog.DiscardHandler))
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			r.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_token-1")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("status = %d, want %d", w.Code, tc.want)
			}
			if len(got) != 1 || got[0].ID != 1 || got[0].Message.Text != "/start" {
				t.Errorf("accepted %+v, want update 1", got)
			}
		})
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

func TestPhotoCards(t *testing.T) {
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
	// Telegram cannot fetch the image: the caller hears it was the photo,
	// and decides what to send instead (the bot sends the text card).
	srv.FailNext("sendPhoto", 400, `{"ok":false,"error_code":400,"description":"Bad Request: failed to get HTTP URL content"}`)
	card.ChatID = 6
	if _, err := c.Send(ctx, card); !errors.Is(err, bot.ErrBadPhoto) || !errors.Is(err, bot.ErrRejected) {
		t.Errorf("unreachable image: err = %v, want ErrBadPhoto", err)
	}
	if got := srv.SentTo(6); len(got) != 0 || len(srv.Calls("sendMessage")) != 0 {
		t.Errorf("the client sent %+v on its own, want nothing", got)
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

// TestClassify: Telegram's answers map to what the delivery policy does
// with them, matched on meaning. Any 400 is the request's fault, a known
// one or not: never a plain (retryable) error.
func TestClassify(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	body := func(code int, desc string) string {
		return `{"ok":false,"error_code":` + strconv.Itoa(code) + `,"description":"` + desc + `"}`
	}
	tests := map[string]struct {
		code int
		desc string
		want []error // every one must match; nil: a plain, retryable error
	}{
		"unknown 400":              {400, "Bad Request: SOMETHING_NEW_AND_STRANGE", []error{bot.ErrRejected}},
		"copy text invalid":        {400, "Bad Request: COPY_TEXT_INVALID", []error{bot.ErrRejected}},
		"markup too long":          {400, "Bad Request: reply markup is too long", []error{bot.ErrRejected}},
		"bad HTML":                 {400, "Bad Request: can't parse entities: Unsupported start tag \\\"x\\\" at byte offset 0", []error{bot.ErrRejected, bot.ErrBadText}},
		"unreachable image":        {400, "Bad Request: wrong file identifier/HTTP URL specified", []error{bot.ErrRejected, bot.ErrBadPhoto}},
		"image dimensions":         {400, "Bad Request: PHOTO_INVALID_DIMENSIONS", []error{bot.ErrRejected, bot.ErrBadPhoto}},
		"caption too long":         {400, "Bad Request: message caption is too long", []error{bot.ErrRejected, bot.ErrBadPhoto}},
		"edit of a photo's text":   {400, "Bad Request: there is no text in the message to edit", []error{bot.ErrRejected, bot.ErrWrongEditKind}},
		"edit of a text's caption": {400, "Bad Request: there is no caption in the message to edit", []error{bot.ErrRejected, bot.ErrWrongEditKind}},
		"no text rights":           {400, "Bad Request: not enough rights to send text messages to the chat", []error{bot.ErrCannotPost}},
		"no rights":                {400, "Bad Request: have no rights to send a message", []error{bot.ErrCannotPost}},
		"channel not admin":        {400, "Bad Request: need administrator rights in the channel chat", []error{bot.ErrCannotPost}},
		"write forbidden":          {400, "Bad Request: CHAT_WRITE_FORBIDDEN", []error{bot.ErrCannotPost}},
		"write forbidden, 403":     {403, "Forbidden: CHAT_WRITE_FORBIDDEN", []error{bot.ErrCannotPost}},
		"deactivated":              {400, "Bad Request: group is deactivated", []error{bot.ErrCannotPost}},
		"topic closed":             {400, "Bad Request: TOPIC_CLOSED", []error{bot.ErrCannotPost}},
		"reworded rights":          {400, "Bad Request: Not Enough Rights to send messages", []error{bot.ErrCannotPost}},
		"no photo rights":          {400, "Bad Request: not enough rights to send photos to the chat", []error{bot.ErrNoPhotos}},
		"kicked":                   {403, "Forbidden: bot was kicked from the supergroup chat", []error{bot.ErrChatGone}},
		"chat not found":           {400, "Bad Request: chat not found", []error{bot.ErrChatGone}},
		"JSON 502":                 {502, "Bad Gateway", nil},
		"JSON 500":                 {500, "Internal Server Error", nil},
	}
	kinds := []error{bot.ErrRejected, bot.ErrBadText, bot.ErrBadPhoto, bot.ErrWrongEditKind, bot.ErrCannotPost, bot.ErrNoPhotos, bot.ErrChatGone}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv.FailNext("sendMessage", tc.code, body(tc.code, tc.desc))
			_, err := c.Send(ctx, bot.Message{ChatID: 5, Text: "x"})
			if err == nil {
				t.Fatal("no error")
			}
			for _, k := range kinds {
				if got, want := errors.Is(err, k), slices.Contains(tc.want, k); got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, k, got, want)
				}
			}
		})
	}
	srv.FailNext("sendMessage", 502, "<html><body>502 Bad Gateway</body></html>")
	_, err := c.Send(ctx, bot.Message{ChatID: 5, Text: "x"})
	for _, k := range kinds {
		if errors.Is(err, k) {
			t.Errorf("HTML 502: err %v is %v, want a plain retryable error", err, k)
		}
	}
}

// TestEditUsesTheMethodOfTheMessage: a photo's caption is edited with
// editMessageCaption and a text with editMessageText, as EditCaption says;
// an edit that changes nothing is success; the wrong method is
// ErrWrongEditKind.
func TestEditUsesTheMethodOfTheMessage(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	card := bot.Message{ChatID: 5, Text: "<b>عنوان</b>", HTML: true, Photo: "https://img.example/a.jpg", Silent: true,
		Buttons: [][]bot.Button{{{Text: "اقرأ", URL: "https://a.example/x"}}}}
	photoID, err := c.Send(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	textID, err := c.Send(ctx, bot.Message{ChatID: 5, Text: "نص", DisablePreview: true})
	if err != nil {
		t.Fatal(err)
	}
	edit := card
	edit.Photo, edit.Text, edit.EditCaption = "", "<b>عنوان معدّل</b>", true
	if err := c.Edit(ctx, 5, photoID, edit); err != nil {
		t.Fatalf("caption edit: %v", err)
	}
	if err := c.Edit(ctx, 5, photoID, edit); err != nil {
		t.Errorf("the same caption edit again: %v, want success (not modified)", err)
	}
	if calls := srv.Calls("editMessageCaption"); len(calls) != 2 || calls[0].Params["caption"] != edit.Text {
		t.Errorf("editMessageCaption calls = %+v", calls)
	}
	if got := srv.SentTo(5); got[len(got)-1].ParsedText != "عنوان معدّل" || !got[len(got)-1].Edited {
		t.Errorf("last record = %+v, want the edited caption", got[len(got)-1])
	}
	if err := c.Edit(ctx, 5, textID, bot.Message{Text: "نص معدّل", DisablePreview: true}); err != nil {
		t.Fatalf("text edit: %v", err)
	}
	if err := c.Edit(ctx, 5, photoID, bot.Message{Text: "x"}); !errors.Is(err, bot.ErrWrongEditKind) {
		t.Errorf("text edit of a photo: err = %v, want ErrWrongEditKind", err)
	}
	if err := c.Edit(ctx, 5, textID, bot.Message{Text: "x", EditCaption: true}); !errors.Is(err, bot.ErrWrongEditKind) {
		t.Errorf("caption edit of a text: err = %v, want ErrWrongEditKind", err)
	}
}

// TestDocuments: a file goes to a chat as a document with its name and
// caption, a file a user sent downloads with getFile, and one over the
// caller's limit is refused without its bytes; no error carries the token.
func TestDocuments(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	ctx := context.Background()
	if err := c.SendDocument(ctx, 7, "list.opml", []byte("<opml/>"), "القائمة"); err != nil {
		t.Fatal(err)
	}
	sent := srv.SentTo(7)
	if len(sent) != 1 || sent[0].Document == nil || sent[0].Document.FileName != "list.opml" || sent[0].ParsedText != "القائمة" {
		t.Fatalf("sent %+v, want the document list.opml with its caption", sent)
	}
	if data, _ := srv.File(sent[0].Document.FileID); string(data) != "<opml/>" {
		t.Errorf("document bytes = %q", data)
	}

	_, id := srv.UserDocument(telegramtest.Chat{ID: 8, Type: "private"}, telegramtest.User{ID: 8, FirstName: "u"}, "x.opml", []byte("<opml>from a user</opml>"), "")
	got, err := c.Download(ctx, id, 100)
	if err != nil || string(got) != "<opml>from a user</opml>" {
		t.Errorf("Download = %q, %v", got, err)
	}
	if _, err := c.Download(ctx, id, 10); err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("Download over the limit = %v, want an error without the token", err)
	}
	if _, err := c.Download(ctx, "nope", 100); err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("Download of an unknown file = %v, want an error without the token", err)
	}
}
