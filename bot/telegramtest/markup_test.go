package telegramtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// keyboard wraps one button's JSON in an inline keyboard.
func keyboard(button string) string { return `{"inline_keyboard":[[` + button + `]]}` }

// markupOfSize is a valid inline keyboard of exactly n bytes of compact JSON.
func markupOfSize(t *testing.T, n int) string {
	t.Helper()
	frame := keyboard(`{"text":"","callback_data":"x"}`)
	if n < len(frame)+1 {
		t.Fatalf("markup of %d bytes: the frame alone is %d", n, len(frame))
	}
	return keyboard(`{"text":"` + strings.Repeat("a", n-len(frame)) + `","callback_data":"x"}`)
}

// markupMethods sends markup through every method that takes a
// reply_markup, each on a fresh message of the right kind, and returns the
// error of the call carrying it (nil when accepted).
var markupMethods = map[string]func(t *testing.T, srv *Server, bot *tgbotapi.BotAPI, markup string) error{
	"sendMessage": func(t *testing.T, _ *Server, bot *tgbotapi.BotAPI, markup string) error {
		_, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": markup})
		return err
	},
	"sendPhoto": func(t *testing.T, _ *Server, bot *tgbotapi.BotAPI, markup string) error {
		_, err := bot.MakeRequest("sendPhoto", tgbotapi.Params{"chat_id": "42", "photo": "https://example.com/a.jpg", "caption": "x", "reply_markup": markup})
		return err
	},
	"editMessageText": func(t *testing.T, _ *Server, bot *tgbotapi.BotAPI, markup string) error {
		id := sendFor(t, bot, "sendMessage", tgbotapi.Params{"chat_id": "42", "text": "x"})
		_, err := bot.MakeRequest("editMessageText", tgbotapi.Params{"chat_id": "42", "message_id": id, "text": "y", "reply_markup": markup})
		return err
	},
	"editMessageCaption": func(t *testing.T, _ *Server, bot *tgbotapi.BotAPI, markup string) error {
		id := sendFor(t, bot, "sendPhoto", tgbotapi.Params{"chat_id": "42", "photo": "https://example.com/a.jpg", "caption": "x"})
		_, err := bot.MakeRequest("editMessageCaption", tgbotapi.Params{"chat_id": "42", "message_id": id, "caption": "y", "reply_markup": markup})
		return err
	},
	"editMessageReplyMarkup": func(t *testing.T, _ *Server, bot *tgbotapi.BotAPI, markup string) error {
		id := sendFor(t, bot, "sendMessage", tgbotapi.Params{"chat_id": "42", "text": "x"})
		_, err := bot.MakeRequest("editMessageReplyMarkup", tgbotapi.Params{"chat_id": "42", "message_id": id, "reply_markup": markup})
		return err
	},
	"answerInlineQuery": func(t *testing.T, srv *Server, bot *tgbotapi.BotAPI, markup string) error {
		id := srv.InlineQuery(alice, "غزة", "")
		results := `[{"type":"article","id":"r1","title":"عنوان","input_message_content":{"message_text":"نص"},"reply_markup":` + markup + `}]`
		_, err := bot.MakeRequest("answerInlineQuery", tgbotapi.Params{"inline_query_id": id, "results": results})
		return err
	},
}

func sendFor(t *testing.T, bot *tgbotapi.BotAPI, method string, p tgbotapi.Params) string {
	t.Helper()
	resp, err := bot.MakeRequest(method, p)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(m.MessageID)
}

