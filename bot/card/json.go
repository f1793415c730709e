package card

import "unicode/utf8"

// The card's wire JSON is written by hand: the keyboard goes out with
// every send, once per chat, and encoding/json's reflection over a copy of
// the rows cost more than the rest of the request's encoding together
// (issue 14's profile). The output is byte for byte what encoding/json
// writes with HTML escaping off (FuzzAppendKeyboardJSON,
// telegram.FuzzAppendString).

const hexDigits = "0123456789abcdef"

// AppendKeyboardJSON appends KeyboardJSON(rows) to b.
func AppendKeyboardJSON(b []byte, rows [][]Button) []byte {
	b = append(b, `{"inline_keyboard":[`...)
	for i, row := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, bt := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(append(b, `{"text":`...), bt.Text)
			if bt.URL != "" {
				b = AppendJSONString(append(b, `,"url":`...), bt.URL)
			}
			if bt.CallbackData != "" {
				b = AppendJSONString(append(b, `,"callback_data":`...), bt.CallbackData)
			}
			if bt.CopyText != "" {
				b = AppendJSONString(append(b, `,"copy_text":{"text":`...), bt.CopyText)
				b = append(b, '}')
			}
			if bt.SwitchInline != "" {
				b = AppendJSONString(append(b, `,"switch_inline_query":`...), bt.SwitchInline)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

// AppendJSONString appends s as a JSON string, as encoding/json writes it
// without HTML escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped for JavaScript's sake.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
