package localmode

import (
	"context"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
)

// elsewhere is the bot's own reader in these tests: it records the links
// it is asked for and reads none.
type elsewhere struct{ asked []string }

var errOffline = errors.New("offline")

func (e *elsewhere) Article(_ context.Context, link string) (*feeds.Article, error) {
	e.asked = append(e.asked, link)
	return nil, errOffline
}

// TestSampleLinksReadOffline: in local mode a sample item's link (a card's
// «read» button, a link copied from the page) is read offline from the
// item's own text, enough of it for the bot's link card (80 characters of
// clean text), titled and dated as the feed now gives the item, even after
// the feeds went round again; any other link goes to the bot's fetcher.
func TestSampleLinksReadOffline(t *testing.T) {
	samples, err := NewSampleFeeds(SampleHeldBack)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 11, 4, 17, 30, 0, 0, time.UTC)
	samples.redate(func() time.Time { return now })
	for range 60 { // past the held-back items: the feeds' second round
		now = now.Add(20 * time.Second)
		samples.RevealNext()
	}
	others := &elsewhere{}
	links := sampleLinks{samples: samples, others: others}
	n := 0
	for _, name := range samples.names {
		for _, it := range serve(t, samples, name) {
			a, err := links.Article(context.Background(), it.Link)
			if err != nil {
				t.Errorf("%s %s: %v", name, it.Link, err)
				continue
			}
			n++
			if text := arabic.Clean(a.Text); utf8.RuneCountInString(text) < 80 {
				t.Errorf("%s %q: %d characters of text, too few for a link card: %q", name, it.Title, utf8.RuneCountInString(text), text)
			}
			if a.Title != it.Title {
				t.Errorf("%s: page titled %q, the item %q", name, a.Title, it.Title)
			}
			if !a.Published.Equal(it.Published) {
				t.Errorf("%s %q: page dated %v, the item %v", name, it.Title, a.Published, it.Published)
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d sample links read", n)
	}
	if len(others.asked) != 0 {
		t.Errorf("sample links sent to the network: %q", others.asked)
	}
	const other = "https://example.com/news/1"
	if _, err := links.Article(context.Background(), other); !errors.Is(err, errOffline) || len(others.asked) != 1 || others.asked[0] != other {
		t.Errorf("another link: err %v, the bot's fetcher asked for %q", err, others.asked)
	}
}
