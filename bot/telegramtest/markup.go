package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// buttonActions are the optional fields of an InlineKeyboardButton; a button
// must carry exactly one.
var buttonActions = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
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
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	if kb, ok := obj["inline_keyboard"]; ok {
		if e := validateInlineKeyboard(kb); e != nil {
			return nil, e
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	return buf.Bytes(), nil
}

func validateInlineKeyboard(raw json.RawMessage) *apiError {
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
	}
	n := 0
	for _, row := range rows {
		for _, b := range row {
			n++
			if e := validateButton(b); e != nil {
				return e
			}
		}
	}
	if n > 100 {
		return badRequest("BUTTONS_TOO_MUCH")
	}
	return nil
}

func validateButton(b map[string]json.RawMessage) *apiError {
	var text string
	if err := json.Unmarshal(b["text"], &text); err != nil {
		return badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	if strings.TrimSpace(text) == "" {
		return badRequest("BUTTON_TEXT_INVALID")
	}
	var actions []string
	for _, a := range buttonActions {
		if _, ok := b[a]; ok {
			actions = append(actions, a)
		}
	}
	switch len(actions) {
	case 0:
		return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case 1:
	default:
		return badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used, found " + strings.Join(actions, ", "))
	}
	v := b[actions[0]]
	switch actions[0] {
	case "callback_data":
		var data string
		if json.Unmarshal(v, &data) != nil || data == "" || len(data) > 64 {
			return badRequest("BUTTON_DATA_INVALID")
		}
	case "url":
		var u string
		if json.Unmarshal(v, &u) != nil || !validButtonURL(u) {
			return badRequest("BUTTON_URL_INVALID")
		}
	case "switch_inline_query", "switch_inline_query_current_chat":
		var q string
		if json.Unmarshal(v, &q) != nil {
			return badRequest("can't parse inline keyboard button: Field \"" + actions[0] + "\" must be of type String")
		}
	case "copy_text":
		var ct struct {
			Text *string `json:"text"`
		}
		if json.Unmarshal(v, &ct) != nil || ct.Text == nil {
			return badRequest("can't parse inline keyboard button: Field \"copy_text\" must be of type Object with a String field \"text\"")
		}
		if n := utf8.RuneCountInString(*ct.Text); n < 1 || n > 256 {
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