// TestKeyboardRules checks each inline keyboard rule at its edge, through
// every method that takes a keyboard: sends, edits and inline results
// alike refuse what is one past the limit and accept the limit itself.
func TestKeyboardRules(t *testing.T) {
	const arabic = "خ" // 2 bytes, 1 character: lengths in characters and bytes differ
	url := func(n int) string { return "https://example.com/" + strings.Repeat("a", n-len("https://example.com/")) }
	tests := map[string]struct {
		markup   func(t *testing.T) string
		wantDesc string // "" = accepted
	}{
		"copy text of 256 characters": {markup: func(*testing.T) string {
			return keyboard(`{"text":"نسخ","copy_text":{"text":"` + strings.Repeat(arabic, 256) + `"}}`)
		}},
		"copy text of 257 characters": {markup: func(*testing.T) string {
			return keyboard(`{"text":"نسخ","copy_text":{"text":"` + strings.Repeat(arabic, 257) + `"}}`)
		}, wantDesc: "Bad Request: COPY_TEXT_INVALID"},
		"empty copy text": {markup: func(*testing.T) string {
			return keyboard(`{"text":"نسخ","copy_text":{"text":""}}`)
		}, wantDesc: "Bad Request: COPY_TEXT_INVALID"},
		"callback data of 64 bytes": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","callback_data":"` + strings.Repeat(arabic, 32) + `"}`)
		}},
		"callback data of 65 bytes": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","callback_data":"` + strings.Repeat(arabic, 32) + `x"}`)
		}, wantDesc: "Bad Request: BUTTON_DATA_INVALID"},
		"empty callback data": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","callback_data":""}`)
		}, wantDesc: "Bad Request: BUTTON_DATA_INVALID"},
		"URL of 2048 bytes": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"` + url(2048) + `"}`)
		}},
		"URL of 2049 bytes": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"` + url(2049) + `"}`)
		}, wantDesc: "Bad Request: BUTTON_URL_INVALID"},
		"URL with a raw Arabic path": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"https://arabi21.com/story/1724787/نتنياهو-صفقة"}`)
		}},
		"URL to an IPv6 host": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"http://[2001:db8::1]:8080/a"}`)
		}},
		"tg URL": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"tg://resolve?domain=akhbar_test_bot"}`)
		}},
		"URL host without a dot": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"http://grafana:3000/d/1"}`)
		}, wantDesc: "Bad Request: BUTTON_URL_INVALID"},
		"URL with port 0": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"https://example.com:0/"}`)
		}, wantDesc: "Bad Request: BUTTON_URL_INVALID"},
		"URL with a space": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"https://example.com/a b"}`)
		}, wantDesc: "Bad Request: BUTTON_URL_INVALID"},
		"URL without a scheme": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"example.com/a"}`)
		}, wantDesc: "Bad Request: BUTTON_URL_INVALID"},
		"URL with a bad host character": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"https://exa\"mple.com/"}`)
		}, wantDesc: "Bad Request: BUTTON_URL_INVALID"},
		"tg URL with a bad host": {markup: func(*testing.T) string {
			return keyboard(`{"text":"a","url":"tg://res.olve?domain=x"}`)
		}, wantDesc: "Bad Request: BUTTON_URL_INVALID"},
		"markup of 4096 bytes": {markup: func(t *testing.T) string { return markupOfSize(t, 4096) }},
		"markup of 4097 bytes": {markup: func(t *testing.T) string { return markupOfSize(t, 4097) },
			wantDesc: "Bad Request: reply markup is too long"},
		"escapes count as sent": {markup: func(*testing.T) string {
			// Each "&" written as \u0026 costs 6 bytes: over 4096 as sent,
			// though the decoded keyboard is a sixth of that.
			frame := keyboard(`{"text":"a","url":"https://example.com/?"}`)
			k := (4097 - len(frame) + 5) / 6
			return keyboard(`{"text":"a","url":"https://example.com/?` + strings.Repeat(`\u0026`, k) + `"}`)
		}, wantDesc: "Bad Request: reply markup is too long"},
	}
	for name, tt := range tests {
		for method, call := range markupMethods {
			t.Run(name+"/"+method, func(t *testing.T) {
				srv, bot := newBot(t, Options{})
				err := call(t, srv, bot, tt.markup(t))
				if tt.wantDesc == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				if e := apiErr(t, err); e.Code != 400 || e.Message != tt.wantDesc {
					t.Errorf("error = %d %q, want 400 %q", e.Code, e.Message, tt.wantDesc)
				}
			})
		}
	}
}

// TestMarkupSizeIgnoresIndentation: the limit is on compact JSON, so a
// client that pretty-prints is judged on what it means.
func TestMarkupSizeIgnoresIndentation(t *testing.T) {
	_, bot := newBot(t, Options{})
	compact := markupOfSize(t, 4096)
	indented := strings.ReplaceAll(compact, ",", ",\n    ")
	if _, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": indented}); err != nil {
		t.Fatalf("indented 4096-byte markup refused: %v", err)
	}
}

// TestCallbackAnswerLength: answerCallbackQuery's text is 0–200
// characters; a longer one is refused and leaves the query unanswered.
func TestCallbackAnswerLength(t *testing.T) {
	srv, bot := newBot(t, Options{})
	id := srv.CallbackQuery(private, alice, 1, "sub:x")
	_, err := bot.Request(tgbotapi.NewCallback(id, strings.Repeat("خ", 201)))
	if e := apiErr(t, err); e.Code != 400 || e.Message != "Bad Request: MESSAGE_TOO_LONG" {
		t.Errorf("201 characters: error = %d %q, want 400 Bad Request: MESSAGE_TOO_LONG", e.Code, e.Message)
	}
	if n := len(srv.CallbackAnswers()); n != 0 {
		t.Errorf("%d answers recorded after a refusal", n)
	}
	if _, err := bot.Request(tgbotapi.NewCallback(id, strings.Repeat("خ", 200))); err != nil {
		t.Fatalf("200 characters after a refusal: %v", err)
	}
}

