package telegramtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError is a rejection of HTML parse-mode text. Its Error text is exactly
// what Telegram puts after "Bad Request: " in the response description, so a
// test can compare the fake's answer and the bot's error message byte for byte.
type ParseError struct {
	// Detail is Telegram's own message, such as
	// `Unsupported start tag "div" at byte offset 5`.
	Detail string
	// Offset is the UTF-8 byte offset the detail names, or -1 when the
	// detail names none (unclosed tags, bad custom emoji ids, surrogates).
	Offset int
}

func (e *ParseError) Error() string { return "can't parse entities: " + e.Detail }

func parseErrorf(offset int, format string, args ...any) *ParseError {
	return &ParseError{Detail: fmt.Sprintf(format, args...), Offset: offset}
}

// MessageEntity is a formatting span of a message, in the Bot API wire format.
// Offset and Length count UTF-16 code units, as Telegram does.
type MessageEntity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	User          *User  `json:"user,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// ParseHTML parses s with Telegram's HTML parse-mode rules and returns the
// text a user would see. It is a port of tdlib's parse_html (the code the Bot
// API server runs), so tag names, attribute syntax, the four named entities,
// numeric entities and every error message and byte offset match Telegram.
//
// It is deliberately stricter than Telegram in one place: an '&' followed by a
// letter or '#' that does not form a supported entity (&nbsp;, &rsquo;,
// &#0;, a bare "AT&T") is an error, `Unsupported HTML entity "&nbsp;" at byte
// offset N`. Telegram accepts such text but shows the characters literally
// ("&nbsp;" on the user's screen), which is always a rendering bug in a card;
// rejecting it lets render fuzz tests catch it. A lone '&' before a space or
// punctuation is accepted, as Telegram does.
//
// The error, if any, is a *ParseError.
func ParseHTML(s string) (text string, err error) {
	text, _, perr := parseHTML(s, true)
	if perr != nil {
		return "", perr
	}
	return text, nil
}

// ParseMessageHTML parses s as a send with parse_mode HTML does and returns
// what a client receives: the text after Telegram's cleaning and its
// entities (UTF-16 offsets). Local mode's chat page shows a chosen inline
// result with it, as the message Telegram would post, from the same parser
// that checked the bot's answer. The error, if any, is a *ParseError.
func ParseMessageHTML(s string) (text string, entities []MessageEntity, err error) {
	text, entities, perr := parseHTML(s, true)
	if perr != nil {
		return "", nil, perr
	}
	text, entities = visibleText(text, entities)
	return text, entities, nil
}

// TextLength returns the length Telegram checks against its 4096-character
// message limit (1024 for captions): Unicode code points of the text after
// HTML parsing and Telegram's cleaning, so tags do not count, "&amp;" counts
// one, and trailing newlines and bidi controls do not count. For text that
// does not parse it returns the code points of s itself, an upper bound.
func TextLength(s string) int {
	text, entities, err := parseHTML(s, true)
	if err != nil {
		return utf8.RuneCountInString(s)
	}
	text, _ = visibleText(text, entities)
	return visibleLength(text)
}

// at returns s[i], or 0 past the end: tdlib scans a NUL-terminated C string,
// and many of its checks rely on reading that terminating zero.
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// isSpace is tdlib's is_space, which counts the terminating NUL as space.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v' || c == '\f'
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }

