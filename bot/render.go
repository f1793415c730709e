package bot

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
)

// Telegram's limits on a message, counted in characters after HTML parsing.
const (
	maxMessageChars = 4096
	maxTitleChars   = 300
	maxSummaryChars = 1500
	rlm             = "\u200f" // right-to-left mark: keeps Arabic lines right-aligned even when they start with Latin or digits
)

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// esc escapes text for Telegram HTML outside tags. Only <, > and & need it;
// Telegram rejects named entities other than &lt; &gt; &amp; &quot;.
func esc(s string) string { return htmlEscaper.Replace(s) }

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
// with the link and its title prefilled.
func ShareURL(link, title string) string {
	return "https://t.me/share/url?url=" + url.QueryEscape(link) + "&text=" + url.QueryEscape(title)
}

// truncateRunes cuts s to at most n characters at a word boundary, adding
// an ellipsis. Text is cut before escaping, never rendered HTML.
func truncateRunes(s string, n int) string {
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

// httpURL reports whether s is an absolute http(s) URL Telegram accepts in
// a URL button.
func httpURL(s string) bool {
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
}

// Share buttons a bot can show under each card.
const (
	ButtonRead     = "read"     // opens the article
	ButtonShare    = "share"    // Telegram's share sheet
	ButtonWhatsApp = "whatsapp" // wa.me
	ButtonX        = "x"        // x.com/intent/post
	ButtonCopy     = "copy"     // copies the link (copy_text, Bot API 7.11)
)

// DefaultButtons is every share button, the order cards show them in.
var DefaultButtons = []string{ButtonRead, ButtonShare, ButtonWhatsApp, ButtonX, ButtonCopy}

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
	t := texts(c.Lang)
	esc, bold := esc, func(s string) string { return "<b>" + s + "</b>" }
	if !html {
		esc, bold = func(s string) string { return s }, func(s string) string { return s }
	}
	it := c.Item
	title := truncateRunes(oneLine(it.Title), maxTitleChars)
	summary := truncateRunes(strings.TrimSpace(sanitize(it.Summary)), maxSummaryChars)

	var b strings.Builder
	if title != "" {
		b.WriteString(rlm + bold(esc(title)) + "\n")
	}
	if summary != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(rlm + esc(summary) + "\n")
	}
	b.WriteString("\n" + rlm + "📰 " + esc(truncateRunes(oneLine(c.SourceName), 100)))
	if !it.Published.IsZero() {
		b.WriteString(" · 🕒 " + esc(FormatTime(it.Published, c.Loc, c.Lang)))
	}
	var tags []string
	for _, topic := range it.Topics {
		if h := Hashtag(topic); h != "" && len(tags) < 10 {
			tags = append(tags, esc(truncateRunes(h, 60)))
		}
	}
	if len(tags) > 0 {
		b.WriteString("\n" + rlm + strings.Join(tags, " "))
	}

	m := Message{Text: b.String(), HTML: html}
	if httpURL(it.Link) {
		m.Buttons = c.buttons(t, it.Link, title)
	}
	if c.Images && httpURL(it.Image) {
		// The caption limit counts what the reader sees: the plain form.
		shown := m.Text
		if html {
			plain := c
			plain.Images = false
			shown = plain.render(false).Text
		}
		if utf8.RuneCountInString(shown) <= maxCaptionChars {
			m.Photo = it.Image
		} else if httpURL(it.Link) {
			m.PreviewURL = it.Link
		}
	}
	return m
}

// buttons lays out the share buttons: reading and Telegram sharing on the
// first row, the other apps on the second.
func (c Card) buttons(t *text, link, title string) [][]Button {
	which := c.Buttons
	if which == nil {
		which = DefaultButtons
	}
	var first, second []Button
	for _, name := range which {
		switch name {
		case ButtonRead:
			first = append(first, Button{Text: t.Read, URL: link})
		case ButtonShare:
			first = append(first, Button{Text: t.Share, URL: ShareURL(link, title)})
		case ButtonWhatsApp:
			second = append(second, Button{Text: t.WhatsApp, URL: "https://wa.me/?text=" + url.QueryEscape(title+"\n"+link)})
		case ButtonX:
			second = append(second, Button{Text: "X", URL: "https://x.com/intent/post?text=" + url.QueryEscape(title) + "&url=" + url.QueryEscape(link)})
		case ButtonCopy:
			second = append(second, Button{Text: t.CopyLink, CopyText: link})
		}
	}
	var rows [][]Button
	for _, r := range [][]Button{first, second} {
		if len(r) > 0 {
			rows = append(rows, r)
		}
	}
	return rows
}

// oneLine folds all whitespace, newlines included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(sanitize(s)), " ") }

// sanitize makes feed text safe to show: valid UTF-8, no control
// characters but newlines, and no bidi overrides or isolates, which a
// hostile title could use to reorder what the reader sees.
func sanitize(s string) string {
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
// article, or plain when the item has no http(s) link.
func linkedTitle(it feeds.Item) string {
	title := esc(truncateRunes(oneLine(it.Title), 200))
	if !httpURL(it.Link) {
		return title
	}
	return `<a href="` + attrEscaper.Replace(it.Link) + `">` + title + "</a>"
}

// itemLine is one item of a list (/latest, /search): the linked title,
// then its source and time on a second line.
func (b *Bot) itemLine(it feeds.Item, loc *time.Location, lang string) string {
	return "\n" + rlm + "• " + linkedTitle(it) + "\n" + rlm + "   " +
		esc(truncateRunes(oneLine(b.sourceName(it.SourceID)), 60)) + " · " + esc(FormatTime(it.Published, loc, lang))
}
