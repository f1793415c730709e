// Package telegram adapts go-telegram-bot-api to the bot package: sending
// with typed errors, the long-polling loop and the webhook handler, and
// keeping the bot token out of every error and log line.
package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// DefaultAPIURL is Telegram's Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Client is the Bot API for one bot token. It implements bot.Sender.
type Client struct {
	api   *tgbotapi.BotAPI
	http  *http.Client
	token string
	// endpoints are the hot methods' URLs (wire.go), token included:
	// never print one unredacted.
	endpoints map[string]string
	// fileBase is where files download: fileBase + getFile's file_path.
	// It holds the token too.
	fileBase string
	bufs     sync.Pool // *buffer
	// jsonHeader is the hot requests' header (wire.go), shared and only
	// read.
	jsonHeader http.Header
	// texts caches the encoded texts of recent sends (wire.go).
	texts textCache
	// fast carries the hot requests (fastsend.go); nil keeps them on
	// http's transport (a proxy, a test's transport).
	fast *fastSender
}

// ctxClient gives the library's context-free requests a context, so a
// shutdown interrupts a long poll or a slow send.
type ctxClient struct {
	ctx context.Context
	c   *http.Client
}

func (c ctxClient) Do(r *http.Request) (*http.Response, error) { return c.c.Do(r.WithContext(c.ctx)) }

// New connects to the Bot API at apiURL (Telegram's, or a fake in tests and
// local mode) and checks the token with getMe. hc may be nil; its Timeout
// must exceed the long-poll timeout.
func New(ctx context.Context, token, apiURL string, hc *http.Client) (*Client, error) {
	if token == "" {
		return nil, errors.New("telegram: empty bot token")
	}
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	endpoint := strings.TrimRight(apiURL, "/") + "/bot%s/%s"
	api, err := tgbotapi.NewBotAPIWithClient(token, endpoint, ctxClient{ctx, hc})
	if err != nil {
		return nil, fmt.Errorf("telegram: connect: %w", redact(err, token))
	}
	c := &Client{api: api, http: hc, token: token, endpoints: make(map[string]string, len(hotMethods)),
		fileBase:   strings.TrimRight(apiURL, "/") + "/file/bot" + token + "/",
		jsonHeader: http.Header{"Content-Type": {"application/json"}}}
	for _, m := range hotMethods {
		c.endpoints[m] = fmt.Sprintf(endpoint, token, m)
	}
	c.bufs.New = func() any { return &buffer{pool: &c.bufs} }
	c.fast = newFastSender(apiURL, hc)
	return c, nil
}

// Username is the bot's @username from getMe.
func (c *Client) Username() string { return c.api.Self.UserName }

// ID is the bot's own user id from getMe.
func (c *Client) ID() int64 { return c.api.Self.ID }

// Name is the bot's display name from getMe.
func (c *Client) Name() string { return c.api.Self.FirstName }

// call makes one Bot API request under ctx and maps the answer to the bot
// package's errors. Redaction comes last: classify quotes Telegram's
// description, which may quote the request.
func (c *Client) call(ctx context.Context, method string, p tgbotapi.Params) (json.RawMessage, error) {
	api := *c.api // a shallow copy carries this call's context
	api.Client = ctxClient{ctx, c.http}
	resp, err := api.MakeRequest(method, p)
	if err != nil {
		return nil, fmt.Errorf("telegram %s: %w", method, redact(classify(err), c.token))
	}
	return resp.Result, nil
}

