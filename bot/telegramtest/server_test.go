package telegramtest

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"
)

// newBot starts a fake and a real go-telegram-bot-api client on it, so every
// test checks the wire format against the library the bot uses.
func newBot(t *testing.T, opts Options) (*Server, *tgbotapi.BotAPI) {
	t.Helper()
	if opts.OnUnknownMethod == nil {
		opts.OnUnknownMethod = func(m string) { t.Errorf("unexpected call of unknown method %q", m) }
	}
	srv := NewServer(opts)
	t.Cleanup(srv.Close)
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return srv, bot
}

// apiError asserts err is a Bot API error and returns it.
func apiErr(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *tgbotapi.Error", err, err)
	}
	return e
}

// clock is a settable clock for limit tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var (
	alice   = User{ID: 42, FirstName: "علياء", Username: "alia", LanguageCode: "ar"}
	private = Chat{ID: 42, Type: "private", FirstName: "علياء"}
	group   = Chat{ID: -4001, Type: "group", Title: "أخبار الحي"}
	super   = Chat{ID: -1001234567890, Type: "supergroup", Title: "أخبار"}
	channel = Chat{ID: -1009876543210, Type: "channel", Title: "قناة الأخبار", Username: "akhbar_news"}
)

func TestGetMe(t *testing.T) {
	_, bot := newBot(t, Options{Token: "123:abc"})
	want := tgbotapi.User{ID: BotID, IsBot: true, FirstName: "akhbar", UserName: "akhbar_test_bot", CanJoinGroups: true, SupportsInlineQueries: true}
	if diff := cmp.Diff(want, bot.Self); diff != "" {
		t.Errorf("getMe mismatch (-want +got):\n%s", diff)
	}
}

func TestUnauthorized(t *testing.T) {
	srv := NewServer(Options{Token: "123:right"})
	defer srv.Close()
	_, err := tgbotapi.NewBotAPIWithClient("123:wrong", srv.URL()+"/bot%s/%s", http.DefaultClient)
	e := apiErr(t, err)
	if e.Code != 401 || e.Message != "Unauthorized" {
		t.Errorf("error = %d %q, want 401 Unauthorized", e.Code, e.Message)
	}
}

func TestUnknownMethod(t *testing.T) {
	var got []string
	_, bot := newBot(t, Options{OnUnknownMethod: func(m string) { got = append(got, m) }})
	_, err := bot.MakeRequest("sendDice", tgbotapi.Params{"chat_id": "42"})
	e := apiErr(t, err)
	if e.Code != 404 || e.Message != "Not Found: method not found" {
		t.Errorf("error = %d %q, want 404 Not Found: method not found", e.Code, e.Message)
	}
	if diff := cmp.Diff([]string{"sendDice"}, got); diff != "" {
		t.Errorf("OnUnknownMethod calls mismatch (-want +got):\n%s", diff)
	}
}

func TestMethodNamesAreCaseInsensitive(t *testing.T) {
	_, bot := newBot(t, Options{})
	if _, err := bot.MakeRequest("SENDMESSAGE", tgbotapi.Params{"chat_id": "42", "text": "x"}); err != nil {
		t.Fatal(err)
	}
}

