package chat

import (
	"slices"
	"strings"

	"github.com/akhbar/akhbar/feeds/arabic"
)

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
