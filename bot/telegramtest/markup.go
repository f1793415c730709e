package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// inlineButton is an InlineKeyboardButton as far as the checks need it.
// Decoding into a struct rather than maps keeps sends cheap in load tests.
type inlineButton struct {
	Text                         *string         `json:"text"`
	URL                          *string         `json:"url"`
	CallbackData                 *string         `json:"callback_data"`
	WebApp                       json.RawMessage `json:"web_app"`
	LoginURL                     json.RawMessage `json:"login_url"`
	SwitchInlineQuery            *string         `json:"switch_inline_query"`
	SwitchInlineQueryCurrentChat *string         `json:"switch_inline_query_current_chat"`
	SwitchInlineQueryChosenChat  json.RawMessage `json:"switch_inline_query_chosen_chat"`
	CopyText                     *struct {
		Text *string `json:"text"`
	} `json:"copy_text"`
	CallbackGame json.RawMessage `json:"callback_game"`
	Pay          json.RawMessage `json:"pay"`
}

// actions lists the optional fields the button carries; it must carry
// exactly one.
func (b *inlineButton) actions() []string {
	var out []string
	add := func(present bool, name string) {
		if present {
			out = append(out, name)
		}
	}
	add(b.URL != nil, "url")
	add(b.CallbackData != nil, "callback_data")
	add(b.WebApp != nil, "web_app")
	add(b.LoginURL != nil, "login_url")
	add(b.SwitchInlineQuery != nil, "switch_inline_query")
	add(b.SwitchInlineQueryCurrentChat != nil, "switch_inline_query_current_chat")
	add(b.SwitchInlineQueryChosenChat != nil, "switch_inline_query_chosen_chat")
	add(b.CopyText != nil, "copy_text")
	add(b.CallbackGame != nil, "callback_game")
	add(b.Pay != nil, "pay")
	return out
}

type replyMarkup struct {
	InlineKeyboard *[][]inlineButton `json:"inline_keyboard"`
}

// Limits on inline keyboards. Telegram documents callback_data (1–64 bytes)
// and copy_text (1–256 characters); the two sizes below are not documented,
// so the fake reads them strictly. Telegram has been seen refusing a
// reply_markup of about 10 KB ("reply markup is too long"); the fake refuses
// one over 4 KB of compact JSON, so a bot that passes it stays far from the
// real limit. No limit is published for a button's URL either; the fake
// refuses one over 2,048 bytes, the length browsers and proxies have long
// been safe with. The same bound holds for a photo sent by URL.
const (
	maxMarkupBytes    = 4096
	maxButtonURLBytes = 2048
	maxPhotoURLBytes  = 2048
	maxCallbackData   = 64
	maxCopyText       = 256
)

func badRequest(detail string) *apiError {
	return errorf(http.StatusBadRequest, "Bad Request: "+detail)
}

// validateMarkup checks a reply_markup parameter and returns it compacted.
// Inline keyboards get Telegram's button checks; other keyboards need only be
// JSON objects. The checks stricter than Telegram are "exactly one action
// per button" (Telegram silently uses the first it finds, which hides bugs)
// and the size limits above.
func validateMarkup(raw string) (json.RawMessage, *apiError) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var m replyMarkup
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && strings.HasPrefix(te.Field, "inline_keyboard") {
			if te.Field == "inline_keyboard" {
				return nil, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
			}
			field := te.Field[strings.LastIndexByte(te.Field, '.')+1:]
			return nil, badRequest("can't parse inline keyboard button: Field \"" + field + "\" must be of type " + typeName(te.Type.Kind()))
		}
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	if m.InlineKeyboard != nil {
		n := 0
		for _, row := range *m.InlineKeyboard {
			for i := range row {
				n++
				if e := validateButton(&row[i]); e != nil {
					return nil, e
				}
			}
		}
		if n > 100 {
			return nil, badRequest("BUTTONS_TOO_MUCH")
		}
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	// Measured compacted, so indentation a client adds costs nothing, while
	// every escape it writes (\u0026 for &) counts as sent.
	if buf.Len() > maxMarkupBytes {
		return nil, badRequest("reply markup is too long")
	}
	return buf.Bytes(), nil
}

func typeName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "String"
	case reflect.Struct, reflect.Map:
		return "Object"
	case reflect.Slice:
		return "Array"
	}
	return k.String()
}

func validateButton(b *inlineButton) *apiError {
	if b.Text == nil {
		return badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	if strings.TrimSpace(*b.Text) == "" {
		return badRequest("BUTTON_TEXT_INVALID")
	}
	actions := b.actions()
	switch len(actions) {
	case 0:
		return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case 1:
	default:
		return badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used, found " + strings.Join(actions, ", "))
	}
	switch {
	case b.CallbackData != nil:
		if d := *b.CallbackData; d == "" || len(d) > maxCallbackData {
			return badRequest("BUTTON_DATA_INVALID")
		}
	case b.URL != nil:
		if !validButtonURL(*b.URL) {
			return badRequest("BUTTON_URL_INVALID")
		}
	case b.CopyText != nil:
		if b.CopyText.Text == nil {
			return badRequest("can't parse inline keyboard button: Field \"copy_text\" must be of type Object with a String field \"text\"")
		}
		if n := utf8.RuneCountInString(*b.CopyText.Text); n < 1 || n > maxCopyText {
			return badRequest("COPY_TEXT_INVALID")
		}
	}
	return nil
}

// validButtonURL accepts the links Telegram's link check does
// (tdlib LinkManager::check_link over parse_url), read strictly: an explicit
// http:// or https:// with a host that has a dot (or is an IPv6 literal)
// made of the characters RFC 3986 allows in a host, %-escapes or UTF-8, an
// optional port 1–65535; or a tg:// link to a host of letters, digits, "-"
// and "_". Telegram also takes "example.com" without a scheme and percent-
// encodes spaces; the fake refuses both, and any URL over maxButtonURLBytes.
func validButtonURL(s string) bool {
	if len(s) > maxButtonURLBytes || s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	if _, err := url.Parse(s); err != nil {
		return false
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	authority := rest
	switch strings.ToLower(scheme) {
	case "tg":
		authority = strings.TrimPrefix(authority, "//")
		host := authority[:indexOrLen(authority, "/?#")]
		return host != "" && strings.IndexFunc(host, func(r rune) bool {
			return !(r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '-' || r == '_'))
		}) < 0
	case "http", "https":
		var found bool
		if authority, found = strings.CutPrefix(authority, "//"); !found {
			return false
		}
	default:
		return false
	}
	authority = authority[:indexOrLen(authority, "/?#")]
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	host := authority
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
		host = authority[:i]
		port, err := strconv.Atoi(authority[i+1:])
		if err != nil || port < 1 || port > 65535 {
			return false
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		ip, err := netip.ParseAddr(host[1 : len(host)-1])
		return err == nil && ip.Is6()
	}
	return validURLHost(host)
}

// validURLHost applies parse_url's host alphabet and check_link's "has a
// dot" rule.
func validURLHost(host string) bool {
	if host == "" || host == "." || !strings.Contains(host, ".") {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= utf8.RuneSelf, isAlnum(c), strings.IndexByte(".-_!$,~*'();&+=", c) >= 0:
		case c == '%' && i+2 < len(host) && isHex(host[i+1]) && isHex(host[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func indexOrLen(s, chars string) int {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return i
	}
	return len(s)
}

func isHex(c byte) bool { _, ok := hexValue(c); return ok }