func TestSendMessage(t *testing.T) {
	srv, bot := newBot(t, Options{})
	msg := tgbotapi.NewMessage(42, "<b>عاجل:</b> وقف إطلاق النار في <a href=\"https://example.com/a?x=1&amp;y=2\">غزة</a>")
	msg.ParseMode = tgbotapi.ModeHTML
	msg.DisableWebPagePreview = true
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonURL("المصدر", "https://example.com/a"),
		tgbotapi.NewInlineKeyboardButtonData("المزيد", "more:1"),
	))
	got, err := bot.Send(msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got.MessageID != 1 || got.Chat.ID != 42 || got.Chat.Type != "private" || got.From == nil || got.From.ID != BotID {
		t.Errorf("message header = id %d chat %+v from %+v", got.MessageID, got.Chat, got.From)
	}
	if want := "عاجل: وقف إطلاق النار في غزة"; got.Text != want {
		t.Errorf("text = %q, want %q", got.Text, want)
	}
	wantEntities := []tgbotapi.MessageEntity{
		{Type: "bold", Offset: 0, Length: 5},
		{Type: "text_link", Offset: 25, Length: 3, URL: "https://example.com/a?x=1&y=2"},
	}
	if diff := cmp.Diff(wantEntities, got.Entities); diff != "" {
		t.Errorf("entities mismatch (-want +got):\n%s", diff)
	}
	if got.ReplyMarkup == nil || len(got.ReplyMarkup.InlineKeyboard) != 1 || *got.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "more:1" {
		t.Errorf("reply markup = %+v", got.ReplyMarkup)
	}

	sent := srv.SentTo(42)
	if len(sent) != 1 {
		t.Fatalf("SentTo(42) has %d messages, want 1", len(sent))
	}
	rec := sent[0]
	if rec.Text != msg.Text || rec.ParsedText != got.Text || rec.ParseMode != "HTML" || rec.Edited || rec.ChatID != 42 {
		t.Errorf("record = %+v", rec)
	}
	if want := `{"inline_keyboard":[[{"text":"المصدر","url":"https://example.com/a"},{"text":"المزيد","callback_data":"more:1"}]]}`; string(rec.ReplyMarkup) != want {
		t.Errorf("recorded markup = %s, want %s", rec.ReplyMarkup, want)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 1 || calls[0].Params["entities"] != "null" || calls[0].Params["disable_web_page_preview"] != "true" || calls[0].Status != 200 {
		t.Errorf("calls = %+v", calls)
	}
}

func TestSendMessageExtras(t *testing.T) {
	_, bot := newBot(t, Options{})
	_, err := bot.MakeRequest("sendMessage", tgbotapi.Params{
		"chat_id":              "42",
		"text":                 "x",
		"link_preview_options": `{"is_disabled":true}`,
		"allow_paid_broadcast": "true",
		"disable_notification": "true",
		"reply_markup":         `{"inline_keyboard":[[{"text":"انسخ","copy_text":{"text":"https://t.me/x"}}]]}`,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLenientEntities(t *testing.T) {
	srv, bot := newBot(t, Options{LenientEntities: true})
	msg := tgbotapi.NewMessage(42, "خبر&nbsp;عاجل &rsquo;")
	msg.ParseMode = tgbotapi.ModeHTML
	m, err := bot.Send(msg)
	if err != nil {
		t.Fatalf("lenient send: %v", err)
	}
	// Telegram shows undecoded entities literally.
	if want := "خبر&nbsp;عاجل &rsquo;"; m.Text != want || srv.Sent()[0].ParsedText != want {
		t.Errorf("text = %q, record %q; want %q", m.Text, srv.Sent()[0].ParsedText, want)
	}
}

func TestMessageIDsIncreasePerChat(t *testing.T) {
	srv, bot := newBot(t, Options{})
	var got []int
	for _, chat := range []int64{42, 42, 43, 42, 43} {
		m, err := bot.Send(tgbotapi.NewMessage(chat, "x"))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.MessageID)
	}
	if diff := cmp.Diff([]int{1, 2, 1, 3, 2}, got); diff != "" {
		t.Errorf("message ids mismatch (-want +got):\n%s", diff)
	}
	// A user's message takes the next id of the chat's sequence too.
	if id := srv.UserMessage(private, alice, "hi"); id != 4 {
		t.Errorf("UserMessage id = %d, want 4", id)
	}
}

func TestSendMessageErrors(t *testing.T) {
	long := strings.Repeat("خ", 4097)
	button := func(b string) string { return `{"inline_keyboard":[[` + b + `]]}` }
	tests := map[string]struct {
		setup      func(*Server)
		params     tgbotapi.Params
		wantCode   int
		wantDesc   string
		wantParams tgbotapi.ResponseParameters
	}{
		"blocked": {
			setup:  func(s *Server) { s.Block(42) },
			params: tgbotapi.Params{"chat_id": "42", "text": "x"}, wantCode: 403, wantDesc: "Forbidden: bot was blocked by the user",
		},
		"blocked wins over bad HTML": {
			setup:  func(s *Server) { s.Block(42) },
			params: tgbotapi.Params{"chat_id": "42", "text": "<div>", "parse_mode": "HTML"}, wantCode: 403, wantDesc: "Forbidden: bot was blocked by the user",
		},
		"kicked from group": {
			setup:  func(s *Server) { s.Kick(group.ID) },
			params: tgbotapi.Params{"chat_id": "-4001", "text": "x"}, wantCode: 403, wantDesc: "Forbidden: bot was kicked from the group chat",
		},
		"kicked from supergroup": {
			setup:  func(s *Server) { s.Kick(super.ID) },
			params: tgbotapi.Params{"chat_id": "-1001234567890", "text": "x"}, wantCode: 403, wantDesc: "Forbidden: bot was kicked from the supergroup chat",
		},
		"kicked from channel": {
			setup:  func(s *Server) { s.AddChat(channel); s.Kick(channel.ID) },
			params: tgbotapi.Params{"chat_id": "@akhbar_news", "text": "x"}, wantCode: 403, wantDesc: "Forbidden: bot was kicked from the channel chat",
		},
		"migrated": {
			setup:  func(s *Server) { s.Migrate(group.ID, super.ID) },
			params: tgbotapi.Params{"chat_id": "-4001", "text": "x"}, wantCode: 400, wantDesc: "Bad Request: group chat was upgraded to a supergroup chat",
			wantParams: tgbotapi.ResponseParameters{MigrateToChatID: super.ID},
		},
		"deactivated": {
			setup:  func(s *Server) { s.FailChat(42, 403, "Forbidden: user is deactivated") },
			params: tgbotapi.Params{"chat_id": "42", "text": "x"}, wantCode: 403, wantDesc: "Forbidden: user is deactivated",
		},
		"unknown username": {
			params: tgbotapi.Params{"chat_id": "@nobody", "text": "x"}, wantCode: 400, wantDesc: "Bad Request: chat not found",
		},
		"no chat": {
			params: tgbotapi.Params{"text": "x"}, wantCode: 400, wantDesc: "Bad Request: chat_id is empty",
		},
		"empty text": {
			params: tgbotapi.Params{"chat_id": "42", "text": ""}, wantCode: 400, wantDesc: "Bad Request: message text is empty",
		},
		"empty after parsing": {
			params: tgbotapi.Params{"chat_id": "42", "text": "<b> </b>", "parse_mode": "HTML"}, wantCode: 400, wantDesc: "Bad Request: message text is empty",
		},
		"bad HTML": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "عاجل <p>نص</p>", "parse_mode": "HTML"},
			wantCode: 400, wantDesc: `Bad Request: can't parse entities: Unsupported start tag "p" at byte offset 9`,
		},
		"nbsp": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "a&nbsp;b", "parse_mode": "HTML"},
			wantCode: 400, wantDesc: `Bad Request: can't parse entities: Unsupported HTML entity "&nbsp;" at byte offset 1`,
		},
		"too long": {
			params: tgbotapi.Params{"chat_id": "42", "text": long}, wantCode: 400, wantDesc: "Bad Request: message is too long",
		},
		"too long after parsing": {
			params: tgbotapi.Params{"chat_id": "42", "text": "<b>" + long + "</b>", "parse_mode": "HTML"}, wantCode: 400, wantDesc: "Bad Request: message is too long",
		},
		"unsupported parse mode": {
			params: tgbotapi.Params{"chat_id": "42", "text": "x", "parse_mode": "XML"}, wantCode: 400, wantDesc: "Bad Request: unsupported parse_mode",
		},
		"callback data too long": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": button(`{"text":"a","callback_data":"` + strings.Repeat("d", 65) + `"}`)},
			wantCode: 400, wantDesc: "Bad Request: BUTTON_DATA_INVALID",
		},
		"javascript url": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": button(`{"text":"a","url":"javascript:alert(1)"}`)},
			wantCode: 400, wantDesc: "Bad Request: BUTTON_URL_INVALID",
		},
		"text-only button": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": button(`{"text":"a"}`)},
			wantCode: 400, wantDesc: "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
		},
		"two actions": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": button(`{"text":"a","url":"https://x.com","callback_data":"y"}`)},
			wantCode: 400, wantDesc: "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used, found url, callback_data",
		},
		"button without text": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": button(`{"callback_data":"y"}`)},
			wantCode: 400, wantDesc: `Bad Request: can't parse inline keyboard button: Field "text" must be of type String`,
		},
		"text not a string": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": button(`{"text":5,"callback_data":"y"}`)},
			wantCode: 400, wantDesc: `Bad Request: can't parse inline keyboard button: Field "text" must be of type String`,
		},
		"keyboard not an array of arrays": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": `{"inline_keyboard":{"a":1}}`},
			wantCode: 400, wantDesc: `Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays`,
		},
		"reply keyboard passes": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "", "reply_markup": `{"keyboard":[[{"text":"a"}]],"resize_keyboard":true}`},
			wantCode: 400, wantDesc: "Bad Request: message text is empty",
		},
		"markup not JSON": {
			params:   tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": `{"inline_keyboard":`},
			wantCode: 400, wantDesc: "Bad Request: can't parse reply keyboard markup JSON object",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv, bot := newBot(t, Options{})
			if tt.setup != nil {
				tt.setup(srv)
			}
			_, err := bot.MakeRequest("sendMessage", tt.params)
			e := apiErr(t, err)
			if e.Code != tt.wantCode || e.Message != tt.wantDesc {
				t.Errorf("error = %d %q\nwant  %d %q", e.Code, e.Message, tt.wantCode, tt.wantDesc)
			}
			if diff := cmp.Diff(tt.wantParams, e.ResponseParameters); diff != "" {
				t.Errorf("parameters mismatch (-want +got):\n%s", diff)
			}
			if n := len(srv.Sent()); n != 0 {
				t.Errorf("Sent() has %d messages after a failed send", n)
			}
			if got := srv.Stats().ClientErrors[tt.wantDesc]; got != 1 {
				t.Errorf("Stats().ClientErrors[%q] = %d, want 1", tt.wantDesc, got)
			}
		})
	}
}

