package arabic

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Some Arabic feeds put the caption of the article's picture in <description>: "الممثل
// المصري حسين فهمي (ربيع مغربي/ فرانس برس)", "ميكانيكي يجهّز السيارة قبل رشها بالدهان في
// كولومبيا، 15 مايو 2025 (Getty)". Under a headline such a line reads as the story's
// summary, and it is not one. IsCaption recognises it by its shape: one line, no sentence
// end, closed by a credit in brackets (an agency, a photographer, or both with a slash),
// and short or closed by a place and date; or a line of only dates and places.

// Limits of a caption.
const (
	captionMaxWords = 30 // a caption says what the picture shows in a line
	captionShort    = 12 // up to this many words, any credited line is a caption
	creditMaxWords  = 6  // "ربيع مغربي/ فرانس برس", "Getty Images", "تصوير: محمد علي"
	datelineMax     = 3  // words besides dates in a line of only places and dates
)

// photoCredits are words (normalised) that only a picture's credit carries.
var photoCredits = []string{
	"getty", "getty images", "غيتي", "جيتي", "غيتي ايميجز", "shutterstock", "istock", "epa", "ايبا",
	"تصوير", "صوره", "ارشيفيه", "ارشيف", "مواقع التواصل", "مواقع التواصل الاجتماعي", "وسائل التواصل",
	"وسائل التواصل الاجتماعي", "فيسبوك", "تويتر", "انستغرام", "اكس", "فرانس برس", "ا ف ب", "اف ب",
	"afp", "anadolu", "xinhua", "ap photo", "reuters",
}

// dateWords are the words (normalised) of a caption's date: month names (dateMonth) and the
// words around them (dateOther: day names, "the first/second" of the Levantine months,
// "year").
var dateWords = map[string]uint8{
	"يناير": dateMonth, "فبراير": dateMonth, "مارس": dateMonth, "ابريل": dateMonth, "مايو": dateMonth,
	"يونيو": dateMonth, "يوليو": dateMonth, "اغسطس": dateMonth, "سبتمبر": dateMonth, "اكتوبر": dateMonth,
	"نوفمبر": dateMonth, "ديسمبر": dateMonth, "كانون": dateMonth, "شباط": dateMonth, "اذار": dateMonth,
	"نيسان": dateMonth, "ايار": dateMonth, "حزيران": dateMonth, "تموز": dateMonth, "اب": dateMonth,
	"ايلول": dateMonth, "تشرين": dateMonth,
	"january": dateMonth, "february": dateMonth, "march": dateMonth, "april": dateMonth, "may": dateMonth,
	"june": dateMonth, "july": dateMonth, "august": dateMonth, "september": dateMonth, "october": dateMonth,
	"november": dateMonth, "december": dateMonth,
	"الاول": dateOther, "الثاني": dateOther, "الاحد": dateOther, "الاثنين": dateOther, "الثلاثاء": dateOther,
	"الاربعاء": dateOther, "الخميس": dateOther, "الجمعه": dateOther, "السبت": dateOther, "عام": dateOther,
	"سنه": dateOther, "م": dateOther, "يوم": dateOther,
}

const (
	dateOther = 1 + iota
	dateMonth
)

// IsCaption reports whether text (the output of Clean) is only a picture's caption with its
// credit, or only places and dates, and so no summary of the story. A line with a sentence
// end in it is never a caption: a sentence followed by "(رويترز)" is news.
func IsCaption(text string) bool {
	text = strings.TrimSpace(text)
	if text == "" || strings.ContainsAny(text, "\n\r") || runeCountUpTo(text, 1000) > 1000 {
		return false
	}
	body, credit, ok := splitCredit(text)
	if !ok {
		return onlyDatesAndPlaces(text)
	}
	if hasSentenceEnd(body) {
		return false
	}
	words := countWordsUpTo(body, captionMaxWords+1)
	switch {
	case words > captionMaxWords:
		return false
	case words <= captionShort, onlyDatesAndPlaces(body):
		return true
	}
	// A longer line is a caption only when its credit is a picture's, or when it ends in
	// the place and date a caption closes with ("في كولومبيا، 15 مايو 2025").
	return isPhotoCredit(credit) || endsWithDate(body)
}

