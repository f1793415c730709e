package arabic

import (
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// TestNewsCardsCarryTheLead: on real news (the 24 EASC newspaper articles, every item of
// the four feeds and the LBC article) the card opens with the item's first sentence, cut at
// a clause and marked "…" when it alone is longer than the card, unless that sentence only
// repeats the title, in which case it is not on the card at all.
func TestNewsCardsCarryTheLead(t *testing.T) {
	type item struct{ name, title, text string }
	var items []item
	for _, d := range loadEASC(t) {
		if d.news {
			items = append(items, item{d.topic, "", Clean(TextFromHTML(d.text))})
		}
	}
	for i, h := range headlineItems(t) {
		items = append(items, item{fmt.Sprintf("news item %d", i+1), h.title, h.text})
	}
	const budget = 400
	cut, repeats := 0, 0
	for _, it := range items {
		var first string
		for _, s := range Sentences(it.text) {
			if len(Terms(s)) > 0 {
				first = s
				break
			}
		}
		if first == "" {
			continue
		}
		card := Summarize(it.title, it.text, Budget{Chars: budget, Sentences: 3})
		if repeatsTitle(first, it.title) {
			repeats++
			if slices.Contains(card, first) {
				t.Errorf("%s: the card carries the first sentence, which only repeats the title %q", it.name, it.title)
			}
			continue
		}
		switch {
		case len(card) == 0:
			t.Errorf("%s: empty card, want it to open with %q", it.name, first)
		case card[0] == first:
		case strings.HasSuffix(card[0], "…") && len([]rune(first)) > budget &&
			strings.HasPrefix(first, strings.TrimSuffix(card[0], "…")):
			cut++
			if len(card) > 1 {
				t.Errorf("%s: a cut lead fills the card, yet %d more sentences follow", it.name, len(card)-1)
			}
		default:
			t.Errorf("%s: card %q does not open with the first sentence %q", it.name, card, first)
		}
	}
	t.Logf("%d news items: %d cards open with the lead cut to fit, %d leads only repeat their title", len(items), cut, repeats)
	if cut == 0 {
		t.Error("no lead was long enough to be cut: the test no longer covers that case")
	}
}

// repeatsTitle is the rule by which Summarize skips a sentence: at least 80% of its
// distinct terms are in the title.
func repeatsTitle(s, title string) bool {
	if title == "" {
		return false
	}
	in := map[string]bool{}
	for _, t := range Terms(title) {
		in[t] = true
	}
	distinct := map[string]bool{}
	for _, t := range Terms(s) {
		distinct[t] = true
	}
	n := 0
	for t := range distinct {
		if in[t] {
			n++
		}
	}
	return len(distinct) > 0 && float64(n) >= 0.8*float64(len(distinct))
}
