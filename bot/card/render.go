// Package card renders what the bot writes: news cards, digests and list
// lines in Telegram HTML and plain text, their inline keyboards within
// Telegram's limits, and every sentence in Arabic and English. It is pure:
// no store, no Telegram client, no clock; the caller passes the item, the
// source's name, the time zone and the language.
package card

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
	"golang.org/x/text/unicode/bidi"
)

// Telegram's limits on a message, counted in characters after HTML parsing.
const (
	MaxMessageChars = 4096
	maxTitleChars   = 300
	maxSummaryChars = 1500
)

// Directional marks. Telegram clients lay out every line on its own, in
// the direction of its first letter (Unicode's bidi algorithm), so a line
// that opens with a command, an emoji, a number or a name in the other
// script needs a mark to run the right way; and a value in the other
// script inside a line needs marks around it, or the numbers and
// punctuation next to it join its direction ("France 24 · 🕒 7" shown as one
// left-to-right block in an Arabic line). Telegram keeps these two marks in
// messages (it drops the embedding and override controls).
const (
	RLM = "\u200f" // right-to-left mark
	LRM = "\u200e" // left-to-right mark
)

// RTL reports whether the bot's lines in lang run right to left: Arabic,
// the default, does; English does not.
func RTL(lang string) bool { return !strings.HasPrefix(lang, "en") }

// LineMark is the mark that starts a line the bot writes in lang.
func LineMark(lang string) string {
	if RTL(lang) {
		return RLM
	}
	return LRM
}

// strong reports the direction of s's first (last, when last is true)
// letter of a strong direction: +1 left to right, -1 right to left, 0
// when s has none (digits, punctuation, emoji).
func strong(s string, last bool) int {
	dir := 0
	for _, r := range s {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			dir = 1
		case bidi.R, bidi.AL:
			dir = -1
		default:
			continue
		}
		if !last {
			return dir
		}
	}
	return dir
}

// Embed places a value (a name, a query, a title) in a line the bot writes
// in lang (see marks).
func Embed(lang, s string) string {
	before, after := marks(lang, s)
	return before + s + after
}

// marks are the marks around a value in a line of lang: a value of the
// other script gets that script's mark before it, so signs at its start
// ("@", "#", "/") stay on it, and that mark again and the line's mark
// after it, so punctuation at its end (a closing quote) stays on it and the
// numbers and punctuation that follow keep to the line. A value that only
// ends in the other script gets the line's mark after it; one in the
// line's own script needs none.
func marks(lang, s string) (before, after string) {
	line := 1
	if RTL(lang) {
		line = -1
	}
	if first := strong(s, false); first == -line {
		before = contentMark(first)
		after = before + LineMark(lang)
	} else if strong(s, true) == -line {
		after = LineMark(lang)
	}
	return before, after
}

func contentMark(dir int) string {
	if dir < 0 {
		return RLM
	}
	return LRM
}

// TextMark is the mark for a line of feed text (a title, a summary, the
// topics): the direction of its script, whatever the reader's language,
// so an English card shows an Arabic title right to left and an Arabic
// card an English title left to right. Text with more Arabic letters than
// Latin ones is Arabic, text with more Latin ones English; a tie goes to
// lang, the message's language (as display.Check judges it).
func TextMark(lang, s string) string {
	arabic, latin := 0, 0
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.R, bidi.AL:
			arabic++
		case bidi.L:
			latin++
		}
	}
	if latin > arabic || (latin == arabic && !RTL(lang)) {
		return LRM
	}
	return RLM
}

// FeedText places feed text (a title, a summary) in a message in lang:
// each of its lines starts with its own script's mark (TextMark), and
// its mentions and hashtags of the other script keep their sign in front
// (MarkSigns). The text a reader copies is the feed's, with invisible
// marks only.
func FeedText(lang, s string) string {
	lines := strings.Split(s, "\n")
	for i, ln := range lines {
		if strings.TrimSpace(ln) == "" {
			continue
		}
		mark := TextMark(lang, ln)
		lines[i] = mark + MarkSigns(ln, mark == RLM)
	}
	return strings.Join(lines, "\n")
}

// signs open a mention, a hashtag, a command or a filter word.
const signs = "@#/+-"

