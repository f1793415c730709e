package telegramtest

import (
	"strings"
	"unicode/utf8"
)

// visibleText applies what Telegram does to every message text after
// parsing, before checking it and storing it (tdlib's fix_formatted_text and
// clean_input_string): control characters other than '\n' become spaces;
// '\r', U+2028–U+202E (line and paragraph separators and the bidi embedding
// and override controls, which Arabic feeds do carry) and three combining
// marks are dropped; then spaces and newlines are trimmed from the end, and
// from the start up to the first entity. Entities move with the text. An
// empty result means Telegram's "message text is empty".
func visibleText(text string, entities []MessageEntity) (string, []MessageEntity) {
	var b strings.Builder
	b.Grow(len(text))
	var removed []int // UTF-16 offsets, in text, of the dropped characters
	u16 := 0
	for _, r := range text {
		switch {
		case r == '\r' || (0x2028 <= r && r <= 0x202e) || r == 0x030a || r == 0x0333 || r == 0x033f:
			removed = append(removed, u16)
			u16++
			continue
		case r < ' ' && r != '\n':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		u16++
		if r > 0xffff {
			u16++
		}
	}
	out := b.String()

	if len(removed) > 0 && len(entities) > 0 {
		before := func(off int) int {
			n := 0
			for n < len(removed) && removed[n] < off {
				n++
			}
			return n
		}
		kept := entities[:0:0]
		for _, e := range entities {
			start := e.Offset - before(e.Offset)
			end := e.Offset + e.Length - before(e.Offset+e.Length)
			if end > start {
				e.Offset, e.Length = start, end-start
				kept = append(kept, e)
			}
		}
		entities = kept
	}

	// Trim the end: spaces and newlines, and what entities covered of them.
	end := len(out)
	for end > 0 && (out[end-1] == ' ' || out[end-1] == '\n') {
		end--
	}
	if end == 0 {
		return "", nil
	}
	out = out[:end]
	limit := utf16Len(out)
	kept := entities[:0:0]
	for _, e := range entities {
		if e.Offset >= limit {
			continue
		}
		if e.Offset+e.Length > limit {
			e.Length = limit - e.Offset
		}
		kept = append(kept, e)
	}
	entities = kept

	// Trim the start, but never into an entity.
	first := len(out)
	if len(entities) > 0 {
		first = entities[0].Offset
	}
	start := 0
	for start < first && start < len(out) && (out[start] == ' ' || out[start] == '\n') {
		start++
	}
	if start > 0 {
		out = out[start:]
		for i := range entities {
			entities[i].Offset -= start
		}
	}
	return out, entities
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}

// visibleLength is the length Telegram checks against its limits: code
// points of the visible text.
func visibleLength(s string) int { return utf8.RuneCountInString(s) }
