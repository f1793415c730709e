package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
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

func badRequest(detail string) *apiError {
	return errorf(http.StatusBadRequest, "Bad Request: "+detail)
}

// validateMarkup checks a reply_markup parameter and returns it compacted.
// Inline keyboards get Telegram's button checks; other keyboards need only be
// JSON objects. The one check stricter than Telegram is "exactly one action
// per button": Telegram silently uses the first it finds, which hides bugs.
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
		if d := *b.CallbackData; d == "" || len(d) > 64 {
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
		if n := utf8.RuneCountInString(*b.CopyText.Text); n < 1 || n > 256 {
			return badRequest("COPY_TEXT_INVALID")
		}
	}
	return nil
}

// validButtonURL accepts http(s) URLs with a host and tg:// links.
func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "tg":
		return u.Host != "" || u.Opaque != ""
	}
	return false
}