// MarkSigns puts the mark of a word's direction before the signs that
// open it ("@user", "#COP28", "و#Gaza") when the word is in the other
// script than its line's (rtl: the line runs right to left). Without it
// the signs, neutral between the line's script and the word's, take the
// line's direction and show at the word's far end: "user@", "COP28#".
// Signs after a letter of the word's own script ("a@b.com") are left
// alone: that letter holds them in place.
func MarkSigns(s string, rtl bool) string {
	other, mark := bidi.L, LRM
	if !rtl {
		other, mark = bidi.R, RLM
	}
	var b strings.Builder
	runes := []rune(s)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if strings.ContainsRune(signs, r) && (i == 0 || direction(runes[i-1]) != other) {
			j := i
			for j < len(runes) && strings.ContainsRune(signs, runes[j]) {
				j++
			}
			if j < len(runes) && unicode.IsLetter(runes[j]) && direction(runes[j]) == other {
				b.WriteString(mark)
			}
			b.WriteString(string(runes[i:j]))
			i = j - 1
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// direction is r's strong direction: bidi.L, bidi.R (Arabic letters
// too), or bidi.ON for the rest.
func direction(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	switch p.Class() {
	case bidi.L:
		return bidi.L
	case bidi.R, bidi.AL:
		return bidi.R
	}
	return bidi.ON
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// EscapeAttr escapes text for a double-quoted attribute of Telegram HTML
// (an href): Escape's three characters and the quote.
func EscapeAttr(s string) string { return attrEscaper.Replace(s) }

// Escape escapes text for Telegram HTML outside tags. Only <, > and & need it;
// Telegram rejects named entities other than &lt; &gt; &amp; &quot;.
func Escape(s string) string { return htmlEscaper.Replace(s) }

var arabicMonths = [...]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
	"يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"}

// FormatTime renders t in loc as a reader in that language expects:
// "28 نوفمبر 2026، 14:30" or "28 Nov 2026, 14:30".
func FormatTime(t time.Time, loc *time.Location, lang string) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if lang == "en" {
		return t.Format("2 Jan 2006, 15:04")
	}
	return fmt.Sprintf("%d %s %d، %02d:%02d", t.Day(), arabicMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// Hashtag turns a topic name into a Telegram hashtag: letters, digits and
// underscores only, so "محليات عربية" becomes "#محليات_عربية".
func Hashtag(topic string) string {
	var b strings.Builder
	lastUnderscore := false
	for _, r := range strings.TrimSpace(topic) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
			lastUnderscore = false
		case !lastUnderscore && b.Len() > 0:
			b.WriteByte('_')
			lastUnderscore = true
		}
	}
	tag := strings.TrimRight(b.String(), "_")
	if tag == "" {
		return ""
	}
	return "#" + tag
}

// ShareURL is Telegram's share link for an article: it opens the chat picker
// with the link and its title prefilled (no text when title is empty).
func ShareURL(link, title string) string {
	u := "https://t.me/share/url?url=" + url.QueryEscape(link)
	if title != "" {
		u += "&text=" + url.QueryEscape(title)
	}
	return u
}

// Truncate cuts s to at most n characters at a word boundary, adding
// an ellipsis. Text is cut before escaping, never rendered HTML.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// IsHTTPURL reports whether s is an absolute http(s) URL Telegram accepts in
// a URL button.
func IsHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Card is everything needed to render one item for one chat.
type Card struct {
	Item       feeds.Item
	SourceName string
	Loc        *time.Location
	Lang       string   // "ar" (default) or "en"
	Buttons    []string // which share buttons, in order; nil = DefaultButtons
	Images     bool     // send the item's image: as a photo when the card fits a caption, else as a large link preview
	// ShareMenu, when set, is the callback data of one «📤 مشاركة» button
	// that stands for every share button: its press shows ShareKeyboard
	// in place of the card's keyboard. Two buttons under each card (read
	// and share) instead of five; "" puts the share buttons under the card
	// (inline results and link cards, whose buttons cannot be edited).
	ShareMenu string
}

// Share buttons a bot can show under each card.
const (
	ButtonRead     = "read"     // opens the article
	ButtonShare    = "share"    // Telegram's share sheet
	ButtonWhatsApp = "whatsapp" // wa.me
	ButtonX        = "x"        // x.com/intent/post
	ButtonCopy     = "copy"     // copies the link (copy_text, Bot API 7.11)
)

// DefaultButtons is every share button, in the order cards show them. It
// is a new slice each call, so no caller can change another's default.
func DefaultButtons() []string {
	return []string{ButtonRead, ButtonShare, ButtonWhatsApp, ButtonX, ButtonCopy}
}

// maxCaptionChars is Telegram's limit for a photo caption after parsing.
const maxCaptionChars = 1024

// Render builds the card message: bold title, summary, source and time,
// topic hashtags, and "read"/"share" buttons. Every interpolated value is
// escaped and every part is bounded, so the result always parses and stays
// under Telegram's 4096-character limit.
func (c Card) Render() Message { return c.render(true) }

// RenderPlain is the card as plain text: the fallback when Telegram rejects
// the HTML form, which would be our bug, so the reader still gets the news.
func (c Card) RenderPlain() Message { return c.render(false) }

func (c Card) render(html bool) Message {
	t := Texts(c.Lang)
	text, title := c.text(html)
	it := c.Item
	m := Message{Text: text, HTML: html, Buttons: c.buttons(&t, title), Breaking: it.Breaking}
	if c.Images && IsHTTPURL(it.Image) {
		// The caption limit counts what the reader sees: the plain form.
		shown := m.Text
		if html {
			shown, _ = c.text(false)
		}
		if utf8.RuneCountInString(shown) <= maxCaptionChars {
			m.Photo = it.Image
		} else if IsHTTPURL(it.Link) {
			m.PreviewURL = it.Link
		}
	}
	return m
}

// text is the card's text, as HTML or plain, and the title as the
// keyboard's share URLs carry it: what render needs of the card besides
// its keyboard, so the plain form a caption's length is counted on
// builds no keyboard.
func (c Card) text(html bool) (text, title string) {
	esc, bold := Escape, func(s string) string { return "<b>" + s + "</b>" }
	if !html {
		esc, bold = func(s string) string { return s }, func(s string) string { return s }
	}
	it := c.Item
	title = Truncate(OneLine(it.Title), maxTitleChars)
	summary := Truncate(strings.TrimSpace(Sanitize(it.Summary)), maxSummaryChars)

	// The title and summary run in their own script's direction; the
	// source line in the reader's language's; each hashtag in its own.
	var b strings.Builder
	if it.Breaking {
		mark := BreakingTexts(c.Lang).Mark
		b.WriteString(TextMark(c.Lang, mark) + bold(esc(mark)) + "\n")
	}
	if title != "" {
		mark := TextMark(c.Lang, title)
		b.WriteString(mark + bold(esc(MarkSigns(title, mark == RLM))) + "\n")
	}
	if summary != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(esc(FeedText(c.Lang, summary)) + "\n")
	}
	b.WriteString("\n" + LineMark(c.Lang) + "📰 " + esc(Embed(c.Lang, Truncate(OneLine(c.SourceName), 100))))
	if !it.Published.IsZero() {
		b.WriteString(" · 🕒 " + esc(FormatTime(it.Published, c.Loc, c.Lang)))
	}
	var tags []string
	for _, topic := range it.Topics {
		if h := Truncate(Hashtag(topic), 60); h != "" && len(tags) < 10 {
			tags = append(tags, h)
		}
	}
	if len(tags) > 0 {
		// A tag in the other script than the line's gets its own mark,
		// or its "#" would show at its end ("COP28#").
		dir := TextMark(c.Lang, strings.Join(tags, " "))
		for i, h := range tags {
			if mark := contentMark(strong(h, false)); mark != dir && strong(h, false) != 0 {
				h = mark + h
			}
			tags[i] = esc(h)
		}
		b.WriteString("\n" + dir + strings.Join(tags, " "))
	}
	return b.String(), title
}