// classify turns the Bot API's error answers into the errors the delivery
// policy acts on (../shared/TELEGRAM.md). Telegram rewords its answers, so
// they are matched on meaning, case aside, and a 400 it does not know is
// still the request's fault: ErrRejected, never retried unchanged. Only
// what may pass later stays a plain error: 5xx, network errors, a body
// that is not JSON (a proxy's error page).
func classify(err error) error {
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return err // network, timeout, non-JSON body: retryable
	}
	msg, low := te.Message, strings.ToLower(te.Message)
	has := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(low, p) {
				return true
			}
		}
		return false
	}
	client := te.Code >= 400 && te.Code < 500
	switch {
	case te.Code == http.StatusTooManyRequests:
		ra := time.Duration(max(te.RetryAfter, 1)) * time.Second
		return &bot.RateLimitError{RetryAfter: ra}
	case te.MigrateToChatID != 0:
		return &bot.MigratedError{To: te.MigrateToChatID}
	// The chat's conditions, whatever the code: they last until its
	// admins change them.
	case client && has("rights to send photo", "send_photos_forbidden", "send_media_forbidden"):
		return fmt.Errorf("%w: %s", bot.ErrNoPhotos, msg)
	case client && has("not enough rights", "have no rights", "need administrator rights", "chat_admin_required",
		"chat_write_forbidden", "group is deactivated", "topic_closed", "topic closed", "chat_restricted",
		"send_plain_forbidden"):
		return fmt.Errorf("%w: %s", bot.ErrCannotPost, msg)
	case te.Code == http.StatusForbidden:
		return fmt.Errorf("%w: %s", bot.ErrChatGone, msg)
	case te.Code != http.StatusBadRequest:
		return fmt.Errorf("telegram error %d: %w", te.Code, te)
	case has("chat not found", "peer_id_invalid"):
		return fmt.Errorf("%w: %s", bot.ErrChatGone, msg)
	case has("message is not modified"):
		return fmt.Errorf("%w: %w: %s", bot.ErrRejected, errNotModified, msg)
	case has("no text in the message to edit", "no caption in the message to edit"):
		return fmt.Errorf("%w: %w: %s", bot.ErrRejected, bot.ErrWrongEditKind, msg)
	case has("wrong file identifier", "failed to get http url content", "wrong type of the web page content",
		"image_process_failed", "wrong remote file", "photo_", "caption is too long"):
		return fmt.Errorf("%w: %w: %s", bot.ErrRejected, bot.ErrBadPhoto, msg)
	case has("can't parse entities", "message is too long", "message_too_long", "text is empty", "text must be non-empty"):
		return fmt.Errorf("%w: %w: %s", bot.ErrRejected, bot.ErrBadText, msg)
	}
	return fmt.Errorf("%w: %s", bot.ErrRejected, msg)
}

// errNotModified is an edit that changes nothing: the message already
// says it, which is success.
var errNotModified = errors.New("message is not modified")

// redact removes the token from an error: Go's *url.Error prints the whole
// request URL, and the Bot API puts the token in the path. The token is
// looked for in every form an error prints it in: as given, trimmed,
// escaped in a URL, and quoted (a token ending in a newline fails URL
// parsing before any request, and the parse error quotes the URL).
func redact(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	msg := redactString(err.Error(), token)
	if msg == err.Error() {
		return err
	}
	if ue, ok := err.(*url.Error); ok {
		return &url.Error{Op: ue.Op, URL: redactString(ue.URL, token), Err: redact(ue.Err, token)}
	}
	return redactedError{msg: msg, err: err}
}

// redactString replaces every form of token in s with "<token>".
func redactString(s, token string) string {
	var forms []string
	for _, t := range []string{token, strings.TrimSpace(token)} {
		if t == "" {
			continue
		}
		quoted := strconv.Quote(t)
		forms = append(forms, t, quoted[1:len(quoted)-1], url.PathEscape(t), url.QueryEscape(t), (&url.URL{Path: t}).EscapedPath())
	}
	// Longest first, so a form is not left half replaced by one it contains.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, "<token>")
	}
	return s
}

// redactedError keeps the chain for errors.Is/As while printing no token.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// Send sends a message, as a photo with a caption when m.Photo is set; it
// implements bot.Sender. It sends exactly what it is given: when Telegram
// refuses the photo (ErrBadPhoto, ErrNoPhotos) the caller decides what to
// send instead, and so knows what went out.
func (c *Client) Send(ctx context.Context, m bot.Message) (int, error) {
	method := methodSendMessage
	if m.Photo != "" {
		method = methodSendPhoto
	}
	body := c.buffer()
	body.b = appendMessage(body.b, method, m.ChatID, 0, m, &c.texts)
	return c.post(ctx, method, body, true)
}

// Edit replaces a message's text and buttons: a text message's with
// editMessageText, a photo's caption with editMessageCaption when
// m.EditCaption says the message is a photo. An edit that changes nothing
// (the same menu pressed twice, a card already up to date) is success.
func (c *Client) Edit(ctx context.Context, chatID int64, messageID int, m bot.Message) error {
	method := methodEditMessageText
	switch {
	case m.EditButtons:
		method = methodEditMessageReplyMarkup
	case m.EditCaption:
		method = methodEditMessageCaption
	}
	body := c.buffer()
	body.b = appendMessage(body.b, method, chatID, messageID, m, &c.texts)
	_, err := c.post(ctx, method, body, false)
	if errors.Is(err, errNotModified) {
		return nil
	}
	return err
}

