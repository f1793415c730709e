package feeds

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	atomfeed "github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Bounds on what one feed can make the bot hold, store or log. A body is
// at most FetcherOptions.MaxBytes, but 5 MiB of minimal items is 167,000
// of them, and one item can be a single 5 MiB title.
const (
	// MaxItems is the most items Parse keeps: the newest by publication
	// time, undated ones counting as newest (the poller dates them when it
	// sees them). Older ones are dropped before any work per item, so a
	// huge feed costs one pass of the XML parser and no more.
	MaxItems = 200
	// MaxTitleRunes bounds a title, cut at a word with "…". Cards show
	// at most 300 characters of it anyway.
	MaxTitleRunes = 300
	// MaxContentBytes bounds the raw HTML kept for the summary; far more
	// than any article, and the summary reads only its first sentences.
	MaxContentBytes = 256 << 10
	// MaxURLBytes bounds links and image URLs (longer ones are dropped:
	// no button can carry them) and the GUID kept with the item (cut; the
	// item ID is taken from the whole GUID first).
	MaxURLBytes = 2048
)

// Parse parses an RSS 0.9x/2.0, RSS 1.0 (RDF), Atom or JSON Feed document
// into items in feed order. baseURL is the URL the feed was fetched from;
// relative links and images are resolved against it (after any xml:base).
// Items with neither GUID, link nor title are dropped, and an item whose ID
// repeats an earlier one in the same feed is dropped: feeds do repeat GUIDs,
// and the first occurrence is the one readers saw first. At most MaxItems
// items are kept, the newest, and every field is bounded (MaxTitleRunes,
// MaxContentBytes, MaxURLBytes).
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
	pf, err := parseFeed(src, body, baseURL, "")
	return pf.items, err
}

// parsedFeed is what parseFeed finds: the feed title, the items kept, and
// how many items the document holds (more than len(items) when MaxItems
// dropped the oldest).
type parsedFeed struct {
	title string
	items []Item
	total int
}

// parseFeed is Parse that also returns the feed title and the document's
// item count, and takes the HTTP charset as an encoding hint.
func parseFeed(src Source, body []byte, baseURL, httpCharset string) (parsedFeed, error) {
	body, err := feedToUTF8(body, httpCharset)
	if err != nil {
		return parsedFeed{}, fmt.Errorf("parse feed: %w", err)
	}
	// Huge XML documents are cut to MaxParsedItems before gofeed builds
	// them (see MaxParsedItems); total still counts every item.
	scanned := 0
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		body, scanned = trimItems(body, MaxParsedItems)
	}
	parser, rssItems, atomItems := gofeed.NewParser(), &rssTranslator{}, &atomTranslator{}
	// gofeed's RSS translator parses every item's content as an HTML
	// document to find an image (1.9 GB for 200,000 items); itemImage
	// reads RSS images itself, without it.
	rssItems.DisableContentImageScan = true
	parser.RSSTranslator, parser.AtomTranslator = rssItems, atomItems
	feed, err := parser.Parse(bytes.NewReader(body))
	if err != nil {
		return parsedFeed{}, fmt.Errorf("parse feed: %w", err)
	}
	permalinks := rssItems.permalinks
	if len(permalinks) != len(feed.Items) {
		permalinks = make([]string, len(feed.Items))
	}
	base, err := url.Parse(baseURL)
	if err != nil || !base.IsAbs() {
		base = nil
	}
	kept := newest(feed.Items, MaxItems)
	items := make([]Item, 0, len(kept))
	seen := make(map[string]bool, len(kept))
	for _, i := range kept {
		it := feed.Items[i]
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
		item.ShortLink = shortLink(item.Link, permalinks[i], base)
		// The source's topics are not the item's: the bot picks those the
		// item is about, from these categories or its text.
		item.Categories = itemCategories(it.Categories, atomItems.terms(i))
		items = append(items, bound(item))
	}
	total := len(feed.Items)
	if scanned > MaxParsedItems {
		total = scanned
	}
	return parsedFeed{title: truncate(PlainText(feed.Title), MaxTitleRunes), items: items, total: total}, nil
}

// newest returns the indices of the at most n newest items (by itemTime,
// undated first, feed order among equals), in feed order. Items that cannot
// make an Item (nil, or no GUID, link or title at all) do not take a place.
// Indices, not items: the RSS permalinks are kept by index.
func newest(items []*gofeed.Item, n int) []int {
	if len(items) <= n {
		out := make([]int, 0, len(items))
		for i, it := range items {
			if it != nil {
				out = append(out, i)
			}
		}
		return out
	}
	type dated struct {
		i int
		t time.Time
	}
	all := make([]dated, 0, len(items))
	for i, it := range items {
		if it == nil || strings.TrimSpace(it.GUID) == "" && strings.TrimSpace(it.Link) == "" &&
			len(it.Links) == 0 && strings.TrimSpace(it.Title) == "" {
			continue
		}
		all = append(all, dated{i, itemTime(it)})
	}
	slices.SortStableFunc(all, func(a, b dated) int {
		switch {
		case a.t.IsZero() != b.t.IsZero():
			if a.t.IsZero() {
				return -1
			}
			return 1
		default:
			return b.t.Compare(a.t)
		}
	})
	all = all[:min(n, len(all))]
	slices.SortFunc(all, func(a, b dated) int { return a.i - b.i })
	out := make([]int, len(all))
	for j, d := range all {
		out[j] = d.i
	}
	return out
}

