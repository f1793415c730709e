package display

import (
	"regexp"
	"strings"
)

// tokenPatterns find what a reader must meet whole, in one piece and in
// its own order, wherever the line puts it: links, commands, mentions,
// hashtags, filter words, dates and times, and Latin names (a source such
// as "France 24" or a host name). A date is read right to left in Arabic
// ("15 فبراير 2026، 07:00": the day first, on the right), so each token is
// compared with the token laid out alone in its own direction.
var tokenPatterns = []*regexp.Regexp{
	regexp.MustCompile(`https?://[^\s«»"“”]+`),
	regexp.MustCompile(`(?:^|[\s(«"“])(/[a-z_]+(?:@[A-Za-z0-9_]+)?)`),
	regexp.MustCompile(`@[\p{L}\p{N}_]+`),
	regexp.MustCompile(`#[\p{L}\p{N}_]+`),
	regexp.MustCompile(`(?:^|\s)([+-][\p{L}\p{N}_]+)`),
	regexp.MustCompile(`\d{1,2} (?:يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر) \d{4}، \d{2}:\d{2}`),
	regexp.MustCompile(`\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}`),
	// Each time of a range alone: "22:00–07:00" in an Arabic line reads
	// from the right, its first time on the right, as "1–5 من 10" does.
	regexp.MustCompile(`\d{1,2}:\d{2}`),
	regexp.MustCompile(`[A-Za-z][A-Za-z0-9.\-]*(?: [A-Za-z0-9][A-Za-z0-9.\-]*)*[A-Za-z0-9]`),
}

// tokens reports the tokens of a line that do not show whole: their
// characters apart, or in another order than the token shows alone. A
// token inside a longer one (the host in a link) is the longer one's.
func tokens(ln Line) []Problem {
	text := strings.Map(func(r rune) rune {
		if mark(r) {
			return -1
		}
		return r
	}, ln.Text)
	var problems []Problem
	var taken [][2]int
	for _, re := range tokenPatterns {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			from, to := m[0], m[1]
			if len(m) > 2 {
				from, to = m[2], m[3]
			}
			inside := false
			for _, s := range taken {
				if from >= s[0] && to <= s[1] {
					inside = true
				}
			}
			if inside {
				continue
			}
			taken = append(taken, [2]int{from, to})
			tok := text[from:to]
			own := "\u200e"
			if a, l := letters(tok); a > l {
				own = "\u200f"
			}
			want := layout(own + tok).Visual
			if !strings.Contains(ln.Visual, want) {
				problems = append(problems, Problem{Text: ln.Text, Why: "«" + tok + "» does not show whole", Got: ln.Visual, Want: want})
			}
		}
	}
	return problems
}
