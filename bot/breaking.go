package bot

import (
	"slices"
	"strings"
	"unicode"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// Breaking news is what a newsroom marks urgent: a title that starts with
// "عاجل" (or "Breaking"), or a feed category named so. It reaches every
// chat subscribed to its source, its topics or breaking news alone
// (BreakingTarget), carries 🔴 on its card, and comes at once and with
// sound even to a chat that takes digests, is in its quiet hours or chose
// silent cards, unless the chat said breaking news may wait
// (storage.Settings.BreakingWaits).

// Marks of breaking news a source uses unless its config says otherwise
// (feeds.BreakingRule).
var (
	defaultBreakingPatterns   = []string{"عاجل", "خبر عاجل", "عاجل جدا", "breaking", "breaking news", "urgent"}
	defaultBreakingCategories = []string{"عاجل", "أخبار عاجلة", "خبر عاجل", "breaking", "breaking news", "urgent"}
)

// breakingSeparators end the mark at the head of a title: "عاجل: …",
// "عاجل | …", "عاجل - …", "[عاجل] …", "عاجل.. …".
const breakingSeparators = ":：|-–—_])»›،,.!/\\"

// breaking reports whether an item is breaking news under rule, and the
// title to show: without the mark, which the card shows as 🔴 instead. A
// title is marked only by a pattern at its head ("عاجل: زلزال في …"), never
// by the word inside it ("دعوات لتدخل عاجل في غزة").
func breaking(rule feeds.BreakingRule, title string, categories []string) (bool, string) {
	if rule.Off {
		return false, title
	}
	patterns, cats := rule.Patterns, rule.Categories
	if patterns == nil {
		patterns = defaultBreakingPatterns
	}
	if cats == nil {
		cats = defaultBreakingCategories
	}
	if rest, ok := cutBreakingMark(title, patterns); ok {
		return true, rest
	}
	for _, c := range categories {
		k := arabic.NameKey(c)
		if k != "" && slices.ContainsFunc(cats, func(bc string) bool { return arabic.NameKey(bc) == k }) {
			return true, title
		}
	}
	return false, title
}

// cutBreakingMark finds a pattern at the head of title, after any emoji,
// bracket or other sign (🔴, [, «), and followed by a separator; it
// returns the title after the mark and its separators, or title itself when
// nothing follows.
func cutBreakingMark(title string, patterns []string) (string, bool) {
	start := strings.IndexFunc(title, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
	if start < 0 {
		return title, false
	}
	end := strings.IndexAny(title[start:], breakingSeparators)
	if end <= 0 {
		return title, false
	}
	head := arabic.NameKey(title[start : start+end])
	if head == "" || !slices.ContainsFunc(patterns, func(p string) bool { return arabic.NameKey(p) == head }) {
		return title, false
	}
	rest := strings.TrimLeftFunc(title[start+end:], func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(breakingSeparators, r)
	})
	if rest == "" {
		return title, true
	}
	return rest, true
}

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
