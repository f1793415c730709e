package bot

import (
	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// ShareMenu is the keyboard a press of the «📤 مشاركة» button under an
// item's card shows in the chat (nil when the card has none): for `akhbar
// preview`, which shows both.
func (b *Bot) ShareMenu(it feeds.Item, to storage.Chat) [][]Button {
	c := b.card(it, to)
	if c.ShareMenu == "" {
		return nil
	}
	return c.ShareKeyboard(chat.CallbackData(chat.KindShareBack, ItemStartPayload(it.ID)))
}
