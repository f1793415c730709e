package display

import (
	"slices"
	"strings"
	"testing"
)

const rlm, lrm = "\u200f", "\u200e"

// TestLines checks levels and visual order against the bidi algorithm's
// results worked by hand (the same as fribidi's and ICU's), including the
// cases the runs of golang.org/x/text/unicode/bidi alone cannot tell
// apart: numbers inside Arabic in a left-to-right line are at level 2.
func TestLines(t *testing.T) {
	tests := map[string]struct {
		text   string
		rtl    bool
		levels []int
		visual string
	}{
		"latin": {text: "ab c", levels: []int{0, 0, 0, 0}, visual: "ab c"},
		"arabic": {text: "اب ج", rtl: true, levels: []int{1, 1, 1, 1},
			visual: "ج اب"},
		"number in arabic": {text: "ا 12 ب", rtl: true, levels: []int{1, 1, 2, 2, 1, 1},
			visual: "ب 12 ا"},
		"arabic with a number in a latin line": {text: "x ا 12 ب y", levels: []int{0, 0, 1, 1, 2, 2, 1, 1, 0, 0},
			visual: "x ب 12 ا y"},
		// "12" follows Arabic (W2: AN, level 2) and "x" is L (level 0):
		// x/text's runs put them in one left-to-right run.
		"number then latin after arabic": {text: "عدد 12x", rtl: true, levels: []int{1, 1, 1, 1, 2, 2, 2},
			visual: "12x عدد"},
		"number then latin after arabic, ltr line": {text: lrm + "عدد 12x", levels: []int{0, 1, 1, 1, 1, 2, 2, 0},
			visual: "12 عددx"},
		"number after latin": {text: "ab 12", levels: []int{0, 0, 0, 0, 0}, visual: "ab 12"},
		"brackets mirror": {text: "ا (ب) «ج»", rtl: true, levels: []int{1, 1, 1, 1, 1, 1, 1, 1, 1},
			visual: "«ج» (ب) ا"},
		"latin in arabic": {text: "ا bc د", rtl: true, levels: []int{1, 1, 2, 2, 1, 1},
			visual: "د bc ا"},
		"trailing space goes to the base level": {text: "ab ا ", levels: []int{0, 0, 0, 1, 0},
			visual: "ab ا "},
		"marks are not shown": {text: rlm + "ab", rtl: true, levels: []int{1, 2, 2}, visual: "ab"},
		"no strong character": {text: "12 ·", levels: []int{0, 0, 0, 0}, visual: "12 ·"},
		// Rule N0: a bracket pair takes the direction of the text inside,
		// or of the text before it. The paragraphs of x/text leave it out
		// (golang/go#72089) and show this ")" on the far left. Levels as
		// the JDK's java.text.Bidi gives them.
		"latin brackets after a latin name in arabic": {text: "خبر من CNN (Arabic)", rtl: true,
			levels: []int{1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
			visual: "CNN (Arabic) من خبر"},
		"arabic brackets after a latin name": {text: "قناة CNN (بالعربية) اليوم", rtl: true,
			levels: []int{1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
			visual: "اليوم (بالعربية) CNN قناة"},
		"a tab is a segment separator at the base level": {text: "ab\tا", levels: []int{0, 0, 0, 1}, visual: "ab\tا"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			lines := Lines(tc.text)
			if len(lines) != 1 {
				t.Fatalf("%d lines", len(lines))
			}
			ln := lines[0]
			if ln.RTL != tc.rtl {
				t.Errorf("RTL = %v, want %v", ln.RTL, tc.rtl)
			}
			if !slices.Equal(ln.Levels, tc.levels) {
				t.Errorf("levels = %v, want %v", ln.Levels, tc.levels)
			}
			// Arabic letters in visual order are written reversed here:
			// "ج با" is "اب ج" shown right to left.
			if got := ln.Visual; got != reverseArabicWords(tc.visual) {
				t.Errorf("visual = %q, want %q", got, reverseArabicWords(tc.visual))
			}
		})
	}
}

// reverseArabicWords spells each run of Arabic letters in want backwards,
// so the table above can write the visual order's Arabic words readably.
func reverseArabicWords(s string) string {
	r := []rune(s)
	for i := 0; i < len(r); {
		if !isArabic(r[i]) {
			i++
			continue
		}
		j := i
		for j < len(r) && isArabic(r[j]) {
			j++
		}
		slices.Reverse(r[i:j])
		i = j
	}
	return string(r)
}

func isArabic(r rune) bool { return r >= 0x0600 && r <= 0x06ff }

func TestLinesSplitsParagraphs(t *testing.T) {
	lines := Lines("ab\nاب\n")
	if len(lines) != 3 || lines[0].RTL || !lines[1].RTL || lines[2].Text != "" {
		t.Errorf("lines = %+v", lines)
	}
}

// TestCheck shows the faults Check must catch, each with its fix.
func TestCheck(t *testing.T) {
	tests := map[string]struct {
		text, lang string
		bad        bool
	}{
		"a source ending in Latin pulls the date apart": {text: rlm + "📰 France 24 · 🕒 7 يوليو 2026، 13:40", lang: "ar", bad: true},
		"an RLM after the source":                       {text: rlm + "📰 France 24" + rlm + " · 🕒 7 يوليو 2026، 13:40", lang: "ar"},
		"a host name as the source":                     {text: rlm + "📰 news.example · 🕒 7 يوليو 2026، 11:30", lang: "ar", bad: true},
		"an Arabic source":                              {text: rlm + "📰 المملكة · 🕒 28 نوفمبر 2026، 13:40", lang: "ar"},
		"an English line with an RLM":                   {text: rlm + "📰 Al-Mamlaka · 🕒 15 Feb 2026, 07:00", lang: "en", bad: true},
		"an English header with an RLM":                 {text: rlm + "Latest news", lang: "en", bad: true},
		"an English line":                               {text: "📰 Al-Mamlaka · 🕒 15 Feb 2026, 07:00", lang: "en"},
		"an Arabic source in an English line":           {text: lrm + "📰 المملكة · 🕒 15 Feb 2026, 07:00", lang: "en", bad: true},
		"an LRM after the Arabic source":                {text: lrm + "📰 المملكة" + lrm + " · 🕒 15 Feb 2026, 07:00", lang: "en"},
		"a help line starting with the command":         {text: "/subscribe <مصدر أو موضوع> — الاشتراك", lang: "ar", bad: true},
		"a help line with marks":                        {text: rlm + lrm + "/subscribe <مصدر أو موضوع> — الاشتراك", lang: "ar"},
		"a command inside Arabic":                       {text: "قائمة الأوامر في /help هنا", lang: "ar", bad: true},
		"a command inside Arabic after an LRM":          {text: "قائمة الأوامر في " + lrm + "/help هنا", lang: "ar"},
		"a filter to copy":                              {text: "/filter +كلمة -كلمة — التصفية", lang: "ar", bad: true},
		"a filter to copy, with marks":                  {text: rlm + lrm + "/filter +كلمة -كلمة — التصفية", lang: "ar"},
		"an @ that leaves its word":                     {text: "/subscribe @قناتك <مصدر>", lang: "ar", bad: true},
		"an Arabic mention":                             {text: rlm + lrm + "/subscribe @قناتك <مصدر>", lang: "ar"},
		"a Latin mention in Arabic":                     {text: "لم أجد @no_such_channel.", lang: "ar", bad: true},
		"a Latin mention after an LRM":                  {text: "لم أجد " + lrm + "@no_such_channel.", lang: "ar"},
		"a Latin hashtag":                               {text: rlm + "#محليات #COP28", lang: "ar", bad: true},
		"a Latin hashtag after an LRM":                  {text: rlm + "#محليات " + lrm + "#COP28", lang: "ar"},
		"an Arabic hashtag in an English line":          {text: "Tags: #محليات", lang: "en", bad: true},
		"a quoted Latin query":                          {text: rlm + "🔎 نتائج البحث عن «gold» (1–5 من 10)", lang: "ar", bad: true},
		"a quoted Latin query and an RLM":               {text: rlm + "🔎 نتائج البحث عن «gold" + rlm + "» (1–5 من 10)", lang: "ar"},
		"numbers and a range":                           {text: "آخر 7 أيام (1–5 من 10)", lang: "ar"},
		"a Latin phrase":                                {text: "قالت Sky News Arabia إن", lang: "ar"},
		// Rule N0 gives "(FIFA)" the line's direction: two phrases.
		"a Latin word in brackets, then a Latin name": {text: rlm + "كأس العالم 2026 (FIFA). www.aljazeera.net قال", lang: "ar"},
		"a Latin name with its brackets":              {text: rlm + "خبر من CNN (Arabic)", lang: "ar"},
		"a Latin sentence in an Arabic message":       {text: "COP28 summit opens.", lang: "ar"},
		"explicit controls":                           {text: "ab \u202eعكس", lang: "ar", bad: true},
		"an Arabic title in an English message":       {text: "• ارتفاع أسعار الذهب 40 قرشاً", lang: "en"},
		// A value marked off is one phrase, separators and all.
		"a marked Arabic title with a separator": {text: lrm + "• " + rlm + "اتفاق غزة | استمرار الانتهاكات" + lrm + " — arabi21", lang: "en"},
		"a marked Latin title ending in a quote": {text: rlm + "• " + lrm + "« Poutine », par Filiu (AFP)" + lrm + rlm + " — المصدر", lang: "ar"},
		"a marked value of both scripts":         {text: rlm + "📰 " + lrm + "CNN بالعربية · 🕒 15 فبراير", lang: "ar"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			problems := Check(tc.text, tc.lang)
			if bad := len(problems) > 0; bad != tc.bad {
				var s []string
				for _, p := range problems {
					s = append(s, p.String())
				}
				t.Errorf("Check(%q) bad = %v, want %v\n%s", tc.text, bad, tc.bad, strings.Join(s, "\n"))
			}
		})
	}
}

