package poll

import (
	"slices"
	"strings"
	"unicode"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
)

// Breaking news is what a newsroom marks urgent: a title that starts with
// "عاجل" (or "Breaking"), or a feed category named so. A poll tells it
// here; what it changes for the chats (BreakingTarget, 🔴, sent at once)
// is delivery's.

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