func TestMessageLengthLimitIsInclusive(t *testing.T) {
	_, bot := newBot(t, Options{})
	msg := tgbotapi.NewMessage(42, "<b>"+strings.Repeat("خ", 4090)+"</b> &amp;&lt;&gt;&quot;x")
	msg.ParseMode = tgbotapi.ModeHTML
	if _, err := bot.Send(msg); err != nil {
		t.Fatalf("4096 code points after parsing: %v", err)
	}
}

func TestEditMessages(t *testing.T) {
	srv, bot := newBot(t, Options{})
	markup := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("أ", "a")))
	orig := tgbotapi.NewMessage(42, "<b>قديم</b>")
	orig.ParseMode = tgbotapi.ModeHTML
	orig.ReplyMarkup = markup
	m, err := bot.Send(orig)
	if err != nil {
		t.Fatal(err)
	}

	// Same text and markup: not modified.
	same := tgbotapi.NewEditMessageTextAndMarkup(42, m.MessageID, "<b>قديم</b>", markup)
	same.ParseMode = tgbotapi.ModeHTML
	_, err = bot.Send(same)
	if e := apiErr(t, err); e.Message != "Bad Request: "+notModified {
		t.Errorf("same edit error = %q", e.Message)
	}

	edit := tgbotapi.NewEditMessageText(42, m.MessageID, "<i>جديد</i>")
	edit.ParseMode = tgbotapi.ModeHTML
	got, err := bot.Send(edit)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "جديد" || got.EditDate == 0 || got.ReplyMarkup != nil {
		t.Errorf("edited message = text %q edit_date %d markup %v", got.Text, got.EditDate, got.ReplyMarkup)
	}

	if _, err := bot.Send(tgbotapi.NewEditMessageReplyMarkup(42, m.MessageID, markup)); err != nil {
		t.Fatalf("edit markup: %v", err)
	}
	_, err = bot.Send(tgbotapi.NewEditMessageText(42, 99, "x"))
	if e := apiErr(t, err); e.Message != "Bad Request: message to edit not found" {
		t.Errorf("missing message error = %q", e.Message)
	}
	_, err = bot.Send(tgbotapi.NewEditMessageCaption(42, m.MessageID, "x"))
	if e := apiErr(t, err); e.Message != "Bad Request: there is no caption in the message to edit" {
		t.Errorf("caption of text message error = %q", e.Message)
	}

	if _, err := bot.Request(tgbotapi.NewDeleteMessage(42, m.MessageID)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(42, m.MessageID))
	if e := apiErr(t, err); e.Message != "Bad Request: message to delete not found" {
		t.Errorf("second delete error = %q", e.Message)
	}

	var edited []string
	for _, r := range srv.Sent() {
		edited = append(edited, strconv.FormatBool(r.Edited)+":"+r.ParsedText)
	}
	if diff := cmp.Diff([]string{"false:قديم", "true:جديد", "true:جديد"}, edited); diff != "" {
		t.Errorf("records mismatch (-want +got):\n%s", diff)
	}
	if st := srv.Stats(); st.Sent != 1 || st.Edited != 2 {
		t.Errorf("stats sent %d edited %d, want 1 and 2", st.Sent, st.Edited)
	}
}

