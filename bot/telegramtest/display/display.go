// Package display lays out message text the way Telegram clients show it:
// every line is a paragraph of the Unicode bidirectional algorithm (UAX #9),
// with its base direction taken from its first strong character, and its
// characters are put in visual order. Check compares that order with what a
// reader of the line must see, so tests can catch Arabic text that a client
// would scramble.
//
// The characters' bidi classes and brackets are golang.org/x/text/unicode/bidi's.
// Its Paragraph gives the runs of one direction but not the levels, and it
// does not pair brackets (rule N0, golang/go#72089), so this package
// resolves the levels itself, for text without explicit embeddings,
// overrides or isolates (the bot strips those from everything it quotes,
// and Check reports any that remain):
//
//   - P2/P3: the base direction is that of the first L, R or AL character,
//     left to right when there is none (Telegram's clients do the same).
//   - W1–W7, N0–N2 and I1–I2 over the line as one isolating run sequence
//     (resolve.go). Checked against the JDK's java.text.Bidi (ICU's
//     algorithm) on every line of the goldens and 80,000 random lines of
//     Arabic, Latin, digits, brackets and marks: the same levels, apart from
//     the JDK's lines without right-to-left text (all at level 0) and a
//     combining mark after a paired bracket, which UAX #9 since Unicode 8
//     gives the bracket's direction.
//   - L1: trailing white space and white space before a tab go back to
//     the base level.
//   - L2: from the highest level down to the lowest odd one, every run at
//     that level or above is reversed.
//   - L4: mirrored characters (brackets, « », ‹ ›, < >) in right-to-left
//     runs show their mirror image.
//
// Directional marks (LRM, RLM, ALM) take part in the algorithm and are left
// out of Visual, since the reader does not see them.
package display

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// Line is one line of a message as a client displays it.
type Line struct {
	// Text is the line in logical order, as sent.
	Text string
	// RTL reports a right-to-left base direction: the line is aligned
	// to the right and read from there.
	RTL bool
	// Levels are the embedding levels of Text's runes: even left to
	// right, odd right to left.
	Levels []int
	// Order is the visual order: the index in Text's runes of what is
	// shown at each position, from the left edge to the right (marks
	// included).
	Order []int
	// Visual is what the reader sees, from the left edge to the right:
	// Text in visual order, with mirrored glyphs and without the
	// invisible directional marks.
	Visual string
	// Explicit reports embedding, override or isolate characters, whose
	// effect on the levels this package does not model.
	Explicit bool
}

// Lines lays out every line of text (the text after Telegram's HTML
// parsing): one Line per paragraph, split at newlines and the other
// paragraph separators.
func Lines(text string) []Line {
	var lines []Line
	start := 0
	for i, r := range text {
		if class(r) == bidi.B {
			lines = append(lines, layout(text[start:i]))
			start = i + utf8.RuneLen(r)
		}
	}
	return append(lines, layout(text[start:]))
}

// Layout lays out text as one line (a button label, a toast): paragraph
// separators in it are treated as spaces would be.
func Layout(text string) Line {
	return layout(strings.Map(func(r rune) rune {
		if class(r) == bidi.B {
			return ' '
		}
		return r
	}, text))
}

func class(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

// explicitFormat reports the embedding, override and isolate controls.
func explicitFormat(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// mark reports the invisible directional marks: LRM, RLM, ALM.
func mark(r rune) bool { return r == 0x200e || r == 0x200f || r == 0x061c }

// baseRTL applies rules P2 and P3 to a line without isolates.
func baseRTL(runes []rune) bool {
	for _, r := range runes {
		switch class(r) {
		case bidi.L:
			return false
		case bidi.R, bidi.AL:
			return true
		}
	}
	return false
}

func layout(text string) Line {
	runes := []rune(text)
	ln := Line{Text: text, Levels: make([]int, len(runes))}
	if len(runes) == 0 {
		return ln
	}
	for _, r := range runes {
		if explicitFormat(r) {
			ln.Explicit = true
		}
	}
	ln.RTL = baseRTL(runes)
	ln.Levels = resolve(runes, ln.RTL)
	base := 0
	if ln.RTL {
		base = 1
	}
	// L1: white space at the end of the line, and before a tab, goes
	// back to the base level (so do the tabs themselves).
	trailing := true
	for i := len(runes) - 1; i >= 0; i-- {
		c := class(runes[i])
		switch {
		case c == bidi.S:
			ln.Levels[i] = base
			trailing = true
		case trailing && (c == bidi.WS || c == bidi.BN):
			ln.Levels[i] = base
		default:
			trailing = false
		}
	}
	ln.Order = reorder(ln.Levels)
	var b strings.Builder
	for _, i := range ln.Order {
		r := runes[i]
		if mark(r) {
			continue
		}
		if ln.Levels[i]%2 == 1 { // L4
			r = mirror(r)
		}
		b.WriteRune(r)
	}
	ln.Visual = b.String()
	return ln
}

// reorder applies rule L2: the index of the rune shown at each position.
func reorder(levels []int) []int {
	order := make([]int, len(levels))
	maxLevel, minOdd := 0, 99
	for i, l := range levels {
		order[i] = i
		maxLevel = max(maxLevel, l)
		if l%2 == 1 {
			minOdd = min(minOdd, l)
		}
	}
	for l := maxLevel; l >= minOdd && l > 0; l-- {
		for i := 0; i < len(order); {
			if levels[order[i]] < l {
				i++
				continue
			}
			j := i
			for j < len(order) && levels[order[j]] >= l {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				order[a], order[b] = order[b], order[a]
			}
			i = j
		}
	}
	return order
}

// mirrors are the mirrored characters outside the paired brackets that
// bidi.ReverseString already mirrors.
var mirrors = map[rune]rune{'«': '»', '»': '«', '‹': '›', '›': '‹', '<': '>', '>': '<'}

func mirror(r rune) rune {
	if m, ok := mirrors[r]; ok {
		return m
	}
	if p, _ := bidi.LookupRune(r); p.IsBracket() {
		m, _ := utf8.DecodeRuneInString(bidi.ReverseString(string(r)))
		return m
	}
	return r
}
