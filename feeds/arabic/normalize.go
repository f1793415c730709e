package arabic

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// isInvisible reports the characters that must never reach a card and never take part in
// matching: bidi embeddings, overrides and isolates, zero-width (non-)joiners and spaces,
// the Arabic letter mark, the byte-order mark and the soft hyphen. Publishers' CMSes sprinkle
// them into titles; they make identical strings compare unequal and can reorder a card.
func isInvisible(r rune) bool {
	switch {
	case r == 0xFEFF, r == 0x00AD, r == 0x061C, r == 0x180E, r == 0x2060:
		return true
	case r >= 0x200B && r <= 0x200F:
		return true
	case r >= 0x202A && r <= 0x202E:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// isTashkeel reports Arabic diacritics (fathatan … sukun and the superscript alef), which
// writers add or omit freely, so matching ignores them.
func isTashkeel(r rune) bool {
	return (r >= 0x064B && r <= 0x0652) || r == 0x0670
}

// normRune maps one rune for matching; ok is false when the rune is dropped.
func normRune(r rune) (out rune, ok bool) {
	switch {
	case r < 0x80:
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A', true
		}
		return r, true
	case r == 0x0640 || isTashkeel(r) || isInvisible(r):
		return 0, false
	case r == 0x0622, r == 0x0623, r == 0x0625, r == 0x0671: // آ أ إ ٱ
		return 0x0627, true
	case r == 0x0649: // ى
		return 0x064A, true
	case r == 0x0629: // ة
		return 0x0647, true
	case r >= 0x0660 && r <= 0x0669:
		return '0' + r - 0x0660, true
	case r >= 0x06F0 && r <= 0x06F9:
		return '0' + r - 0x06F0, true
	case r >= 0x0600 && r <= 0x06FF:
		return r, true // Arabic has no case
	}
	return unicode.ToLower(r), true
}

// composeHamza folds a decomposed alef + madda/hamza mark (as NFC would compose it, then
// Normalize maps the result) so that "ا"+U+0653 matches "آ" and thus "ا".
func composeHamza(prev, r rune) (rune, bool) {
	if r < 0x0653 || r > 0x0655 {
		return 0, false
	}
	switch prev {
	case 0x0627:
		return 0x0627, true
	case 0x0648:
		if r == 0x0654 {
			return 0x0624, true // ؤ
		}
	case 0x064A:
		if r == 0x0654 {
			return 0x0626, true // ئ
		}
	}
	return 0, false
}

// Normalize returns s folded for matching: tashkeel, tatweel and invisible controls removed,
// أ إ آ ٱ → ا, ى → ي, ة → ه, Arabic-Indic and Persian digits → ASCII, letters lower-cased.
// The result is for indexes and scoring only, never for display: cards quote the original.
func Normalize(s string) string {
	if isNormalized(s) {
		return s
	}
	return string(appendNormalized(make([]byte, 0, len(s)), s))
}

// appendNormalized appends Normalize(s) to b.
func appendNormalized(b []byte, s string) []byte {
	var prev rune = -1
	for i, r := range s {
		if r >= 0x0621 && r <= 0x064A && r != 0x0640 {
			// An Arabic letter (no hamza to compose: r is not a mark): folded inline.
			switch r {
			case 0x0622, 0x0623, 0x0625:
				r = 0x0627
			case 0x0649:
				r = 0x064A
			case 0x0629:
				r = 0x0647
			default:
				b = append(b, s[i], s[i+1]) // as written
				prev = r
				continue
			}
			b = append(b, byte(0xC0|r>>6), byte(0x80|r&0x3F))
			prev = r
			continue
		}
		if c, ok := composeHamza(prev, r); ok {
			// The base letter is already written; an alef stays an alef, و/ي become ؤ/ئ.
			if c != prev {
				_, size := utf8.DecodeLastRune(b)
				b = utf8.AppendRune(b[:len(b)-size], c)
			}
			prev = c
			continue
		}
		m, ok := normRune(r)
		if !ok {
			continue
		}
		b = utf8.AppendRune(b, m)
		prev = m
	}
	return b
}

// isNormalized reports whether Normalize(s) == s, letting the common all-plain case skip
// the copy.
func isNormalized(s string) bool {
	var prev rune = -1
	for _, r := range s {
		if r < 0x80 {
			if r >= 'A' && r <= 'Z' {
				return false
			}
			prev = r
			continue
		}
		if r == utf8.RuneError {
			return false
		}
		if _, ok := composeHamza(prev, r); ok {
			return false
		}
		m, ok := normRune(r)
		if !ok || m != r {
			return false
		}
		prev = r
	}
	return true
}

// isWordRune reports the runes that make up tokens: letters and numbers of any script, the
// same runs rouge.py's tokenizer finds ([^\W_]+).
func isWordRune(r rune) bool {
	switch {
	case r < 0x80:
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
	case r >= 0x0620 && r <= 0x064A, r >= 0x0660 && r <= 0x0669:
		return true // the Arabic letters and digits: the common case, without table lookups
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// nextToken returns the first token of s at or after byte i and the byte index after it;
// tok is empty when there is none.
func nextToken(s string, i int) (tok string, next int) {
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if isWordRune(r) {
			break
		}
		i += size
	}
	start := i
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return s[start:i], i
}

// countWordsUpTo counts the tokens of s as ROUGE does after normalising, stopping at limit:
// runs of letters and digits, where tashkeel, tatweel and invisible characters (which
// Normalize drops) do not split a word. It must agree with the count forEachTerm returns.
func countWordsUpTo(s string, limit int) int {
	n := 0
	in := false
	var prev rune = -1
	for _, r := range s {
		if c, ok := composeHamza(prev, r); ok {
			prev = c
			continue
		}
		m, ok := normRune(r)
		if !ok {
			continue
		}
		prev = m
		switch w := isWordRune(m); {
		case w && !in:
			n++
			if n > limit {
				return n
			}
			in = true
		case !w:
			in = false
		}
	}
	return n
}

// countWords counts tokens in s (see countWordsUpTo): the unit of Budget.Words.
func countWords(s string) int {
	return countWordsUpTo(s, math.MaxInt-1)
}

// runeCount is utf8.RuneCountInString (an invalid byte counts as one rune) with the ASCII
// and two-byte (Arabic) cases decoded inline.
func runeCount(s string) int {
	return runeCountUpTo(s, len(s))
}

// runeCountUpTo is runeCount, stopping once the count exceeds limit: the callers only
// compare a line's length with a bound, and paragraphs can be long.
func runeCountUpTo(s string, limit int) int {
	n := 0
	for i := 0; i < len(s) && n <= limit; n++ {
		if i+8 <= len(s) {
			if k, runes := arabicChunk(binary.LittleEndian.Uint64([]byte(s[i : i+8]))); k > 0 {
				i += k
				n += runes - 1 // the loop adds one
				continue
			}
		}
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			i++
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			i += 2
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	return min(n, limit+1) // a chunk can step past limit+1
}

// validRuneCount is utf8.RuneCountInString for valid UTF-8, where every byte but the
// continuation bytes (10xxxxxx) starts a rune: eight bytes are counted at a time.
func validRuneCount(s string) int {
	cont := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		cont += bits.OnesCount64(x &^ (x << 1) & 0x8080808080808080)
	}
	for ; i < len(s); i++ {
		if s[i]&0xC0 == 0x80 {
			cont++
		}
	}
	return len(s) - cont
}

// validUTF8 is utf8.ValidString with the ASCII and two-byte (Arabic) sequences checked
// inline; anything else goes through the decoder, which reports an invalid byte as
// (RuneError, 1).
func validUTF8(s string) bool {
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			if n, _ := arabicChunk(binary.LittleEndian.Uint64([]byte(s[i : i+8]))); n > 0 {
				i += n
				continue
			}
		}
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			i++
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			i += 2
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
			i += size
		}
	}
	return true
}

// arabicChunk reads eight bytes (little-endian in x) starting at a character boundary.
// When they are ASCII and two-byte characters of U+0600-U+06FF (lead D8-DB, then a
// continuation byte), it returns how many bytes are whole characters, 8 or 7 (the last
// byte starts a character that continues past the chunk), and how many characters they
// are; otherwise 0, 0, and the caller decodes one character.
func arabicChunk(x uint64) (size, runes int) {
	high := x & lanes80
	cont := high &^ (x << 1)                           // 10xxxxxx
	lead := zeroLanes(x&(0xFC*lanes01) ^ 0xD8*lanes01) // 110110xx: D8-DB
	if lead|cont != high || lead<<8 != cont {
		return 0, 0
	}
	size = 8 - int(lead>>63)
	return size, size - bits.OnesCount64(cont)
}