// FuzzLines: any text lays out without a panic, every line's visual order
// is a permutation of its runes, and Check answers.
func FuzzLines(f *testing.F) {
	f.Add(rlm + "📰 France 24 · 🕒 7 يوليو 2026، 13:40\nab (ج) «د»")
	f.Add("\u202eعكس\u2067x\u2069 ١٢٣ 12,5% a\u0651\tb")
	f.Add("((([[ا]]))) \u200e\u200f\u061c")
	f.Fuzz(func(t *testing.T, text string) {
		for _, ln := range Lines(text) {
			n := len([]rune(ln.Text))
			if len(ln.Levels) != n || len(ln.Order) != n {
				t.Fatalf("%q: %d levels, %d positions for %d runes", ln.Text, len(ln.Levels), len(ln.Order), n)
			}
			seen := make([]bool, n)
			for _, i := range ln.Order {
				if i < 0 || i >= n || seen[i] {
					t.Fatalf("%q: order %v is not a permutation", ln.Text, ln.Order)
				}
				seen[i] = true
			}
		}
		_ = Check(text, "ar")
		_ = CheckLabel(text, "en")
	})
}

// TestTokens: the faults of issue 15 each break a token a reader must
// meet whole, and the rendering that fixes each keeps it whole. The
// tokens are checked apart from the pieces of Check, as a second opinion.
func TestTokens(t *testing.T) {
	tests := map[string]struct {
		text  string
		whole bool
	}{
		"a Latin source pulls the date apart":               {text: rlm + "📰 France 24 · 🕒 7 يوليو 2026، 13:40"},
		"an RLM after the Latin source":                     {text: rlm + "📰 France 24" + rlm + " · 🕒 7 يوليو 2026، 13:40", whole: true},
		"a host name pulls the date apart":                  {text: rlm + "📰 news.example · 🕒 7 يوليو 2026، 11:30"},
		"an RLM after the host name":                        {text: rlm + "📰 news.example" + rlm + " · 🕒 7 يوليو 2026، 11:30", whole: true},
		"an English date after an Arabic source and an RLM": {text: rlm + "📰 المملكة · 🕒 15 Feb 2026, 07:00"},
		"an English date after LRMs":                        {text: lrm + "📰 المملكة" + lrm + " · 🕒 15 Feb 2026, 07:00", whole: true},
		"a command shows as help/":                          {text: "قائمة الأوامر في /help.", whole: false},
		"a command after an LRM":                            {text: "قائمة الأوامر في " + lrm + "/help.", whole: true},
		"filter words to copy":                              {text: "/filter +كلمة -كلمة — تصفية الأخبار بالكلمات"},
		"filter words in a right-to-left line":              {text: rlm + lrm + "/filter +كلمة -كلمة — تصفية الأخبار بالكلمات", whole: true},
		"a Latin hashtag shows as COP28#":                   {text: rlm + "#محليات #COP28"},
		"a Latin hashtag after an LRM":                      {text: rlm + "#محليات " + lrm + "#COP28", whole: true},
		"a Latin mention loses its @":                       {text: "لم أجد @no_such_channel."},
		"a Latin mention after an LRM":                      {text: "لم أجد " + lrm + "@no_such_channel.", whole: true},
		"a link in an Arabic line":                          {text: "الرابط: https://example.com/a?x=1 هنا", whole: true},
		"an Arabic range of times from the right":           {text: "ساعات الهدوء: 22:00–07:00", whole: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			problems := tokens(Layout(tc.text))
			if whole := len(problems) == 0; whole != tc.whole {
				t.Errorf("tokens(%q) whole = %v, want %v: %v", tc.text, whole, tc.whole, problems)
			}
		})
	}
}