func TestSendPhoto(t *testing.T) {
	srv, bot := newBot(t, Options{})
	p := tgbotapi.NewPhoto(42, tgbotapi.FileURL("https://example.com/a.jpg"))
	p.Caption = "<b>صورة</b>"
	p.ParseMode = tgbotapi.ModeHTML
	m, err := bot.Send(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Photo) == 0 || m.Caption != "صورة" || len(m.CaptionEntities) != 1 {
		t.Errorf("photo message = photo %v caption %q entities %v", m.Photo, m.Caption, m.CaptionEntities)
	}
	if c := srv.Calls("sendPhoto"); len(c) != 1 || c[0].Params["photo"] != "https://example.com/a.jpg" {
		t.Errorf("calls = %+v", c)
	}
	p.Caption = strings.Repeat("خ", 1025)
	_, err = bot.Send(p)
	if e := apiErr(t, err); e.Message != "Bad Request: message caption is too long" {
		t.Errorf("long caption error = %q", e.Message)
	}
	ec := tgbotapi.NewEditMessageCaption(42, m.MessageID, "<i>جديد</i>")
	ec.ParseMode = tgbotapi.ModeHTML
	got, err := bot.Send(ec)
	if err != nil || got.Caption != "جديد" {
		t.Errorf("edit caption = %q, %v", got.Caption, err)
	}
	// An uploaded file arrives as multipart/form-data.
	up := tgbotapi.NewPhoto(42, tgbotapi.FileBytes{Name: "card.png", Bytes: []byte("\x89PNG")})
	if _, err := bot.Send(up); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if c := srv.Calls("sendPhoto"); c[len(c)-1].Params["photo"] != "upload:card.png" {
		t.Errorf("upload params = %+v", c[len(c)-1].Params)
	}
}