// bound cuts an item's fields to the package's bounds, after its ID was
// taken from the whole of them.
func bound(it Item) Item {
	it.Title = truncate(it.Title, MaxTitleRunes)
	it.Content = cutBytes(it.Content, MaxContentBytes)
	it.GUID = cutBytes(it.GUID, MaxURLBytes)
	if len(it.Link) > MaxURLBytes {
		it.Link = ""
	}
	if len(it.Image) > MaxURLBytes {
		it.Image = ""
	}
	if len(it.ShortLink) > MaxURLBytes || it.Link == "" {
		it.ShortLink = ""
	}
	return it
}

// truncate cuts s to at most n runes, at a word boundary when one is near,
// ending with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := s[:runeOffset(s, n-1)]
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// runeOffset is the byte offset of the n-th rune of s (len(s) if fewer).
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// cutBytes cuts s to at most n bytes without splitting a rune.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// rssTranslator is gofeed's RSS translator that also keeps, per item,
// the guid when the feed marks it a permalink: the universal item keeps the
// guid but drops isPermaLink, which shortLink needs.
type rssTranslator struct {
	gofeed.DefaultRSSTranslator
	permalinks []string // by item, as translated; "" where the guid is no permalink
}

func (t *rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	out, err := t.DefaultRSSTranslator.Translate(feed)
	if f, ok := feed.(*rss.Feed); ok && err == nil {
		t.permalinks = make([]string, len(f.Items))
		for i, it := range f.Items {
			// RSS 2.0: isPermaLink is true unless it says "false".
			if it != nil && it.GUID != nil && !strings.EqualFold(strings.TrimSpace(it.GUID.IsPermalink), "false") {
				t.permalinks[i] = it.GUID.Value
			}
		}
	}
	return out, err
}

// atomTranslator is gofeed's Atom translator that also keeps each entry's
// category terms: the universal item has the label where there is one,
// and a feed's terms ("sport") are often what a category map names.
type atomTranslator struct {
	gofeed.DefaultAtomTranslator
	entryTerms [][]string // by entry, as translated
}

func (t *atomTranslator) Translate(feed any) (*gofeed.Feed, error) {
	out, err := t.DefaultAtomTranslator.Translate(feed)
	if f, ok := feed.(*atomfeed.Feed); ok && err == nil {
		t.entryTerms = make([][]string, len(f.Entries))
		for i, e := range f.Entries {
			if e == nil {
				continue
			}
			for _, c := range e.Categories {
				if c != nil && c.Term != "" {
					t.entryTerms[i] = append(t.entryTerms[i], c.Term)
				}
			}
		}
	}
	return out, err
}

// terms returns the category terms of entry i ("" feeds other than Atom).
func (t *atomTranslator) terms(i int) []string {
	if i < len(t.entryTerms) {
		return t.entryTerms[i]
	}
	return nil
}

// Bounds of an item's categories: WordPress feeds list a category per tag,
// and a hostile feed could list thousands.
const (
	maxCategories     = 20
	maxCategoryLength = 100 // characters
)

// itemCategories is an item's categories as plain text, each once, in
// feed order, bounded.
func itemCategories(lists ...[]string) []string {
	var out []string
	for _, list := range lists {
		for _, c := range list {
			c = PlainText(c)
			if c == "" || len(out) == maxCategories {
				continue
			}
			if r := []rune(c); len(r) > maxCategoryLength {
				c = string(r[:maxCategoryLength])
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// shortLink is a second, shorter address of the article the feed itself
// gives: its guid, when the feed marks the guid a permalink (isPermaLink
// absent or "true", which RSS 2.0 defines as "a URL that points to the
// full item"), it is an http(s) URL on the link's site, and it is shorter
// than the link. Le Monde's feed, for one, carries
// http://www.lemonde.fr/tiny/5255095/ for a 170-character link. Cards use
// it where the link does not fit (a copy button holds 256 characters).
func shortLink(link, permalink string, base *url.URL) string {
	short := absURL(base, permalink)
	if short == "" || link == "" {
		return ""
	}
	short = CanonicalURL(short)
	if len(short) >= len(link) || siteOf(short) != siteOf(link) {
		return ""
	}
	return short
}

// siteOf is a URL's lower-cased host without "www.", so www.lemonde.fr
// and lemonde.fr are one site.
func siteOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
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
