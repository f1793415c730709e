package deliver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
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

// sendKind is what a send carried: the error policy differs by kind.
type sendKind int

const (
	sendCard   sendKind = iota // a card or a digest of cards from the outbox, or a broadcast
	sendDigest                 // a digest of held items (digest modes, quiet hours)
	sendEdit                   // an edited item's card, best effort
)

// action is what the engine does after Telegram's answer to a send.
type action int

const (
	actSent    action = iota // it went: record it
	actPark                  // a 429: park the chat (the bot too when it is the bulk limit) for retry_after
	actForget                // the chat is gone: forget it and its subscriptions
	actMigrate               // the group became a supergroup: move the chat and its items
	actPause                 // the bot may not post there: pause the chat until its rights change
	actGiveUp                // never retried: settle it unsent
	actRetry                 // it may pass later: try again after a back-off
)

// judge is the error policy of ../shared/TELEGRAM.md in one table: what a
// send of kind does after Telegram answered err. Cards and digests share
// it but for a 429, which parks a card's chat in Redis and holds a
// digest's items back for retry_after; an edit is best effort, so what
// would be retried or moved for a card settles it instead.
func judge(kind sendKind, err error) action {
	// A send that went is judged before the errors.As targets exist: they
	// escape to the heap, an allocation per send where they are declared.
	if err == nil {
		return actSent
	}
	var rl *tg.RateLimitError
	var mig *tg.MigratedError
	switch {
	case errors.As(err, &rl):
		return actPark
	case errors.Is(err, tg.ErrChatGone):
		return actForget
	case errors.Is(err, tg.ErrCannotPost):
		return actPause
	case kind == sendEdit:
		return actGiveUp
	case errors.As(err, &mig):
		return actMigrate
	case errors.Is(err, tg.ErrRejected):
		return actGiveUp
	}
	return actRetry
}

