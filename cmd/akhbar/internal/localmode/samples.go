package localmode

import (
	"embed"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed sample/*.xml
var sampleFS embed.FS

// SampleFiles is the bundled sample feeds, under sample/.
func SampleFiles() fs.FS { return sampleFS }

// SampleFeeds serves the bundled feeds, holding back the newest items of
// each and revealing them one at a time, so local mode shows news arriving
// (the first poll of a source only records what is there). Once a feed's
// held-back items are out it goes on with its items again, oldest first,
// each under a new GUID (so the bot takes it for news) and dated the
// moment it appears: the demo never runs out of news.
type SampleFeeds struct {
	mu    sync.Mutex
	feeds map[string]*sampleFeed
	names []string
	next  int
	now   func() time.Time // set by redate
	// pages are the items' article pages, by canonical link (Article).
	pages map[string]samplePage
}

type sampleFeed struct {
	head, tail string
	items      []string // the bundled items, oldest first
	served     []string // what the feed holds now, oldest first; at most len(items)
	next       int      // reveals so far plus the items shown from the start
	rev        int      // changes so far: the ETag
}

var (
	itemRE    = regexp.MustCompile(`(?s)\s*<item>.*?</item>`)
	pubDateRE = regexp.MustCompile(`<pubDate>([^<]+)</pubDate>`)
	linkRE    = regexp.MustCompile(`<link>([^<]+)</link>`)
	guidRE    = regexp.MustCompile(`(<guid[^>]*>)([^<]*)(</guid>)`)
)

// NewSampleFeeds serves the bundled feeds, each holding back its holdBack
// newest items (keeping at least one).
func NewSampleFeeds(holdBack int) (*SampleFeeds, error) {
	entries, err := sampleFS.ReadDir("sample")
	if err != nil {
		return nil, err
	}
	s := &SampleFeeds{feeds: map[string]*sampleFeed{}, pages: map[string]samplePage{}}
	for _, e := range entries {
		data, err := sampleFS.ReadFile("sample/" + e.Name())
		if err != nil {
			return nil, err
		}
		text := string(data)
		locs := itemRE.FindAllStringIndex(text, -1)
		if len(locs) == 0 {
			continue
		}
		if err := s.addPages(e.Name(), data); err != nil {
			return nil, err
		}
		f := &sampleFeed{head: text[:locs[0][0]], tail: text[locs[len(locs)-1][1]:]}
		for _, loc := range locs {
			f.items = append(f.items, text[loc[0]:loc[1]])
		}
		sort.SliceStable(f.items, func(i, j int) bool { return pubDate(f.items[i]).Before(pubDate(f.items[j])) })
		f.next = max(len(f.items)-holdBack, 1)
		f.served = slices.Clone(f.items[:f.next])
		s.feeds[e.Name()] = f
		s.names = append(s.names, e.Name())
	}
	sort.Strings(s.names)
	return s, nil
}

func pubDate(item string) time.Time {
	if m := pubDateRE.FindStringSubmatch(item); m != nil {
		if t, err := time.Parse(time.RFC1123Z, strings.TrimSpace(m[1])); err == nil {
			return t
		}
	}
	return time.Time{}
}

// redate moves the items to the present: each feed's shown items, in
// their order, 40 minutes apart up to five minutes ago, and every item
// revealed later dated the moment it appears. The bundled feeds were
// captured on fixed dates; as they age, local mode's cards would show
// months-old times, and /search and inline mode, which look a week back,
// would find nothing.
func (s *SampleFeeds) redate(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
	anchor := now().Add(-5 * time.Minute)
	for _, f := range s.feeds {
		for i := range f.served {
			f.served[i] = withPubDate(f.served[i], anchor.Add(-time.Duration(len(f.served)-1-i)*40*time.Minute))
		}
		f.rev++
	}
}

func withPubDate(item string, t time.Time) string {
	return pubDateRE.ReplaceAllLiteralString(item, "<pubDate>"+t.Format(time.RFC1123Z)+"</pubDate>")
}

// withRound gives an item's GUID the round it appears in: the same story,
// told again, is a new item to the bot.
func withRound(item string, round int) string {
	return guidRE.ReplaceAllString(item, "${1}${2}#akhbar-round-"+strconv.Itoa(round)+"${3}")
}

// RevealNext adds one item to one feed, taking the feeds in turn: a
// held-back item, or once they are out an item again under a new GUID. ok
// is false only when there are no feeds.
func (s *SampleFeeds) RevealNext() (feed, title string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.names) == 0 {
		return "", "", false
	}
	name := s.names[s.next%len(s.names)]
	s.next++
	f := s.feeds[name]
	item := f.items[f.next%len(f.items)]
	if round := f.next / len(f.items); round > 0 {
		item = withRound(item, round)
	}
	if s.now != nil {
		item = withPubDate(item, s.now())
	}
	f.next++
	f.rev++
	f.served = append(f.served, item)
	if extra := len(f.served) - len(f.items); extra > 0 {
		// A feed carries its newest items; the bot has seen the rest.
		f.served = slices.Delete(f.served, 0, extra)
	}
	title = item
	if i := strings.Index(item, "<title>"); i >= 0 {
		title = item[i+7:]
		if j := strings.Index(title, "</title>"); j >= 0 {
			title = title[:j]
		}
	}
	return name, title, true
}

func (s *SampleFeeds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	f, ok := s.feeds[name]
	var body, etag string
	if ok {
		body = f.head + strings.Join(f.served, "") + f.tail
		etag = `"` + strconv.Itoa(f.rev) + `"`
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	_, _ = io.WriteString(w, body)
}
