package card

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// keyboardJSONReference is KeyboardJSON as it was written with
// encoding/json, the reference the hand-written encoder must match.
func keyboardJSONReference(t *testing.T, rows [][]Button) string {
	t.Helper()
	type copyText struct {
		Text string `json:"text"`
	}
	type button struct {
		Text         string    `json:"text"`
		URL          string    `json:"url,omitempty"`
		CallbackData string    `json:"callback_data,omitempty"`
		CopyText     *copyText `json:"copy_text,omitempty"`
		SwitchInline *string   `json:"switch_inline_query,omitempty"`
	}
	kb := struct {
		InlineKeyboard [][]button `json:"inline_keyboard"`
	}{InlineKeyboard: make([][]button, len(rows))}
	for i, row := range rows {
		kb.InlineKeyboard[i] = make([]button, len(row))
		for j, b := range row {
			out := button{Text: b.Text, URL: b.URL, CallbackData: b.CallbackData}
			if b.CopyText != "" {
				out.CopyText = &copyText{b.CopyText}
			}
			if b.SwitchInline != "" {
				q := b.SwitchInline
				out.SwitchInline = &q
			}
			kb.InlineKeyboard[i][j] = out
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(kb); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestKeyboardJSONCases(t *testing.T) {
	cases := [][][]Button{
		nil,
		{},
		{{}},
		{{{Text: "اقرأ", URL: "https://example.com/a?x=1&y=<2>"}}},
		{{{Text: "نسخ", CopyText: "a\"b\\c\n\u2028"}, {Text: "شارك", SwitchInline: "q"}}, {{Text: "cb", CallbackData: "more:1"}}},
		{{{Text: "كل شيء", URL: "https://e.com", CallbackData: "x", CopyText: "y", SwitchInline: "z"}}, {}},
		{{{Text: "\xff\x00"}}},
	}
	for _, rows := range cases {
		if got, want := KeyboardJSON(rows), keyboardJSONReference(t, rows); got != want {
			t.Errorf("KeyboardJSON(%q) = %s, encoding/json says %s", rows, got, want)
		}
	}
	// Appending keeps what the buffer held.
	if got := string(AppendKeyboardJSON([]byte("x"), cases[3])); got != "x"+KeyboardJSON(cases[3]) {
		t.Errorf("AppendKeyboardJSON after %q = %s", "x", got)
	}
}

// FuzzAppendKeyboardJSON: the hand-written keyboard is encoding/json's,
// for any labels and actions, valid UTF-8 or not, and any shape (the
// fuzzer's bytes pick the rows' lengths and which fields are set).
func FuzzAppendKeyboardJSON(f *testing.F) {
	f.Add([]byte{1, 2, 0x1f}, "اقرأ", "https://a.com/?a=1&b=2", "more:1", "نسخ\n", "q")
	f.Add([]byte{3, 0, 1}, "\xff\xfe", "\u2028", "", "\x00", "<b>")
	f.Fuzz(func(t *testing.T, shape []byte, text, url, data, copyText, inline string) {
		var rows [][]Button
		for i, n := range shape {
			if i >= 8 {
				break
			}
			row := make([]Button, int(n%4))
			for j := range row {
				m := int(n>>2) + j
				b := Button{Text: text}
				if m&1 != 0 {
					b.URL = url
				}
				if m&2 != 0 {
					b.CallbackData = data
				}
				if m&4 != 0 {
					b.CopyText = copyText
				}
				if m&8 != 0 {
					b.SwitchInline = inline
				}
				row[j] = b
			}
			rows = append(rows, row)
		}
		if got, want := KeyboardJSON(rows), keyboardJSONReference(t, rows); got != want {
			t.Errorf("KeyboardJSON(%q) = %s, encoding/json says %s", rows, got, want)
		}
	})
}
