package localweb

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/akhbar/akhbar/bot/telegramtest"
)

// tapped maps the Bot API methods (lower-case, as Telegram matches them)
// whose calls change what the page shows, or answer what it waits for, to
// their names. Other calls (getUpdates above all, a long poll) pass
// through untouched.
var tapped = map[string]string{
	"sendmessage": "sendMessage", "sendphoto": "sendPhoto", "senddocument": "sendDocument",
	"editmessagetext": "editMessageText", "editmessagecaption": "editMessageCaption",
	"editmessagereplymarkup": "editMessageReplyMarkup", "deletemessage": "deleteMessage",
	"answercallbackquery": "answerCallbackQuery", "answerinlinequery": "answerInlineQuery",
}

// maxTapBody bounds the request bodies the tap copies: the fake refuses
// anything larger than Telegram would take, and the bot's calls are small.
const maxTapBody = 8 << 20

// Tap wraps the fake's handler: every call of a tapped method is passed on
// unchanged, and then, with its parameters and the fake's answer, turned
// into what the page shows (a message, an edit, a deletion) or handed to
// the page request waiting for it (a callback or inline answer).
func (s *Server) Tap(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := strings.ToLower(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
		if _, ok := tapped[method]; !ok || r.Body == nil {
			api.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxTapBody+1))
		if err != nil || len(body) > maxTapBody {
			api.ServeHTTP(w, r) // the fake answers with its own error
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		api.ServeHTTP(rec, r)
		if rec.status != http.StatusOK {
			return // refused: nothing changed in the chat
		}
		params := requestParams(r, body)
		s.observe(method, params, rec.body.Bytes())
	})
}

// recorder passes a response through and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// requestParams reads a call's parameters from the query string and the
// body, in any of the Bot API's encodings, as the fake does.
func requestParams(r *http.Request, body []byte) map[string]string {
	p := map[string]string{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil {
			return p
		}
		for k, raw := range obj {
			var str string
			if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
				p[k] = str
			} else {
				p[k] = string(raw)
			}
		}
	case "multipart/form-data":
		// A request of its own: the fake has parsed (and cleaned up) r.
		c, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if err != nil {
			return p
		}
		c.Header.Set("Content-Type", mime.FormatMediaType(ct, ctParams))
		if c.ParseMultipartForm(1<<20) != nil {
			return p
		}
		for k, v := range c.MultipartForm.Value {
			p[k] = v[0]
		}
		for k, files := range c.MultipartForm.File {
			p[k] = "upload:" + files[0].Filename
		}
		_ = c.MultipartForm.RemoveAll()
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return p
		}
		for k, v := range form {
			p[k] = v[0]
		}
	}
	return p
}

// callOf is the call for the page: JSON-typed parameters as JSON, the rest
// as strings.
func callOf(method string, params map[string]string) *Call {
	c := &Call{Method: tapped[method], Params: make(map[string]json.RawMessage, len(params))}
	for k, v := range params {
		t := strings.TrimSpace(v)
		if (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
			c.Params[k] = json.RawMessage(t)
			continue
		}
		raw, _ := json.Marshal(v) // a string always encodes
		c.Params[k] = raw
	}
	return c
}

// okMessage is the fake's answer to a send or an edit.
type okMessage struct {
	Result struct {
		MessageID       int                          `json:"message_id"`
		Date            int64                        `json:"date"`
		EditDate        int64                        `json:"edit_date"`
		Chat            telegramtest.Chat            `json:"chat"`
		Text            string                       `json:"text"`
		Entities        []telegramtest.MessageEntity `json:"entities"`
		Caption         string                       `json:"caption"`
		CaptionEntities []telegramtest.MessageEntity `json:"caption_entities"`
		Photo           []telegramtest.PhotoSize     `json:"photo"`
		Document        *telegramtest.Document       `json:"document"`
		ReplyMarkup     json.RawMessage              `json:"reply_markup"`
	} `json:"result"`
}

// observe applies one accepted call to the page.
func (s *Server) observe(method string, params map[string]string, answer []byte) {
	switch method {
	case "answercallbackquery":
		s.deliverCallback(params)
		return
	case "answerinlinequery":
		s.deliverInline(params)
		return
	case "deletemessage":
		chat, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		id, _ := strconv.Atoi(params["message_id"])
		if _, ok := s.byID[chat]; ok {
			s.add(Event{Type: "delete", Chat: chat, Key: messageKey(chat, id)})
		}
		return
	}
	var ok okMessage
	// An edit of an inline message answers true, not a message: the page
	// has no such message to change.
	if json.Unmarshal(answer, &ok) != nil || ok.Result.MessageID == 0 {
		return
	}
	res := ok.Result
	if _, mine := s.byID[res.Chat.ID]; !mine {
		return // local mode's terminal demo reader, or a chat the page does not show
	}
	m := Msg{
		ID: res.MessageID, Text: res.Text, Entities: res.Entities, Markup: res.ReplyMarkup,
		Date: res.Date, Edited: res.EditDate != 0, Call: callOf(method, params),
	}
	if res.Photo != nil || res.Document != nil {
		m.Text, m.Entities = res.Caption, res.CaptionEntities
	}
	key := messageKey(res.Chat.ID, res.MessageID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := res.Document; d != nil {
		// The page downloads the file from the fake, through handleFile,
		// which serves only the files shown here.
		s.files[d.FileID] = d.FileName
		m.Document = &Document{Name: d.FileName, Size: d.FileSize, URL: "/api/file/" + url.PathEscape(d.FileID)}
	} else if prev := s.msgs[key].Document; prev != nil {
		m.Document = prev // an edit of a document's caption does not repeat the document
	}
	if res.Photo != nil {
		// An edit of a photo's caption does not repeat the photo.
		m.Photo = s.msgs[key].Photo
		if u := params["photo"]; webURL(u) {
			m.Photo = u
		}
	}
	s.addLocked(Event{Type: "message", Chat: res.Chat.ID, Key: key, Msg: &m})
}

// webURL reports whether s is an http(s) URL, which a browser may load.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
