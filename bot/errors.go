package bot

import (
	"errors"
	"fmt"
	"time"
)

// Errors a Sender returns, so the delivery policy never parses Telegram's
// strings itself. bot/telegram maps the Bot API's answers onto them.
var (
	// ErrChatGone means the chat cannot receive messages any more: the user
	// blocked the bot, the bot was kicked, the group was deleted, the
	// account was deactivated, or the chat was not found.
	ErrChatGone = errors.New("chat gone")
	// ErrRejected means Telegram refused the message itself (can't parse
	// entities, message too long, empty). It is our rendering bug: retrying
	// the same message can never succeed.
	ErrRejected = errors.New("message rejected")
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
