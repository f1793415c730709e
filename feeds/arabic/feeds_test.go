package arabic

import (
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// feedItem is the part of an RSS item the card uses.
type feedItem struct {
	Title       string `xml:"title"`
	Description string `xml:"description"`
	Content     string `xml:"encoded"`
}

// loadFeed reads the items of one RSS file in testdata/feeds.
func loadFeed(t testing.TB, name string) []feedItem {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	var rss struct {
		Items []feedItem `xml:"channel>item"`
	}
	if err := xml.Unmarshal(data, &rss); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	if len(rss.Items) == 0 {
		t.Fatalf("%s: no items", name)
	}
	return rss.Items
}

var feedFiles = []string{"cnn-arabic.xml", "asharq-al-awsat.xml", "arabi21.xml", "hespress.xml"}

// card is the bot's card text path.
func card(title, content string) (string, []string) {
	t := CleanTitle(title)
	return t, Summarize(t, Clean(TextFromHTML(content)), Budget{Chars: 400, Sentences: 3})
}

// golden compares got with testdata/golden/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// TestFeedCards runs the card path over every item of the real feeds: the cards are in a
// golden file for review, and nothing that must not reach a card does.
func TestFeedCards(t *testing.T) {
	banned := []string{"The post", "appeared first on", "[…]", "[...]", "نسخ رابط", "اقرأ أيضا", "يكتب ", "\u200f", "\u202b", "\u200c"}
	for _, name := range feedFiles {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			for i, it := range loadFeed(t, name) {
				content := it.Content
				if content == "" {
					content = it.Description
				}
				title, sents := card(it.Title, content)
				text := strings.Join(sents, " ")
				fmt.Fprintf(&b, "## %d %s\n%s\n\n", i+1, title, text)
				if len(sents) == 0 && !strings.Contains(content, "[…]") {
					t.Errorf("item %d %q: empty summary", i+1, title)
				}
				if n := len([]rune(text)); n > 400 {
					t.Errorf("item %d: %d chars, want ≤ 400", i+1, n)
				}
				for _, bad := range banned {
					if strings.Contains(text, bad) || strings.Contains(title, bad) {
						t.Errorf("item %d: card contains %q: %q / %q", i+1, bad, title, text)
					}
				}
				if strings.HasSuffix(text, "…") {
					t.Errorf("item %d: excerpt tail reached the card: %q", i+1, text)
				}
			}
			golden(t, "cards-"+strings.TrimSuffix(name, ".xml")+".md", b.String())
		})
	}
}

// TestEASCNewsCards keeps the cards of the 24 EASC newspaper articles (hard-wrapped Alrai
// and Alwatan text) in a golden file for review: whole sentences, re-joined lines, no
// dateline.
func TestEASCNewsCards(t *testing.T) {
	var b strings.Builder
	for _, d := range loadEASC(t) {
		if !d.news {
			continue
		}
		sents := Summarize("", Clean(d.text), Budget{Chars: 400, Sentences: 3})
		text := strings.Join(sents, " ")
		fmt.Fprintf(&b, "## %s\n%s\n\n", d.topic, text)
		if strings.Contains(text, "\n") {
			t.Errorf("%s: card sentence spans a line break: %q", d.topic, text)
		}
		if len(sents) == 0 {
			t.Errorf("%s: empty card", d.topic)
		}
	}
	golden(t, "cards-easc-news.md", b.String())
}
