package telegramtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSendMessage throws arbitrary text, parse modes and reply markup at the
// handler: it must never panic, must always answer a Bot API JSON body whose
// error_code is the HTTP status, and must record exactly the accepted sends,
// with the text ParseHTML gives.
func FuzzSendMessage(f *testing.F) {
	f.Add("<b>عاجل</b>", "HTML", `{"inline_keyboard":[[{"text":"أ","callback_data":"a"}]]}`)
	f.Add("a&nbsp;b", "HTML", "")
	f.Add("plain", "", `{"inline_keyboard":[[{"text":"a","url":"tg://resolve?domain=x"}]]}`)
	f.Add("", "", "null")
	f.Add("x", "html", `{"inline_keyboard":[[{"text":"a","copy_text":{"text":"b"}}]]}`)
	f.Add("x", "HTML", `{"inline_keyboard":[[{"text":5}]]}`)
	f.Add(" \n<b>\u202bعاجل\u202c</b>\r\n\t ", "HTML", "")
	f.Fuzz(func(t *testing.T, text, mode, markup string) {
		srv := NewUnstarted(Options{Token: "1:f"})
		defer srv.Close()
		form := url.Values{"chat_id": {"42"}, "text": {text}, "parse_mode": {mode}, "reply_markup": {markup}}
		req, err := http.NewRequest(http.MethodPost, "/bot1:f/sendMessage", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := newRecorder()
		srv.Handler().ServeHTTP(rec, req)

		var body struct {
			OK        bool            `json:"ok"`
			ErrorCode int             `json:"error_code"`
			Result    json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &body); err != nil {
			t.Fatalf("answer is not JSON: %v\n%s", err, rec.body.String())
		}
		sent := srv.Sent()
		if !body.OK {
			if body.ErrorCode != rec.code || rec.code < 400 {
				t.Fatalf("error_code %d with HTTP status %d", body.ErrorCode, rec.code)
			}
			if len(sent) != 0 {
				t.Fatalf("failed send recorded: %+v", sent)
			}
			return
		}
		if rec.code != http.StatusOK || len(sent) != 1 {
			t.Fatalf("accepted send: status %d, %d records", rec.code, len(sent))
		}
		if strings.EqualFold(mode, "HTML") {
			parsed, err := ParseHTML(text)
			want, _ := visibleText(parsed, nil)
			if err != nil || sent[0].ParsedText != want {
				t.Fatalf("accepted %q as %q; ParseHTML gives %q, %v", text, sent[0].ParsedText, want, err)
			}
			if n := TextLength(text); n > 4096 || n != utf8.RuneCountInString(want) {
				t.Fatalf("TextLength(%q) = %d for accepted visible text %q", text, n, want)
			}
		}
	})
}
