package arabic

import (
	"embed"
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

//go:embed stopwords/mohataher.txt stopwords/savoy.txt
var stopwordFiles embed.FS

// stopwords holds the normalised stop words of both embedded lists. It is built once at
// start-up and only read afterwards.
var stopwords = loadStopwords()

func loadStopwords() map[string]struct{} {
	set := make(map[string]struct{}, 1024)
	for _, name := range []string{"stopwords/mohataher.txt", "stopwords/savoy.txt"} {
		data, err := stopwordFiles.ReadFile(name)
		if err != nil {
			panic("arabic: embedded stop words: " + err.Error()) // cannot happen: embedded at build time
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			n := Normalize(line)
			for i := 0; ; {
				var tok string
				tok, i = nextToken(n, i)
				if tok == "" {
					break
				}
				set[tok] = struct{}{}
			}
		}
	}
	return set
}

// stopSet is the stop-word set forEachTerm probes for every token: an open-addressing
// table of the words packed into two machine words each (no stop word is longer than 16
// bytes), so a probe is a multiply and a few integer compares, without the string hashing
// and key comparison of a map lookup. A byte tag per slot, in an array small enough to
// stay in the L1 cache, rejects most tokens (which are not stop words) without touching
// the keys. Built once from stopwords, only read afterwards.
var stopSet = newStopTable(stopwords)

const stopTableBits = 11 // 2048 slots for the ~700 words: probes stay short

type stopKey struct {
	lo, hi uint64
	n      uint64 // length in bytes
}

type stopTable struct {
	tags   [1 << stopTableBits]uint8 // 0: empty slot
	slots  [1 << stopTableBits]stopKey
	maxLen int
}

func newStopTable(words map[string]struct{}) *stopTable {
	t := &stopTable{}
	for w := range words {
		if len(w) == 0 || len(w) > 16 {
			panic("arabic: stop word of unexpected length: " + w) // cannot happen: checked by tests
		}
		t.maxLen = max(t.maxLen, len(w))
		k := packKey([]byte(w))
		h := k.hash()
		for i := h >> (64 - stopTableBits); ; i = (i + 1) & (1<<stopTableBits - 1) {
			if t.tags[i] == 0 {
				t.tags[i], t.slots[i] = tagOf(h), k
				break
			}
		}
	}
	return t
}

// packKey packs a word of 1 to 16 bytes, little-endian, zero-padded, loading it in at
// most two overlapping reads per word instead of copying it.
func packKey(b []byte) stopKey {
	n := len(b)
	var lo, hi uint64
	switch {
	case n >= 8:
		lo = binary.LittleEndian.Uint64(b)
		if n > 8 {
			// b[n-8:] holds b[8:] in its last n-8 bytes.
			hi = binary.LittleEndian.Uint64(b[n-8:]) >> (8 * (16 - n))
		}
	case n >= 4:
		// Two overlapping four-byte reads; the shared bytes are equal, so OR is exact.
		lo = uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<(8*(n-4))
	default:
		for i := n - 1; i >= 0; i-- {
			lo = lo<<8 | uint64(b[i])
		}
	}
	return stopKey{lo: lo, hi: hi, n: uint64(n)}
}

func (k stopKey) hash() uint64 {
	return (k.lo^k.n)*0x9E3779B97F4A7C15 ^ k.hi*0xC2B2AE3D27D4EB4F
}

// tagOf is the slot tag of hash h: bits the slot index does not use, never 0.
func tagOf(h uint64) uint8 { return uint8(h) | 1 }

// has reports whether the normalised token w is a stop word.
func (t *stopTable) has(w []byte) bool {
	if len(w) > t.maxLen || len(w) == 0 {
		return false
	}
	k := packKey(w)
	h := k.hash()
	tag := tagOf(h)
	for i := h >> (64 - stopTableBits); ; i = (i + 1) & (1<<stopTableBits - 1) {
		switch t.tags[i] {
		case 0:
			return false
		case tag:
			if t.slots[i] == k {
				return true
			}
		}
	}
}

// IsStopWord reports whether the token, once normalised, is an Arabic stop word.
func IsStopWord(token string) bool {
	_, ok := stopwords[Normalize(token)]
	return ok
}

// Prefixes and suffixes of the light stemmer (Larkey's light10 family, as in Lucene's
// ArabicStemmer), written after normalisation (ة is already ه). Longest prefixes first.
// Every letter here is two bytes in UTF-8, so byte lengths are twice rune lengths.
var (
	stemPrefixes = [...]string{"وال", "بال", "كال", "فال", "ال", "لل", "و"}
	stemSuffixes = [...]string{"ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"}
)

// Stem returns a light stem of one token: the token is normalised, then one article or
// conjunction prefix (ال وال بال كال فال لل و) and the common suffixes (ها ان ات ون ين ية ه ي)
// are removed, never leaving fewer than two letters (و only from words of four letters or
// more). Light stemming conflates "الحكومة" and "حكومات" without the errors of root
// extraction, which is what matching news needs.
func Stem(token string) string {
	b := []byte(Normalize(token))
	return string(stemBytes(b, utf8.RuneCount(b)))
}

// stemBytes stems an already normalised token of n runes by slicing it, without
// allocating. The affixes are spelled out so that each test compiles to a couple of byte
// compares: this runs for every token of every item.
func stemBytes(tok []byte, n int) []byte {
	// The first prefix that applies, in stemPrefixes order (TestStemBytesTables checks
	// the unrolled tests against the tables): a three-letter one needs five letters, the
	// others four.
	switch {
	case n >= 5 && (hasPrefix(tok, "وال") || hasPrefix(tok, "بال") || hasPrefix(tok, "كال") || hasPrefix(tok, "فال")):
		tok, n = tok[6:], n-3
	case n >= 4 && (hasPrefix(tok, "ال") || hasPrefix(tok, "لل")):
		tok, n = tok[4:], n-2
	case n >= 4 && hasPrefix(tok, "و"):
		tok, n = tok[2:], n-1
	}
	// Then every suffix in stemSuffixes order, each at most once, while two letters remain.
	if n >= 4 && hasSuffix(tok, "ها") {
		tok, n = tok[:len(tok)-4], n-2
	}
	if n >= 4 && hasSuffix(tok, "ان") {
		tok, n = tok[:len(tok)-4], n-2
	}
	if n >= 4 && hasSuffix(tok, "ات") {
		tok, n = tok[:len(tok)-4], n-2
	}
	if n >= 4 && hasSuffix(tok, "ون") {
		tok, n = tok[:len(tok)-4], n-2
	}
	if n >= 4 && hasSuffix(tok, "ين") {
		tok, n = tok[:len(tok)-4], n-2
	}
	if n >= 4 && hasSuffix(tok, "يه") {
		tok, n = tok[:len(tok)-4], n-2
	}
	if n >= 3 && hasSuffix(tok, "ه") {
		tok, n = tok[:len(tok)-2], n-1
	}
	if n >= 3 && hasSuffix(tok, "ي") {
		tok = tok[:len(tok)-2]
	}
	return tok
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && b[len(p)-1] == p[len(p)-1] && string(b[:len(p)]) == p
}

func hasSuffix(b []byte, p string) bool {
	return len(b) >= len(p) && b[len(b)-1] == p[len(p)-1] && string(b[len(b)-len(p):]) == p
}

// forEachTerm streams the index terms of raw text s: it normalises rune by rune into buf
// (reused, and returned for the next call), and at the end of each token that is not a stop
// word and has two letters or more calls f with its light stem. The term is a slice of buf,
// valid only during the call. tokens counts all tokens, stop words included (Budget.Words).
// This is Terms without building the normalised string or the terms: Summarize and
// Fingerprint run it over every sentence of every item.
func forEachTerm(s string, buf []byte, f func(term []byte)) (_ []byte, tokens int) {
	// The token ends are written out in place rather than in a closure: a closure would
	// capture buf and runes by reference and keep them out of registers in this loop.
	buf = buf[:0]
	runes := 0
	var prev rune = -1
	for i := 0; i < len(s); {
		// Decode inline: Arabic text is two-byte sequences, and a call per rune shows.
		c := s[i]
		var r rune
		switch {
		case c < utf8.RuneSelf:
			// ASCII: no hamza to compose, normRune only lower-cases, and a word rune is a
			// letter or digit.
			i++
			if c-'A' < 26 {
				c += 'a' - 'A'
			}
			prev = rune(c)
			if c-'a' < 26 || c-'0' < 10 {
				buf = append(buf, c)
				runes++
				continue
			}
			if runes == 0 {
				continue
			}
			tokens++
			if runes >= 2 && !stopSet.has(buf) {
				f(stemBytes(buf, runes))
			}
			buf, runes = buf[:0], 0
			continue
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			r = rune(c&0x1F)<<6 | rune(s[i+1]&0x3F)
			i += 2
			if r >= 0x0621 && r <= 0x064A && r != 0x0640 {
				// An Arabic letter: the common case, folded here without the general path.
				switch r {
				case 0x0622, 0x0623, 0x0625:
					r = 0x0627
				case 0x0649:
					r = 0x064A
				case 0x0629:
					r = 0x0647
				}
				buf = append(buf, byte(0xC0|r>>6), byte(0x80|r&0x3F))
				runes++
				prev = r
				continue
			}
		default:
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			i += size
		}
		if c, ok := composeHamza(prev, r); ok {
			if c != prev && len(buf) > 0 {
				_, size := utf8.DecodeLastRune(buf)
				buf = utf8.AppendRune(buf[:len(buf)-size], c)
			}
			prev = c
			continue
		}
		m, ok := normRune(r)
		if !ok {
			continue
		}
		prev = m
		if isWordRune(m) {
			if m < utf8.RuneSelf {
				buf = append(buf, byte(m))
			} else {
				buf = utf8.AppendRune(buf, m)
			}
			runes++
			continue
		}
		if runes == 0 {
			continue
		}
		tokens++
		if runes >= 2 && !stopSet.has(buf) {
			f(stemBytes(buf, runes))
		}
		buf, runes = buf[:0], 0
	}
	if runes > 0 {
		tokens++
		if runes >= 2 && !stopSet.has(buf) {
			f(stemBytes(buf, runes))
		}
	}
	return buf[:0], tokens
}

// Terms returns the normalised, stop-word-free, light-stemmed tokens of s in order, for
// search indexes and scoring. They are never shown to readers.
func Terms(s string) []string {
	var out []string
	forEachTerm(s, make([]byte, 0, 64), func(t []byte) { out = append(out, string(t)) })
	return out
}
