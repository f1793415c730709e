package poll

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
)

// FuzzBreaking: any title and category give an answer without panicking;
// the title shown is the title given or a tail of it, never empty when the
// title was not; and a title the rule does not mark stays as it was.
func FuzzBreaking(f *testing.F) {
	for _, s := range []string{"عاجل: زلزال في الشمال", "🔴 عاجل.. «حزب الله» يعلن", "[عاجل]", "عاجل", "دعوات لتدخل عاجل",
		"BREAKING: x", "عَاجِل | خبر", ":::", "\u200fعاجل\u200f: خبر", "عاجل\xff: خبر"} {
		f.Add(s, "عاجل")
		f.Add(s, "")
	}
	f.Add("ـ: خبر", "ـ") // tatweel is a letter that normalises to nothing
	f.Fuzz(func(t *testing.T, title, category string) {
		var cats []string
		if category != "" {
			cats = []string{category}
		}
		for _, rule := range []feeds.BreakingRule{{}, {Off: true}, {Patterns: []string{"الآن", ""}, Categories: []string{""}}} {
			is, shown := breaking(rule, title, cats)
			if !strings.HasSuffix(title, shown) || (title != "" && shown == "") {
				t.Fatalf("breaking(%q) shows %q", title, shown)
			}
			if (!is || rule.Off) && shown != title {
				t.Fatalf("breaking(%q) = %v but shows %q", title, is, shown)
			}
			if utf8.ValidString(title) && !utf8.ValidString(shown) {
				t.Fatalf("breaking(%q) cut a character: %q", title, shown)
			}
		}
	})
}
