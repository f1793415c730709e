package bot

import (
	"github.com/akhbar/akhbar/bot/chat"
)

// Breaking news is what a newsroom marks urgent: a title that starts with
// "عاجل" (or "Breaking"), or a feed category named so. It reaches every
// chat subscribed to its source, its topics or breaking news alone
// (BreakingTarget), carries 🔴 on its card, and comes at once and with
// sound even to a chat that takes digests, is in its quiet hours or chose
// silent cards, unless the chat said breaking news may wait
// (storage.Settings.BreakingWaits). A poll tells it (bot/poll); the
// delivery keeps it out of digests (bot/deliver).

// IsBreakingName reports whether q is what readers call breaking news
// (chat.IsBreakingName), for the config's checks.
func IsBreakingName(q string) bool { return chat.IsBreakingName(q) }
