package telegram

import (
	"encoding/json"
	"reflect"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestQuickTakesTelegramsAnswers: the answers Telegram writes are read by
// the quick reader, not handed to encoding/json, and read right; a send's
// answer costs no allocation at all.
func TestQuickTakesTelegramsAnswers(t *testing.T) {
	tests := map[string]struct {
		body   string
		wantID bool
		want   sentAnswer
	}{
		"sent card": {sentMessageAnswer, true, sentAnswer{answer: answer{OK: true}, Result: messageRef{4242}}},
		"edit, message": {`{"ok":true,"result":{"message_id":9,"chat":{"id":5,"type":"private"},"date":1,"text":"y"}}`, false,
			sentAnswer{answer: answer{OK: true}}},
		"edit, inline": {`{"ok":true,"result":true}`, false, sentAnswer{answer: answer{OK: true}}},
		"flood": {`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}`, true,
			sentAnswer{answer: answer{ErrorCode: 429, Description: "Too Many Requests: retry after 35", Parameters: &tgbotapi.ResponseParameters{RetryAfter: 35}}}},
		"migrated": {`{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}`, true,
			sentAnswer{answer: answer{ErrorCode: 400, Description: "Bad Request: group chat was upgraded to a supergroup chat",
				Parameters: &tgbotapi.ResponseParameters{MigrateToChatID: -1001234567890}}}},
		"escaped description": {`{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0"}`, true,
			sentAnswer{answer: answer{ErrorCode: 400, Description: `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 0`}}},
		"spaced": {" {\n  \"ok\" : false ,\r\n\t\"error_code\" : 403 , \"description\" : \"Forbidden: bot was blocked by the user\"\n}\n", true,
			sentAnswer{answer: answer{ErrorCode: 403, Description: "Forbidden: bot was blocked by the user"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got sentAnswer
			if !got.quick([]byte(tc.body), tc.wantID) {
				t.Fatalf("quick gave up on %s", tc.body)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("quick = %+v, want %+v", got, tc.want)
			}
		})
	}
	if raceEnabled {
		return
	}
	data := []byte(sentMessageAnswer)
	if n := testing.AllocsPerRun(100, func() {
		var a sentAnswer
		a.quick(data, true)
	}); n != 0 {
		t.Errorf("reading a send's answer allocates %.0f times, want 0", n)
	}
}

// TestQuickGivesUp: what quick does not take is read by encoding/json, with
// its errors: a proxy's page, a truncated answer, a field of another type.
func TestQuickGivesUp(t *testing.T) {
	for _, body := range []string{
		``, `<html>502 Bad Gateway</html>`, `{"ok":true,"result":{"message_id":42}`, `{"ok":true}x`, `{"ok":"true"}`,
		`{"ok":true,"result":{"message_id":4.2e1}}`, `{"ok":true,"result":{"message_id":99999999999999999999}}`,
		`{"ok":false,"error_code":400,"description":"a` + "\x01" + `b"}`, `{"\u006fk":true}`, `{"ok":tru}`, `[{"ok":true}]`,
		`{"ok":true,"result":{"text":"\x"}}`, `{"ok":true,"result":{"n":01}}`, `{"ok":true,"result":[1,]}`,
	} {
		var a sentAnswer
		if a.quick([]byte(body), true) {
			t.Errorf("quick took %q", body)
		}
	}
}

// FuzzQuickAnswer: whatever quick takes, encoding/json takes too and reads
// the same.
func FuzzQuickAnswer(f *testing.F) {
	for _, s := range []string{
		sentMessageAnswer, `{"ok":true,"result":true}`, `{"OK":true,"Result":{"Message_ID":7}}`, `null`, `{}`,
		`{"ok":false,"error_code":429,"description":"x","parameters":{"retry_after":1},"parameters":{"migrate_to_chat_id":-5}}`,
		`{"ok":false,"parameters":{"retry_after":1},"parameters":null}`, `{"ok":true,"result":{"message_id":1},"result":{"x":2}}`,
		`{"ok":false,"description":"\ud83d\ude00 \u0639","error_code":-0}`, `{"ok":false,"description":"\xff"}`,
		`{"ok":true,"result":{"message_id":-9223372036854775808}}`, `{"ok":true,"result":{"message_id":9223372036854775808}}`,
		`{"o\u212a":true}`, `{"ok":null,"error_code":null,"description":null,"result":null}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, wantID bool) {
		var got sentAnswer
		if !got.quick(data, wantID) {
			return
		}
		var want sentAnswer
		var target any = &want
		if !wantID {
			target = &want.answer
		}
		if err := json.Unmarshal(data, target); err != nil {
			t.Fatalf("quick took %q, which encoding/json refuses: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("quick read %q as %+v, encoding/json as %+v", data, got, want)
		}
	})
}
