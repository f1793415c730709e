package bot

import (
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// ShareMenu is the keyboard a press of the «📤 مشاركة» button under an
// item's card shows in the chat (nil when the card has none): for `akhbar
// preview`, which shows both.
func (b *Bot) ShareMenu(it feeds.Item, chat storage.Chat) [][]Button {
	c := b.card(it, chat)
	if c.ShareMenu == "" {
		return nil
	}
	return c.ShareKeyboard(callbackData(cbShareBack, ItemStartPayload(it.ID)))
}
