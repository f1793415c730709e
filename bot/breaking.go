package bot

import (
	"slices"
	"strings"

	"github.com/akhbar/akhbar/feeds/arabic"
)

// Breaking news is what a newsroom marks urgent: a title that starts with
// "عاجل" (or "Breaking"), or a feed category named so. It reaches every
// chat subscribed to its source, its topics or breaking news alone
// (BreakingTarget), carries 🔴 on its card, and comes at once and with
// sound even to a chat that takes digests, is in its quiet hours or chose
// silent cards, unless the chat said breaking news may wait
// (storage.Settings.BreakingWaits). A poll tells it (bot/poll).

// breakingNames are what people call breaking news in /subscribe and
// /latest: "/subscribe عاجل".
var breakingNames = []string{"عاجل", "العاجل", "أخبار عاجلة", "الأخبار العاجلة", "خبر عاجل", "breaking", "breaking news", "urgent"}

// IsBreakingName reports whether q is what readers call breaking news
// ("عاجل", "الأخبار العاجلة", "Breaking"): /subscribe and /latest take it
// for breaking news of every source, so no topic may be named so.
func IsBreakingName(q string) bool {
	k := arabic.NameKey(strings.TrimPrefix(strings.TrimSpace(q), "🔴"))
	return slices.ContainsFunc(breakingNames, func(n string) bool { return arabic.NameKey(n) == k })
}
