// Package telegram adapts go-telegram-bot-api to the bot package: sending
// with typed errors, the long-polling loop and the webhook handler, and
// keeping the bot token out of every error and log line.
package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	return &Client{api: api, http: hc, token: token}, nil
}

// Username is the bot's @username from getMe.
func (c *Client) Username() string { return c.api.Self.UserName }

// ID is the bot's own user id from getMe.
func (c *Client) ID() int64 { return c.api.Self.ID }

// Name is the bot's display name from getMe.
func (c *Client) Name() string { return c.api.Self.FirstName }

// call makes one Bot API request under ctx and maps the answer to the bot
// package's errors.
func (c *Client) call(ctx context.Context, method string, p tgbotapi.Params) (json.RawMessage, error) {
	api := *c.api // a shallow copy carries this call's context
	api.Client = ctxClient{ctx, c.http}
	resp, err := api.MakeRequest(method, p)
	if err != nil {
		return nil, fmt.Errorf("telegram %s: %w", method, classify(redact(err, c.token)))
	}
	return resp.Result, nil
}

// classify turns the Bot API's error answers into the errors the delivery
// policy acts on (../shared/TELEGRAM.md).
func classify(err error) error {
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return err // network, timeout, non-JSON body: retryable
	}
	msg := te.Message
	switch {
	case te.Code == http.StatusTooManyRequests:
		ra := time.Duration(max(te.RetryAfter, 1)) * time.Second
		return &bot.RateLimitError{RetryAfter: ra}
	case te.MigrateToChatID != 0:
		return &bot.MigratedError{To: te.MigrateToChatID}
	case te.Code == http.StatusForbidden:
		return fmt.Errorf("%w: %s", bot.ErrChatGone, msg)
	case te.Code == http.StatusBadRequest && (strings.Contains(msg, "chat not found") || strings.Contains(msg, "PEER_ID_INVALID")):
		return fmt.Errorf("%w: %s", bot.ErrChatGone, msg)
	case te.Code == http.StatusBadRequest && (strings.Contains(msg, "can't parse entities") ||
		strings.Contains(msg, "message is too long") || strings.Contains(msg, "text is empty") ||
		strings.Contains(msg, "caption is too long") || strings.Contains(msg, "BUTTON_")):
		return fmt.Errorf("%w: %s", bot.ErrRejected, msg)
	}
	return fmt.Errorf("telegram error %d: %w", te.Code, te)
}

// redact removes the token from an error: Go's *url.Error prints the whole
// request URL, and the Bot API puts the token in the path.
func redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: strings.ReplaceAll(ue.URL, token, "<token>"), Err: redact(ue.Err, token)}
	}
	return redactedError{msg: strings.ReplaceAll(err.Error(), token, "<token>"), err: err}
}

// redactedError keeps the chain for errors.Is/As while printing no token.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// Send sends a message, as a photo with a caption when m.Photo is set; it
// implements bot.Sender. A photo Telegram cannot fetch or read falls back
// to the text with a large link preview, so a bad image never costs the news.
func (c *Client) Send(ctx context.Context, m bot.Message) (int, error) {
	if m.Photo != "" {
		p := asCaption(messageParams(m))
		p["chat_id"] = strconv.FormatInt(m.ChatID, 10)
		p["photo"] = m.Photo
		id, err := c.sendAndDecode(ctx, "sendPhoto", p)
		if !isPhotoProblem(err) {
			return id, err
		}
		m.Photo = ""
	}
	p := messageParams(m)
	p["chat_id"] = strconv.FormatInt(m.ChatID, 10)
	return c.sendAndDecode(ctx, "sendMessage", p)
}

func (c *Client) sendAndDecode(ctx context.Context, method string, p tgbotapi.Params) (int, error) {
	res, err := c.call(ctx, method, p)
	if err != nil {
		return 0, err
	}
	var msg tgbotapi.Message
	if err := json.Unmarshal(res, &msg); err != nil {
		return 0, fmt.Errorf("telegram %s: decode: %w", method, err)
	}
	return msg.MessageID, nil
}