// shareTitles are the lengths, in characters, the title gets inside the
// share buttons' URLs, longest first. Every Arabic letter is six bytes
// there (%D8%A7), so a long title alone can take a share URL past
// maxButtonURL and three of them past maxKeyboardBytes; the apps shared to
// show the article's own title in their link preview anyway.
func shareTitles() [4]int { return [4]int{100, 60, 30, 0} }

// buttons lays out the card's keyboard: with a ShareMenu, the read
// button and the one that opens the share menu; without, reading and
// Telegram sharing on the first row, the other apps and the copy button
// on the second. Every
// button fits Telegram's limits for any link a feed can carry: URL buttons
// open articleURL (no URL buttons when there is none), the copy button
// copies copyText (none when it is empty), and the keyboard stays within
// maxKeyboardBytes, by shortening the title inside the share URLs first
// (keeping the most buttons with the longest title), then by dropping
// share buttons from the end of the order. The read and copy buttons are
// bounded on their own and always fit together.
func (c Card) buttons(t *Text, title string) [][]Button {
	which := c.buttonNames()
	link, copied := ArticleURL(c.Item), copyText(c.Item)
	if c.ShareMenu != "" && c.ShareKeyboard(c.ShareMenu) != nil { // a menu with more than its way back
		var row []Button
		if slices.Contains(which, ButtonRead) {
			row = append(row, Button{Text: t.Read, URL: link})
		}
		return [][]Button{append(row, Button{Text: t.Share, CallbackData: c.ShareMenu})}
	}
	return c.fit(which, t, title, link, copied, "")
}

