// Package wordingtest checks the bot's wording for the slips of issue
// 15's language review. The tests of each package that holds wording
// (bot, bot/chat) call it, so the review's rules are written once.
package wordingtest

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// sentences collects every string a value of the bot's wording holds: its
// string fields, the phrases of its plurals and the values of its maps.
func sentences(v reflect.Value, path string, out map[string]string) {
	switch v.Kind() {
	case reflect.String:
		if v.String() != "" {
			out[path] = v.String()
		}
	case reflect.Struct:
		for i := range v.NumField() {
			sentences(v.Field(i), path+"."+v.Type().Field(i).Name, out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			sentences(v.MapIndex(k), path+"["+k.String()+"]", out)
		}
	}
}

// arabicSlips are the slips the language review of issue 15 found in the
// Arabic wording: the bot named in the third person (it speaks as "I"),
// imperatives addressed to the reader (a group, a woman or a man), and
// colloquial or non-standard words.
var arabicSlips = regexp.MustCompile(`البوت|(?:^|[\s(«])(?:أرسل|أرسلي|أرسلوا|أرسله|اضغط|اختر|اكتب|استخدم|جرّب|أضف|انتظر|حاول)(?:[\s.،:؛)»]|$)|أصلاً|لست مشترك`)

// englishSlips: English says "story" for a news item, as its digests do.
var englishSlips = regexp.MustCompile(`\b(?:[Ii]tems?)\b|the bot\b`)

// Check reads every sentence of wordings (by name, the Arabic value and
// the English one), in both languages: none may have a slip of the review,
// nor an embedding, override or isolate control (Telegram keeps only the
// LRM and RLM marks; card.Cmd places a command in an Arabic line). It
// fails when fewer than least sentences were read, so a wording that stops
// being read is noticed.
func Check(t testing.TB, wordings map[string][2]any, least int) {
	t.Helper()
	n := 0
	for name, w := range wordings {
		for i, slips := range []*regexp.Regexp{arabicSlips, englishSlips} {
			all := map[string]string{}
			sentences(reflect.ValueOf(w[i]), name, all)
			for path, s := range all {
				n++
				if m := slips.FindString(s); m != "" {
					t.Errorf("%s has %q: %q", path, strings.TrimSpace(m), s)
				}
				if strings.ContainsFunc(s, func(r rune) bool { return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) }) {
					t.Errorf("%s has a bidi embedding, override or isolate control: %q", path, s)
				}
			}
		}
	}
	if n < least {
		t.Fatalf("only %d sentences read, want at least %d", n, least)
	}
}