// isPhotoProblem recognises Telegram's answers about an image it could
// not use (unreachable URL, not an image, bad dimensions).
func isPhotoProblem(err error) bool {
	var te *tgbotapi.Error
	if err == nil || !errors.As(err, &te) || te.Code != http.StatusBadRequest {
		return false
	}
	for _, s := range []string{"wrong file identifier", "failed to get HTTP URL content", "wrong type of the web page content",
		"IMAGE_PROCESS_FAILED", "PHOTO_INVALID_DIMENSIONS", "wrong remote file", "PHOTO_"} {
		if strings.Contains(te.Message, s) {
			return true
		}
	}
	return false
}

// Edit replaces a message's text and buttons.
func (c *Client) Edit(ctx context.Context, chatID int64, messageID int, m bot.Message) error {
	p := messageParams(m)
	p["chat_id"] = strconv.FormatInt(chatID, 10)
	p["message_id"] = strconv.Itoa(messageID)
	delete(p, "disable_notification")
	method := "editMessageText"
	if m.Photo != "" { // a photo card: its text is the caption
		method = "editMessageCaption"
		p = asCaption(p)
	}
	_, err := c.call(ctx, method, p)
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil // the same menu pressed twice
	}
	return err
}

// AnswerCallback stops the button's spinner, with an optional toast.
func (c *Client) AnswerCallback(ctx context.Context, id, text string) error {
	p := tgbotapi.Params{"callback_query_id": id}
	if text != "" {
		p["text"] = text
	}
	_, err := c.call(ctx, "answerCallbackQuery", p)
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

// asCaption turns a text message's parameters into a photo's: the text is
// the caption, and a caption has no link preview.
func asCaption(p tgbotapi.Params) tgbotapi.Params {
	p["caption"] = p["text"]
	delete(p, "text")
	delete(p, "link_preview_options")
	delete(p, "disable_web_page_preview")
	return p
}

// messageParams are the parameters shared by sendMessage and
// editMessageText. reply_markup is built by hand because the library's
// button type lacks copy_text (Bot API 7.11).
func messageParams(m bot.Message) tgbotapi.Params {
	p := tgbotapi.Params{"text": m.Text}
	if m.HTML {
		p["parse_mode"] = "HTML"
	}
	switch {
	case m.DisablePreview:
		p["link_preview_options"] = `{"is_disabled":true}`
		p["disable_web_page_preview"] = "true"
	case m.PreviewURL != "":
		lp, _ := json.Marshal(map[string]any{"url": m.PreviewURL, "prefer_large_media": true, "show_above_text": true})
		p["link_preview_options"] = string(lp)
	}
	if m.Silent {
		p["disable_notification"] = "true"
	}
	if m.PaidBroadcast {
		p["allow_paid_broadcast"] = "true"
	}
	if len(m.Buttons) > 0 {
		p["reply_markup"] = keyboardJSON(m.Buttons)
	}
	return p
}

func keyboardJSON(rows [][]bot.Button) string {
	type copyText struct {
		Text string `json:"text"`
	}
	type button struct {
		Text         string    `json:"text"`
		URL          string    `json:"url,omitempty"`
		CallbackData string    `json:"callback_data,omitempty"`
		CopyText     *copyText `json:"copy_text,omitempty"`
		SwitchInline *string   `json:"switch_inline_query,omitempty"`
	}
	kb := struct {
		InlineKeyboard [][]button `json:"inline_keyboard"`
	}{InlineKeyboard: make([][]button, len(rows))}
	for i, row := range rows {
		kb.InlineKeyboard[i] = make([]button, len(row))
		for j, b := range row {
			out := button{Text: b.Text, URL: b.URL, CallbackData: b.CallbackData}
			if b.CopyText != "" {
				out.CopyText = &copyText{b.CopyText}
			}
			if b.SwitchInline != "" {
				q := b.SwitchInline
				out.SwitchInline = &q
			}
			kb.InlineKeyboard[i][j] = out
		}
	}
	raw, _ := json.Marshal(kb)
	return string(raw)
}