// buttonNames is the card's buttons by name: its own, else the default.
func (c Card) buttonNames() []string {
	if c.Buttons == nil {
		return DefaultButtons()
	}
	return c.Buttons
}

// isShareButton reports whether a button name is one the share menu holds.
func isShareButton(name string) bool { return name != ButtonRead }

// ShareKeyboard is the share menu that replaces a card's keyboard when its
// ShareMenu button is pressed: Telegram, the other apps and the copy
// button, each named for what it does, and a back button (callback data
// back) to the card's own keyboard. It keeps every limit the card's
// keyboard keeps. A card with nothing to share with (no link, or none that
// fits a button) has none (nil), and no ShareMenu button either.
func (c Card) ShareKeyboard(back string) [][]Button {
	t := Texts(c.Lang)
	which := slices.DeleteFunc(slices.Clone(c.buttonNames()), func(n string) bool { return !isShareButton(n) })
	link, copied := ArticleURL(c.Item), copyText(c.Item)
	if link == "" || len(which) == 0 {
		return nil
	}
	rows := c.fit(which, &t, Truncate(OneLine(c.Item.Title), maxTitleChars), link, copied, back)
	if buttonCount(rows) < 2 {
		return nil // nothing to share with: the card keeps its buttons
	}
	return rows
}

// fit lays out the named buttons (and a back button when back is set) in
// the fewest changes that keep the keyboard within maxKeyboardBytes.
func (c Card) fit(which []string, t *Text, title, link, copied, back string) [][]Button {
	var best [][]Button
	bestCount := -1
	for _, n := range shareTitles() {
		short := ""
		if n > 0 {
			short = Truncate(title, n)
		}
		rows := c.layout(which, t, link, copied, short, back)
		if count := buttonCount(rows); count > bestCount && len(KeyboardJSON(rows)) <= maxKeyboardBytes {
			best, bestCount = rows, count
			if count == len(which)+min(len(back), 1) {
				break // every button, with the longest title that fits: the usual card
			}
		}
	}
	if bestCount >= 0 {
		return best
	}
	for len(which) > 0 {
		// Drop the last share button of the order; read and copy stay.
		i := len(which) - 1
		for i >= 0 && (which[i] == ButtonRead || which[i] == ButtonCopy) {
			i--
		}
		if i < 0 {
			break
		}
		which = append(which[:i:i], which[i+1:]...)
		if rows := c.layout(which, t, link, copied, "", back); len(KeyboardJSON(rows)) <= maxKeyboardBytes {
			return rows
		}
	}
	return FitKeyboard(c.layout(which, t, link, copied, "", back))
}

// layout builds the rows for the named buttons, leaving out any whose URL
// or copy text Telegram would refuse. With back set it is the share menu:
// the services on the first row, named (Telegram's share sheet too), the
// copy button and the way back on the second.
func (c Card) layout(which []string, t *Text, link, copied, title, back string) [][]Button {
	var first, second []Button
	apps, telegram := &second, t.Share
	if back != "" {
		apps, telegram = &first, t.ShareTelegram
	}
	add := func(row *[]Button, b Button) {
		if validButton(b) {
			*row = append(*row, b)
		}
	}
	for _, name := range which {
		switch {
		case name == ButtonCopy && copied != "":
			add(&second, Button{Text: t.CopyLink, CopyText: copied})
		case link == "":
		case name == ButtonRead:
			add(&first, Button{Text: t.Read, URL: link})
		case name == ButtonShare:
			add(&first, Button{Text: telegram, URL: ShareURL(link, title)})
		case name == ButtonWhatsApp:
			text := link
			if title != "" {
				text = title + "\n" + link
			}
			add(apps, Button{Text: t.WhatsApp, URL: "https://wa.me/?text=" + url.QueryEscape(text)})
		case name == ButtonX:
			u := "https://x.com/intent/post?url=" + url.QueryEscape(link)
			if title != "" {
				u = "https://x.com/intent/post?text=" + url.QueryEscape(title) + "&url=" + url.QueryEscape(link)
			}
			add(apps, Button{Text: t.X, URL: u})
		}
	}
	if back != "" {
		second = append(second, Button{Text: t.ShareBack, CallbackData: back})
	}
	var rows [][]Button
	for _, r := range [][]Button{first, second} {
		if len(r) > 0 {
			rows = append(rows, r)
		}
	}
	return rows
}