// TestSendPhotoURLBound: a photo URL over 2,048 bytes is refused the way
// Telegram refuses a URL it cannot use; one of exactly 2,048 passes.
func TestSendPhotoURLBound(t *testing.T) {
	srv, bot := newBot(t, Options{})
	url := func(n int) string {
		const head, tail = "https://img.example.com/", ".jpg"
		return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
	}
	if _, err := bot.Send(tgbotapi.NewPhoto(42, tgbotapi.FileURL(url(2048)))); err != nil {
		t.Errorf("photo URL of 2048 bytes: %v", err)
	}
	_, err := bot.Send(tgbotapi.NewPhoto(42, tgbotapi.FileURL(url(2049))))
	if e := apiErr(t, err); e.Code != 400 || e.Message != "Bad Request: wrong file identifier/HTTP URL specified" {
		t.Errorf("photo URL of 2049 bytes: %d %q", e.Code, e.Message)
	}
	if n := len(srv.SentTo(42)); n != 1 {
		t.Errorf("%d photos recorded, want 1", n)
	}
}

func TestGetUpdates(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.UserMessage(private, alice, "/start@akhbar_test_bot sports")
	srv.MyChatMember(channel, alice, "left", "administrator")
	srv.UserMessage(channel, alice, "منشور")

	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 3 {
		t.Fatalf("got %d updates, want 3", len(ups))
	}
	m := ups[0].Message
	if m == nil || !m.IsCommand() || m.Command() != "start" || m.CommandArguments() != "sports" || m.From.UserName != "alia" || m.Chat.ID != 42 {
		t.Errorf("command message = %+v", m)
	}
	if mcm := ups[1].MyChatMember; mcm == nil || mcm.NewChatMember.Status != "administrator" || mcm.Chat.Type != "channel" || mcm.NewChatMember.User.ID != BotID {
		t.Errorf("my_chat_member = %+v", ups[1].MyChatMember)
	}
	if cp := ups[2].ChannelPost; cp == nil || cp.Text != "منشور" || cp.SenderChat == nil || cp.SenderChat.ID != channel.ID {
		t.Errorf("channel_post = %+v", ups[2].ChannelPost)
	}
	var ids []int
	for _, u := range ups {
		ids = append(ids, u.UpdateID)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, ids); diff != "" {
		t.Errorf("update ids mismatch (-want +got):\n%s", diff)
	}

	// Without an offset the same updates come again; an offset confirms.
	again, err := bot.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if err != nil || len(again) != 2 {
		t.Fatalf("repeat = %d updates, %v; want 2", len(again), err)
	}
	rest, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: 3})
	if err != nil || len(rest) != 1 || rest[0].UpdateID != 3 {
		t.Fatalf("after offset 3 = %+v, %v", rest, err)
	}
	if n := srv.PendingUpdates(); n != 1 {
		t.Errorf("PendingUpdates = %d, want 1", n)
	}

	// A negative offset keeps only the last updates.
	srv.UserMessage(private, alice, "a")
	srv.UserMessage(private, alice, "b")
	last, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1})
	if err != nil || len(last) != 1 || last[0].Message.Text != "b" {
		t.Fatalf("offset -1 = %+v, %v; want the last update", last, err)
	}
}

func TestGetUpdatesAllowedUpdates(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.UserMessage(private, alice, "x")
	srv.InlineQuery(alice, "غزة", "")
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"inline_query"}})
	if err != nil || len(ups) != 1 || ups[0].InlineQuery == nil || ups[0].InlineQuery.Query != "غزة" {
		t.Fatalf("updates = %+v, %v", ups, err)
	}
	// allowed_updates persists server-side.
	srv.UserMessage(private, alice, "y")
	ups, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 {
		t.Fatalf("updates = %+v, %v; want the inline query only", ups, err)
	}
}

