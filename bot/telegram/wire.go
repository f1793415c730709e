package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/card"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Sends and edits are the bot's hot path: one request per chat per item.
// Through the library each one built a url.Values map, escaped it, and
// decoded the whole answer into an APIResponse and then a full
// tgbotapi.Message (user, chat, entities, keyboard) to read one integer.
// So they speak the Bot API directly: the parameters are encoded once as a
// JSON object (Telegram takes application/json bodies) into a pooled
// buffer, and the answer is read in one pass for only what the bot reads
// (answer.go). Errors
// become the same *tgbotapi.Error the library returns, and go through the
// same redact and classify, so the delivery policy cannot tell the paths
// apart. Every other method still goes through the library.

// maxAnswer bounds an answer read into memory. A message's answer is a few
// kilobytes; more is a proxy's page, which is an error whatever it says.
const maxAnswer = 1 << 20

// Hot-path methods, the keys of Client.endpoints.
const (
	methodSendMessage        = "sendMessage"
	methodSendPhoto          = "sendPhoto"
	methodEditMessageText    = "editMessageText"
	methodEditMessageCaption = "editMessageCaption"
	// methodEditMessageReplyMarkup changes a message's keyboard alone.
	methodEditMessageReplyMarkup = "editMessageReplyMarkup"
)

var hotMethods = [...]string{methodSendMessage, methodSendPhoto, methodEditMessageText, methodEditMessageCaption, methodEditMessageReplyMarkup}

// answer is the part of every Bot API answer the bot reads on the hot
// path; anything else in it (an edit's result) is skipped unread.
type answer struct {
	OK          bool                         `json:"ok"`
	ErrorCode   int                          `json:"error_code"`
	Description string                       `json:"description"`
	Parameters  *tgbotapi.ResponseParameters `json:"parameters"`
}

// sentAnswer is a send's answer: of the Message, only its id.
type sentAnswer struct {
	answer
	Result messageRef `json:"result"`
}

// messageRef is what the bot reads of a sent Message.
type messageRef struct {
	MessageID int `json:"message_id"`
}

// err is the library's error for an answer that is not ok, the type
// classify reads.
func (a *answer) err() error {
	if a.OK {
		return nil
	}
	var p tgbotapi.ResponseParameters
	if a.Parameters != nil {
		p = *a.Parameters
	}
	return &tgbotapi.Error{Code: a.ErrorCode, Message: a.Description, ResponseParameters: p}
}

// post sends body to method and reads the answer: the sent message's id
// when wantID. Errors are those of call: redacted and classified.
func (c *Client) post(ctx context.Context, method string, body *buffer, wantID bool) (int, error) {
	id, err := c.roundTrip(ctx, method, body, wantID)
	if err != nil {
		return 0, fmt.Errorf("telegram %s: %w", method, redact(classify(err), c.token))
	}
	return id, nil
}

func (c *Client) roundTrip(ctx context.Context, method string, body *buffer, wantID bool) (int, error) {
	if c.fast != nil {
		return c.fastRoundTrip(ctx, method, body, wantID)
	}
	// The request owns an exact copy of the body, as a bytes.Reader: the
	// transport may still write or replay it (GetBody) after the answer
	// came back, so a pooled buffer could not go back to the pool on
	// return. And net/http writes a body it knows to be in memory with
	// its headers, in one write: any other it copied through a buffer of
	// its own, the headers flushed apart first (issue 14).
	data := bytes.Clone(body.b)
	body.release()
	// The request goes straight to the client's transport: http.Client
	// would copy its headers for redirects (which Telegram does not send
	// to an API call; a 3xx is answered as an error here, not followed)
	// and wrap the answer's body, per send. Its Timeout still bounds
	// the call, when the caller's context does not end sooner.
	if c.http.Timeout > 0 {
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > c.http.Timeout {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.http.Timeout)
			defer cancel()
		}
	}
	endpoint := c.endpoints[method]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	// One header map for every hot request, never written to (a round
	// tripper must not modify its request): Set built a map per send.
	req.Header = c.jsonHeader
	resp, err := c.transport().RoundTrip(req)
	if err != nil {
		// As http.Client says it (redact takes the token out of the URL).
		return 0, &url.Error{Op: "Post", URL: endpoint, Err: err}
	}
	defer resp.Body.Close()
	in := c.buffer()
	defer in.release()
	if in.b, err = readAnswer(in.b, resp.Body); err != nil {
		return 0, fmt.Errorf("read answer (HTTP %d): %w", resp.StatusCode, err)
	}
	return readSent(resp.StatusCode, in.b, wantID)
}

