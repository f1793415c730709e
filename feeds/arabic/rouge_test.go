package arabic

import (
	"strings"
	"unicode"
)

// This file is a Go port of /work/shared/tools/rouge.py (score mode, default options):
// ROUGE-1, ROUGE-2 and ROUGE-L F1 with the same normalisation and tokenisation on the system
// and the reference side, averaged over references. It is written apart from Normalize on
// purpose: the metric must match rouge.py exactly even where the package's own normalisation
// differs (Normalize also drops U+061C, U+180E and U+2060).

// rougeNormalize is rouge.py's normalize_arabic.
func rougeNormalize(s string) string {
	var b strings.Builder
	var prev rune = -1
	for _, r := range s {
		// NFC composes alef + madda/hamza above/below (and و/ي + hamza above) before mapping.
		if c, ok := composeHamza(prev, r); ok {
			cur := b.String()
			cur = cur[:len(cur)-len(string(prev))]
			b.Reset()
			b.WriteString(cur)
			b.WriteRune(c)
			prev = c
			continue
		}
		switch {
		case r == 0x0640 || r == 0xFEFF || (r >= 0x200B && r <= 0x200F) || (r >= 0x202A && r <= 0x202E) ||
			(r >= 0x2066 && r <= 0x2069) || r == 0x00AD:
			continue
		case (r >= 0x064B && r <= 0x0652) || r == 0x0670:
			continue
		case r == 0x0622 || r == 0x0623 || r == 0x0625 || r == 0x0671:
			r = 0x0627
		case r == 0x0649:
			r = 0x064A
		case r == 0x0629:
			r = 0x0647
		case r >= 0x0660 && r <= 0x0669:
			r = '0' + r - 0x0660
		case r >= 0x06F0 && r <= 0x06F9:
			r = '0' + r - 0x06F0
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// rougeTokens is rouge.py's Tokenizer() without options: runs of [^\W_] after normalising.
func rougeTokens(s string) []string {
	n := rougeNormalize(s)
	return strings.FieldsFunc(n, func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsNumber(r)) })
}

// prf is precision, recall and F1.
type prf struct{ P, R, F float64 }

func makePRF(overlap, nSys, nRef int) prf {
	var p, r, f float64
	if nSys > 0 {
		p = float64(overlap) / float64(nSys)
	}
	if nRef > 0 {
		r = float64(overlap) / float64(nRef)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return prf{p, r, f}
}

// rougeScores holds ROUGE-1, ROUGE-2 and ROUGE-L.
type rougeScores [3]prf

func ngramCounts(toks []string, n int) map[string]int {
	m := make(map[string]int, len(toks))
	for i := 0; i+n <= len(toks); i++ {
		m[strings.Join(toks[i:i+n], "\x00")]++
	}
	return m
}

func ngramOverlap(sys, ref []string, n int) (overlap, nSys, nRef int) {
	s, r := ngramCounts(sys, n), ngramCounts(ref, n)
	for g, c := range s {
		overlap += min(c, r[g])
		nSys += c
	}
	for _, c := range r {
		nRef += c
	}
	return overlap, nSys, nRef
}

func lcs(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for _, x := range a {
		cur[0] = 0
		for j, y := range b {
			if x == y {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scorePair is rouge.py's score_pair.
func scorePair(sys, ref []string) rougeScores {
	var out rougeScores
	for n := 1; n <= 2; n++ {
		o, s, r := ngramOverlap(sys, ref, n)
		out[n-1] = makePRF(o, s, r)
	}
	out[2] = makePRF(lcs(sys, ref), len(sys), len(ref))
	return out
}

// scoreDoc is rouge.py's score_doc with --multi avg.
func scoreDoc(sys []string, refs [][]string) rougeScores {
	var out rougeScores
	for _, r := range refs {
		s := scorePair(sys, r)
		for m := range out {
			out[m].P += s[m].P / float64(len(refs))
			out[m].R += s[m].R / float64(len(refs))
			out[m].F += s[m].F / float64(len(refs))
		}
	}
	return out
}