func hexValue(c byte) (uint32, bool) {
	switch {
	case '0' <= c && c <= '9':
		return uint32(c - '0'), true
	case 'a' <= c && c <= 'f':
		return uint32(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return uint32(c-'A') + 10, true
	}
	return 0, false
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// decodeEntity decodes the character reference starting at s[pos] == '&' the
// way tdlib's decode_html_entity does: the ';' is optional, only lt, gt, amp
// and quot are named, and numeric references must be 1..0x10fffe written in
// fewer than ten bytes. It returns code 0 when there is no entity.
func decodeEntity(s string, pos int) (code uint32, end int) {
	end = pos + 1
	if at(s, pos+1) == '#' {
		end++
		if at(s, pos+2) == 'x' {
			end++
			for {
				v, ok := hexValue(at(s, end))
				if !ok {
					break
				}
				code = code*16 + v
				end++
			}
		} else {
			for isDigit(at(s, end)) {
				code = code*10 + uint32(at(s, end)-'0')
				end++
			}
		}
		if code == 0 || code >= 0x10ffff || end-pos >= 10 {
			return 0, pos
		}
	} else {
		for isAlpha(at(s, end)) {
			end++
		}
		switch s[pos+1 : end] {
		case "lt":
			code = '<'
		case "gt":
			code = '>'
		case "amp":
			code = '&'
		case "quot":
			code = '"'
		default:
			return 0, pos
		}
	}
	if at(s, end) == ';' {
		end++
	}
	return code, end
}

// strictEntityError reports an '&' at pos that looks like an entity Telegram
// would leave undecoded (see ParseHTML).
func strictEntityError(s string, pos int) *ParseError {
	next := at(s, pos+1)
	if !isAlpha(next) && next != '#' {
		return nil
	}
	j := pos + 1
	if next == '#' {
		j++
		if at(s, j) == 'x' {
			j++
		}
	}
	for isAlnum(at(s, j)) {
		j++
	}
	if at(s, j) == ';' {
		j++
	}
	return parseErrorf(pos, "Unsupported HTML entity \"%s\" at byte offset %d", s[pos:j], pos)
}

type openTag struct {
	name     string
	argument string
	offset   int // UTF-16 offset in the output
	bytePos  int // byte offset in the output
}

// parseHTML is tdlib's parse_html. strict rejects undecodable entities (see
// ParseHTML); with strict false it accepts what Telegram accepts.
func parseHTML(s string, strict bool) (string, []MessageEntity, *ParseError) {
	if !utf8.ValidString(s) {
		return "", nil, &ParseError{Detail: "text must be encoded in UTF-8", Offset: -1}
	}
	out := make([]byte, 0, len(s))
	var entities []MessageEntity
	var stack []openTag
	utf16 := 0
	surrogate := false

	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '&' {
			code, end := decodeEntity(s, i)
			if code != 0 {
				if code >= 0xd800 && code <= 0xdfff {
					surrogate = true
				}
				if code > 0xffff {
					utf16 += 2
				} else {
					utf16++
				}
				out = utf8.AppendRune(out, rune(code))
				i = end - 1
				continue
			}
			if strict {
				if err := strictEntityError(s, i); err != nil {
					return "", nil, err
				}
			}
		}
		if c != '<' {
			if c&0xc0 != 0x80 {
				utf16++
				if c >= 0xf0 {
					utf16++
				}
			}
			out = append(out, c)
			continue
		}

		begin := i
		i++
		if at(s, i) != '/' {
			for !isSpace(at(s, i)) && at(s, i) != '>' {
				i++
			}
			if at(s, i) == 0 {
				return "", nil, parseErrorf(begin, "Unclosed start tag at byte offset %d", begin)
			}
			name := lowerASCII(s[begin+1 : i])
			switch name {
			case "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
				"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote":
			default:
				return "", nil, parseErrorf(begin, "Unsupported start tag \"%s\" at byte offset %d", name, begin)
			}

			argument := ""
			for at(s, i) != '>' {
				for at(s, i) != 0 && isSpace(at(s, i)) {
					i++
				}
				if at(s, i) == '>' {
					break
				}
				attrBegin := i
				for c := at(s, i); !isSpace(c) && c != '=' && c != '>' && c != '/' && c != '"' && c != '\''; c = at(s, i) {
					i++
				}
				attr := s[attrBegin:i]
				if attr == "" {
					return "", nil, parseErrorf(begin, "Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
				}
				for at(s, i) != 0 && isSpace(at(s, i)) {
					i++
				}
				if at(s, i) != '=' {
					if at(s, i) == 0 {
						return "", nil, parseErrorf(begin, "Unclosed start tag \"%s\" at byte offset %d", name, begin)
					}
					if name == "blockquote" && attr == "expandable" {
						argument = "1"
					}
					continue
				}
				i++
				for at(s, i) != 0 && isSpace(at(s, i)) {
					i++
				}
				if at(s, i) == 0 {
					return "", nil, parseErrorf(begin, "Unclosed start tag \"%s\" at byte offset %d", name, begin)
				}

				var value string
				if q := at(s, i); q != '\'' && q != '"' {
					// A name token: letters, digits, periods and hyphens, case-insensitive.
					tokenBegin := i
					for c := at(s, i); isAlnum(c) || c == '.' || c == '-'; c = at(s, i) {
						i++
					}
					value = lowerASCII(s[tokenBegin:i])
					if c := at(s, i); !isSpace(c) && c != '>' {
						return "", nil, parseErrorf(tokenBegin, "Unexpected end of name token at byte offset %d", tokenBegin)
					}
				} else {
					i++
					var b strings.Builder
					for at(s, i) != q && at(s, i) != 0 {
						if at(s, i) == '&' {
							if code, end := decodeEntity(s, i); code != 0 {
								if code >= 0xd800 && code <= 0xdfff {
									surrogate = true
								}
								b.WriteRune(rune(code))
								i = end
								continue
							}
							if strict {
								if err := strictEntityError(s, i); err != nil {
									return "", nil, err
								}
							}
						}
						b.WriteByte(s[i])
						i++
					}
					if at(s, i) == q {
						i++
					}
					value = b.String()
				}
				if at(s, i) == 0 {
					return "", nil, parseErrorf(begin, "Unclosed start tag at byte offset %d", begin)
				}

				switch {
				case name == "a" && attr == "href":
					argument = value
				case name == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
					argument = value[len("language-"):]
				case name == "span" && attr == "class" && strings.HasPrefix(value, "tg-"):
					argument = value[len("tg-"):]
				case name == "tg-emoji" && attr == "emoji-id":
					argument = value
				case name == "blockquote" && attr == "expandable":
					argument = "1"
				}
			}
			if name == "span" && argument != "spoiler" {
				return "", nil, parseErrorf(begin, "Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, openTag{name: name, argument: argument, offset: utf16, bytePos: len(out)})
			continue
		}

		// An end tag.
		if len(stack) == 0 {
			return "", nil, parseErrorf(begin, "Unexpected end tag at byte offset %d", begin)
		}
		for !isSpace(at(s, i)) && at(s, i) != '>' {
			i++
		}
		endName := lowerASCII(s[begin+2 : i])
		for isSpace(at(s, i)) && at(s, i) != 0 {
			i++
		}
		if at(s, i) != '>' {
			return "", nil, parseErrorf(begin, "Unclosed end tag at byte offset %d", begin)
		}
		top := stack[len(stack)-1]
		if endName != "" && endName != top.name {
			return "", nil, parseErrorf(begin, "Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, endName)
		}
		if utf16 > top.offset {
			e := MessageEntity{Offset: top.offset, Length: utf16 - top.offset}
			last := func() *MessageEntity {
				if len(entities) == 0 {
					return nil
				}
				l := &entities[len(entities)-1]
				if l.Offset == e.Offset && l.Length == e.Length {
					return l
				}
				return nil
			}
			switch top.name {
			case "i", "em":
				e.Type = "italic"
			case "b", "strong":
				e.Type = "bold"
			case "s", "strike", "del":
				e.Type = "strikethrough"
			case "u", "ins":
				e.Type = "underline"
			case "tg-spoiler", "span":
				e.Type = "spoiler"
			case "tg-emoji":
				id, err := strconv.ParseInt(top.argument, 10, 64)
				if err != nil || id == 0 {
					return "", nil, &ParseError{Detail: "Invalid custom emoji identifier specified", Offset: -1}
				}
				e.Type, e.CustomEmojiID = "custom_emoji", top.argument
			case "a":
				url := top.argument
				if url == "" {
					url = string(out[top.bytePos:])
				}
				e.Type, e.URL = "text_link", checkedLink(url)
				if e.URL == "" {
					e.Type = ""
				}
			case "pre":
				if l := last(); l != nil && l.Type == "code" && l.Language != "" {
					l.Type = "pre"
					e.Type = ""
				} else {
					e.Type = "pre"
				}
			case "code":
				if l := last(); l != nil && l.Type == "pre" && top.argument != "" {
					l.Language = top.argument
					e.Type = ""
				} else {
					e.Type, e.Language = "code", top.argument
				}
			case "blockquote":
				e.Type = "blockquote"
				if top.argument != "" {
					e.Type = "expandable_blockquote"
				}
			}
			if e.Type != "" {
				entities = append(entities, e)
			}
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		return "", nil, &ParseError{Detail: fmt.Sprintf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name), Offset: -1}
	}
	for i := range entities {
		if entities[i].Type == "code" {
			entities[i].Language = ""
		}
	}
	sort.SliceStable(entities, func(a, b int) bool {
		if entities[a].Offset != entities[b].Offset {
			return entities[a].Offset < entities[b].Offset
		}
		return entities[a].Length > entities[b].Length
	})
	if surrogate {
		return "", nil, &ParseError{Detail: "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units", Offset: -1}
	}
	return string(out), entities, nil
}

// checkedLink approximates tdlib's LinkManager::get_checked_link: a link
// without a scheme gets "http://", and only http, https, tg and ton links
// survive; others drop the entity silently, as Telegram does.
func checkedLink(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return ""
	}
	scheme, _, found := strings.Cut(u, ":")
	if !found || strings.ContainsAny(scheme, "./?#") {
		return "http://" + u
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "tg", "ton":
		return u
	}
	return ""
}
