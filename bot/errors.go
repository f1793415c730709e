package bot

import "github.com/akhbar/akhbar/bot/tg"

// The errors a Sender returns are tg's, which the conversation and the
// Telegram adapter share; the aliases keep bot.ErrChatGone and the others
// the names the engine, the adapter and the tests use.
var (
	ErrChatGone      = tg.ErrChatGone
	ErrRejected      = tg.ErrRejected
	ErrBadPhoto      = tg.ErrBadPhoto
	ErrBadText       = tg.ErrBadText
	ErrWrongEditKind = tg.ErrWrongEditKind
	ErrCannotPost    = tg.ErrCannotPost
	ErrNoPhotos      = tg.ErrNoPhotos
)

type (
	// RateLimitError is a 429 (tg.RateLimitError).
	RateLimitError = tg.RateLimitError
	// MigratedError is a group that became a supergroup (tg.MigratedError).
	MigratedError = tg.MigratedError
)
