package bot

// Button is one inline keyboard button; exactly one action field is set.
type Button struct {
	Text         string
	URL          string
	CallbackData string
	CopyText     string // Bot API 7.11 copy_text button
	SwitchInline string // switch_inline_query (share into any chat)
}

// Message is one outgoing message, independent of the Telegram library.
type Message struct {
	ChatID         int64
	Text           string // Telegram HTML when HTML is set
	HTML           bool
	Buttons        [][]Button
	DisablePreview bool
	Silent         bool
	// Photo, when set, sends the message as a photo (an http(s) URL) with
	// Text as its caption; the caller keeps Text within 1024 characters.
	Photo string
	// PreviewURL shows a large preview of this link above the text
	// (link_preview_options), for cards whose image would not fit a caption.
	PreviewURL string
	// PaidBroadcast sends with allow_paid_broadcast (Bot API 7.11): the
	// bulk limit rises to 1000 messages/s, for a fee in Telegram Stars.
	PaidBroadcast bool
}

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
}
