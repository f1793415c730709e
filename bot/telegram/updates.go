package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/akhbar/akhbar/bot"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// AllowedUpdates are the update kinds the bot asks Telegram for.
var AllowedUpdates = []string{"message", "channel_post", "callback_query", "my_chat_member", "inline_query"}

// OffsetStore keeps the getUpdates offset outside the process, so a
// restart neither loses nor repeats updates.
type OffsetStore interface {
	UpdateOffset(ctx context.Context) (int64, error)
	SetUpdateOffset(ctx context.Context, off int64) error
}

// Acceptor takes updates to handle: bot.Dispatcher. Accept returns once
// the updates are kept where a crash cannot lose them, not when they are
// handled, so a slow chat holds up nobody else's updates; it waits while
// the handlers are full. An error means the updates were not taken.
type Acceptor interface {
	Accept(ctx context.Context, us []bot.Update) error
}

// AcceptFunc adapts a function to Acceptor.
type AcceptFunc func(ctx context.Context, us []bot.Update) error

// Accept calls f.
func (f AcceptFunc) Accept(ctx context.Context, us []bot.Update) error { return f(ctx, us) }

// Poll runs the long-polling loop until ctx ends. It is ours rather than
// the library's GetUpdatesChan, which logs the token-bearing URL, ignores
// retry_after and cannot be stopped cleanly. timeout is the long-poll time.
//
// A batch is confirmed to Telegram (by the next call's offset) as soon as
// accept has taken it, never before: accept keeps the updates in the
// store, where they outlive a crash, so the next getUpdates does not wait
// for the batch to be handled. A batch accept refuses is asked for again.
func (c *Client) Poll(ctx context.Context, offsets OffsetStore, timeout time.Duration, accept Acceptor, log *slog.Logger) error {
	if _, err := c.call(ctx, "deleteWebhook", nil); err != nil && ctx.Err() == nil {
		log.Warn("delete webhook before polling", "error", err)
	}
	// The offset is read once: while this loop runs it is the only writer
	// (the caller holds the updates lease), so the value in memory is the
	// truth, and a failed save cannot make the next call repeat a batch.
	var off int64
	for {
		var err error
		if off, err = offsets.UpdateOffset(ctx); err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("read update offset", "error", err)
		pause(ctx, time.Second)
	}
	allowed, _ := json.Marshal(AllowedUpdates)
	params := map[string]string{"limit": "100", "timeout": strconv.Itoa(int(timeout.Seconds())), "allowed_updates": string(allowed)}
	fails := 0
	for ctx.Err() == nil {
		params["offset"] = strconv.FormatInt(off, 10)
		res, err := c.call(ctx, "getUpdates", params)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			fails++
			var rl *bot.RateLimitError
			wait := min(time.Duration(fails)*time.Second, 30*time.Second)
			if errors.As(err, &rl) {
				wait = rl.RetryAfter
			}
			log.Warn("getUpdates", "error", err, "retry_in", wait)
			pause(ctx, wait)
			continue
		}
		fails = 0
		var updates []tgbotapi.Update
		if err := json.Unmarshal(res, &updates); err != nil {
			log.Error("decode updates", "error", err)
			pause(ctx, time.Second)
			continue
		}
		if len(updates) == 0 {
			continue
		}
		us := make([]bot.Update, len(updates))
		for i, raw := range updates {
			us[i] = Convert(raw)
		}
		if err := accept.Accept(ctx, us); err != nil {
			if ctx.Err() != nil {
				break
			}
			log.Error("accept updates; asking for them again", "updates", len(us), "error", err)
			pause(ctx, time.Second)
			continue
		}
		off = int64(updates[len(updates)-1].UpdateID) + 1
		if err := offsets.SetUpdateOffset(ctx, off); err != nil {
			log.Error("save update offset", "error", err)
		}
	}
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// SetWebhook points Telegram at url with a secret token it will send back
// in X-Telegram-Bot-Api-Secret-Token (sent through MakeRequest: the
// library predates secret_token).
func (c *Client) SetWebhook(ctx context.Context, url, secret string) error {
	allowed, _ := json.Marshal(AllowedUpdates)
	_, err := c.call(ctx, "setWebhook", map[string]string{"url": url, "secret_token": secret, "allowed_updates": string(allowed)})
	return err
}

// webhookAcceptWait bounds how long a webhook request waits for room in a
// full dispatcher before Telegram is asked to send the update again later.
const webhookAcceptWait = 5 * time.Second

// WebhookHandler accepts updates Telegram posts to the webhook. Requests
// without the secret are refused (compared in constant time). An update is
// answered 200 once accept has taken it (kept in the store), before it is
// handled, so a slow chat never holds up Telegram's deliveries; one accept
// refuses gets a 503, and Telegram sends it again.
func WebhookHandler(secret string, accept Acceptor, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var u tgbotapi.Update
		if err := json.Unmarshal(body, &u); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), webhookAcceptWait)
		defer cancel()
		if err := accept.Accept(ctx, []bot.Update{Convert(u)}); err != nil {
			log.Error("accept update", "update_id", u.UpdateID, "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Convert maps the library's update onto the bot's.
func Convert(u tgbotapi.Update) bot.Update {
	out := bot.Update{ID: int64(u.UpdateID)}
	msg := u.Message
	if msg == nil {
		msg = u.ChannelPost
	}
	switch {
	case msg != nil && msg.Chat != nil:
		m := &bot.InMessage{ID: msg.MessageID, Chat: chat(*msg.Chat), Text: msg.Text, MigrateTo: msg.MigrateToChatID}
		if msg.From != nil {
			m.From = user(*msg.From)
		}
		if msg.SenderChat != nil {
			m.SenderChat = msg.SenderChat.ID
		}
		if d := msg.Document; d != nil {
			m.Document = &bot.Document{FileID: d.FileID, Name: d.FileName, Size: int64(d.FileSize)}
		}
		out.Message = m
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		cq := u.CallbackQuery
		cb := &bot.Callback{ID: cq.ID, From: user(*cq.From), Data: cq.Data}
		if cq.Message != nil && cq.Message.Chat != nil {
			cb.Chat = chat(*cq.Message.Chat)
			cb.MessageID = cq.Message.MessageID
		}
		out.Callback = cb
	case u.MyChatMember != nil:
		mc := u.MyChatMember
		out.MyChatMember = &bot.MemberChange{Chat: chat(mc.Chat), From: user(mc.From),
			OldStatus: mc.OldChatMember.Status, NewStatus: mc.NewChatMember.Status,
			CanSendMessages: mc.NewChatMember.Status == "restricted" && mc.NewChatMember.CanSendMessages}
	case u.InlineQuery != nil && u.InlineQuery.From != nil:
		iq := u.InlineQuery
		out.InlineQuery = &bot.InlineQuery{ID: iq.ID, From: user(*iq.From), Query: iq.Query, Offset: iq.Offset, ChatType: iq.ChatType}
	}
	return out
}

func chat(c tgbotapi.Chat) bot.Chat {
	return bot.Chat{ID: c.ID, Type: c.Type, Title: c.Title, Username: c.UserName}
}

func user(u tgbotapi.User) bot.User {
	return bot.User{ID: u.ID, Username: u.UserName, FirstName: u.FirstName, LanguageCode: u.LanguageCode, IsBot: u.IsBot}
}

var _ bot.Sender = (*Client)(nil)
