package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// pauseStore is the chats the bot cannot post to; storage.Store implements
// it.
type pauseStore interface {
	PauseChat(ctx context.Context, chatID int64, reason string) error
	ResumeChat(ctx context.Context, chatID int64) (bool, error)
	SetNoPhotos(ctx context.Context, chatID int64) error
}

// What the bot does with Telegram's answers beyond a plain retry
// (../shared/TELEGRAM.md): a refused message falls back at once to a
// simpler form, and a chat the bot may not post to is paused until a
// member-status update says it may again.

// sentNews is the message that went out, its id, and when its send began.
type sentNews struct {
	Message
	ID int
	At time.Time
}

// sendNews sends a chat the message that brings it items (compose), the
// bot-wide slot for it already taken. When Telegram refuses it (a 400: the
// same request would fail again) it sends at once, step by step, a simpler
// form that will pass: without the copy button, without buttons, without
// the photo, then plain text without markup; a refusal that names the part
// refused (the photo, the text) goes straight to the form without it.
// Every form keeps the chat's choices (forChat), and each takes a slot of
// the bot-wide rate of its own. A chat that takes no photos is remembered,
// so its next cards go as text at once. When a simpler form fails in a way
// that may pass later (a 429, a 5xx), the retry starts from that form, not
// from one already refused (in this replica). It returns what was sent, or
// the last answer when no form passed or the answer was not a refusal.
func (b *Bot) sendNews(ctx context.Context, chatID int64, items []feeds.Item, chat storage.Chat) (sentNews, error) {
	key := strconv.FormatInt(chatID, 10)
	for _, it := range items {
		key += " " + it.ID
	}
	m := b.compose(chatID, items, chat)
	stepped := false
	if f, ok := b.dl.refused.Get(key); ok {
		m, stepped = b.forChat(f, chat), true
	}
	for {
		at := b.now()
		id, err := b.send(ctx, m)
		if err == nil {
			return sentNews{Message: m, ID: id, At: at}, nil
		}
		if stepped && !errors.Is(err, ErrRejected) && !errors.Is(err, ErrNoPhotos) {
			b.dl.refused.Put(key, m)
		}
		if errors.Is(err, ErrNoPhotos) && !chat.NoPhotos {
			chat.NoPhotos = true
			b.log.Info("chat takes no photos from the bot: its cards go as text", "chat_id", chatID, "error", err)
			if serr := b.store.SetNoPhotos(ctx, chatID); serr != nil {
				b.log.Warn("remember a chat takes no photos", "chat_id", chatID, "error", serr)
			}
		}
		next, step := simpler(m, err, func() Message { return b.composePlain(chatID, items, chat) })
		if step == "" {
			return sentNews{Message: m, At: at}, err
		}
		b.metrics.Fallbacks.WithLabelValues(step).Inc()
		b.log.Warn("message refused, sending a simpler form", "chat_id", chatID, "fallback", step, "error", err)
		if werr := b.waitGlobal(ctx, chatID); werr != nil {
			return sentNews{Message: m, At: at}, err
		}
		m, stepped = b.forChat(next, chat), true
	}
}

// Fallback steps, as counted in Metrics.Fallbacks.
const (
	stepNoCopy    = "no_copy"
	stepNoButtons = "no_buttons"
	stepNoPhoto   = "no_photo"
	stepPlain     = "plain"
)

// simpler is the next form of m to send after Telegram answered err, and
// the step taken; no step when err is no refusal or m is as simple as a
// message gets. plain makes the plain-text form; nil when there is none.
func simpler(m Message, err error, plain func() Message) (Message, string) {
	isPlain := plain == nil || (!m.HTML && len(m.Buttons) == 0 && m.Photo == "" && m.PreviewURL == "")
	switch {
	case (errors.Is(err, ErrBadPhoto) || errors.Is(err, ErrNoPhotos)) && m.Photo != "":
		m.Photo = ""
		return m, stepNoPhoto
	case !errors.Is(err, ErrRejected):
		return m, ""
	case errors.Is(err, ErrBadText):
		if isPlain {
			return m, ""
		}
		return plain(), stepPlain
	case hasCopyButton(m.Buttons):
		m.Buttons = withoutCopyButtons(m.Buttons)
		return m, stepNoCopy
	case len(m.Buttons) > 0:
		m.Buttons = nil
		return m, stepNoButtons
	case m.Photo != "":
		m.Photo = ""
		return m, stepNoPhoto
	case isPlain:
		return m, ""
	}
	return plain(), stepPlain
}

