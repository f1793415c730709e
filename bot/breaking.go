package bot

import (
	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// Breaking news is what a newsroom marks urgent: a title that starts with
// "عاجل" (or "Breaking"), or a feed category named so. It reaches every
// chat subscribed to its source, its topics or breaking news alone
// (BreakingTarget), carries 🔴 on its card, and comes at once and with
// sound even to a chat that takes digests, is in its quiet hours or chose
// silent cards, unless the chat said breaking news may wait
// (storage.Settings.BreakingWaits). A poll tells it (bot/poll).

// breakingApart keeps breaking news out of digests: when the batch about to
// go as one message holds breaking news, a breaking item at its head goes
// alone, as a card, and otherwise the batch stops before the first one,
// which then heads the next message. sent runs beside batch; known holds
// the batch's items (missing ones expired).
func breakingApart(batch []storage.Delivery, sent []bool, known map[string]feeds.Item) ([]storage.Delivery, []bool) {
	if len(batch) < 2 {
		return batch, sent
	}
	for i, d := range batch {
		if it, ok := known[d.ItemID]; ok && it.Breaking && !sent[i] {
			n := max(i, 1)
			return batch[:n], sent[:n]
		}
	}
	return batch, sent
}

// IsBreakingName reports whether q is what readers call breaking news
// (chat.IsBreakingName), for the config's checks.
func IsBreakingName(q string) bool { return chat.IsBreakingName(q) }
