package card

import "slices"

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
	// Breaking says the message brings breaking news: forChat keeps its
	// sound for a silent chat that wants breaking news at once.
	Breaking bool
	// Photo, when set, sends the message as a photo (an http(s) URL) with
	// Text as its caption; the caller keeps Text within 1024 characters.
	Photo string
	// PreviewURL shows a large preview of this link above the text
	// (link_preview_options), for cards whose image would not fit a caption.
	PreviewURL string
	// PaidBroadcast sends with allow_paid_broadcast (Bot API 7.11): the
	// bulk limit rises to 1000 messages/s, for a fee in Telegram Stars.
	PaidBroadcast bool
	// EditCaption, for Sender.Edit, says the message edited is a photo
	// whose caption Text becomes (editMessageCaption); otherwise it is a
	// text message (editMessageText). Send ignores it.
	EditCaption bool
	// EditButtons, for Sender.Edit, changes only the message's keyboard
	// to Buttons (editMessageReplyMarkup), a card's text or caption as it
	// is; Text and EditCaption are ignored. Send ignores it.
	EditButtons bool
}

// HasCopyButton reports whether rows hold a copy button (copy_text),
// which an older Bot API server refuses.
func HasCopyButton(rows [][]Button) bool {
	return slices.ContainsFunc(rows, func(row []Button) bool {
		return slices.ContainsFunc(row, func(b Button) bool { return b.CopyText != "" })
	})
}

// WithoutCopyButtons is a copy of rows without copy buttons (rows may be a
// cached card's: never changed in place) and without the rows left empty.
func WithoutCopyButtons(rows [][]Button) [][]Button {
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
