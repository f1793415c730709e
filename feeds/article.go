package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ErrNoArticle is returned when a page has no readable main text.
var ErrNoArticle = errors.New("no article text found")

// Article is the readable part of a web page, used when a feed carries only
// an excerpt and when a user sends the bot a link.
type Article struct {
	URL      string // the page URL (after redirects)
	Title    string // plain text
	Text     string // plain text, one paragraph per line ("\n"-separated)
	Image    string // og:image when present, else readability's pick
	SiteName string // og:site_name or similar
	Lang     string // <html lang> or metadata, e.g. "ar"
	// Published is the article's publication time in UTC, zero if unknown.
	// Arabic-Indic digits in the metadata are understood.
	Published time.Time
}

// chromeMarks are substrings of lower-cased class or id values that mark
// page furniture readability keeps because it sits inside the article
// container: share bars, related links, tags, next/previous, subscribe
// boxes, view counters and reading-time badges. Substrings, so "ShareDiv"
// and "rel_article_group" count. (A plain loop: a regexp alternation here
// was a third of ExtractArticle's CPU time.)
var chromeMarks = []string{
	"related", "rel_article", "share", "sharing", "social", "newsletter", "subscribe",
	"tags", "prev_next", "prev-next", "pagination", "breadcrumb", "comment", "promo",
	"advert", "most-read", "mostread", "trending", "time_to_read", "reading-time",
	"readtime", "viewsstate", "outbrain", "taboola", "recommend",
}

// contentMarks protect the article body itself from chromeMarks (a
// "post-content share-enabled" container must stay).
var contentMarks = []string{
	"article-body", "article_body", "articlebody", "entry-content", "post-content",
	"story-body", "article-content", "article_content",
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// jsonLDDate finds datePublished in JSON-LD, which readability only reads
// when it can parse the date itself.
var jsonLDDate = regexp.MustCompile(`"datePublished"\s*:\s*"([^"]+)"`)

// ExtractArticle finds the main text of an HTML page with
// codeberg.org/readeck/go-readability (Readability.js 0.6), after dropping
// elements whose class or id marks them as page furniture (chromeMarks). contentType is
// the HTTP Content-Type (for the charset; may be empty); pageURL resolves
// relative image links.
func ExtractArticle(body []byte, contentType, pageURL string) (*Article, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("extract article: page URL: %w", err)
	}
	utf, _, err := htmlToUTF8(body, contentTypeCharset(contentType))
	if err != nil {
		return nil, fmt.Errorf("extract article: %w", err)
	}
	doc, err := html.Parse(bytes.NewReader(utf))
	if err != nil {
		return nil, fmt.Errorf("extract article: parse HTML: %w", err)
	}
	meta := readMeta(doc, utf)
	removeChrome(doc)

	p := readability.NewParser()
	p.MaxElemsToParse = 100_000 // bounds CPU on hostile pages
	ra, err := p.ParseAndMutate(doc, u)
	if err != nil {
		return nil, fmt.Errorf("extract article: %w", err)
	}
	if ra.Node == nil {
		return nil, fmt.Errorf("extract article: %w", ErrNoArticle)
	}
	title := PlainText(ra.Title())
	text := cleanText(render.InnerText(ra.Node), title)
	if text == "" {
		return nil, fmt.Errorf("extract article: %w", ErrNoArticle)
	}
	a := &Article{
		URL:      pageURL,
		Title:    title,
		Text:     text,
		SiteName: PlainText(ra.SiteName()),
		Lang:     strings.TrimSpace(ra.Language()),
	}
	if a.Lang == "" {
		a.Lang = meta.lang
	}
	for _, img := range []string{meta.image, ra.ImageURL()} {
		if img := absURL(u, img); img != "" {
			a.Image = img
			break
		}
	}
	if t, ok := parseDate(meta.published); ok {
		a.Published = t
	} else if t, err := ra.PublishedTime(); err == nil {
		a.Published = t.UTC()
	}
	return a, nil
}

// pageMeta is what ExtractArticle reads before readability rewrites the
// document.
type pageMeta struct {
	image, published, lang string
}

func readMeta(doc *html.Node, raw []byte) pageMeta {
	var m pageMeta
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				m.lang = attr(n, "lang")
			case atom.Meta:
				key := strings.ToLower(attr(n, "property"))
				if key == "" {
					key = strings.ToLower(attr(n, "name"))
				}
				if key == "" {
					key = strings.ToLower(attr(n, "itemprop"))
				}
				content := strings.TrimSpace(attr(n, "content"))
				switch key {
				case "og:image", "og:image:url", "og:image:secure_url":
					if m.image == "" {
						m.image = content
					}
				case "article:published_time", "og:published_time", "datepublished", "pubdate":
					if m.published == "" {
						m.published = content
					}
				}
			case atom.Body:
				return // metadata lives in <head>
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if m.published == "" {
		if sm := jsonLDDate.FindSubmatch(raw); sm != nil {
			m.published = string(sm[1])
		}
	}
	return m
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// removeChrome deletes elements whose class or id contains a chromeMark, and
// custom elements (<sna-share>) whose tag name does, unless they are
// structural or look like the article body.
func removeChrome(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && isChrome(c) {
			n.RemoveChild(c)
		} else {
			removeChrome(c)
		}
		c = next
	}
}

func isChrome(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Html, atom.Head, atom.Body, atom.Main, atom.Article:
		return false
	}
	if strings.EqualFold(attr(n, "itemprop"), "articleBody") {
		return false
	}
	marks := strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
	if n.DataAtom == 0 && strings.Contains(n.Data, "-") {
		marks += " " + strings.ToLower(n.Data)
	}
	return containsAny(marks, chromeMarks) && !containsAny(marks, contentMarks)
}

// cleanText turns readability's inner text into paragraphs: one per line,
// whitespace folded, empty lines, lines without a letter (counters, "0")
// and repeats of the title dropped.
func cleanText(s, title string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		line = foldSpace(line)
		if line == "" || line == title || !strings.ContainsFunc(line, unicode.IsLetter) {
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// arabicDigits maps Arabic-Indic (U+0660…) and Extended Arabic-Indic
// (U+06F0…, Persian/Urdu) digits to ASCII, so "٢٠٢٦-٠٧-٠٧" parses.
var arabicDigits = strings.NewReplacer(
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9",
)

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
}

// parseDate parses a metadata date in UTC; dates without a zone are taken
// as UTC.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(arabicDigits.Replace(s))
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
