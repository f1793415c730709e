package bot

import (
	"github.com/akhbar/akhbar/bot/chat"
	"github.com/prometheus/client_golang/prometheus"
)

// The dispatcher is the conversation's (chat.Dispatcher); the aliases keep
// bot.NewDispatcher and its options the names cmd and the tests use.
type (
	Dispatcher      = chat.Dispatcher
	DispatchOptions = chat.DispatchOptions
	DispatchStats   = chat.DispatchStats
)

// ErrStopped is returned by a Dispatcher's Accept once it has stopped.
var ErrStopped = chat.ErrStopped

// DefaultDispatchOptions is the dispatcher's defaults
// (chat.DefaultDispatchOptions).
func DefaultDispatchOptions() DispatchOptions { return chat.DefaultDispatchOptions() }

// NewDispatcher makes a Dispatcher handing updates to b. reg may be nil.
func NewDispatcher(b *Bot, opts DispatchOptions, reg prometheus.Registerer) *Dispatcher {
	return chat.NewDispatcher(b, b.store, b.log, opts, reg)
}

// IsCommand reports whether text is a command to this bot: the dispatcher
// counts those against their sender's rate.
func (b *Bot) IsCommand(text string) bool {
	_, _, ok := chat.ParseCommand(text, b.cfg.BotUsername)
	return ok
}
