package arabic

import (
	"encoding/binary"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// wpFooter matches WordPress's feed footer "The post X appeared first on Hespress." The
// excerpt's "[…]" before it stays for trimEllipsisTail, which drops the cut sentence too.
var wpFooter = regexp.MustCompile(`(?s)\s*The post .*? appeared first on .*$`)

// dateline matches a dateline at the start of an article: a place of one to five words
// (a date may follow, as in Petra's "عمان 5 شباط (بترا) -"), then an agency or outlet, then a
// dash or colon: "القاهرة - (رويترز) -", "دبي، الإمارات العربية المتحدة (CNN)--",
// "بيروت ـ «الشرق الأوسط»:", "عمّان - المملكة -". Group 1 is a bracketed agency, group 2 an
// unbracketed one, which must be a known outlet (see isAgency) so that "قال الوزير - في
// تصريح له - إن" keeps its words. The remainder is the lead sentence.
var dateline = regexp.MustCompile(`^[\p{Arabic}\p{Mn}]+(?:[ ،,]+[\p{Arabic}\p{Mn}\d]+){0,4}\s*` +
	`(?:(\(\s*[^()\n]{1,30}\)|«[^«»\n]{1,30}»)\s*[-–—ـ:]+|[-–—ـ]\s*(?:(\(\s*[^()\n]{1,30}\)|«[^«»\n]{1,30}»)|([^\s()«»"\-–—ـ:.،!?؟]{1,20}(?:\s[^\s()«»"\-–—ـ:.،!?؟]{1,20}){0,3}))\s*[-–—ـ:]+)\s*`)

// datelineLine matches a dateline on a line of its own, place first ("عمّان - المملكة":
// group 2 is the outlet) or outlet first, as Sky News Arabia writes it ("سكاي نيوز عربية -
// أبوظبي": group 1). One of the two sides must be a known outlet (isAgency).
var datelineLine = regexp.MustCompile(`^([\p{Arabic}\p{Mn}]+(?:\s[\p{Arabic}\p{Mn}]+){0,3})\s*[-–—ـ]\s*([(«]?[\p{L}\p{Mn}\d]+(?:\s[\p{L}\p{Mn}\d]+){0,3}[)»]?)$`)

// agencyPrefix matches a bare agency credit opening the text: "(رويترز) -", "(CNN)--".
var agencyPrefix = regexp.MustCompile(`^\(\s*[^()\n]{1,25}\)\s*[-–—ـ:]+\s*`)

// bylinePrefix matches an opinion byline glued to the first sentence: "يكتب صيدم: ".
// Past-tense "كتب فلان:" is left alone: "كتب ترامب على منصته: …" is news, not a byline.
var bylinePrefix = regexp.MustCompile(`^(?:يكتب|تكتب|بقلم)\s+[^:.!?؟\n]{1,40}:\s*`)

// Normalised line openings that mark a whole line as boilerplate, whatever its length.
var boilerPrefixes = []string{
	"نسخ رابط", "نسخ الرابط", "رابط مختصر", "رابط الخبر", "الرابط المختصر",
	"اقرا ايضا", "اقرا كذلك", "اقرا المزيد", "اقرا ايضا:", "اقرئي ايضا", "طالع ايضا", "شاهد ايضا", "قد يهمك ايضا", "اخبار ذات صله",
	"تابعونا علي", "تابعنا علي", "تابعونا عبر", "تابعوا اخبار", "تابعوا اخر",
	"حمل تطبيق", "لتحميل تطبيق", "انضم الي قناه", "انضموا الي قناه",
	"read more", "read also", "related:", "share this", "follow us", "click here", "copy link", "subscribe to",
}

// Normalised openings that mark a short line (at most shortBoiler words) as boilerplate:
// "شارك" and "اشترك في" open real sentences too ("شارك الرئيس في …", "اشترك في المؤتمر …"),
// but a six-word "شارك على فيسبوك" line is a button label.
var shortBoilerPrefixes = []string{
	"شارك", "اشترك في", "اشتركوا في", "تابعوا ", "مشاركه", "المصدر:", "المصدر :", "مصدر الصوره", "حقوق الصوره", "صوره ارشيفيه", "صوره:",
	"الصوره:", "الصوره :", "تصوير:", "تصوير :", "صوره من", "(صوره", "photo:", "image:", "credit:",
	"getty images", "كتب:", "كتب :", "كتبت:", "بقلم:", "بقلم", "اعداد:", "تحرير:",
}

const shortBoiler = 8

// isURLLine reports a line that is nothing but a link.
func isURLLine(line string) bool {
	return (strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") || strings.HasPrefix(line, "www.")) &&
		!strings.ContainsAny(line, " \t")
}

// isBoilerLine reports whether a whole line is boilerplate (see boilerPrefixes).
func isBoilerLine(line string) bool {
	if isURLLine(line) {
		return true
	}
	// Only the opening matters: normalise a bounded prefix, not the whole paragraph.
	head := line
	if len(head) > 96 {
		head = head[:96]
		for len(head) > 0 && !utf8.RuneStart(line[len(head)]) {
			head = head[:len(head)-1]
		}
	}
	var nb [192]byte // Normalize(head) without a heap copy: this runs for every line
	n := appendNormalized(nb[:0], head)
	for _, p := range boilerPrefixes {
		if hasPrefix(n, p) {
			return true
		}
	}
	// A short line: the word count is only needed when an opening or the brackets match.
	short := false
	for _, p := range shortBoilerPrefixes {
		if hasPrefix(n, p) {
			short = true
			break
		}
	}
	// "(أرشيفية)", "(رويترز)", "(Getty Images)": credits and captions.
	short = short || isParenthetical(line)
	return short && countWordsUpTo(line, shortBoiler+1) <= shortBoiler
}

// knownAgencies are news agencies and outlets (normalised) that sign datelines.
var knownAgencies = []string{
	"ا ف ب", "اف ب", "د ب ا", "ا ب", "يو بي اي", "وكالات", "رويترز", "الاناضول", "سبوتنيك", "شينخوا",
	"afp", "reuters", "ap", "cnn", "dpa", "bbc",
}

// isAgency reports whether an unbracketed dateline credit names a known outlet or agency.
func isAgency(s string) bool {
	n := strings.Trim(Normalize(s), "()«» ")
	for _, list := range [][]string{knownAgencies, knownSites} {
		for _, a := range list {
			if n == a {
				return true
			}
		}
	}
	return false
}

// isParenthetical reports a line entirely in brackets.
func isParenthetical(line string) bool {
	return (strings.HasPrefix(line, "(") && strings.HasSuffix(line, ")")) ||
		(strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"))
}

// isSignature reports a short last line that signs the text rather than saying anything:
// "المملكة", "وكالات", "أ ف ب", "رويترز". It has at most three words and no sentence
// punctuation or digits.
func isSignature(line string) bool {
	if runeCountUpTo(line, 30) > 30 || countWords(line) > 3 {
		return false
	}
	for _, r := range line {
		if isStop(r) || unicode.IsDigit(r) || r == '،' || r == ',' || r == ':' {
			return false
		}
	}
	return true
}

// stripInvisible removes bidi controls and zero-width characters and folds every kind of
// horizontal space to ' '.
func stripInvisible(s string) string {
	clean := true
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			if n := plainChunk(binary.LittleEndian.Uint64([]byte(s[i : i+8]))); n > 0 {
				i += n // bytes of what the loop below accepts one character at a time
				continue
			}
		}
		c := s[i]
		if c >= 0x20 && c < 0x7F || c == '\n' {
			i++ // printable ASCII
			continue
		}
		if c >= 0xD8 && c <= 0xDB && i+1 < len(s) && s[i+1]&0xC0 == 0x80 && !(c == 0xD8 && s[i+1] == 0x9C) {
			i += 2 // the Arabic block, but for the Arabic letter mark U+061C
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isInvisible(r) || r == utf8.RuneError || isSpace(r) || r < 0x20 || (r >= 0x7F && r < 0xA0) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case isInvisible(r), r == utf8.RuneError:
		case r == '\r':
			if i+1 >= len(s) || s[i+1] != '\n' {
				b.WriteByte('\n')
			}
		case r == '\n', r == 0x2028, r == 0x2029, r == 0x85:
			b.WriteByte('\n')
		case isSpace(r):
			b.WriteByte(' ')
		case r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SWAR constants: a byte of 0x01, 0x7F and 0x80 in every lane.
const (
	lanes01 = 0x0101010101010101
	lanes7F = 0x7F7F7F7F7F7F7F7F
	lanes80 = 0x8080808080808080
)

// zeroLanes has the high bit of each byte lane of y that is zero, and no other bit.
func zeroLanes(y uint64) uint64 {
	return ^(((y & lanes7F) + lanes7F) | y | lanes7F)
}

// plainChunk returns how many of eight bytes (little-endian in x, starting at a character
// boundary) are whole characters that stripInvisible keeps as they are, 8 or 7 (when the
// last byte starts a character that continues past the chunk), or 0 when the chunk holds
// anything else. Kept are printable ASCII (no control, DEL or newline: those take the
// slow path) and two-byte characters of the Arabic block U+0600-U+06FF, each lead byte
// D8-DB followed by a continuation byte, with no byte 0x9C anywhere (which would be
// needed to tell the letter mark U+061C apart).
func plainChunk(x uint64) int {
	high := x & lanes80
	cont := high &^ (x << 1)                           // 10xxxxxx
	lead := zeroLanes(x&(0xFC*lanes01) ^ 0xD8*lanes01) // 110110xx: D8-DB
	below20 := (x - 0x20*lanes01) &^ x & lanes80       // some byte < 0x20 (exact as a test)
	if lead|cont != high || lead<<8 != cont || below20 != 0 || zeroLanes(x^lanes7F) != 0 || zeroLanes(x^0x9C*lanes01) != 0 {
		return 0
	}
	return 8 - int(lead>>63) // a lead in the last byte: its character is checked next
}

// hasDoubleSpace is strings.Contains(s, "  "). Every pair of adjacent bytes has one byte
// at an odd index, so only those are tested, against both neighbours: strings.Index would
// stop at every single space of the text.
func hasDoubleSpace(s string) bool {
	for i := 1; i < len(s); i += 2 {
		if s[i] == ' ' && (s[i-1] == ' ' || i+1 < len(s) && s[i+1] == ' ') {
			return true
		}
	}
	return false
}

// foldSpaces folds runs of spaces to one and trims.
func foldSpaces(s string) string {
	s = strings.TrimSpace(s)
	if !hasDoubleSpace(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ellipsisTails are the marks that end a feed excerpt.
var ellipsisTails = []string{"[…]", "[...]", "(…)", "(...)", "…", "..."}

// endsWithEllipsis reports whether s ends in one of ellipsisTails, and returns s without it.
func endsWithEllipsis(s string) (string, bool) {
	for _, tail := range ellipsisTails {
		if strings.HasSuffix(s, tail) {
			return strings.TrimSpace(strings.TrimSuffix(s, tail)), true
		}
	}
	return s, false
}

// trimEllipsisTail removes the "[…]" or "…" that marks a feed excerpt cut mid-sentence,
// and the cut sentence with it: a cut sentence must never reach a card. Every trailing
// sentence that ends in an ellipsis goes too, in one pass, so that Clean stays idempotent
// and linear. An ellipsis right after a full stop only marks a cut between sentences.
// When the excerpt is a single cut sentence nothing is left, and the caller falls back to
// the article or the title.
func trimEllipsisTail(lines []string) []string {
	for len(lines) > 0 {
		cut, ok := endsWithEllipsis(lines[len(lines)-1])
		if !ok {
			return lines
		}
		if r, _ := utf8.DecodeLastRuneInString(strings.TrimRightFunc(cut, isCloser)); isStop(r) && r != '…' && !strings.HasSuffix(cut, "..") {
			lines[len(lines)-1] = cut // "… وحده. […]": the excerpt ended between sentences
			return lines
		}
		sents := appendSentences(nil, cut)
		k := len(sents) - 2 // the last one is the cut sentence
		for k >= 0 {
			if _, ell := endsWithEllipsis(sents[k]); !ell {
				break
			}
			k--
		}
		if k >= 0 {
			// Keep everything up to the end of sentence k (sentences are substrings of cut,
			// in order, so the last occurrence before the next sentence is the right one).
			end := strings.LastIndex(cut, sents[k+1])
			end = strings.LastIndex(cut[:end], sents[k]) + len(sents[k])
			lines[len(lines)-1] = strings.TrimSpace(cut[:end])
			return lines
		}
		lines = lines[:len(lines)-1]
	}
	return lines
}

// mayOpenDateline is a cheap necessary condition for dateline and datelineLine to match,
// so that the regexps run only on lines that could open with a dateline. Both need an
// Arabic letter or mark first, then a run of place characters (Arabic letters and marks,
// digits, spaces, commas), then a bracket or a dash; a line whose leading run of place
// characters reaches none of those cannot match.
func mayOpenDateline(line string) bool {
	for i, r := range line {
		switch r {
		case '(', '«', '-', '–', '—', 'ـ':
			return i > 0
		case ' ', '\t', '\n', '\f', '\r', ',', '،':
			if i == 0 {
				return false
			}
			continue
		}
		if r >= '0' && r <= '9' {
			if i == 0 {
				return false
			}
			continue
		}
		if r >= 0x0621 && r <= 0x064A && r != 0x0640 {
			continue // the Arabic letters, without a table lookup
		}
		if !unicode.Is(unicode.Arabic, r) && !unicode.Is(unicode.Mn, r) {
			return false
		}
	}
	return false
}

// isHeadCaption reports whether the first line is a photo caption or kicker above the
// lead ("الشرع وماكرون"): at most three words and no sentence end, followed by a full
// paragraph. Left in, Sentences would glue it to the lead sentence.
func isHeadCaption(lines []string) bool {
	if len(lines) < 2 || endsSentence(lines[0]) || countWordsUpTo(lines[0], 4) > 3 {
		return false
	}
	next := lines[1]
	if next == "" && len(lines) > 2 {
		next = lines[2] // a paragraph break between caption and lead
	}
	return next != "" && endsSentence(next) && countWordsUpTo(next, 9) > 8
}

// trimHead drops datelines and bylines at the start: whole dateline lines, and dateline,
// agency and byline prefixes of the first line, repeatedly.
func trimHead(lines []string) []string {
	for len(lines) > 0 {
		first := lines[0]
		if first == "" {
			lines = lines[1:]
			continue
		}
		maybeDateline := mayOpenDateline(first)
		if maybeDateline && len(lines) > 1 {
			if m := datelineLine.FindStringSubmatch(first); m != nil && (isAgency(m[2]) || isAgency(m[1])) {
				lines = lines[1:]
				continue
			}
		}
		if isHeadCaption(lines) {
			lines = lines[1:]
			continue
		}
		rest := first
		if maybeDateline {
			if m := dateline.FindStringSubmatchIndex(rest); m != nil && (m[2] >= 0 || m[4] >= 0 || isAgency(rest[m[6]:m[7]])) {
				rest = rest[m[1]:]
			}
		}
		if strings.HasPrefix(rest, "(") {
			if loc := agencyPrefix.FindStringIndex(rest); loc != nil {
				rest = rest[loc[1]:]
			}
		}
		if strings.HasPrefix(rest, "يكتب") || strings.HasPrefix(rest, "تكتب") || strings.HasPrefix(rest, "بقلم") {
			if loc := bylinePrefix.FindStringIndex(rest); loc != nil {
				rest = rest[loc[1]:]
			}
		}
		switch {
		case rest == first:
			return lines
		case strings.TrimSpace(rest) == "" && len(lines) > 1:
			lines = lines[1:] // the line was only a dateline or byline
		case strings.TrimSpace(rest) == "":
			return lines // nothing else: keep what there is
		default:
			lines[0] = strings.TrimSpace(rest)
		}
	}
	return lines
}

// trimTail drops a trailing source signature and an excerpt's cut tail, repeatedly.
func trimTail(lines []string) []string {
	for {
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		n := len(lines)
		if n == 0 {
			return lines
		}
		if n > 1 && isSignature(lines[n-1]) && substantial(lines[:n-1]) {
			lines = lines[:n-1]
			continue
		}
		last := lines[n-1]
		lines = trimEllipsisTail(lines)
		if len(lines) == n && lines[n-1] == last {
			return lines
		}
	}
}

// substantial reports whether the last non-empty line says something: it ends a sentence or
// has more than a signature's three words. Only then is a short line after it a signature;
// a run of short lines is content (a list, a table), not a signed-off article.
func substantial(lines []string) bool {
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i] != "" {
			return endsSentence(lines[i]) || countWordsUpTo(lines[i], 4) > 3
		}
	}
	return false
}

// Clean removes what must never reach a card and returns the text with one paragraph (or
// line) per "\n": bidi controls and zero-width characters; share-link, "اقرأ أيضا",
// "تابعونا على" and "The post … appeared first on …" lines; bare links; image credits and
// captions; a byline or dateline at the start ("عمّان - المملكة", "القاهرة - (رويترز) -":
// the dateline goes, the sentence stays); a short source signature as the last line
// ("المملكة"); the "[…]"/"…" tail of an excerpt with its cut sentence. Hard-wrapped lines
// are re-joined, so Sentences of the result returns substrings of it. Whitespace is folded.
func Clean(text string) string {
	text = stripInvisible(text)
	raw := strings.Split(text, "\n")
	lines := raw[:0]
	// Folding spaces cannot create the footer's words, so one test covers every line.
	footer := strings.Contains(text, "appeared")
	blank := false // a blank line was dropped since the last kept line
	for _, line := range raw {
		line = foldSpaces(line)
		if footer && strings.Contains(line, "appeared first on") {
			line = strings.TrimSpace(wpFooter.ReplaceAllString(line, ""))
		}
		if line == "" || isBoilerLine(line) {
			blank = blank || line == ""
			continue
		}
		if blank && len(lines) > 0 {
			lines = append(lines, "") // keep paragraph boundaries for unwrap
		}
		blank = false
		lines = append(lines, line)
	}
	// Trim the edges, make paragraph breaks single newlines and re-join hard wraps; repeat
	// until nothing changes, since a re-joined line can expose a signature and a removed
	// line can change how wrapped the text looks. Then Clean(Clean(x)) == Clean(x), and
	// Sentences of the result are substrings of it. Two rounds settle real text.
	out := ""
	for round := range 8 {
		n, first, last := len(lines), "", ""
		if n > 0 {
			first, last = lines[0], lines[n-1]
		}
		lines = trimTail(trimHead(lines))
		// Trimming only drops lines at the edges or shortens the first or last one.
		changed := len(lines) != n || len(lines) > 0 && (lines[0] != first || lines[len(lines)-1] != last)
		kept := lines[:0]
		for _, l := range lines {
			if l != "" {
				kept = append(kept, l)
			}
		}
		next := strings.Join(kept, "\n")
		for range 8 {
			u := unwrap(next)
			if u == next {
				break
			}
			next, changed = u, true
		}
		if !changed || round > 0 && next == out {
			out = next
			break
		}
		out = next
		lines = strings.Split(out, "\n")
	}
	return strings.TrimSpace(out)
}

// titleSeparators come before a site name at the end of a title.
var titleSeparators = []string{" | ", " - ", " – ", " — ", " :: ", " « ", " » "}

// knownSites are outlet names (normalised) that follow " - " in titles; after " | " any
// short segment is taken as the site.
var knownSites = []string{
	"الحره", "الجزيره نت", "الجزيره", "العربيه", "العربيه نت", "سكاي نيوز عربيه", "المملكه", "هسبريس",
	"عربي21", "عربي 21", "الشرق الاوسط", "رويترز", "فرانس 24", "بي بي سي عربي", "بي بي سي نيوز عربي",
	"اليوم السابع", "مصراوي", "الوطن", "الراي", "الغد", "القدس العربي", "الامارات اليوم", "الخليج",
	"الشروق", "المصري اليوم", "الاهرام", "العربي الجديد", "النهار", "عكاظ", "سبق", "الرياض", "روسيا اليوم",
	"ار تي عربي", "سي ان ان بالعربيه", "الاناضول", "وكاله الانباء", "بترا", "واس", "وام", "قنا", "كونا", "سانا",
}

// CleanTitle returns a title fit for a card: bidi and zero-width characters removed,
// whitespace folded, and a trailing site name dropped (" | الحرة", " - سكاي نيوز عربية",
// " - CNN Arabic"). After " | " a segment of up to three words is the site; after a dash only
// a known outlet or a Latin-script name is, since Arabic titles use dashes in their text
// ("الحرب الأميركية - الإسرائيلية").
func CleanTitle(title string) string {
	t := strings.ReplaceAll(stripInvisible(title), "\n", " ")
	t = foldSpaces(t)
	for range 2 {
		cut := false
		for _, sep := range titleSeparators {
			if strings.IndexByte(t, sep[1]) < 0 {
				continue // most titles have none of the separators: a fast scan rules each out
			}
			i := strings.LastIndex(t, sep)
			if i <= 0 {
				continue
			}
			head, site := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):])
			if countWords(head) < 2 || site == "" {
				continue
			}
			if isSiteName(site, sep == " | " || sep == " :: ") {
				t, cut = head, true
				break
			}
		}
		if !cut {
			break
		}
	}
	return t
}

// isSiteName reports whether a title segment names the outlet.
func isSiteName(seg string, anyShort bool) bool {
	n := Normalize(seg)
	words := countWords(n)
	if words == 0 || words > 4 {
		return false
	}
	for _, s := range knownSites {
		if n == s {
			return true
		}
	}
	if anyShort && words <= 3 {
		return true
	}
	// A Latin-script name after a dash: "CNN Arabic", "BBC News عربي".
	latin := false
	for _, r := range seg {
		if r < 0x80 && isASCIIAlpha(byte(r)) {
			latin = true
		}
	}
	return latin
}