func hasCopyButton(rows [][]Button) bool {
	return slices.ContainsFunc(rows, func(row []Button) bool {
		return slices.ContainsFunc(row, func(b Button) bool { return b.CopyText != "" })
	})
}

// withoutCopyButtons is a copy of rows without copy buttons (rows may be a
// cached card's: never changed in place) and without the rows left empty.
func withoutCopyButtons(rows [][]Button) [][]Button {
	var out [][]Button
	for _, row := range rows {
		var kept []Button
		for _, b := range row {
			if b.CopyText == "" {
				kept = append(kept, b)
			}
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	return out
}

// forChat applies a chat's choices and conditions to a message bringing it
// news: no sound when it is silent (but for breaking news, unless the chat
// lets it wait), no link preview unless it wants them,
// no photo where the bot may not send one, a paid broadcast when so
// configured. Every fallback form goes through it again, so none loses
// them.
func (b *Bot) forChat(m Message, chat storage.Chat) Message {
	if chat.NoPhotos {
		m.Photo = ""
	}
	m.Silent = chat.Settings.Silent && !(m.Breaking && !chat.Settings.BreakingWaits)
	m.PaidBroadcast = b.cfg.Limits.PaidBroadcast
	if !chat.Settings.Previews && m.Photo == "" {
		m.PreviewURL, m.DisablePreview = "", true
	}
	return m
}

// composePlain is the last form of a refused message: its text without
// HTML, buttons, photo or preview, with the chat's choices.
func (b *Bot) composePlain(chatID int64, items []feeds.Item, chat storage.Chat) Message {
	var m Message
	if len(items) == 1 {
		m = b.card(items[0], chat).RenderPlain()
	} else {
		m = b.digest(items, chat, false)
	}
	m.ChatID = chatID
	m.Buttons, m.Photo, m.PreviewURL = nil, "", ""
	return b.forChat(m, chat)
}

// pauseChat stops sends to a chat the bot may not post to (err is
// ErrCannotPost): its subscriptions are kept, the fan-out leaves it out,
// and the jobs already queued for it are settled unsent, until a
// member-status update resumes it (resumeChat). The operator finds it in
// storage.PausedChats.
func (b *Bot) pauseChat(ctx context.Context, chatID int64, cause error) error {
	b.metrics.Sends.WithLabelValues("cannot_post").Inc()
	b.log.Warn("bot may not post in chat: pausing its subscriptions until its rights change", "chat_id", chatID, "error", cause)
	if err := b.store.PauseChat(ctx, chatID, cause.Error()); err != nil {
		return fmt.Errorf("pause chat %d: %w", chatID, err)
	}
	b.metrics.Paused.Inc()
	return nil
}

// resumeChat ends a chat's pause when a member-status update says the bot
// may post there again: a member or admin of a group, an admin of a
// channel. It forgets a photo restriction too: the rights changed.
func (b *Bot) resumeChat(ctx context.Context, mc *MemberChange) error {
	if mc.Chat.Type == "channel" && mc.NewStatus != "administrator" {
		return nil // a channel's members do not post
	}
	resumed, err := b.store.ResumeChat(ctx, mc.Chat.ID)
	if err != nil {
		return fmt.Errorf("resume chat %d: %w", mc.Chat.ID, err)
	}
	if resumed {
		b.metrics.Resumed.Inc()
		b.log.Info("bot may post in chat again: its subscriptions resume", "chat_id", mc.Chat.ID, "status", mc.NewStatus)
	}
	return nil
}

// skipPaused settles the jobs queued for a paused chat without sending,
// and without a slot of the bot-wide rate.
func (b *Bot) skipPaused(ctx context.Context, jobs []storage.Delivery) outcome {
	b.metrics.Sends.WithLabelValues("paused").Add(float64(len(jobs)))
	b.ackAll(ctx, jobs)
	return outcome{dropAll: true}
}
