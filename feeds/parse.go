package feeds

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Parse parses an RSS 0.9x/2.0, RSS 1.0 (RDF), Atom or JSON Feed document
// into items in feed order. baseURL is the URL the feed was fetched from;
// relative links and images are resolved against it (after any xml:base).
// Items with neither GUID, link nor title are dropped, and an item whose ID
// repeats an earlier one in the same feed is dropped: feeds do repeat GUIDs,
// and the first occurrence is the one readers saw first.
//
// The document's encoding is taken from a BOM, the XML declaration or, for
// undeclared non-UTF-8 bytes, detection; FetchFeed also passes the HTTP
// charset.
//
// gofeed's decoder is lenient (a bare "&" parses), but what it cannot
// recover, such as an unterminated CDATA section, is an error naming the
// line rather than a partial list: a truncated feed must not make the
// missing items look deleted or the rest look new.
func Parse(src Source, body []byte, baseURL string) ([]Item, error) {
	_, items, err := parseFeed(src, body, baseURL, "")
	return items, err
}

// parseFeed is Parse that also returns the feed title and takes the HTTP
// charset as an encoding hint.
func parseFeed(src Source, body []byte, baseURL, httpCharset string) (string, []Item, error) {
	body, err := feedToUTF8(body, httpCharset)
	if err != nil {
		return "", nil, fmt.Errorf("parse feed: %w", err)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return "", nil, fmt.Errorf("parse feed: %w", err)
	}
	base, err := url.Parse(baseURL)
	if err != nil || !base.IsAbs() {
		base = nil
	}
	items := make([]Item, 0, len(feed.Items))
	seen := make(map[string]bool, len(feed.Items))
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		item := Item{
			SourceID:  src.ID,
			GUID:      strings.TrimSpace(it.GUID),
			Link:      itemLink(it, base),
			Title:     PlainText(it.Title),
			Content:   it.Content,
			Published: itemTime(it),
		}
		if item.GUID == "" && item.Link == "" && item.Title == "" {
			continue
		}
		if strings.TrimSpace(item.Content) == "" {
			item.Content = it.Description
		}
		item.ID = ItemID(item.GUID, item.Link, item.Title, item.Published)
		if seen[item.ID] {
			continue
		}
		seen[item.ID] = true
		item.Image = itemImage(it, base, feed.FeedType == "json")
		if len(src.Topics) > 0 {
			item.Topics = append([]string(nil), src.Topics...)
		}
		items = append(items, item)
	}
	return PlainText(feed.Title), items, nil
}

// feedToUTF8 converts XML feeds to UTF-8 (see xmlToUTF8); JSON Feeds are
// UTF-8 by definition but are still repaired when a server mislabels them.
func feedToUTF8(body []byte, httpCharset string) ([]byte, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		out, _, err := toUTF8(body, httpCharset)
		return out, err
	}
	return xmlToUTF8(body, httpCharset)
}

// itemTime is published, else updated, else zero, always in UTC.
func itemTime(it *gofeed.Item) time.Time {
	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		return it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		return it.UpdatedParsed.UTC()
	}
	return time.Time{}
}

// itemLink is the item's first usable link, absolute and canonical.
func itemLink(it *gofeed.Item, base *url.URL) string {
	if l := absURL(base, it.Link); l != "" {
		return CanonicalURL(l)
	}
	for _, l := range it.Links {
		if l := absURL(base, l); l != "" {
			return CanonicalURL(l)
		}
	}
	return ""
}

// absURL resolves ref against base and returns it only if the result is an
// http(s) URL: links end up as buttons in chats, so javascript: and data:
// URLs are dropped here.
func absURL(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if !u.IsAbs() && base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	if u.String() == ref {
		return ref // keep the original encoding of the path
	}
	return u.String()
}

// imageExts are file extensions that identify an image when a media or
// enclosure element gives no type.
var imageExts = []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"}