func TestLongPoll(t *testing.T) {
	srv, bot := newBot(t, Options{})
	done := make(chan []tgbotapi.Update, 1)
	go func() {
		ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
		if err != nil {
			t.Error(err)
		}
		done <- ups
	}()
	waitPolling(t, srv)
	start := time.Now()
	srv.UserMessage(private, alice, "مرحبا")
	ups := <-done
	if len(ups) != 1 || ups[0].Message.Text != "مرحبا" {
		t.Fatalf("long poll returned %+v", ups)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("long poll took %v after the update arrived", d)
	}
}

func TestLongPollTimeout(t *testing.T) {
	_, bot := newBot(t, Options{})
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil || len(ups) != 0 {
		t.Fatalf("timeout poll = %+v, %v; want no updates", ups, err)
	}
}

// waitPolling waits until a getUpdates call is parked in the server.
func waitPolling(t *testing.T, srv *Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		srv.mu.Lock()
		waiting := srv.poller != nil && srv.updateSignal.waitingLocked()
		srv.mu.Unlock()
		if waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no getUpdates call is waiting")
		}
		runtime.Gosched()
	}
}

func TestLongPollConflict(t *testing.T) {
	srv, bot := newBot(t, Options{})
	first := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
		first <- err
	}()
	waitPolling(t, srv)
	second, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(second) != 0 {
		t.Fatalf("second poll = %+v, %v", second, err)
	}
	err = <-first
	e := apiErr(t, err)
	if e.Code != 409 || e.Message != "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" {
		t.Errorf("first poll error = %d %q", e.Code, e.Message)
	}
}

func TestCloseEndsLongPoll(t *testing.T) {
	srv, bot := newBot(t, Options{})
	done := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- err
	}()
	waitPolling(t, srv)
	start := time.Now()
	srv.Close()
	if err := <-done; err != nil {
		t.Errorf("poll after Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v to end the poll", d)
	}
}

func TestWebhook(t *testing.T) {
	srv, bot := newBot(t, Options{})
	wh, err := tgbotapi.NewWebhook("https://bot.example.com:8443/hook")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(wh); err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	_, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if e := apiErr(t, err); e.Code != 409 || e.Message != "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" {
		t.Errorf("getUpdates with webhook = %d %q", e.Code, e.Message)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || info.URL != "https://bot.example.com:8443/hook" {
		t.Errorf("webhook info = %+v, %v", info, err)
	}
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://bot.example.com/hook", "secret_token": "s3cret_-X"}); err != nil {
		t.Fatalf("setWebhook with secret: %v", err)
	}
	if u, secret := srv.Webhook(); u != "https://bot.example.com/hook" || secret != "s3cret_-X" {
		t.Errorf("Webhook() = %q, %q", u, secret)
	}
	for params, want := range map[string]string{
		"https://bot.example.com:9000/hook": "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
		"http://bot.example.com/hook":       "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
	} {
		_, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": params})
		if e := apiErr(t, err); e.Message != want {
			t.Errorf("setWebhook(%s) = %q, want %q", params, e.Message, want)
		}
	}
	_, err = bot.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://bot.example.com/hook", "secret_token": "no spaces"})
	if e := apiErr(t, err); e.Message != "Bad Request: secret token contains unallowed characters" {
		t.Errorf("bad secret = %q", e.Message)
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("getUpdates after deleteWebhook: %v", err)
	}
}

func TestCallbackQuery(t *testing.T) {
	srv, bot := newBot(t, Options{})
	msg := tgbotapi.NewMessage(42, "x")
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("اشترك", "sub:aljazeera")))
	m, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	id := srv.CallbackQuery(private, alice, m.MessageID, "sub:aljazeera")
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 {
		t.Fatalf("updates = %+v, %v", ups, err)
	}
	cq := ups[0].CallbackQuery
	if cq == nil || cq.ID != id || cq.Data != "sub:aljazeera" || cq.From.ID != alice.ID || cq.ChatInstance == "" ||
		cq.Message == nil || cq.Message.MessageID != m.MessageID || cq.Message.ReplyMarkup == nil {
		t.Fatalf("callback query = %+v", cq)
	}
	if _, err := bot.Request(tgbotapi.NewCallback(id, "تم")); err != nil {
		t.Fatalf("answer: %v", err)
	}
	_, err = bot.Request(tgbotapi.NewCallback(id, "again"))
	if e := apiErr(t, err); e.Message != "Bad Request: "+queryTooOld {
		t.Errorf("second answer = %q", e.Message)
	}
	if diff := cmp.Diff([]CallbackAnswer{{QueryID: id, Text: "تم"}}, srv.CallbackAnswers()); diff != "" {
		t.Errorf("answers mismatch (-want +got):\n%s", diff)
	}
}