// fastRoundTrip is roundTrip over fastsend.go's path: the pooled body is
// written as it is, and the answer read from fasthttp's pooled one.
func (c *Client) fastRoundTrip(ctx context.Context, method string, body *buffer, wantID bool) (int, error) {
	defer body.release()
	var id int
	err := c.fast.do(ctx, c.endpoints[method], body.b, c.http.Timeout, func(status int, answer []byte) error {
		var err error
		id, err = readSent(status, answer, wantID)
		return err
	})
	return id, err
}

// readSent reads a hot request's answer: the sent message's id when
// wantID, or the library's error for a refusal.
func readSent(status int, data []byte, wantID bool) (int, error) {
	var a sentAnswer
	if err := a.decode(data, wantID); err != nil {
		return 0, fmt.Errorf("decode answer (HTTP %d): %w", status, err)
	}
	if err := a.err(); err != nil {
		return 0, err
	}
	return a.Result.MessageID, nil
}

// transport is what carries the hot requests: the HTTP client's.
func (c *Client) transport() http.RoundTripper {
	if c.http.Transport != nil {
		return c.http.Transport
	}
	return http.DefaultTransport
}

// decode reads a Bot API answer into a, its result's message_id only when
// wantID (an edit's result may be true). As in the library, the answer
// decides, not the HTTP status: a body that is not JSON (a proxy's error
// page) is an error, which stays a plain, retryable one. Answers as
// Telegram writes them take the quick reader (answer.go); anything it does
// not take is read by encoding/json, whose result and errors the library's
// path gave.
func (a *sentAnswer) decode(data []byte, wantID bool) error {
	if a.quick(data, wantID) {
		return nil
	}
	// Into a copy: handing a itself to encoding/json would put every
	// answer on the heap, those read quickly too.
	slow := new(sentAnswer)
	var target any = slow
	if !wantID {
		target = &slow.answer
	}
	err := json.Unmarshal(data, target)
	*a = *slow
	if err == nil {
		return nil
	}
	// The library reads a result only when the call succeeded: a refusal
	// with a result of another shape is still the refusal.
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && (ute.Field == "result" || strings.HasPrefix(ute.Field, "result.")) && !a.OK {
		return nil
	}
	return err
}

// errAnswerTooLarge is an answer over maxAnswer.
var errAnswerTooLarge = errors.New("answer over 1 MiB")

