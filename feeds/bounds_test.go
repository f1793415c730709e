package feeds

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// manyItems is an RSS feed of n items, oldest first (an appending feed):
// item i has guid "g<i>" and is published i minutes after oldest, except
// those in undated, which have no date.
func manyItems(n int, oldest time.Time, undated ...int) []byte {
	skip := map[int]bool{}
	for _, i := range undated {
		skip[i] = true
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>`)
	for i := range n {
		date := ""
		if !skip[i] {
			date = "<pubDate>" + oldest.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z) + "</pubDate>"
		}
		fmt.Fprintf(&b, "<item><title>خبر %d</title><guid>g%d</guid>%s</item>\n", i, i, date)
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

// TestParseKeepsNewestMaxItems: a feed longer than MaxItems gives its
// MaxItems newest items, in feed order, wherever they are in the document;
// undated items count as newest (the poller dates them when it sees them).
func TestParseKeepsNewestMaxItems(t *testing.T) {
	const n = MaxItems + 50
	oldest := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	items, err := Parse(Source{ID: "s"}, manyItems(n, oldest, 3), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != MaxItems {
		t.Fatalf("%d items, want %d", len(items), MaxItems)
	}
	// Kept: the undated g3, then the MaxItems-1 newest, g51 … g249.
	want := []string{"g3"}
	for i := n - MaxItems + 1; i < n; i++ {
		want = append(want, fmt.Sprintf("g%d", i))
	}
	for i, it := range items {
		if it.GUID != want[i] {
			t.Fatalf("item %d is %s, want %s (the newest, in feed order)", i, it.GUID, want[i])
		}
	}
	pf, err := parseFeed(Source{}, manyItems(n, oldest), "", "")
	if err != nil || pf.total != n || len(pf.items) != MaxItems {
		t.Fatalf("parseFeed: total %d, %d items, %v; want %d, %d", pf.total, len(pf.items), err, n, MaxItems)
	}
}

// TestParseBoundsFields: a huge title, content, link, image or GUID is cut
// or dropped before anything stores or logs it; the ID still comes from
// the whole GUID, so it is the same as before the bounds.
func TestParseBoundsFields(t *testing.T) {
	longTitle := strings.Repeat("كلمة ", 100_000)
	longGUID := strings.Repeat("g", 1<<20)
	longURL := "https://news.example/" + strings.Repeat("a", 1<<20)
	content := "<p>" + strings.Repeat("نص الخبر. ", 100_000) + "</p>"
	feed := `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>` +
		longTitle + `</title><item><title>` + longTitle + `</title><guid>` + longGUID + `</guid><link>` + longURL +
		`</link><media:content url="` + longURL + `.jpg" medium="image"/><description><![CDATA[` + content + `]]></description></item></channel></rss>`
	pf, err := parseFeed(Source{}, []byte(feed), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.items) != 1 {
		t.Fatalf("%d items, want 1", len(pf.items))
	}
	it := pf.items[0]
	if n := utf8.RuneCountInString(it.Title); n > MaxTitleRunes || !strings.HasSuffix(it.Title, "…") || !strings.HasPrefix(it.Title, "كلمة كلمة") {
		t.Errorf("title of %d runes %q…, want at most %d, cut with …", n, it.Title[:40], MaxTitleRunes)
	}
	if n := utf8.RuneCountInString(pf.title); n > MaxTitleRunes {
		t.Errorf("feed title of %d runes", n)
	}
	if len(it.Content) > MaxContentBytes || !utf8.ValidString(it.Content) || !strings.HasPrefix(it.Content, "<p>نص الخبر.") {
		t.Errorf("content of %d bytes (valid UTF-8 %v), want at most %d", len(it.Content), utf8.ValidString(it.Content), MaxContentBytes)
	}
	if it.Link != "" || it.Image != "" {
		t.Errorf("link of %d bytes and image of %d kept, want both dropped", len(it.Link), len(it.Image))
	}
	if len(it.GUID) != MaxURLBytes {
		t.Errorf("guid of %d bytes, want cut to %d", len(it.GUID), MaxURLBytes)
	}
	if want := ItemID(longGUID, "", "", time.Time{}); it.ID != want {
		t.Errorf("ID %s, want %s (from the whole GUID)", it.ID, want)
	}
}

// TestTruncate: cut at a word near the end, never inside a rune.
func TestTruncate(t *testing.T) {
	tests := map[string]struct {
		in   string
		n    int
		want string
	}{
		"short":         {"خبر عاجل", 10, "خبر عاجل"},
		"exact":         {"خبر", 3, "خبر"},
		"at a word":     {"خبر عاجل جدا", 10, "خبر عاجل…"},
		"one long word": {"abcdefghij", 5, "abcd…"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := truncate(tc.in, tc.n); got != tc.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
	if got := cutBytes("خبر", 3); got != "خ" {
		t.Errorf("cutBytes cut inside a rune: %q", got)
	}
}

// BenchmarkParseHugeFeed parses 200,000 small items (about 20 MB), the
// shape of a hostile or broken feed: the cost must be one pass of the XML
// parser, not work per item.
func BenchmarkParseHugeFeed(b *testing.B) {
	body := manyItems(200_000, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		items, err := Parse(Source{ID: "huge"}, body, "")
		if err != nil || len(items) != MaxItems {
			b.Fatalf("Parse: %d items, %v", len(items), err)
		}
	}
}
