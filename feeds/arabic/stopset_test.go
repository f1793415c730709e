package arabic

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestStopSet checks the probe table forEachTerm uses against the stop-word map it is
// built from: every stop word is found, and no other token is, including near misses
// (a letter more or less, the same bytes padded with zeros).
func TestStopSet(t *testing.T) {
	for w := range stopwords {
		if !stopSet.has([]byte(w)) {
			t.Errorf("stop word %q not found", w)
		}
		for _, miss := range []string{w + "ا", "و" + w, w[:len(w)-1], w + "\x00", "\x00" + w} {
			if _, ok := stopwords[miss]; ok {
				continue
			}
			if stopSet.has([]byte(miss)) {
				t.Errorf("%q found, but it is not a stop word", miss)
			}
		}
	}
	for _, d := range loadEASC(t) {
		for tok := range strings.FieldsSeq(Normalize(d.text)) {
			_, want := stopwords[tok]
			if got := stopSet.has([]byte(tok)); got != want {
				t.Errorf("has(%q) = %v, want %v", tok, got, want)
			}
		}
	}
	if stopSet.has(nil) {
		t.Error("the empty token is a stop word")
	}
}

// TestTermIDs numbers hashes in order of first appearance across table growth.
func TestTermIDs(t *testing.T) {
	ids := newTermIDs(0)
	const n = 5000
	for round := range 2 {
		for i := range n {
			h := uint64(i) * 0x9E3779B97F4A7C15 // spread, and some share low bits
			if i%7 == 0 {
				h = uint64(i) << 40
			}
			if got := ids.id(h); got != int32(i) {
				t.Fatalf("round %d: id of hash %d = %d, want %d", round, i, got, i)
			}
		}
	}
	if ids.n != n {
		t.Errorf("%d ids, want %d", ids.n, n)
	}
}

// TestRuneCount checks runeCount and runeCountUpTo against utf8.RuneCountInString,
// invalid and truncated sequences included.
func TestRuneCount(t *testing.T) {
	for _, s := range []string{"", "abc", "مرحبا بكم", "a\xffب\xd8", "\xe2\x80", "…中文𝒜", "\xd8\x9c\u200f", strings.Repeat("كلمة ", 40)} {
		want := utf8.RuneCountInString(s)
		if got := runeCount(s); got != want {
			t.Errorf("runeCount(%q) = %d, want %d", s, got, want)
		}
		if v := strings.ToValidUTF8(s, ""); validRuneCount(v) != utf8.RuneCountInString(v) {
			t.Errorf("validRuneCount(%q) = %d, want %d", v, validRuneCount(v), utf8.RuneCountInString(v))
		}
		for limit := range want + 2 {
			if got := runeCountUpTo(s, limit); got != min(want, limit+1) {
				t.Errorf("runeCountUpTo(%q, %d) = %d, want %d", s, limit, got, min(want, limit+1))
			}
		}
	}
}

// TestStemBytesTables checks the unrolled stemBytes against the table loop it replaces,
// on every token of the EASC articles and on every combination of affixes around short
// stems.
func TestStemBytesTables(t *testing.T) {
	var toks []string
	for _, d := range loadEASC(t) {
		toks = append(toks, strings.Fields(Normalize(d.text))...)
	}
	affixes := append(append([]string{""}, stemPrefixes[:]...), stemSuffixes[:]...)
	for _, p := range affixes {
		for _, stem := range []string{"", "ب", "كت", "كتب", "a", "12", "ال", "و"} {
			for _, s1 := range affixes {
				for _, s2 := range affixes {
					toks = append(toks, p+stem+s1+s2)
				}
			}
		}
	}
	for _, tok := range toks {
		n := utf8.RuneCountInString(tok)
		got := string(stemBytes([]byte(tok), n))
		if want := string(stemBytesTables([]byte(tok), n)); got != want {
			t.Errorf("stemBytes(%q) = %q, want %q", tok, got, want)
		}
	}
}

// stemBytesTables is stemBytes as a loop over stemPrefixes and stemSuffixes: the
// specification the unrolled version is tested against.
func stemBytesTables(tok []byte, n int) []byte {
	for _, p := range stemPrefixes {
		pl := len(p) / 2
		if n-pl >= 2 && (pl > 1 || n >= 4) && hasPrefix(tok, p) {
			tok = tok[len(p):]
			n -= pl
			break
		}
	}
	for _, sfx := range stemSuffixes {
		sl := len(sfx) / 2
		if n-sl >= 2 && hasSuffix(tok, sfx) {
			tok = tok[:len(tok)-len(sfx)]
			n -= sl
		}
	}
	return tok
}

// TestPackKey checks the overlapping loads of packKey against a plain zero-padded copy.
func TestPackKey(t *testing.T) {
	src := []byte("\xd8\xa7\xd9\x84\xd8\xb0\xd9\x8a\x01\x02\x03\x04\x05\x06\x07\x08")
	for n := 1; n <= 16; n++ {
		var a [16]byte
		copy(a[:], src[:n])
		want := stopKey{lo: binary.LittleEndian.Uint64(a[:8]), hi: binary.LittleEndian.Uint64(a[8:]), n: uint64(n)}
		if got := packKey(src[:n]); got != want {
			t.Errorf("packKey(%q) = %+v, want %+v", src[:n], got, want)
		}
	}
}