func buttonCount(rows [][]Button) int {
	n := 0
	for _, r := range rows {
		n += len(r)
	}
	return n
}

// OneLine folds all whitespace, newlines included, into single spaces.
func OneLine(s string) string { return strings.Join(strings.Fields(Sanitize(s)), " ") }

// Sanitize makes feed text safe to show: valid UTF-8, no control
// characters but newlines, and no bidi overrides or isolates, which a
// hostile title could use to reorder what the reader sees.
func Sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return -1
		}
		return r
	}, s)
}

// linkedTitle is an item's title (bounded, escaped) as a link to its
// article, or plain when the item has no http(s) link, with its signs
// marked for a line of lang (MarkSigns).
func linkedTitle(lang string, it feeds.Item) string {
	title := Escape(MarkSigns(Truncate(OneLine(it.Title), 200), RTL(lang)))
	if !IsHTTPURL(it.Link) {
		return title
	}
	return `<a href="` + EscapeAttr(it.Link) + `">` + title + "</a>"
}

// ItemLine is one item of a list (/latest, /search): the linked title,
// then its source (named source) and time on a second line, both laid out
// in lang's direction.
func ItemLine(it feeds.Item, source string, loc *time.Location, lang string) string {
	return "\n" + LineMark(lang) + "• " + listMark(it) + embedLinked(lang, it) + "\n" + LineMark(lang) + "   " +
		Escape(Embed(lang, Truncate(OneLine(source), 60))) + " · " + Escape(FormatTime(it.Published, loc, lang))
}

// embedLinked is linkedTitle placed in a line of lang, with the marks
// Embed gives it outside the link.
func embedLinked(lang string, it feeds.Item) string {
	before, after := marks(lang, Truncate(OneLine(it.Title), 200))
	return before + linkedTitle(lang, it) + after
}

// Digest is one message standing for several cards: linked titles with
// their source (sourceName names a source id), so a chat that fell behind
// is not flooded; lines and count in lang. Without html it is plain text:
// the titles and sources alone.
func Digest(items []feeds.Item, lang string, sourceName func(id string) string, html bool) Message {
	var sb strings.Builder
	header := newsCount(lang, len(items))
	if html {
		header = "<b>" + header + "</b>"
	}
	sb.WriteString(LineMark(lang) + header + "\n")
	for _, it := range items {
		title, source := Embed(lang, MarkSigns(Truncate(OneLine(it.Title), 200), RTL(lang))), Embed(lang, Truncate(OneLine(sourceName(it.SourceID)), 60))
		if html {
			title, source = embedLinked(lang, it), Escape(source)
		}
		sb.WriteString("\n" + LineMark(lang) + "• " + listMark(it) + title + " — " + source)
	}
	return Message{Text: sb.String(), HTML: html, DisablePreview: true, Breaking: slices.ContainsFunc(items, isBreaking)}
}

// Caption renders the card as a photo's caption, for an edit of a card
// sent as a photo: when the card has grown past a caption's limit (a
// longer summary, or an image gone, which would make it a text card), its
// summary is cut until it fits.
func (c Card) Caption() Message {
	c.Images = false
	for {
		plain, _ := c.text(false)
		over := utf8.RuneCountInString(plain) - maxCaptionChars
		if over <= 0 || c.Item.Summary == "" {
			return c.Render()
		}
		shown := []rune(Truncate(strings.TrimSpace(Sanitize(c.Item.Summary)), maxSummaryChars))
		if n := len(shown) - over - 1; n >= 2 {
			c.Item.Summary = Truncate(string(shown), n)
		} else {
			c.Item.Summary = ""
		}
	}
}

// listMark heads an item's line in a list (digest, /latest, /search).
func listMark(it feeds.Item) string {
	if it.Breaking {
		return "🔴 "
	}
	return ""
}

func isBreaking(it feeds.Item) bool { return it.Breaking }