func TestAnswerInlineQuery(t *testing.T) {
	article := func(id string) tgbotapi.InlineQueryResultArticle {
		a := tgbotapi.NewInlineQueryResultArticleHTML(id, "عنوان", "<b>نص</b>")
		return a
	}
	results := func(n int) []any {
		var out []any
		for i := range n {
			out = append(out, article("r"+strconv.Itoa(i)))
		}
		return out
	}
	tests := map[string]struct {
		cfg      func(id string) tgbotapi.InlineConfig
		wantDesc string
	}{
		"ok": {cfg: func(id string) tgbotapi.InlineConfig {
			return tgbotapi.InlineConfig{InlineQueryID: id, Results: results(50), NextOffset: strings.Repeat("o", 64), IsPersonal: true}
		}},
		"too many": {cfg: func(id string) tgbotapi.InlineConfig {
			return tgbotapi.InlineConfig{InlineQueryID: id, Results: results(51)}
		}, wantDesc: "Bad Request: RESULTS_TOO_MUCH"},
		"long id": {cfg: func(id string) tgbotapi.InlineConfig {
			return tgbotapi.InlineConfig{InlineQueryID: id, Results: []any{article(strings.Repeat("i", 65))}}
		}, wantDesc: "Bad Request: RESULT_ID_INVALID"},
		"duplicate id": {cfg: func(id string) tgbotapi.InlineConfig {
			return tgbotapi.InlineConfig{InlineQueryID: id, Results: []any{article("a"), article("a")}}
		}, wantDesc: "Bad Request: RESULT_ID_DUPLICATE"},
		"long offset": {cfg: func(id string) tgbotapi.InlineConfig {
			return tgbotapi.InlineConfig{InlineQueryID: id, Results: results(1), NextOffset: strings.Repeat("o", 65)}
		}, wantDesc: "Bad Request: NEXT_OFFSET_INVALID"},
		"bad HTML in result": {cfg: func(id string) tgbotapi.InlineConfig {
			return tgbotapi.InlineConfig{InlineQueryID: id, Results: []any{tgbotapi.NewInlineQueryResultArticleHTML("a", "t", "<div>")}}
		}, wantDesc: `Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 0`},
		"unknown query": {cfg: func(string) tgbotapi.InlineConfig {
			return tgbotapi.InlineConfig{InlineQueryID: "nope", Results: results(1)}
		}, wantDesc: "Bad Request: " + queryTooOld},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv, bot := newBot(t, Options{})
			id := srv.InlineQuery(alice, "غزة", "")
			_, err := bot.Request(tt.cfg(id))
			if tt.wantDesc == "" {
				if err != nil {
					t.Fatal(err)
				}
				got := srv.InlineAnswers()
				if len(got) != 1 || got[0].QueryID != id || !got[0].IsPersonal || got[0].CacheTime != 300 || len(got[0].NextOffset) != 64 {
					t.Errorf("answers = %+v", got)
				}
				return
			}
			if e := apiErr(t, err); e.Message != tt.wantDesc {
				t.Errorf("error = %q, want %q", e.Message, tt.wantDesc)
			}
			if n := len(srv.InlineAnswers()); n != 0 {
				t.Errorf("%d answers recorded after an error", n)
			}
		})
	}
}