// maxCallbackText is answerCallbackQuery's limit on text, in characters.
const maxCallbackText = 200

// AnswerCallback stops the button's spinner, with an optional toast. A
// text over Telegram's 200 characters (a note naming a long source name)
// is cut with an ellipsis: Telegram would refuse it and the button would
// spin until it times out.
func (c *Client) AnswerCallback(ctx context.Context, id, text string) error {
	p := tgbotapi.Params{"callback_query_id": id}
	if text != "" {
		if r := []rune(text); len(r) > maxCallbackText {
			text = strings.TrimSpace(string(r[:maxCallbackText-1])) + "…"
		}
		p["text"] = text
	}
	_, err := c.call(ctx, "answerCallbackQuery", p)
	return err
}

// AnswerCallbackURL stops the button's spinner and opens url in the
// user's app; Telegram takes only a t.me link to the bot there (or a
// game's URL).
func (c *Client) AnswerCallbackURL(ctx context.Context, id, url string) error {
	_, err := c.call(ctx, "answerCallbackQuery", tgbotapi.Params{"callback_query_id": id, "url": url})
	return err
}

// ChatMemberStatus is getChatMember's status for a user in a chat.
func (c *Client) ChatMemberStatus(ctx context.Context, chatID, userID int64) (string, error) {
	res, err := c.call(ctx, "getChatMember", tgbotapi.Params{
		"chat_id": strconv.FormatInt(chatID, 10), "user_id": strconv.FormatInt(userID, 10)})
	if err != nil {
		return "", err
	}
	var cm tgbotapi.ChatMember
	if err := json.Unmarshal(res, &cm); err != nil {
		return "", fmt.Errorf("telegram getChatMember: decode: %w", err)
	}
	return cm.Status, nil
}

// ChatInfo is getChat: a chat by id or "@username".
func (c *Client) ChatInfo(ctx context.Context, ref string) (bot.Chat, error) {
	res, err := c.call(ctx, "getChat", tgbotapi.Params{"chat_id": ref})
	if err != nil {
		return bot.Chat{}, err
	}
	var ch tgbotapi.Chat
	if err := json.Unmarshal(res, &ch); err != nil {
		return bot.Chat{}, fmt.Errorf("telegram getChat: decode: %w", err)
	}
	return chat(ch), nil
}

// SetCommands publishes the command menu for a language ("" = default).
func (c *Client) SetCommands(ctx context.Context, lang string, cmds []bot.Command) error {
	list := make([]tgbotapi.BotCommand, len(cmds))
	for i, cm := range cmds {
		list[i] = tgbotapi.BotCommand{Command: cm.Name, Description: cm.Description}
	}
	raw, _ := json.Marshal(list)
	p := tgbotapi.Params{"commands": string(raw)}
	if lang != "" {
		p["language_code"] = lang
	}
	_, err := c.call(ctx, "setMyCommands", p)
	return err
}

// SendDocument sends data as a file named name, with a caption; it
// implements bot.Documents.
func (c *Client) SendDocument(ctx context.Context, chatID int64, name string, data []byte, caption string) error {
	api := *c.api // a shallow copy carries this call's context
	api.Client = ctxClient{ctx, c.http}
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10)}
	if caption != "" {
		p["caption"] = caption
	}
	_, err := api.UploadFiles("sendDocument", p, []tgbotapi.RequestFile{{Name: "document", Data: tgbotapi.FileBytes{Name: name, Bytes: data}}})
	if err != nil {
		return fmt.Errorf("telegram sendDocument: %w", redact(classify(err), c.token))
	}
	return nil
}

// Download fetches a file someone sent the bot (getFile, then the file
// itself), refusing one over maxBytes; it implements bot.Documents.
func (c *Client) Download(ctx context.Context, fileID string, maxBytes int64) ([]byte, error) {
	res, err := c.call(ctx, "getFile", tgbotapi.Params{"file_id": fileID})
	if err != nil {
		return nil, err
	}
	var f tgbotapi.File
	if err := json.Unmarshal(res, &f); err != nil || f.FilePath == "" {
		return nil, fmt.Errorf("telegram getFile: no file path in %q", res)
	}
	if int64(f.FileSize) > maxBytes {
		return nil, fmt.Errorf("telegram file: %d bytes, over %d", f.FileSize, maxBytes)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.fileBase+f.FilePath, nil)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", redact(err, c.token))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", redact(err, c.token))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("telegram file: status %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", redact(err, c.token))
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("telegram file: over %d bytes", maxBytes)
	}
	return data, nil
}
