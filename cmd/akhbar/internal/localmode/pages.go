package localmode

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
)

// ArticleReader reads the page at a link, as feeds.Fetcher.Article does:
// what the bot needs for the links people send it.
type ArticleReader interface {
	Article(ctx context.Context, pageURL string) (*feeds.Article, error)
}

// samplePage is a sample item's article page: the item's own title, text
// and image from its feed, since local mode is offline and cannot read the
// publisher's page.
type samplePage struct {
	title, image string
	paragraphs   []string
}

// pageTemplate is a sample item's page, shaped like a news site's article:
// the bot reads it with feeds.ExtractArticle, as it reads any page.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta property="og:title" content="{{.Title}}">
{{if .Image}}<meta property="og:image" content="{{.Image}}">
{{end}}{{if not .Published.IsZero}}<meta property="article:published_time" content="{{.Published.Format "2006-01-02T15:04:05Z07:00"}}">
{{end}}</head><body><main><article><h1>{{.Title}}</h1>
<div class="article-body">{{range .Paragraphs}}<p>{{.}}</p>
{{end}}</div>
</article></main></body></html>`))

// addPages keeps the article page of every item of a bundled feed.
func (s *SampleFeeds) addPages(name string, data []byte) error {
	items, err := feeds.Parse(feeds.Source{ID: name}, data, "")
	if err != nil {
		return fmt.Errorf("sample %s: %w", name, err)
	}
	for _, it := range items {
		if it.Link == "" {
			continue
		}
		s.pages[feeds.CanonicalURL(it.Link)] = samplePage{title: it.Title, image: it.Image, paragraphs: pageText(it.Content)}
	}
	return nil
}

// minPageText is the least clean text a page should carry: what the bot
// needs to make a card of a link (bot's minLinkText).
const minPageText = 80

// pageText is an item's text for its page, one paragraph per line: the
// feed's, cleaned of its boilerplate as the bot cleans it. A WordPress
// excerpt of one long sentence cut with "[…]" (hespress) is dropped whole
// by the cleaning, as a cut sentence; its page keeps the excerpt's
// complete clauses, up to the last mark that ends one (a comma at least)
// before the cut.
func pageText(content string) []string {
	raw := arabic.TextFromHTML(content)
	text := arabic.Clean(raw)
	if utf8.RuneCountInString(text) < minPageText {
		if cut, _, ok := strings.Cut(raw, "[…]"); ok {
			if i := strings.LastIndexAny(cut, ".؛!؟،"); i > 0 {
				text = arabic.Clean(cut[:i] + ".")
			}
		}
	}
	var paras []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			paras = append(paras, line)
		}
	}
	return paras
}

// page renders the article page of a sample item's link, dated as the
// feed now dates the item, or reports that link is no sample item's.
func (s *SampleFeeds) page(link string) ([]byte, bool) {
	s.mu.Lock()
	p, ok := s.pages[feeds.CanonicalURL(link)]
	published := s.servedDate(link)
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	var b bytes.Buffer
	err := pageTemplate.Execute(&b, struct {
		Title, Image string
		Paragraphs   []string
		Published    time.Time
	}{p.title, p.image, p.paragraphs, published})
	if err != nil {
		panic(err) // the template and its data are ours
	}
	return b.Bytes(), true
}

// servedDate is the date the feeds give the newest copy of link's item,
// zero when none serves it now. s.mu is held.
func (s *SampleFeeds) servedDate(link string) time.Time {
	want := feeds.CanonicalURL(link)
	var newest time.Time
	for _, f := range s.feeds {
		for _, item := range f.served {
			m := linkRE.FindStringSubmatch(item)
			if m == nil || feeds.CanonicalURL(html.UnescapeString(m[1])) != want {
				continue
			}
			if d := pubDate(item); d.After(newest) {
				newest = d
			}
		}
	}
	return newest
}

// sampleLinks answers the sample items' links from their pages and every
// other link through the bot's own reader.
type sampleLinks struct {
	samples *SampleFeeds
	others  ArticleReader
}

func (r sampleLinks) Article(ctx context.Context, pageURL string) (*feeds.Article, error) {
	page, ok := r.samples.page(pageURL)
	if !ok {
		return r.others.Article(ctx, pageURL)
	}
	a, err := feeds.ExtractArticle(page, "text/html; charset=utf-8", pageURL)
	if err != nil {
		return nil, fmt.Errorf("sample page %s: %w", pageURL, err)
	}
	return a, nil
}

// Links is the reader for links people send the bot in local mode: a
// sample item's link (a card's «read» button, say) is answered offline
// from the item's own text; any other goes to others, the bot's guarded
// fetcher.
func (l *Mode) Links(others ArticleReader) ArticleReader {
	return sampleLinks{samples: l.feeds, others: others}
}