func TestMyCommands(t *testing.T) {
	srv, bot := newBot(t, Options{})
	ar := []tgbotapi.BotCommand{{Command: "start", Description: "ابدأ"}, {Command: "latest", Description: "آخر الأخبار"}}
	set := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), "ar", ar...)
	if _, err := bot.Request(set); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "start", Description: "Start"})); err != nil {
		t.Fatal(err)
	}
	got, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), "ar"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ar, got); diff != "" {
		t.Errorf("getMyCommands mismatch (-want +got):\n%s", diff)
	}
	if want := []BotCommand{{Command: "start", Description: "Start"}}; !cmp.Equal(want, srv.Commands("default", "")) {
		t.Errorf("Commands(default) = %+v", srv.Commands("default", ""))
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMyCommands()); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands("default", ""); len(got) != 0 {
		t.Errorf("after delete: %+v", got)
	}

	many := make([]tgbotapi.BotCommand, 101)
	for i := range many {
		many[i] = tgbotapi.BotCommand{Command: "c" + strconv.Itoa(i), Description: "d"}
	}
	for name, tt := range map[string]struct {
		cmds []tgbotapi.BotCommand
		want string
	}{
		"upper case":       {[]tgbotapi.BotCommand{{Command: "Start", Description: "x"}}, "Bad Request: BOT_COMMAND_INVALID"},
		"slash":            {[]tgbotapi.BotCommand{{Command: "/start", Description: "x"}}, "Bad Request: BOT_COMMAND_INVALID"},
		"33 chars":         {[]tgbotapi.BotCommand{{Command: strings.Repeat("a", 33), Description: "x"}}, "Bad Request: BOT_COMMAND_INVALID"},
		"empty desc":       {[]tgbotapi.BotCommand{{Command: "a", Description: ""}}, "Bad Request: command description must be non-empty"},
		"long description": {[]tgbotapi.BotCommand{{Command: "a", Description: strings.Repeat("و", 257)}}, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"},
		"101 commands":     {many, "Bad Request: BOT_COMMANDS_TOO_MUCH"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := bot.Request(tgbotapi.NewSetMyCommands(tt.cmds...))
			if e := apiErr(t, err); e.Message != tt.want {
				t.Errorf("error = %q, want %q", e.Message, tt.want)
			}
		})
	}
}

func TestChatMembers(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.AddChat(super)
	srv.SetChatMember(super.ID, 7, "creator")
	srv.SetChatMember(super.ID, 8, "administrator")
	srv.SetChatMember(super.ID, 9, "kicked")
	for uid, want := range map[int64]string{7: "creator", 8: "administrator", 9: "kicked", 10: "member", BotID: "administrator"} {
		m, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: super.ID, UserID: uid}})
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != want || m.User.ID != uid {
			t.Errorf("member %d = %q (user %d), want %q", uid, m.Status, m.User.ID, want)
		}
	}
	admins, err := bot.GetChatAdministrators(tgbotapi.ChatAdministratorsConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: super.ID}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range admins {
		ids = append(ids, a.User.ID)
	}
	if diff := cmp.Diff([]int64{7, 8, BotID}, ids); diff != "" {
		t.Errorf("administrators mismatch (-want +got):\n%s", diff)
	}
	chat, err := bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: super.ID}})
	if err != nil || chat.Title != "أخبار" || chat.Type != "supergroup" {
		t.Errorf("getChat = %+v, %v", chat, err)
	}
	if _, err := bot.Request(tgbotapi.LeaveChatConfig{ChatID: super.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = bot.Send(tgbotapi.NewMessage(super.ID, "x"))
	if e := apiErr(t, err); e.Message != "Forbidden: bot is not a member of the supergroup chat" {
		t.Errorf("send after leaveChat = %q", e.Message)
	}
}

func TestMyChatMemberAppliesState(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.MyChatMember(private, alice, "member", "kicked")
	_, err := bot.Send(tgbotapi.NewMessage(42, "x"))
	if e := apiErr(t, err); e.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("after block = %q", e.Message)
	}
	srv.MyChatMember(private, alice, "kicked", "member")
	if _, err := bot.Send(tgbotapi.NewMessage(42, "x")); err != nil {
		t.Errorf("after unblock: %v", err)
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 2 || ups[0].MyChatMember.NewChatMember.Status != "kicked" {
		t.Errorf("updates = %+v, %v", ups, err)
	}
}

func TestWaitSent(t *testing.T) {
	srv, bot := newBot(t, Options{})
	go func() {
		for range 3 {
			if _, err := bot.Send(tgbotapi.NewMessage(42, "x")); err != nil {
				t.Error(err)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitSent(ctx, 3); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if err := srv.WaitSent(short, 4); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitSent beyond the sends = %v, want DeadlineExceeded", err)
	}

	// An edit wakes WaitRecords but does not count as a send.
	go func() {
		if _, err := bot.Send(tgbotapi.NewEditMessageText(42, 1, "y")); err != nil {
			t.Error(err)
		}
	}()
	if err := srv.WaitRecords(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if got := srv.SentSince(3); len(got) != 1 || !got[0].Edited || got[0].Text != "y" {
		t.Errorf("SentSince(3) = %+v", got)
	}
	short2, cancel3 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel3()
	if err := srv.WaitSent(short2, 4); err == nil || !strings.Contains(err.Error(), "wait for 4 sent messages (have 3)") {
		t.Errorf("WaitSent after an edit = %v, want a timeout with 3 sent", err)
	}
}
