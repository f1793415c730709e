package display

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/bidi"
)

// Problem is a line a reader would not see as it was written.
type Problem struct {
	Line int    // index of the line in the text, from 0
	Text string // the line in logical order
	Why  string
	// Got and Want are the line as displayed and as a reader must see
	// it, in visual order from the left edge, for a scrambled line.
	Got, Want string
}

// lro and pdf wrap a visual-order string in a left-to-right override, so
// a viewer that applies the bidi algorithm shows it as stored.
const lro, pdf = "\u202d", "\u202c"

func (p Problem) String() string {
	s := fmt.Sprintf("line %d %q: %s", p.Line+1, p.Text, p.Why)
	if p.Got != "" || p.Want != "" {
		s += fmt.Sprintf("\n\tshown (left to right): %s\n\tmust be (left to right): %s", lro+p.Got+pdf, lro+p.Want+pdf)
	}
	return s
}

// Check lays out every line of text (a message after HTML parsing) and
// reports the lines a reader would not read as written. lang is the
// language of the message, "ar" or "en", or "" when it is not known.
//
// A line must run in its language's direction: in an Arabic message a line
// with at least as many Arabic letters as Latin ones right to left, in an
// English message a line with at least as many Latin letters as Arabic ones
// left to right (other lines are quoted content, such as an Arabic title
// under English labels: they may run either way).
//
// And a reader must meet the line's pieces in the order they were written.
// The pieces are its words and the punctuation between them: a word ends
// where the script changes, the signs that start a command, a mention, a
// hashtag or a filter word ("/", "@", "#", "+", "-") at the start of a word
// stay on it, and a phrase of the other script (a Latin name in an Arabic
// line, an Arabic title in an English one) is one piece, with the
// punctuation between its words and the numbers right after them ("France
// 24"), though never across a separator ("·", "—", "•", "|", "،", an
// emoji). The pieces must show one after the other in the line's
// direction, each as it shows alone in its own direction. Punctuation
// stuck to the edge of a phrase of the other script (a quote, a bracket)
// may show on either side of it. So "📰 France 24 · 🕒 7 يوليو" in a right to
// left line, where the bidi algorithm alone shows "France 24 · 🕒 7" as one
// left-to-right block, is reported: its reader meets the 7 before the
// clock, far from its month.
//
// As a second opinion, the tokens a reader must meet whole (links,
// commands, mentions, hashtags, filter words, dates and times, Latin
// names) must each show as they show alone in their own direction: the
// date above, "help/" for "/help" and "COP28#" for "#COP28" are reported
// on that count too.
func Check(text, lang string) []Problem {
	var problems []Problem
	for i, ln := range Lines(text) {
		for _, p := range checkLine(ln, lang) {
			p.Line = i
			problems = append(problems, p)
		}
	}
	return problems
}

// CheckLabel is Check for text shown as one line, such as a button label
// or a callback answer.
func CheckLabel(text, lang string) []Problem { return checkLine(Layout(text), lang) }

func checkLine(ln Line, lang string) []Problem {
	if ln.Explicit {
		return []Problem{{Text: ln.Text, Why: "explicit bidi embedding, override or isolate characters"}}
	}
	var problems []Problem
	arabic, latin := letters(ln.Text)
	switch {
	case lang == "ar" && arabic > 0 && arabic >= latin && !ln.RTL,
		lang == "" && arabic > latin && !ln.RTL:
		problems = append(problems, Problem{Text: ln.Text, Why: "an Arabic line laid out left to right"})
	case lang == "en" && latin > 0 && latin >= arabic && ln.RTL,
		lang == "" && latin > arabic && ln.RTL:
		problems = append(problems, Problem{Text: ln.Text, Why: "an English line laid out right to left"})
	}
	want, wantVisual, loose := readingOrder(ln)
	runes := []rune(ln.Text)
	keep := func(order []int) []int {
		var out []int
		for _, i := range order {
			if !loose[i] && !mark(runes[i]) && !unicode.IsSpace(runes[i]) {
				out = append(out, i)
			}
		}
		return out
	}
	if !slices.Equal(keep(ln.Order), keep(want)) {
		problems = append(problems, Problem{Text: ln.Text, Why: "its pieces do not show in reading order", Got: ln.Visual, Want: wantVisual})
	}
	return append(problems, tokens(ln)...)
}

