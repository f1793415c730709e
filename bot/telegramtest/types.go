package telegramtest

import (
	"encoding/json"
	"time"
)

// User is a Telegram user or bot, in the Bot API wire format.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a Telegram chat in the Bot API wire format. Type is "private",
// "group", "supergroup" or "channel"; when it is empty the fake infers it from
// the id (positive: private; -100…: supergroup; other negatives: group).
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// PhotoSize is one size of a sent photo.
type PhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

// Message is both a message on the wire (in updates and in the results of
// send and edit methods) and the fake's record of what the bot sent.
//
// On the wire, "text" (or "caption" for photos) is ParsedText when set and
// Text otherwise, and Entities are the parsed formatting, so a client sees
// exactly what Telegram would return. The record-only fields (ChatID,
// ParsedText, ParseMode, Time, Edited) never appear on the wire.
type Message struct {
	MessageID         int             `json:"message_id"`
	From              *User           `json:"from,omitempty"`
	SenderChat        *Chat           `json:"sender_chat,omitempty"`
	Date              int64           `json:"date"`
	Chat              Chat            `json:"chat"`
	EditDate          int64           `json:"edit_date,omitempty"`
	Text              string          `json:"text,omitempty"`
	Entities          []MessageEntity `json:"entities,omitempty"`
	Photo             []PhotoSize     `json:"photo,omitempty"`
	Document          *Document       `json:"document,omitempty"`
	ReplyMarkup       json.RawMessage `json:"reply_markup,omitempty"`
	MigrateToChatID   int64           `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID int64           `json:"migrate_from_chat_id,omitempty"`

	// ChatID is Chat.ID, for convenience in assertions.
	ChatID int64 `json:"-"`
	// ParsedText is Text after parse-mode parsing and Telegram's cleaning
	// (trimmed, bidi controls and '\r' dropped): what the user sees.
	ParsedText string `json:"-"`
	// ParseMode is the parse_mode the bot asked for ("HTML", or "").
	ParseMode string `json:"-"`
	// Time is when the fake accepted the send or edit (Options.Now).
	Time time.Time `json:"-"`
	// Edited marks a record made by an edit method rather than a send.
	Edited bool `json:"-"`
}

type wireMessage struct {
	MessageID         int             `json:"message_id"`
	From              *User           `json:"from,omitempty"`
	SenderChat        *Chat           `json:"sender_chat,omitempty"`
	Date              int64           `json:"date"`
	Chat              Chat            `json:"chat"`
	EditDate          int64           `json:"edit_date,omitempty"`
	Text              string          `json:"text,omitempty"`
	Entities          []MessageEntity `json:"entities,omitempty"`
	Photo             []PhotoSize     `json:"photo,omitempty"`
	Document          *Document       `json:"document,omitempty"`
	Caption           string          `json:"caption,omitempty"`
	CaptionEntities   []MessageEntity `json:"caption_entities,omitempty"`
	ReplyMarkup       json.RawMessage `json:"reply_markup,omitempty"`
	MigrateToChatID   int64           `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID int64           `json:"migrate_from_chat_id,omitempty"`
}

// MarshalJSON writes the Bot API wire form (see Message).
func (m Message) MarshalJSON() ([]byte, error) {
	return json.Marshal(m.wire())
}

// wire is the Bot API form of m. Handlers return it rather than m so the
// answer is encoded once, without a MarshalJSON round trip.
func (m Message) wire() wireMessage {
	w := wireMessage{
		MessageID:         m.MessageID,
		From:              m.From,
		SenderChat:        m.SenderChat,
		Date:              m.Date,
		Chat:              m.Chat,
		EditDate:          m.EditDate,
		Photo:             m.Photo,
		Document:          m.Document,
		ReplyMarkup:       m.ReplyMarkup,
		MigrateToChatID:   m.MigrateToChatID,
		MigrateFromChatID: m.MigrateFromChatID,
	}
	text := m.Text
	if m.ParsedText != "" {
		text = m.ParsedText
	}
	if m.Photo != nil || m.Document != nil {
		w.Caption, w.CaptionEntities = text, m.Entities
	} else {
		w.Text, w.Entities = text, m.Entities
	}
	return w
}

// Document is a general file in a message (Telegram's Document).
type Document struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int64  `json:"file_size,omitempty"`
}

// CallbackQuery is a press on an inline keyboard button.
type CallbackQuery struct {
	ID              string   `json:"id"`
	From            User     `json:"from"`
	Message         *Message `json:"message,omitempty"`
	InlineMessageID string   `json:"inline_message_id,omitempty"`
	ChatInstance    string   `json:"chat_instance"`
	Data            string   `json:"data,omitempty"`
}

