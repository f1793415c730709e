package bot

import (
	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
)

// Button and Message are the card package's: the bot's outgoing messages
// are what cards render to. The aliases keep bot.Message and bot.Button
// the names the engine, the Telegram adapter and the commands use.
type (
	// Button is one inline keyboard button (card.Button).
	Button = card.Button
	// Message is one outgoing message (card.Message).
	Message = card.Message
)

// The updates the bot reads are tg's, which the conversation and the
// Telegram adapter share; the aliases keep bot.Update and its parts the
// names cmd, the adapter and the tests use.
type (
	Update       = tg.Update
	Chat         = tg.Chat
	User         = tg.User
	InMessage    = tg.InMessage
	Document     = tg.Document
	Callback     = tg.Callback
	MemberChange = tg.MemberChange
	InlineQuery  = tg.InlineQuery
	InlineResult = tg.InlineResult
	InlineAnswer = tg.InlineAnswer
)