func letters(s string) (arabic, latin int) {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		switch class(r) {
		case bidi.R, bidi.AL:
			arabic++
		case bidi.L:
			latin++
		}
	}
	return arabic, latin
}

// piece is a word, or the punctuation around it, of a line.
type piece struct {
	from, to   int  // runes [from, to) of the line without marks
	word       bool // has letters or digits; else punctuation or symbols
	hasL, hasR bool // has strong left-to-right, right-to-left characters
	separator  bool // punctuation that always flows with the line
}

// prefixes start a command, a mention, a hashtag or a filter word.
const prefixes = "/@#+-"

// separators flow with the line even between two words of the other
// script; emoji and other symbols do too.
const separators = "·—•|،؛"

func isSeparator(r rune) bool {
	return strings.ContainsRune(separators, r) || unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r)
}

// kind sorts the runes of a word: a strong direction (bidi.L or bidi.R),
// a digit (bidi.EN), a combining mark that stays on its letter (bidi.NSM),
// or anything else (bidi.ON).
func kind(r rune) bidi.Class {
	switch c := class(r); c {
	case bidi.L:
		return bidi.L
	case bidi.R, bidi.AL:
		return bidi.R
	case bidi.EN, bidi.AN:
		return bidi.EN
	case bidi.NSM:
		return bidi.NSM
	}
	return bidi.ON
}

// pieces splits a line (without marks) into words and punctuation.
func pieces(runes []rune) []piece {
	var ps []piece
	add := func(from, to int) {
		if from >= to {
			return
		}
		p := piece{from: from, to: to}
		for _, r := range runes[from:to] {
			switch kind(r) {
			case bidi.L:
				p.hasL, p.word = true, true
			case bidi.R:
				p.hasR, p.word = true, true
			case bidi.EN:
				p.word = true
			}
			if isSeparator(r) {
				p.separator = true
			}
		}
		ps = append(ps, p)
	}
	for i := 0; i < len(runes); {
		if unicode.IsSpace(runes[i]) {
			i++
			continue
		}
		end := i
		for end < len(runes) && !unicode.IsSpace(runes[end]) {
			end++
		}
		first, last := -1, -1
		for k := i; k < end; k++ {
			switch kind(runes[k]) {
			case bidi.L, bidi.R, bidi.EN:
				if first < 0 {
					first = k
				}
				last = k
			case bidi.NSM:
				if first >= 0 && last == k-1 {
					last = k
				}
			}
		}
		if first < 0 {
			add(i, end)
			i = end
			continue
		}
		start := first
		for start > i && strings.ContainsRune(prefixes, runes[start-1]) {
			start--
		}
		if start != i { // signs count only at the start of a word
			start = first
		}
		add(i, start)
		// Words split where the script changes; the punctuation between
		// two scripts is a piece of its own ("<b>سوريا" is "<", "b", ">",
		// "سوريا").
		from, dir := start, bidi.ON
		for k := first; k <= last; k++ {
			c := kind(runes[k])
			if c != bidi.L && c != bidi.R {
				continue
			}
			if dir != bidi.ON && c != dir {
				e := k
				for e > from && kind(runes[e-1]) == bidi.ON {
					e--
				}
				add(from, e)
				add(e, k)
				from = k
			}
			dir = c
		}
		add(from, last+1)
		add(last+1, end)
		i = end
	}
	return ps
}

