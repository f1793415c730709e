package arabic

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hard-wrapped text (newspaper dumps such as EASC's Alrai and Alwatan articles) breaks lines
// every 70-80 characters, mid-sentence. It is recognised by its shape: several lines, none
// longer than wrapMaxLine runes, most of the long ones not ending a sentence. Paragraph text
// from HTML has long lines or lines that end in a stop, so its line breaks stay boundaries
// even when a paragraph lacks its final full stop (common in Arabic news).
const (
	wrapMinLine = 50  // a line shorter than this ends a paragraph (heading, last line)
	wrapMaxLine = 100 // wrapped text has no line longer than this
)

// isStop reports the characters that end a sentence. The Arabic comma ، and semicolon ؛ do not.
func isStop(r rune) bool {
	switch r {
	case '.', '!', '?', '؟', '…', '۔':
		return true
	}
	return false
}

// isCloser reports closing quotes and brackets that belong to the sentence they follow:
// in «قال: "لن نتراجع."» the stop comes before the closing marks.
func isCloser(r rune) bool {
	switch r {
	case '"', '\'', '»', '”', '’', ')', ']', '}', '›':
		return true
	}
	return false
}

// endsSentence reports whether a line's last visible rune closes a sentence (or a
// heading-like colon), so a following line starts a new one.
func endsSentence(line string) bool {
	line = strings.TrimRightFunc(line, unicode.IsSpace)
	for line != "" {
		r, size := utf8.DecodeLastRuneInString(line)
		if isCloser(r) {
			line = line[:len(line)-size]
			continue
		}
		return isStop(r) || r == ':'
	}
	return false
}

// isBulletLine reports lines that start a list item, which are never joined to the line before.
func isBulletLine(line string) bool {
	line = strings.TrimLeft(line, " \t")
	r, size := utf8.DecodeRuneInString(line)
	switch r {
	case '-', '•', '*', '●', '▪', '–':
		rest := line[size:]
		return rest == "" || rest[0] == ' '
	}
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')' || line[i] == '-') && line[i+1] == ' '
}

// looksWrapped reports whether text is hard-wrapped (see wrapMaxLine).
func looksWrapped(text string) bool {
	lines, long, open := 0, 0, 0
	var prev string
	havePrev := false
	for line := range strings.SplitSeq(text, "\n") {
		if len(line) > 4*wrapMaxLine {
			return false // more than wrapMaxLine runes whatever the script: not wrapped
		}
		line = strings.TrimSpace(line)
		if line == "" {
			havePrev = false
			continue
		}
		if runeCountUpTo(line, wrapMaxLine) > wrapMaxLine {
			return false
		}
		lines++
		if havePrev && runeCountUpTo(prev, wrapMinLine) >= wrapMinLine && !isBulletLine(line) {
			long++
			if !endsSentence(prev) {
				open++
			}
		}
		prev, havePrev = line, true
	}
	return lines >= 3 && long >= 2 && 2*open >= long
}

// unwrap re-joins hard-wrapped lines with a space when text looks wrapped: a line of at
// least wrapMinLine runes that does not end a sentence is continued by the next line, unless
// that line is blank or a list item. Other text is returned unchanged.
func unwrap(text string) string {
	if !strings.Contains(text, "\n") || !looksWrapped(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	cur := "" // the line being built, already in b
	for line := range strings.SplitSeq(text, "\n") {
		t := strings.TrimSpace(line)
		if b.Len() > 0 {
			if cur != "" && t != "" && runeCountUpTo(cur, wrapMinLine) >= wrapMinLine && !endsSentence(cur) && !isBulletLine(t) {
				b.WriteByte(' ')
				b.WriteString(t)
				cur = t
				continue
			}
			b.WriteByte('\n')
		}
		b.WriteString(t)
		cur = t
	}
	return b.String()
}

// latinAbbrev lists Latin abbreviations whose full stop does not end a sentence.
var latinAbbrev = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true, "sr": true,
	"vs": true, "etc": true, "inc": true, "ltd": true, "co": true, "no": true, "corp": true, "gen": true,
}

// isAbbrevBefore reports whether the full stop at text[i] closes an abbreviation: a single
// letter ("د." "م." "أ.د." "U.S."), one after the conjunction و ("وم."), or a known Latin
// abbreviation.
func isAbbrevBefore(text string, i int) bool {
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		j -= size
	}
	word := text[j:i]
	if word == "" {
		return false
	}
	letters := 0
	for _, r := range word {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters == 1 {
		return true
	}
	// "وم." "وأ.د.": the conjunction و glued to a one-letter abbreviation.
	if letters == 2 && strings.HasPrefix(word, "و") {
		return true
	}
	if word[0] < utf8.RuneSelf {
		return latinAbbrev[strings.ToLower(word)]
	}
	return false
}