// readAnswer reads r into b[:0], up to maxAnswer bytes.
func readAnswer(b []byte, r io.Reader) ([]byte, error) {
	b = b[:0]
	for {
		if len(b) == cap(b) {
			if len(b) >= maxAnswer {
				return b, errAnswerTooLarge
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// buffer is a pooled byte slice: a request's encoding, copied out for
// the request itself (roundTrip), or an answer being read.
type buffer struct {
	b    []byte
	pool *sync.Pool
}

// buffer takes a buffer from the client's pool.
func (c *Client) buffer() *buffer {
	b := c.bufs.Get().(*buffer)
	b.b = b.b[:0]
	return b
}

// maxPooled keeps a rare huge buffer (a proxy's page) out of the pool.
const maxPooled = 64 << 10

// release returns b to its pool.
func (b *buffer) release() {
	if cap(b.b) <= maxPooled {
		b.pool.Put(b)
	}
}

// appendMessage encodes m as the JSON parameters of method, one of the hot
// methods. A caption has no link preview, an edit no notification or paid
// broadcast flag; reply_markup is bot.KeyboardJSON because the library's
// button type lacks copy_text (Bot API 7.11). Telegram reads a JSON body's
// non-string values as their JSON text, so the objects go in as objects.
//
// texts, when not nil, caches the encoded text (textCache).
func appendMessage(b []byte, method string, chatID int64, messageID int, m bot.Message, texts *textCache) []byte {
	b = append(b, `{"chat_id":`...)
	b = strconv.AppendInt(b, chatID, 10)
	edit := method == methodEditMessageText || method == methodEditMessageCaption || method == methodEditMessageReplyMarkup
	caption := method == methodSendPhoto || method == methodEditMessageCaption
	if edit {
		b = append(b, `,"message_id":`...)
		b = strconv.AppendInt(b, int64(messageID), 10)
	}
	if method == methodEditMessageReplyMarkup {
		// The keyboard alone; an empty one removes the keyboard.
		b = card.AppendKeyboardJSON(append(b, `,"reply_markup":`...), m.Buttons)
		return append(b, '}')
	}
	if method == methodSendPhoto {
		b = appendString(append(b, `,"photo":`...), m.Photo)
	}
	if caption {
		b = append(b, `,"caption":`...)
	} else {
		b = append(b, `,"text":`...)
	}
	b = texts.append(b, m.Text)
	if m.HTML {
		b = append(b, `,"parse_mode":"HTML"`...)
	}
	if !caption {
		switch {
		case m.DisablePreview:
			b = append(b, `,"link_preview_options":{"is_disabled":true},"disable_web_page_preview":true`...)
		case m.PreviewURL != "":
			b = appendString(append(b, `,"link_preview_options":{"url":`...), m.PreviewURL)
			b = append(b, `,"prefer_large_media":true,"show_above_text":true}`...)
		}
	}
	if !edit {
		if m.Silent {
			b = append(b, `,"disable_notification":true`...)
		}
		if m.PaidBroadcast {
			b = append(b, `,"allow_paid_broadcast":true`...)
		}
	}
	if len(m.Buttons) > 0 {
		// Written straight into the request, as KeyboardJSON measures it.
		b = card.AppendKeyboardJSON(append(b, `,"reply_markup":`...), m.Buttons)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string, as encoding/json writes it
// without HTML escaping (card.AppendJSONString, shared with the keyboard).
func appendString(b []byte, s string) []byte { return card.AppendJSONString(b, s) }

// textCache holds the JSON encoding of recent messages' texts. A card goes
// to every chat of a fan-out with the same text (cards are rendered once
// per item, language and time zone), and encoding its few kilobytes of
// Arabic rune by rune was the largest part of building a send (issue 14);
// a map lookup hashes and compares it at memory speed. It holds at most
// maxCachedTexts texts, emptied when full, and leaves short texts (replies,
// buttons) to be encoded each time.
type textCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

const (
	maxCachedTexts = 128
	minCachedText  = 256 // bytes
)

// append appends s as a JSON string (appendString), from the cache when
// it holds s. A nil cache encodes every time.
func (t *textCache) append(b []byte, s string) []byte {
	if t == nil || len(s) < minCachedText {
		return appendString(b, s)
	}
	t.mu.Lock()
	enc, ok := t.m[s]
	t.mu.Unlock()
	if ok {
		return append(b, enc...)
	}
	start := len(b)
	b = appendString(b, s)
	enc = bytes.Clone(b[start:])
	t.mu.Lock()
	if t.m == nil || len(t.m) >= maxCachedTexts {
		t.m = make(map[string][]byte, maxCachedTexts)
	}
	t.m[s] = enc
	t.mu.Unlock()
	return b
}