// DropCaption returns "" for a caption (IsCaption) and text otherwise: the card is then
// sent with its title alone.
func DropCaption(text string) string {
	if IsCaption(text) {
		return ""
	}
	return text
}

// splitCredit splits a line closed by a bracketed credit into what comes before it and the
// credit, which has one to creditMaxWords words and no sentence end.
func splitCredit(s string) (body, credit string, ok bool) {
	s = strings.TrimRight(s, " .")
	if !strings.HasSuffix(s, ")") {
		return "", "", false
	}
	open := strings.LastIndexByte(s, '(')
	if open < 0 {
		return "", "", false
	}
	credit = strings.TrimSpace(s[open+1 : len(s)-1])
	n := countWordsUpTo(credit, creditMaxWords+1)
	if n == 0 || n > creditMaxWords || strings.ContainsAny(credit, "()") || hasSentenceEnd(credit) {
		return "", "", false
	}
	body = strings.TrimRightFunc(s[:open], func(r rune) bool { return unicode.IsSpace(r) || r == '-' || r == '–' || r == '،' || r == ',' })
	return body, credit, isCredit(credit)
}

// isCredit reports whether a bracketed text names who took or supplied a picture: a
// photographer and an agency with a slash, a known agency or outlet, or a person's name in
// Latin letters ("Mohammed Huwais"; a lone acronym such as "(ABIEC)" names an organisation
// in a sentence, not a credit).
func isCredit(c string) bool {
	if strings.ContainsAny(c, "/\\|") || isPhotoCredit(c) || isAgency(c) {
		return true
	}
	words := strings.Fields(c)
	if len(words) < 2 || len(words) > 3 {
		return false
	}
	for _, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		if r >= utf8.RuneSelf || !unicode.IsUpper(r) || strings.ToUpper(w[size:]) == w[size:] {
			return false
		}
	}
	return true
}

// isPhotoCredit reports whether credit holds one of photoCredits as whole words.
func isPhotoCredit(credit string) bool {
	n := " " + strings.Join(tokens(Normalize(credit)), " ") + " "
	for _, p := range photoCredits {
		if strings.Contains(n, " "+p+" ") {
			return true
		}
	}
	return false
}

// tokens returns the word tokens of normalised text.
func tokens(n string) []string {
	var out []string
	for i := 0; ; {
		var tok string
		tok, i = nextToken(n, i)
		if tok == "" {
			return out
		}
		out = append(out, tok)
	}
}

// hasSentenceEnd reports a sentence stop in s that is not inside a number ("3.5") or an
// abbreviation: a caption is never more than one phrase.
func hasSentenceEnd(s string) bool {
	s = strings.TrimSpace(s)
	return len(appendSentences(nil, s)) > 1 || endsSentence(s)
}

// dateKind tells whether tok is a number or a month name (dateMonth), another word of a
// date (dateOther), or neither (0).
func dateKind(tok string) uint8 {
	if r, _ := utf8.DecodeRuneInString(tok); unicode.IsDigit(r) {
		return dateMonth
	}
	if k := dateWords[tok]; k != 0 {
		return k
	}
	return dateWords[strings.TrimPrefix(tok, "و")]
}

// onlyDatesAndPlaces reports a line that holds a date (a number or a month) and at most
// datelineMax other words ("كولومبيا، 15 مايو 2025"), with no sentence end: a caption's
// tail on its own.
func onlyDatesAndPlaces(s string) bool {
	if hasSentenceEnd(s) {
		return false
	}
	dated, other := false, 0
	for _, tok := range tokens(Normalize(s)) {
		switch dateKind(tok) {
		case dateMonth:
			dated = true
		case 0:
			other++
		}
	}
	return dated && other <= datelineMax
}

// endsWithDate reports whether s ends with a date: "15 مايو 2025", "أيار 2024".
func endsWithDate(s string) bool {
	toks := tokens(Normalize(s))
	return len(toks) > 0 && dateKind(toks[len(toks)-1]) == dateMonth
}
