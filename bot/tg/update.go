// Package tg holds the plain Telegram types the bot's packages share:
// the updates they read, the inline answers they write and the typed
// errors a sender returns. It imports nothing of the bot's, so the
// delivery engine, the conversation and the Telegram adapter all can
// import it without a cycle.
package tg

import "github.com/akhbar/akhbar/bot/card"

// Button and Message are the card package's: outgoing messages are what
// cards render to.
type (
	// Button is one inline keyboard button (card.Button).
	Button = card.Button
	// Message is one outgoing message (card.Message).
	Message = card.Message
)

// Update is the part of a Telegram update the bot acts on.
type Update struct {
	ID           int64
	Message      *InMessage
	Callback     *Callback
	MyChatMember *MemberChange
	InlineQuery  *InlineQuery
}

// Chat describes where a message came from.
type Chat struct {
	ID       int64
	Type     string // private, group, supergroup, channel
	Title    string
	Username string
}

// User is the sender of a message or callback.
type User struct {
	ID           int64
	Username     string
	FirstName    string
	LanguageCode string
	IsBot        bool
}

// InMessage is a message (or channel post) sent to the bot.
type InMessage struct {
	ID         int
	Chat       Chat
	From       User // zero for channel posts
	SenderChat int64
	Text       string
	// MigrateTo is set on the service message a group sends when it
	// becomes a supergroup.
	MigrateTo int64
	// Document is a file sent with the message (its caption is not
	// read: a caption is no command).
	Document *Document
}

// Document is a file in a message: an operator's OPML subscription list.
type Document struct {
	FileID string
	Name   string
	Size   int64
}

// Callback is a button press.
type Callback struct {
	ID        string
	From      User
	Chat      Chat
	MessageID int
	Data      string
}

// MemberChange is my_chat_member: the bot was added, removed or blocked.
type MemberChange struct {
	Chat      Chat
	From      User
	OldStatus string
	NewStatus string
	// CanSendMessages: the bot, "restricted" in the chat (NewStatus), may
	// still send text there.
	CanSendMessages bool
}
