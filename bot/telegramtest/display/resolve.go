package display

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// resolve gives the embedding level of each rune of a line without
// explicit embeddings, overrides or isolates: one isolating run sequence
// at the paragraph's level, whose sos and eos are the paragraph's
// direction. It applies rules W1–W7, N0–N2 and I1–I2 of UAX #9 to the
// classes golang.org/x/text/unicode/bidi looks up. The package resolves
// the levels itself because the paragraphs of x/text do not pair brackets
// (rule N0; golang/go#72089): "CNN (Arabic)" inside an Arabic line would
// show its ")" apart from the rest, as no client shows it.
func resolve(runes []rune, rtl bool) []int {
	base, e := 0, bidi.L
	if rtl {
		base, e = 1, bidi.R
	}
	levels := make([]int, len(runes))
	// X9: boundary neutrals (and the explicit controls, which Check
	// reports) are left out, and take the level of what precedes them.
	var idx []int
	var t, orig []bidi.Class
	for i, r := range runes {
		c := class(r)
		if c == bidi.BN || explicitFormat(r) {
			continue
		}
		idx = append(idx, i)
		t = append(t, c)
		orig = append(orig, c)
	}
	prev := e // W1: sos
	for i := range t {
		if t[i] == bidi.NSM {
			t[i] = prev
		}
		prev = t[i]
	}
	strong := e // W2
	for i := range t {
		switch t[i] {
		case bidi.L, bidi.R, bidi.AL:
			strong = t[i]
		case bidi.EN:
			if strong == bidi.AL {
				t[i] = bidi.AN
			}
		}
	}
	for i := range t { // W3
		if t[i] == bidi.AL {
			t[i] = bidi.R
		}
	}
	for i := 1; i+1 < len(t); i++ { // W4
		switch {
		case t[i] == bidi.ES && t[i-1] == bidi.EN && t[i+1] == bidi.EN,
			t[i] == bidi.CS && t[i-1] == bidi.EN && t[i+1] == bidi.EN:
			t[i] = bidi.EN
		case t[i] == bidi.CS && t[i-1] == bidi.AN && t[i+1] == bidi.AN:
			t[i] = bidi.AN
		}
	}
	for i := 0; i < len(t); { // W5
		if t[i] != bidi.ET {
			i++
			continue
		}
		j := i
		for j < len(t) && t[j] == bidi.ET {
			j++
		}
		if (i > 0 && t[i-1] == bidi.EN) || (j < len(t) && t[j] == bidi.EN) {
			for k := i; k < j; k++ {
				t[k] = bidi.EN
			}
		}
		i = j
	}
	for i := range t { // W6
		switch t[i] {
		case bidi.ES, bidi.ET, bidi.CS:
			t[i] = bidi.ON
		}
	}
	strong = e // W7
	for i := range t {
		switch t[i] {
		case bidi.L, bidi.R:
			strong = t[i]
		case bidi.EN:
			if strong == bidi.L {
				t[i] = bidi.L
			}
		}
	}
	pairBrackets(runes, idx, t, orig, e)
	neutral := func(c bidi.Class) bool {
		return c == bidi.B || c == bidi.S || c == bidi.WS || c == bidi.ON
	}
	dir := func(c bidi.Class) bidi.Class { // EN and AN count as R in N1
		if c == bidi.L {
			return bidi.L
		}
		return bidi.R
	}
	for i := 0; i < len(t); { // N1, N2
		if !neutral(t[i]) {
			i++
			continue
		}
		j := i
		for j < len(t) && neutral(t[j]) {
			j++
		}
		before, after := e, e
		if i > 0 {
			before = dir(t[i-1])
		}
		if j < len(t) {
			after = dir(t[j])
		}
		to := e
		if before == after {
			to = before
		}
		for k := i; k < j; k++ {
			t[k] = to
		}
		i = j
	}
	for k, i := range idx { // I1, I2
		switch {
		case base == 0 && t[k] == bidi.R:
			levels[i] = 1
		case base == 0 && (t[k] == bidi.EN || t[k] == bidi.AN):
			levels[i] = 2
		case base == 1 && t[k] != bidi.R:
			levels[i] = 2
		default:
			levels[i] = base
		}
	}
	last := base
	for i, r := range runes {
		if c := class(r); c == bidi.BN || explicitFormat(r) {
			levels[i] = last
		}
		last = levels[i]
	}
	return levels
}

// pairBrackets applies rule N0 to the runes at idx, whose classes after
// the weak rules are t (orig before them), in a sequence of direction e:
// the brackets paired as BD16 pairs them take the direction of the strong
// text inside, e when it has some of that direction, else the other one
// when the text before the pair has it too.
func pairBrackets(runes []rune, idx []int, t, orig []bidi.Class, e bidi.Class) {
	type pair struct{ open, close int }
	var pairs []pair
	type opener struct {
		k     int
		close rune
	}
	var stack []opener
scan:
	for k, i := range idx {
		if t[k] != bidi.ON {
			continue
		}
		p, _ := bidi.LookupRune(runes[i])
		if !p.IsBracket() {
			continue
		}
		if p.IsOpeningBracket() {
			if len(stack) == 63 {
				break
			}
			c, _ := utf8.DecodeRuneInString(bidi.ReverseString(string(runes[i])))
			stack = append(stack, opener{k, c})
			continue
		}
		for s := len(stack) - 1; s >= 0; s-- {
			if stack[s].close == runes[i] {
				pairs = append(pairs, pair{stack[s].k, k})
				stack = stack[:s]
				continue scan
			}
		}
	}
	// Pairs are resolved in the order of their opening brackets.
	for a := 1; a < len(pairs); a++ {
		for b := a; b > 0 && pairs[b].open < pairs[b-1].open; b-- {
			pairs[b], pairs[b-1] = pairs[b-1], pairs[b]
		}
	}
	strongOf := func(c bidi.Class) bidi.Class {
		switch c {
		case bidi.L:
			return bidi.L
		case bidi.R, bidi.EN, bidi.AN:
			return bidi.R
		}
		return bidi.ON
	}
	opposite := bidi.R
	if e == bidi.R {
		opposite = bidi.L
	}
	for _, p := range pairs {
		same, other := false, false
		for k := p.open + 1; k < p.close; k++ {
			switch strongOf(t[k]) {
			case e:
				same = true
			case opposite:
				other = true
			}
		}
		var to bidi.Class
		switch {
		case same:
			to = e
		case other:
			before := e // sos
			for k := p.open - 1; k >= 0; k-- {
				if s := strongOf(t[k]); s != bidi.ON {
					before = s
					break
				}
			}
			to = e
			if before == opposite {
				to = opposite
			}
		default:
			continue
		}
		for _, k := range []int{p.open, p.close} {
			t[k] = to
			// A mark that was NSM after a bracket follows its new direction.
			for m := k + 1; m < len(t) && orig[m] == bidi.NSM; m++ {
				t[m] = to
			}
		}
	}
}