// TestCallbackAnswerURL: a callback answer's url opens only a t.me link
// to the bot itself; any other is refused with URL_INVALID and leaves the
// query unanswered, and the accepted link is recorded.
func TestCallbackAnswerURL(t *testing.T) {
	srv, bot := newBot(t, Options{BotUsername: "akhbar_news_bot"})
	id := srv.CallbackQuery(channel, alice, 1, "sh:i_x")
	for _, bad := range []string{
		"https://example.com/news/1",
		"https://t.me/other_bot?start=i_x",
		"https://t.me/share/url?url=https%3A%2F%2Fexample.com",
		"https://t.me.example.com/akhbar_news_bot?start=i_x",
		"ftp://t.me/akhbar_news_bot?start=i_x",
	} {
		_, err := bot.MakeRequest("answerCallbackQuery", tgbotapi.Params{"callback_query_id": id, "url": bad})
		if e := apiErr(t, err); e.Code != 400 || e.Message != "Bad Request: URL_INVALID" {
			t.Errorf("url %s: error = %d %q, want 400 Bad Request: URL_INVALID", bad, e.Code, e.Message)
		}
	}
	if n := len(srv.CallbackAnswers()); n != 0 {
		t.Fatalf("%d answers recorded after refusals", n)
	}
	link := "https://t.me/Akhbar_News_Bot?start=i_x"
	if _, err := bot.MakeRequest("answerCallbackQuery", tgbotapi.Params{"callback_query_id": id, "url": link}); err != nil {
		t.Fatalf("a t.me link to the bot: %v", err)
	}
	if got := srv.CallbackAnswers(); len(got) != 1 || got[0].URL != link {
		t.Errorf("answers %+v, want one with url %s", got, link)
	}
}

// TestInlineAnswerFailsWhole: one bad result among good ones refuses the
// whole answer, as Telegram does, and nothing reaches the user.
func TestInlineAnswerFailsWhole(t *testing.T) {
	good := func(id string) string {
		return `{"type":"article","id":"` + id + `","title":"عنوان","input_message_content":{"message_text":"<b>نص</b>","parse_mode":"HTML"},` +
			`"reply_markup":` + keyboard(`{"text":"اقرأ","url":"https://example.com/`+id+`"}`) + `}`
	}
	tests := map[string]struct {
		bad      string
		wantDesc string
	}{
		"copy text too long": {
			bad: `{"type":"article","id":"bad","title":"عنوان","input_message_content":{"message_text":"نص"},"reply_markup":` +
				keyboard(`{"text":"نسخ","copy_text":{"text":"`+strings.Repeat("خ", 257)+`"}}`) + `}`,
			wantDesc: "Bad Request: COPY_TEXT_INVALID",
		},
		"message too long after parsing": {
			bad:      `{"type":"article","id":"bad","title":"عنوان","input_message_content":{"message_text":"<b>` + strings.Repeat("خ", 4097) + `</b>","parse_mode":"HTML"}}`,
			wantDesc: "Bad Request: message is too long",
		},
		"empty id": {
			bad:      `{"type":"article","id":"","title":"عنوان","input_message_content":{"message_text":"نص"}}`,
			wantDesc: "Bad Request: RESULT_ID_INVALID",
		},
		"URL button too long": {
			bad: `{"type":"article","id":"bad","title":"عنوان","input_message_content":{"message_text":"نص"},"reply_markup":` +
				keyboard(`{"text":"اقرأ","url":"https://example.com/`+strings.Repeat("a", 2100)+`"}`) + `}`,
			wantDesc: "Bad Request: BUTTON_URL_INVALID",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv, bot := newBot(t, Options{})
			id := srv.InlineQuery(alice, "غزة", "")
			results := "[" + good("a") + "," + tt.bad + "," + good("b") + "]"
			_, err := bot.MakeRequest("answerInlineQuery", tgbotapi.Params{"inline_query_id": id, "results": results})
			if e := apiErr(t, err); e.Code != 400 || e.Message != tt.wantDesc {
				t.Errorf("error = %d %q, want 400 %q", e.Code, e.Message, tt.wantDesc)
			}
			if n := len(srv.InlineAnswers()); n != 0 {
				t.Errorf("%d answers recorded after a refused answer", n)
			}
			if _, err := bot.MakeRequest("answerInlineQuery", tgbotapi.Params{"inline_query_id": id, "results": "[" + good("a") + "," + good("b") + "]"}); err != nil {
				t.Errorf("the good results alone: %v", err)
			}
		})
	}
}
