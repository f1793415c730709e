package tg

import (
	"errors"
	"fmt"
	"time"
)

// Errors a sender returns, so the delivery policy never parses Telegram's
// strings itself. bot/telegram maps the Bot API's answers onto them.
var (
	// ErrChatGone means the chat cannot receive messages any more: the user
	// blocked the bot, the bot was kicked, the group was deleted, the
	// account was deactivated, or the chat was not found.
	ErrChatGone = errors.New("chat gone")
	// ErrRejected means Telegram refused the request itself (a 400: can't
	// parse entities, too long, a bad button, or one we do not know): the
	// same request fails again, so it is never retried unchanged. The
	// errors below that narrow down the part refused wrap it too.
	ErrRejected = errors.New("message rejected")
	// ErrBadPhoto means Telegram could not use a message's photo (the URL
	// unreachable or not an image, bad dimensions) or its caption is too
	// long: the same card as a text message would pass.
	ErrBadPhoto = errors.New("photo rejected")
	// ErrBadText means the text itself was refused (can't parse entities,
	// too long, empty): only the plain-text form may pass.
	ErrBadText = errors.New("text rejected")
	// ErrWrongEditKind means an edit used the method for the other kind
	// of message (editMessageText of a photo, editMessageCaption of a
	// text).
	ErrWrongEditKind = errors.New("edit of the wrong kind of message")
	// ErrCannotPost means the bot may not post in the chat as it is now:
	// it lacks the rights, is not an admin of the channel, the group is
	// deactivated or the topic closed. Retrying cannot help until the
	// chat's admins change something, which a my_chat_member update tells.
	ErrCannotPost = errors.New("bot may not post in the chat")
	// ErrNoPhotos means the bot may send the chat text but not photos.
	ErrNoPhotos = errors.New("bot may not send photos to the chat")
)

// RateLimitError is a 429: nothing may be sent to the chat (or, when Global,
// by the bot) before RetryAfter has passed.
type RateLimitError struct {
	RetryAfter time.Duration
	Global     bool
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
}

// MigratedError means a group became a supergroup with a new chat id.
type MigratedError struct{ To int64 }

func (e *MigratedError) Error() string { return fmt.Sprintf("chat migrated to %d", e.To) }