// InlineQuery is a user typing "@bot query" in any chat.
type InlineQuery struct {
	ID       string `json:"id"`
	From     User   `json:"from"`
	Query    string `json:"query"`
	Offset   string `json:"offset"`
	ChatType string `json:"chat_type,omitempty"`
}

// ChatMember is a user's membership of a chat. Status is one of "creator",
// "administrator", "member", "restricted", "left" or "kicked".
type ChatMember struct {
	User   User   `json:"user"`
	Status string `json:"status"`
	// What a "restricted" member may send (ChatMemberRestricted); absent
	// for the other statuses. The fake sets them for the bot only.
	IsMember        *bool `json:"is_member,omitempty"`
	CanSendMessages *bool `json:"can_send_messages,omitempty"`
	CanSendPhotos   *bool `json:"can_send_photos,omitempty"`
}

// ChatMemberUpdated reports a change of the bot's own membership (the
// my_chat_member update): blocked or unblocked in a private chat, added to or
// removed from a group or channel.
type ChatMemberUpdated struct {
	Chat          Chat       `json:"chat"`
	From          User       `json:"from"`
	Date          int64      `json:"date"`
	OldChatMember ChatMember `json:"old_chat_member"`
	NewChatMember ChatMember `json:"new_chat_member"`
}

// Update is one incoming event for getUpdates, in the Bot API wire format.
// Exactly one of the pointer fields is set.
type Update struct {
	UpdateID      int                `json:"update_id"`
	Message       *Message           `json:"message,omitempty"`
	EditedMessage *Message           `json:"edited_message,omitempty"`
	ChannelPost   *Message           `json:"channel_post,omitempty"`
	CallbackQuery *CallbackQuery     `json:"callback_query,omitempty"`
	InlineQuery   *InlineQuery       `json:"inline_query,omitempty"`
	MyChatMember  *ChatMemberUpdated `json:"my_chat_member,omitempty"`
}

// kind is the update type name used by allowed_updates.
func (u Update) kind() string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.InlineQuery != nil:
		return "inline_query"
	case u.MyChatMember != nil:
		return "my_chat_member"
	}
	return ""
}

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// Call is one request the fake received.
type Call struct {
	// Method is the canonical method name ("sendMessage"), or the name as
	// requested for unknown methods.
	Method string
	// Params are the request parameters from the query string and the body,
	// whatever its encoding. JSON-typed values (reply_markup, results,
	// commands, …) are their raw JSON text; uploaded files are
	// "upload:<filename>".
	Params map[string]string
	Time   time.Time
	// Status is the HTTP status of the answer (200, 400, 429, …).
	Status int
}

// CallbackAnswer records an answerCallbackQuery.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
}

// InlineAnswer records an accepted answerInlineQuery.
type InlineAnswer struct {
	QueryID    string
	Results    json.RawMessage
	NextOffset string
	CacheTime  int
	IsPersonal bool
}

// Stats counts what the fake answered. Load tests assert on it: a correct
// bot sees LimitViolations == 0 and EarlyRetries == 0.
type Stats struct {
	// Calls counts requests per canonical method name.
	Calls map[string]int
	// Sent counts messages created by send methods; Edited counts
	// successful edits.
	Sent, Edited int
	// TooManyRequests counts every 429 answered, injected ones included.
	TooManyRequests int
	// LimitViolations counts 429s caused by the enforced limits
	// (Options.Limits), per chat or global.
	LimitViolations int
	// BulkViolations counts the LimitViolations of the bulk limit (over
	// all chats, or over paid broadcasts).
	BulkViolations int
	// ChatViolations counts the other LimitViolations, those of a chat's
	// own limit, by chat.
	ChatViolations map[int64]int
	// EarlyRetries counts sends to a chat that arrived while the chat was
	// parked: before the retry_after of an earlier 429 answered for that
	// chat (its own limit, the bulk limit, or an injected one) ran out.
	EarlyRetries int
	// EarlyGlobalRetries counts sends to other chats that arrived before
	// the retry_after of a global (bulk) 429 ran out, not counting those
	// within Options.Jitter of that 429 (already in flight).
	EarlyGlobalRetries int
	// ClientErrors counts 4xx answers other than 429 by description, e.g.
	// "Forbidden: bot was blocked by the user".
	ClientErrors map[string]int
	// ServerErrors counts 5xx answers (all injected).
	ServerErrors int
	// WebhookDeliveries counts updates the bot's webhook took (2xx);
	// WebhookFailures counts attempts it refused or that failed.
	WebhookDeliveries, WebhookFailures int
}