func looksLikeImage(typ, medium, rawURL string) bool {
	if strings.HasPrefix(strings.ToLower(typ), "image/") || strings.EqualFold(medium, "image") {
		return true
	}
	if typ != "" || medium != "" {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	ext := strings.ToLower(path.Ext(u.Path))
	for _, e := range imageExts {
		if ext == e {
			return true
		}
	}
	return false
}

// itemImage picks the item's picture: media:content or media:thumbnail
// (also inside media:group), an image enclosure, itunes:image, the JSON
// Feed image, then the first <img> of the content or description.
func itemImage(it *gofeed.Item, base *url.URL, isJSON bool) string {
	if media, ok := it.Extensions["media"]; ok {
		if u := mediaImage(media, base); u != "" {
			return u
		}
	}
	for _, e := range it.Enclosures {
		if e != nil && looksLikeImage(e.Type, "", e.URL) {
			if u := absURL(base, e.URL); u != "" {
				return u
			}
		}
	}
	if it.ITunesExt != nil {
		if u := absURL(base, it.ITunesExt.Image); u != "" {
			return u
		}
	}
	// gofeed also fills Image for RSS from its own content scan, which
	// takes tracking pixels; only the JSON Feed image field is used here.
	if it.Image != nil && isJSON {
		if u := absURL(base, it.Image.URL); u != "" {
			return u
		}
	}
	for _, h := range []string{it.Content, it.Description} {
		if u := absURL(base, firstImg(h)); u != "" {
			return u
		}
	}
	return ""
}

// mediaImage looks through Media RSS elements: an image media:content, a
// media:thumbnail, then thumbnails nested in media:content or media:group.
func mediaImage(media map[string][]ext.Extension, base *url.URL) string {
	for _, c := range media["content"] {
		if looksLikeImage(c.Attrs["type"], c.Attrs["medium"], c.Attrs["url"]) {
			if u := absURL(base, c.Attrs["url"]); u != "" {
				return u
			}
		}
	}
	for _, c := range media["thumbnail"] {
		if u := absURL(base, c.Attrs["url"]); u != "" {
			return u
		}
	}
	for _, key := range []string{"content", "group"} {
		for _, c := range media[key] {
			if u := mediaImage(c.Children, base); u != "" {
				return u
			}
		}
	}
	return ""
}

// firstImg returns the src of the first <img> in an HTML fragment, skipping
// data: URLs and 1×1 tracking pixels (Feedburner puts one in every item).
func firstImg(fragment string) string {
	if !strings.Contains(fragment, "<img") && !strings.Contains(fragment, "<IMG") {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if atom.Lookup(name) != atom.Img || !hasAttr {
				continue
			}
			var src string
			pixel := false
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "src":
					src = string(v)
				case "width", "height":
					pixel = pixel || string(v) == "1" || string(v) == "0"
				}
			}
			if src != "" && !pixel && !strings.HasPrefix(src, "data:") {
				return src
			}
		}
	}
}

// PlainText turns a feed title (or any short HTML fragment) into one line of
// plain text: tags stripped, entities decoded, script and style dropped,
// whitespace folded, invalid UTF-8 replaced. gofeed has already undone the
// XML escaping, so "&lt;p&gt;" in the feed arrives here as a tag, and a
// CDATA title arrives with its HTML entities ("&#8217;") still encoded.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return foldSpace(s)
	}
	if !strings.Contains(s, "<") {
		return foldSpace(decodeEntities(s))
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return foldSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(decodeEntities(string(z.Raw())))
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style:
				skip++
			case atom.Br, atom.P, atom.Div, atom.Li:
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style:
				if skip > 0 {
					skip--
				}
			case atom.P, atom.Div, atom.Li:
				b.WriteByte(' ')
			}
		}
	}
}

// foldSpace collapses runs of white space (including no-break spaces) to
// one space, trims the ends and repairs invalid UTF-8.
func foldSpace(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Join(strings.Fields(s), " ")
}

// decodeEntities decodes HTML character references that end in ";" and
// leaves everything else alone. html.UnescapeString alone would also decode
// legacy prefixes without ";", turning "?a=1&copy=2" into "?a=1©=2" (gofeed
// issue 320); and a title already decoded once by gofeed must not lose a
// literal "&" that happens to precede letters.
func decodeEntities(s string) string {
	i := strings.IndexByte(s, '&')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		end := strings.IndexByte(s, ';')
		if end < 2 || end > maxEntityLen || strings.ContainsAny(s[1:end], " \t\r\n&") {
			b.WriteByte('&')
			s = s[1:]
		} else {
			span := s[:end+1]
			dec := html.UnescapeString(span)
			if dec == span || dec == html.UnescapeString(span[:end])+";" {
				// Not a reference, or only a legacy prefix of it decoded.
				b.WriteByte('&')
				s = s[1:]
			} else {
				b.WriteString(dec)
				s = s[end+1:]
			}
		}
		i = strings.IndexByte(s, '&')
	}
	b.WriteString(s)
	return b.String()
}

// maxEntityLen bounds the search for the ";" that ends a character
// reference; the longest named one is 33 bytes.
const maxEntityLen = 40
