package arabic

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
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

// interner numbers tokens, so that n-grams and LCS compare integers.
type interner map[string]int32

func (in interner) ids(toks []string) []int32 {
	out := make([]int32, len(toks))
	for i, t := range toks {
		id, ok := in[t]
		if !ok {
			id = int32(len(in))
			in[t] = id
		}
		out[i] = id
	}
	return out
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

// ngrams returns the sorted n-grams (n = 1 or 2) of toks packed into int64s.
func ngrams(toks []int32, n int) []int64 {
	var out []int64
	for i := 0; i+n <= len(toks); i++ {
		g := int64(toks[i])
		if n == 2 {
			g = g<<32 | int64(toks[i+1])
		}
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// overlap is the clipped n-gram overlap of two sorted n-gram lists (Counter & Counter).
func overlap(a, b []int64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// lcs is the length of the longest common subsequence, bit-parallel (Hyyrö 2004:
// V = (V + U) | (V - U) with U = V & match(y); the zero bits of V count the LCS), which
// keeps TestEASC fast under the race detector.
func lcs(a, b []int32) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	w := (len(a) + 63) / 64
	masks := make(map[int32][]uint64, len(a))
	for i, x := range a {
		m := masks[x]
		if m == nil {
			m = make([]uint64, w)
			masks[x] = m
		}
		m[i/64] |= 1 << (i % 64)
	}
	v := make([]uint64, w)
	for i := range v {
		v[i] = ^uint64(0)
	}
	for _, y := range b {
		m := masks[y]
		if m == nil {
			continue // U = 0 leaves V unchanged
		}
		var carry, borrow uint64
		for k := range v {
			u := v[k] & m[k]
			sum, c := bits.Add64(v[k], u, carry)
			diff, bo := bits.Sub64(v[k], u, borrow)
			v[k] = sum | diff
			carry, borrow = c, bo
		}
	}
	n := 0
	for i := range a {
		if v[i/64]&(1<<(i%64)) == 0 {
			n++
		}
	}
	return n
}

// lcsDP is the textbook dynamic programme, to check lcs.
func lcsDP(a, b []int32) int {
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

func TestLCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		a := make([]int32, rng.IntN(200))
		b := make([]int32, rng.IntN(200))
		alpha := int32(1 + rng.IntN(8))
		for i := range a {
			a[i] = rng.Int32N(alpha)
		}
		for i := range b {
			b[i] = rng.Int32N(alpha)
		}
		if got, want := lcs(a, b), lcsDP(a, b); got != want {
			t.Fatalf("lcs(%v, %v) = %d, want %d", a, b, got, want)
		}
	}
}

// TestROUGE checks the port against rouge.py's selftest values.
func TestROUGE(t *testing.T) {
	in := interner{}
	if got, want := rougeTokens("قال، الوزير: ١٢٣ كتاباً."), []string{"قال", "الوزير", "123", "كتابا"}; !slices.Equal(got, want) {
		t.Errorf("rougeTokens = %q, want %q", got, want)
	}
	a := in.ids(rougeTokens("ذهب الولد إلى المدرسة"))
	if got := scorePair(a, a)[2].F; got != 1 {
		t.Errorf("ROUGE-L of a text with itself = %v, want 1", got)
	}
	sc := scorePair(in.ids(rougeTokens("الولد ذهب إلى المدرسة")), in.ids(rougeTokens("ذهب الولد الى المدرسه")))
	if math.Abs(sc[0].F-1) > 1e-9 || math.Abs(sc[1].R-1.0/3) > 1e-9 {
		t.Errorf("scores = %+v, want ROUGE-1 F 1 and ROUGE-2 R 1/3", sc)
	}
}

// scorePair is rouge.py's score_pair.
func scorePair(sys, ref []int32) rougeScores {
	var out rougeScores
	for n := 1; n <= 2; n++ {
		s, r := ngrams(sys, n), ngrams(ref, n)
		out[n-1] = makePRF(overlap(s, r), len(s), len(r))
	}
	out[2] = makePRF(lcs(sys, ref), len(sys), len(ref))
	return out
}

// scoreDoc is rouge.py's score_doc with --multi avg.
func scoreDoc(sys []int32, refs [][]int32) rougeScores {
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