// TestValidUTF8 checks validUTF8 against utf8.ValidString.
func TestValidUTF8(t *testing.T) {
	for _, s := range []string{"", "abc", "مرحبا", "\ufffd", "a\xff", "\xd8", "\xd8a", "\xc0\x80", "\xed\xa0\x80",
		"\xe2\x80", "…中文𝒜", "\xf4\x90\x80\x80", "\xdf\xbf", "\xc2\x80", "\xc1\xbf", "ب\x80"} {
		if got, want := validUTF8(s), utf8.ValidString(s); got != want {
			t.Errorf("validUTF8(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestPlainChunk checks the SWAR test of stripInvisible against a byte-by-byte reading of
// its definition, on random chunks drawn from the bytes that matter.
func TestPlainChunk(t *testing.T) {
	alphabet := []byte{0x00, 0x09, '\n', 0x1F, ' ', '!', 'a', 0x7E, 0x7F, 0x80, 0x9C, 0x9F, 0xA7, 0xBF, 0xC0, 0xC2, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xE2, 0xF0, 0xFF}
	naive := func(b []byte) int {
		for i := 0; i < len(b); i++ {
			c := b[i]
			switch {
			case c == 0x9C:
				return 0
			case c >= 0x20 && c < 0x7F:
			case c >= 0xD8 && c <= 0xDB && i+1 == len(b):
				if bytes.IndexByte(b, 0x9C) >= 0 {
					return 0
				}
				return i // the character continues past the chunk
			case c >= 0xD8 && c <= 0xDB && b[i+1]&0xC0 == 0x80 && b[i+1] != 0x9C:
				i++
			default:
				return 0
			}
		}
		return len(b)
	}
	r := rand.New(rand.NewPCG(3, 4))
	accepted := 0
	for range 1_000_000 {
		var b [8]byte
		for k := 0; k < len(b); k++ {
			switch r.IntN(4) {
			case 0: // any byte that matters
				b[k] = alphabet[r.IntN(len(alphabet))]
			case 1: // printable ASCII
				b[k] = byte(0x20 + r.IntN(0x5F))
			default: // an Arabic-block character, maybe cut by the chunk's end
				b[k] = byte(0xD8 + r.IntN(4))
				if k+1 < len(b) {
					k++
					b[k] = []byte{0x80, 0x9C, 0x9F, 0xA7, 0xBF}[r.IntN(5)]
				}
			}
		}
		if got, want := plainChunk(binary.LittleEndian.Uint64(b[:])), naive(b[:]); got != want {
			t.Fatalf("plainChunk(% x) = %v, want %v", b, got, want)
		} else if got > 0 {
			accepted++
		}
	}
	if accepted < 1000 {
		t.Errorf("only %d plain chunks drawn: the test does not exercise the fast path", accepted)
	}
}

// TestHasDoubleSpace checks hasDoubleSpace against strings.Contains at every position.
func TestHasDoubleSpace(t *testing.T) {
	for n := range 7 {
		for pos := range n {
			for _, base := range []string{"abcdefg", "ا ب ج د"} {
				b := []byte(base)[:n]
				for k := range b {
					if b[k] == ' ' {
						b[k] = 'x'
					}
				}
				b[pos] = ' '
				if pos+1 < n {
					b[pos+1] = ' '
				}
				for _, s := range []string{string(b), string(b[:pos+1]), " " + string(b)} {
					if got, want := hasDoubleSpace(s), strings.Contains(s, "  "); got != want {
						t.Errorf("hasDoubleSpace(%q) = %v, want %v", s, got, want)
					}
				}
			}
		}
	}
}

// TestChunkedUTF8 checks validUTF8, runeCount and runeCountUpTo, which read eight bytes at
// a time, against package utf8 on random strings biased to Arabic text and its breakage.
func TestChunkedUTF8(t *testing.T) {
	units := []string{"ا", "ب", "ي", "ة", "،", "۔", " ", "a", "\n", "«", "…", "𝒜", "\xd8", "\x80", "\xbf", "\xc0\x80", "\xe2\x80", "\xf0\x9f"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 100_000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(units[r.IntN(len(units))])
		}
		s := b.String()
		if got, want := validUTF8(s), utf8.ValidString(s); got != want {
			t.Fatalf("validUTF8(%q) = %v, want %v", s, got, want)
		}
		want := utf8.RuneCountInString(s)
		if got := runeCount(s); got != want {
			t.Fatalf("runeCount(%q) = %d, want %d", s, got, want)
		}
		limit := r.IntN(want + 2)
		if got := runeCountUpTo(s, limit); got != min(want, limit+1) {
			t.Fatalf("runeCountUpTo(%q, %d) = %d, want %d", s, limit, got, min(want, limit+1))
		}
	}
}