// sentenceEnd reports whether the stop run text[i:j] (stops and closers) ends a sentence.
func sentenceEnd(text string, i, j int) bool {
	if j >= len(text) {
		return true
	}
	next, _ := utf8.DecodeRuneInString(text[j:])
	first, _ := utf8.DecodeRuneInString(text[i:])
	if unicode.IsSpace(next) {
		if first == '.' && j == i+1 && isAbbrevBefore(text, i) {
			return false
		}
		return true
	}
	if first != '.' && first != '…' {
		// ! ? ؟ glued to a following letter: a URL query ("?id=3") when Latin, else an end.
		return next >= utf8.RuneSelf && unicode.IsLetter(next)
	}
	if j > i+1 {
		// ".." or "..." glued to the next word still separates sentences in Arabic prose,
		// but not inside a Latin token (URLs, "a...b").
		return next >= utf8.RuneSelf && unicode.IsLetter(next)
	}
	// A single '.' glued to the next rune: numbers (3.5, ٣.٥), URLs, domains and "U.S."
	// keep it; Arabic writers often omit the space after a full stop (".يعتبر"), which ends
	// the sentence unless the '.' closes a one-letter abbreviation ("أ.د.").
	if next < utf8.RuneSelf || unicode.IsDigit(next) || !unicode.IsLetter(next) {
		return false
	}
	return !isAbbrevBefore(text, i)
}

// stopTail marks the last byte of each sentence-ending character appendSentences looks for.
var stopTail = [256]bool{'\n': true, '.': true, '!': true, '?': true, 0x9F: true, 0x94: true, 0xA6: true}

// appendSentences appends the sentences of text (already unwrapped) as trimmed substrings.
func appendSentences(dst []string, text string) []string {
	start := 0
	emit := func(end int) {
		s := strings.TrimSpace(text[start:end])
		if hasWord(s) {
			dst = append(dst, s)
		}
		start = end
	}
	for i := 0; i < len(text); {
		// Only \n . ! ? and the multi-byte stops ؟ (D8 9F), ۔ (DB 94) and … (E2 80 A6)
		// matter. The scan looks for their last bytes (one table load per byte: Arabic
		// letters are D8-DB followed by any continuation byte, so the lead bytes alone
		// would stop it at every letter), then checks the bytes before. A stop starts at
		// i or later: a run of stops ending before i has been handled.
		q := i
		for q < len(text) && !stopTail[text[q]] {
			q++
		}
		if q == len(text) {
			break
		}
		c := text[q]
		switch {
		case c == '\n':
			emit(q)
			i = q + 1
			continue
		case c == '.' || c == '!' || c == '?':
			i = q
		case c == 0x9F && q-1 >= i && text[q-1] == 0xD8, c == 0x94 && q-1 >= i && text[q-1] == 0xDB:
			i = q - 1
		case c == 0xA6 && q-2 >= i && text[q-2] == 0xE2 && text[q-1] == 0x80:
			i = q - 2
		default:
			i = q + 1
			continue
		}
		c = text[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if !isStop(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if !isStop(r2) && !isCloser(r2) {
				break
			}
			j += s2
		}
		if sentenceEnd(text, i, j) {
			emit(j)
		}
		i = j
	}
	emit(len(text))
	return dst
}

// hasWord reports whether s contains a letter or digit.
func hasWord(s string) bool {
	for _, r := range s {
		if isWordRune(r) {
			return true
		}
	}
	return false
}

// Sentences splits text into sentences and returns the original text of each, trimmed.
// . ! ? ؟ … and line breaks end sentences; ، and ؛ do not. A full stop inside a number
// (3.5, ٣.٥), a URL or domain, or after a one-letter abbreviation ("د." "أ.د." "U.S.") does
// not split, and closing quotes and brackets stay with the sentence they close. Hard-wrapped
// text (lines broken mid-sentence every ~75 characters, as in newspaper dumps) is re-joined
// first, so those sentences come back with a space where the line break was; for text that
// went through Clean, which re-joins already, every sentence is a substring of text.
// Invalid UTF-8 is dropped.
func Sentences(text string) []string {
	sents, _ := sentencesWithParagraphs(text)
	return sents
}

// sentencesWithParagraphs is Sentences that also reports which sentences open a line
// (a paragraph of cleaned text): writers put a paragraph's point in its first sentence.
func sentencesWithParagraphs(text string) (sents []string, paraStart []bool) {
	if !validUTF8(text) {
		text = strings.ToValidUTF8(text, "")
	}
	text = unwrap(strings.ReplaceAll(text, "\r", "\n"))
	for line := range strings.SplitSeq(text, "\n") {
		n := len(sents)
		sents = appendSentences(sents, line)
		for i := n; i < len(sents); i++ {
			paraStart = append(paraStart, i == n)
		}
	}
	return sents, paraStart
}