// readingOrder is the line as a reader must see it: its pieces (see
// Check) one after the other in the line's direction, each shown alone in
// its own direction. It returns the visual order (indices into the line's
// runes), the same as a string, and the punctuation that may show on
// either side of the phrase it is stuck to.
func readingOrder(ln Line) (order []int, visual string, loose map[int]bool) {
	var runes []rune
	var at []int // index in ln.Text's runes of each rune kept
	for i, r := range []rune(ln.Text) {
		if !mark(r) {
			runes = append(runes, r)
			at = append(at, i)
		}
	}
	ps := pieces(runes)
	spans := markedSpans(ln)
	foreign := func(p piece) bool {
		if ln.RTL {
			return p.word && p.hasL && !p.hasR
		}
		return p.word && p.hasR && !p.hasL
	}
	digits := func(p piece) bool { return p.word && !p.hasL && !p.hasR }
	loose = map[int]bool{}
	for i, p := range ps {
		if p.word || p.separator {
			continue
		}
		if (i > 0 && ps[i-1].to == p.from && foreign(ps[i-1])) || (i+1 < len(ps) && ps[i+1].from == p.to && foreign(ps[i+1])) {
			for k := p.from; k < p.to; k++ {
				loose[at[k]] = true
			}
		}
	}
	type unit struct {
		from, to int
		rtl      bool
	}
	var units []unit
	for i := 0; i < len(ps); i++ {
		p := ps[i]
		if s, ok := spanOf(spans, p); ok {
			// A value the writer marked off: one phrase, however many
			// separators it holds.
			units = append(units, unit{s.from, s.to, !ln.RTL})
			for i+1 < len(ps) && ps[i+1].from < s.to {
				i++
			}
			continue
		}
		if !foreign(p) {
			units = append(units, unit{p.from, p.to, dirOf(p, ln.RTL)})
			continue
		}
		// A phrase of the other script: its words, the punctuation
		// between them and the numbers right after them, up to a
		// separator or a word of the line's own script.
		// A closing bracket whose opening one is not in the phrase ends
		// it (rule N0 gives the pair the line's direction): "(FIFA). www…"
		// is two phrases, "CNN (Arabic)" one.
		end, punct, depth := i, false, 0
	phrase:
		for k := i + 1; k < len(ps); k++ {
			q := ps[k]
			if q.separator || (q.word && !foreign(q) && !digits(q)) || (digits(q) && punct) {
				break
			}
			if !q.word {
				for _, r := range runes[q.from:q.to] {
					if p, _ := bidi.LookupRune(r); p.IsBracket() {
						if p.IsOpeningBracket() {
							depth++
						} else if depth--; depth < 0 {
							break phrase
						}
					}
				}
			}
			punct = !q.word
			if q.word {
				end = k
			}
		}
		units = append(units, unit{p.from, ps[end].to, !ln.RTL})
		i = end
	}
	if ln.RTL {
		slices.Reverse(units)
	}
	var shown []string
	for _, u := range units {
		// The unit laid out alone, after a mark for its direction.
		mark := "\u200e"
		if u.rtl {
			mark = "\u200f"
		}
		alone := layout(mark + string(runes[u.from:u.to]))
		for _, k := range alone.Order {
			if k > 0 {
				order = append(order, at[u.from+k-1])
			}
		}
		shown = append(shown, alone.Visual)
	}
	return order, strings.Join(shown, " "), loose
}

// span is a run of a line's runes (without marks), [from, to).
type span struct{ from, to int }

// markedSpans finds the values a writer marked off in a line: from a mark
// of the other direction than the line's (an LRM in a right-to-left line)
// to the next mark of the line's direction or the end of the line, when
// what lies between has letters of the other direction and none of the
// line's. That is how the bot places a title or a name of the other script
// in a line; whatever separators the value holds ("اتفاق غزة | استمرار …"
// in an English digest), it is read as one phrase. A marked value with
// letters of both directions is left to the pieces: marks do not isolate.
func markedSpans(ln Line) []span {
	opening, closing := rune(0x200f), rune(0x200e) // in a left-to-right line
	if ln.RTL {
		opening, closing = closing, opening
	}
	var spans []span
	k := 0 // index among the runes that are not marks
	start := -1
	own, other := false, false
	end := func() {
		if start >= 0 && other && !own && k > start {
			spans = append(spans, span{start, k})
		}
		start = -1
	}
	for _, r := range ln.Text {
		if mark(r) {
			switch {
			case r == opening && start < 0:
				start, own, other = k, false, false
			case r == closing:
				end()
			}
			continue
		}
		if start >= 0 {
			switch kind(r) {
			case bidi.L:
				own, other = own || !ln.RTL, other || ln.RTL
			case bidi.R:
				own, other = own || ln.RTL, other || !ln.RTL
			}
		}
		k++
	}
	end()
	return spans
}

// spanOf is the marked span a piece lies in.
func spanOf(spans []span, p piece) (span, bool) {
	for _, s := range spans {
		if p.from >= s.from && p.to <= s.to {
			return s, true
		}
	}
	return span{}, false
}

// dirOf is the direction a piece shows in on its own: a word's script's,
// or the line's for numbers and punctuation.
func dirOf(p piece, lineRTL bool) bool {
	switch {
	case p.hasR && !p.hasL:
		return true
	case p.hasL && !p.hasR:
		return false
	}
	return lineRTL
}
