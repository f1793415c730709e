package arabic

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// skipTags are elements whose whole content is dropped: code, media and image captions,
// which would otherwise be read as article text ("صورة أرشيفية" as the first sentence).
var skipTags = map[string]bool{
	"script": true, "style": true, "figure": true, "figcaption": true, "noscript": true,
	"iframe": true, "svg": true, "template": true, "head": true, "video": true, "audio": true,
	"object": true, "select": true, "textarea": true, "button": true, "math": true,
}

// blockTags end a paragraph.
var blockTags = map[string]bool{
	"p": true, "div": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
	"h6": true, "blockquote": true, "ul": true, "ol": true, "dl": true, "dt": true, "dd": true,
	"table": true, "tr": true, "section": true, "article": true, "header": true, "footer": true,
	"aside": true, "nav": true, "main": true, "pre": true, "hr": true, "address": true,
	"tbody": true, "thead": true, "form": true, "fieldset": true, "center": true, "body": true, "html": true,
}

// rawTextTags hold text that is not markup ("<" inside a script is not a tag).
var rawTextTags = map[string]bool{"script": true, "style": true, "textarea": true}

// tag is one parsed tag: name lower-cased, end after the closing '>'.
type tag struct {
	name    string
	closing bool
	end     int
}

// parseTag reads the tag starting at s[i] == '<'. ok is false when the '<' does not start
// a tag ("a < b", "<3"), in which case it is text.
func parseTag(s string, i int) (t tag, ok bool) {
	j := i + 1
	if j < len(s) && s[j] == '/' {
		t.closing = true
		j++
	}
	k := j
	for k < len(s) && (isASCIIAlpha(s[k]) || (k > j && (s[k] >= '0' && s[k] <= '9' || s[k] == '-' || s[k] == ':'))) {
		k++
	}
	if k == j {
		return t, false
	}
	t.name = strings.ToLower(s[j:k])
	// Find the closing '>' outside quoted attribute values.
	var quote byte
	for k < len(s) {
		c := s[k]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			t.end = k + 1
			return t, true
		}
		k++
	}
	// Unterminated tag: drop the rest, as a browser would.
	t.end = len(s)
	return t, true
}

// isSpace is unicode.IsSpace with the ASCII and Arabic cases answered without tables.
func isSpace(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return r == ' ' || (r >= '\t' && r <= '\r')
	case r >= 0x0600 && r <= 0x06FF:
		return false
	}
	return unicode.IsSpace(r)
}

// hasTag reports whether s contains something that parses as markup, which makes it HTML.
func hasTag(s string) bool {
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '<')
		if k < 0 {
			return false
		}
		i += k
		if i+1 < len(s) && (s[i+1] == '!' || s[i+1] == '?') {
			return true
		}
		if _, ok := parseTag(s, i); ok {
			return true
		}
		i++
	}
	return false
}

func isASCIIAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// indexFold finds the first case-insensitive occurrence of the ASCII string sub in s[i:].
func indexFold(s string, i int, sub string) int {
	for ; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// skipElement returns the index just after the end of the element named name whose start
// tag ended at i, counting nested elements of the same name.
func skipElement(s string, i int, name string) int {
	if rawTextTags[name] {
		k := indexFold(s, i, "</"+name)
		if k < 0 {
			return len(s)
		}
		if t, ok := parseTag(s, k); ok {
			return t.end
		}
		return len(s)
	}
	depth := 1
	for i < len(s) {
		k := strings.IndexByte(s[i:], '<')
		if k < 0 {
			return len(s)
		}
		k += i
		if strings.HasPrefix(s[k:], "<!--") {
			e := strings.Index(s[k+4:], "-->")
			if e < 0 {
				return len(s)
			}
			i = k + 4 + e + 3
			continue
		}
		t, ok := parseTag(s, k)
		if !ok {
			i = k + 1
			continue
		}
		if t.name == name && !strings.HasSuffix(s[k:t.end], "/>") {
			if t.closing {
				depth--
				if depth == 0 {
					return t.end
				}
			} else {
				depth++
			}
		}
		i = t.end
	}
	return len(s)
}

// TextFromHTML turns feed or article HTML (or plain text) into plain text. Tags are removed;
// script, style, figure, figcaption, noscript, iframe (and other media and form elements)
// are dropped with their content; entities are decoded; block elements (p, div, li, h1-h6,
// blockquote, tr …) end paragraphs, written as a blank line, and <br> ends a line. In HTML,
// source line breaks are just spaces; input without any tag is plain text and keeps its
// line breaks. Spaces are folded and lines trimmed. The scanner is tolerant: a '<' that does
// not start a tag is text, and an unterminated tag or comment swallows the rest.
func TextFromHTML(s string) string {
	if !strings.ContainsRune(s, '<') {
		return foldText(html.UnescapeString(s))
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	htmlMode := hasTag(s)
	var b strings.Builder
	b.Grow(len(s))
	last := 0 // start of pending text
	flush := func(end int) {
		if end <= last {
			return
		}
		text := s[last:end]
		if !htmlMode || strings.IndexByte(text, '\n') < 0 && strings.IndexByte(text, '\r') < 0 {
			b.WriteString(text)
			return
		}
		for i := 0; i < len(text); i++ { // in HTML a source line break is a space
			if c := text[i]; c == '\n' || c == '\r' {
				b.WriteByte(' ')
			} else {
				b.WriteByte(c)
			}
		}
	}
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '<')
		if k < 0 {
			break
		}
		i += k
		if strings.HasPrefix(s[i:], "<!--") {
			flush(i)
			e := strings.Index(s[i+4:], "-->")
			if e < 0 {
				i = len(s)
			} else {
				i += 4 + e + 3
			}
			last = i
			continue
		}
		if strings.HasPrefix(s[i:], "<![CDATA[") {
			flush(i)
			e := strings.Index(s[i+9:], "]]>")
			if e < 0 {
				b.WriteString(html.EscapeString(s[i+9:]))
				i = len(s)
			} else {
				b.WriteString(html.EscapeString(s[i+9 : i+9+e]))
				i += 9 + e + 3
			}
			last = i
			continue
		}
		if i+1 < len(s) && (s[i+1] == '!' || s[i+1] == '?') {
			flush(i)
			e := strings.IndexByte(s[i:], '>')
			if e < 0 {
				i = len(s)
			} else {
				i += e + 1
			}
			last = i
			continue
		}
		t, ok := parseTag(s, i)
		if !ok {
			i++
			continue
		}
		flush(i)
		i = t.end
		switch {
		case !t.closing && skipTags[t.name] && !strings.HasSuffix(s[:t.end], "/>"):
			i = skipElement(s, i, t.name)
			b.WriteString(" ")
		case t.name == "br":
			b.WriteString("\n")
		case blockTags[t.name]:
			b.WriteString("\n\n")
		case t.name == "td" || t.name == "th" || t.name == "img":
			b.WriteString(" ")
		}
		last = i
	}
	flush(len(s))
	return foldText(html.UnescapeString(b.String()))
}

// foldText folds runs of horizontal space into one space, trims lines, keeps at most one
// blank line between paragraphs and drops control characters and invalid bytes. Runs of
// visible text are copied whole.
func foldText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	space, newlines := false, 0
	started := false      // some visible text has been seen
	run := -1             // start of the pending run of visible text
	open := func(i int) { // a visible rune at i
		if run >= 0 {
			return
		}
		if started {
			switch {
			case newlines >= 2:
				b.WriteString("\n\n")
			case newlines == 1:
				b.WriteByte('\n')
			case space:
				b.WriteByte(' ')
			}
		}
		started, newlines, space, run = true, 0, false, i
	}
	closeRun := func(i int) {
		if run >= 0 {
			b.WriteString(s[run:i])
			run = -1
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		// Printable ASCII and U+0600-U+06FF (the Arabic block: no spaces or controls) are
		// visible: open a run there and skip the rest of it in a tight loop, since open
		// does nothing inside a run.
		if c > ' ' && c < 0x7F || c >= 0xD8 && c <= 0xDB && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			open(i)
			for i < len(s) {
				c := s[i]
				if c > ' ' && c < 0x7F {
					i++
				} else if c >= 0xD8 && c <= 0xDB && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
					i += 2
				} else {
					break
				}
			}
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 || r == 0x85:
			closeRun(i)
			newlines++
			space = false
		case isSpace(r):
			closeRun(i)
			space = true
		case (r == utf8.RuneError && size == 1) || r == 0xFFFD || r < 0x20 || (r >= 0x7F && r < 0xA0):
			closeRun(i) // invalid bytes and control characters never reach a card
		default:
			open(i)
		}
		i += size
	}
	closeRun(len(s))
	return b.String()
}