// sentNews is the message that went out, its id, and when its send began.
type sentNews struct {
	card.Message
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
//
// held is the chat's bucket as its pre-send check found it (send).
func (e *Engine) sendNews(ctx context.Context, chatID int64, items []feeds.Item, chat storage.Chat, held time.Time) (sentNews, error) {
	key := strconv.FormatInt(chatID, 10)
	for _, it := range items {
		key += " " + it.ID
	}
	m := e.compose(chatID, items, chat)
	stepped := false
	if f, ok := e.dl.refused.Get(key); ok {
		m, stepped = e.forChat(f, chat), true
	}
	for {
		at := e.now()
		id, err := e.send(ctx, m, held)
		if err == nil {
			return sentNews{Message: m, ID: id, At: at}, nil
		}
		if stepped && !errors.Is(err, tg.ErrRejected) && !errors.Is(err, tg.ErrNoPhotos) {
			e.dl.refused.Put(key, m)
		}
		if errors.Is(err, tg.ErrNoPhotos) && !chat.NoPhotos {
			chat.NoPhotos = true
			e.log.Info("chat takes no photos from the bot: its cards go as text", "chat_id", chatID, "error", err)
			if serr := e.store.SetNoPhotos(ctx, chatID); serr != nil {
				e.log.Warn("remember a chat takes no photos", "chat_id", chatID, "error", serr)
			}
		}
		next, step := simpler(m, err, func() card.Message { return e.composePlain(chatID, items, chat) })
		if step == "" {
			return sentNews{Message: m, At: at}, err
		}
		e.metrics.Fallbacks.WithLabelValues(step).Inc()
		e.log.Warn("message refused, sending a simpler form", "chat_id", chatID, "fallback", step, "error", err)
		if werr := e.waitGlobal(ctx, chatID); werr != nil {
			return sentNews{Message: m, At: at}, err
		}
		m, stepped = e.forChat(next, chat), true
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
func simpler(m card.Message, err error, plain func() card.Message) (card.Message, string) {
	isPlain := plain == nil || (!m.HTML && len(m.Buttons) == 0 && m.Photo == "" && m.PreviewURL == "")
	switch {
	case (errors.Is(err, tg.ErrBadPhoto) || errors.Is(err, tg.ErrNoPhotos)) && m.Photo != "":
		m.Photo = ""
		return m, stepNoPhoto
	case !errors.Is(err, tg.ErrRejected):
		return m, ""
	case errors.Is(err, tg.ErrBadText):
		if isPlain {
			return m, ""
		}
		return plain(), stepPlain
	case card.HasCopyButton(m.Buttons):
		m.Buttons = card.WithoutCopyButtons(m.Buttons)
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

// forChat applies a chat's choices and conditions to a message bringing it
// news: no sound when it is silent (but for breaking news, unless the chat
// lets it wait), no link preview unless it wants them,
// no photo where the bot may not send one, a paid broadcast when so
// configured. Every fallback form goes through it again, so none loses
// them.
func (e *Engine) forChat(m card.Message, chat storage.Chat) card.Message {
	if chat.NoPhotos {
		m.Photo = ""
	}
	m.Silent = chat.Settings.Silent && !(m.Breaking && !chat.Settings.BreakingWaits)
	m.PaidBroadcast = e.cfg.Limits.PaidBroadcast
	if !chat.Settings.Previews && m.Photo == "" {
		m.PreviewURL, m.DisablePreview = "", true
	}
	return m
}

// composePlain is the last form of a refused message: its text without
// HTML, buttons, photo or preview, with the chat's choices.
func (e *Engine) composePlain(chatID int64, items []feeds.Item, chat storage.Chat) card.Message {
	var m card.Message
	if len(items) == 1 {
		m = e.render.Card(items[0], chat).RenderPlain()
	} else {
		m = e.digest(items, chat, false)
	}
	m.ChatID = chatID
	m.Buttons, m.Photo, m.PreviewURL = nil, "", ""
	return e.forChat(m, chat)
}

// pauseChat stops sends to a chat the bot may not post to (err is
// tg.ErrCannotPost): its subscriptions are kept, the fan-out leaves it out,
// and the jobs already queued for it are settled unsent, until a
// member-status update resumes it (ResumeChat). The operator finds it in
// storage.PausedChats.
func (e *Engine) pauseChat(ctx context.Context, chatID int64, cause error) error {
	e.metrics.Sends.WithLabelValues("cannot_post").Inc()
	e.log.Warn("bot may not post in chat: pausing its subscriptions until its rights change", "chat_id", chatID, "error", cause)
	if err := e.store.PauseChat(ctx, chatID, cause.Error()); err != nil {
		return fmt.Errorf("pause chat %d: %w", chatID, err)
	}
	e.metrics.Paused.Inc()
	return nil
}

// ResumeChat ends a chat's pause when a member-status update says the bot
// may post there again: a member or admin of a group, an admin of a
// channel. It forgets a photo restriction too: the rights changed.
func (e *Engine) ResumeChat(ctx context.Context, mc *tg.MemberChange) error {
	if mc.Chat.Type == "channel" && mc.NewStatus != "administrator" {
		return nil // a channel's members do not post
	}
	resumed, err := e.store.ResumeChat(ctx, mc.Chat.ID)
	if err != nil {
		return fmt.Errorf("resume chat %d: %w", mc.Chat.ID, err)
	}
	if resumed {
		e.metrics.Resumed.Inc()
		e.log.Info("bot may post in chat again: its subscriptions resume", "chat_id", mc.Chat.ID, "status", mc.NewStatus)
	}
	return nil
}

// skipPaused settles the jobs queued for a paused chat without sending,
// and without a slot of the bot-wide rate.
func (e *Engine) skipPaused(ctx context.Context, jobs []storage.Delivery) outcome {
	e.metrics.Sends.WithLabelValues("paused").Add(float64(len(jobs)))
	e.ackAll(ctx, jobs)
	return outcome{dropAll: true}
}
