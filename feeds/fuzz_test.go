package feeds

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse. Seeds are the feed fixtures up
// to 16 KiB plus testdata/fuzz/FuzzParse. Parse must not panic, and every item it
// returns must have a unique 64-hex ID, a valid UTF-8 title, something to
// identify it and a UTC time.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/feeds/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		// Large seeds slow the mutator to a crawl; the small fixtures
		// already cover every format and encoding path.
		if b := readFile(f, file); len(b) <= 16<<10 {
			f.Add(b, "https://example.com/feed")
		}
	}
	f.Add([]byte(`<rss version="2.0"><channel><item><guid>a</guid></item><item><guid>a</guid></item></channel></rss>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"&lt;b&gt;x"}]}`), "::bad base")
	f.Fuzz(func(t *testing.T, body []byte, base string) {
		items, err := Parse(Source{ID: "fuzz"}, body, base)
		if err != nil {
			return
		}
		if len(items) > MaxItems {
			t.Fatalf("%d items, more than MaxItems", len(items))
		}
		seen := map[string]bool{}
		for i, it := range items {
			if n := utf8.RuneCountInString(it.Title); n > MaxTitleRunes {
				t.Fatalf("item %d: title of %d runes", i, n)
			}
			if len(it.Content) > MaxContentBytes || len(it.Link) > MaxURLBytes || len(it.Image) > MaxURLBytes || len(it.GUID) > MaxURLBytes {
				t.Fatalf("item %d: a field over its bound: content %d, link %d, image %d, guid %d bytes",
					i, len(it.Content), len(it.Link), len(it.Image), len(it.GUID))
			}
			if !hex64.MatchString(it.ID) {
				t.Fatalf("item %d: ID %q is not 64 hex digits", i, it.ID)
			}
			if seen[it.ID] {
				t.Fatalf("item %d: duplicate ID %s", i, it.ID)
			}
			seen[it.ID] = true
			if !utf8.ValidString(it.Title) {
				t.Fatalf("item %d: title %q is not valid UTF-8", i, it.Title)
			}
			if it.GUID == "" && it.Link == "" && it.Title == "" {
				t.Fatalf("item %d has neither GUID, link nor title", i)
			}
			if it.Published.Location().String() != "UTC" {
				t.Fatalf("item %d: published %v not in UTC", i, it.Published)
			}
		}
	})
}

// BenchmarkParse parses a real Arabic feed (Asharq Al-Awsat, 15 items).
func BenchmarkParse(b *testing.B) {
	body := readFile(b, "testdata/feeds/asharq-al-awsat.xml")
	src := Source{ID: "aawsat", Topics: []string{"أخبار"}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		items, err := Parse(src, body, "https://aawsat.com/feed")
		if err != nil || len(items) != 15 {
			b.Fatalf("Parse: %d items, %v", len(items), err)
		}
	}
}

// BenchmarkParseWindows1256 measures the legacy-charset path on the same
// kind of feed (CNN Arabic, 10 items, declared windows-1256).
func BenchmarkParseWindows1256(b *testing.B) {
	body := readFile(b, "testdata/feeds/cnn-arabic.windows-1256.xml")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(Source{}, body, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractArticle extracts the real LBC page (about 300 KB).
func BenchmarkExtractArticle(b *testing.B) {
	page := lbcPage(b)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ExtractArticle(page, "text/html; charset=utf-8", lbcURL); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzExtractArticle: arbitrary bytes as an HTML page must not panic, and
// any article returned has non-empty valid UTF-8 text without blank lines
// and only an http(s) image.
func FuzzExtractArticle(f *testing.F) {
	f.Add(readFile(f, "testdata/articles/skynewsarabia_article.html"), "text/html; charset=utf-8")
	f.Add(readFile(f, "testdata/articles/skynewsarabia.windows-1256.html"), "text/html")
	f.Add(readFile(f, "testdata/articles/rtl-1/source.html"), "")
	f.Add([]byte(`<html><head><meta property="og:image" content="javascript:x"><meta charset="x-unknown"></head><body><p>نص `+"\xff"+`</p></body></html>`), "text/html; charset=bogus")
	f.Fuzz(func(t *testing.T, page []byte, contentType string) {
		a, err := ExtractArticle(page, contentType, "https://news.example/a/1")
		if err != nil {
			return
		}
		if a.Text == "" || !utf8.ValidString(a.Text) || !utf8.ValidString(a.Title) {
			t.Fatalf("bad text %q / title %q", a.Text, a.Title)
		}
		for line := range strings.SplitSeq(a.Text, "\n") {
			if strings.TrimSpace(line) == "" {
				t.Fatalf("blank line in %q", a.Text)
			}
		}
		if a.Image != "" && !strings.HasPrefix(a.Image, "http://") && !strings.HasPrefix(a.Image, "https://") {
			t.Fatalf("image %q is not http(s)", a.Image)
		}
	})
}
