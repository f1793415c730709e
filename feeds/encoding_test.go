package feeds

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
)

var update = flag.Bool("update", false, "rewrite golden and generated files under testdata")

// generatedFile is a legacy-encoded test file made from a real UTF-8
// fixture. TestGeneratedFiles rebuilds each one and fails when the
// committed copy differs; go test -run TestGeneratedFiles -update rewrites
// them.
type generatedFile struct {
	out, src string
	cm       *charmap.Charmap
	rewrite  func(string) string // applied to the UTF-8 text before encoding
}

var (
	xmlDecl      = regexp.MustCompile(`^<\?xml[^>]*\?>\s*`)
	metaCharset  = regexp.MustCompile(`<meta charset="utf-8">`)
	arabicDigitR = strings.NewReplacer("٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9")
)

func generatedFiles() []generatedFile {
	return []generatedFile{
		{
			out: "testdata/feeds/cnn-arabic.windows-1256.xml", src: "testdata/feeds/cnn-arabic.xml", cm: charmap.Windows1256,
			rewrite: func(s string) string {
				return strings.Replace(s, "encoding='UTF-8'", "encoding='windows-1256'", 1)
			},
		},
		{
			// No declaration at all: only the HTTP charset says ISO-8859-6.
			out: "testdata/feeds/cnn-arabic.iso-8859-6.nodecl.xml", src: "testdata/feeds/cnn-arabic.xml", cm: charmap.ISO8859_6,
			rewrite: func(s string) string { return xmlDecl.ReplaceAllString(s, "") },
		},
		{
			// Neither code page has Arabic-Indic digits; the date goes ASCII.
			out: "testdata/articles/skynewsarabia.windows-1256.html", src: "testdata/articles/skynewsarabia_article.html", cm: charmap.Windows1256,
			rewrite: func(s string) string {
				return arabicDigitR.Replace(metaCharset.ReplaceAllString(s, `<meta charset="windows-1256">`))
			},
		},
		{
			out: "testdata/articles/skynewsarabia.iso-8859-6.nometa.html", src: "testdata/articles/skynewsarabia_article.html", cm: charmap.ISO8859_6,
			rewrite: func(s string) string { return arabicDigitR.Replace(metaCharset.ReplaceAllString(s, "")) },
		},
	}
}

// encodeStrict encodes s with cm and fails on any rune cm cannot hold, so
// a generated file never silently loses text.
func encodeStrict(t *testing.T, cm *charmap.Charmap, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, r := range s {
		if r < 0x80 {
			b.WriteByte(byte(r))
			continue
		}
		c, ok := cm.EncodeRune(r)
		if !ok {
			t.Fatalf("%v cannot encode %q", cm, r)
		}
		b.WriteByte(c)
	}
	return b.Bytes()
}

func TestGeneratedFiles(t *testing.T) {
	for _, g := range generatedFiles() {
		t.Run(filepath.Base(g.out), func(t *testing.T) {
			src := readFile(t, g.src)
			want := encodeStrict(t, g.cm, g.rewrite(string(src)))
			if *update {
				if err := os.WriteFile(g.out, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := readFile(t, g.out)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from a fresh encoding of %s; run go test -run TestGeneratedFiles -update", g.out, g.src)
			}
		})
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func titles(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

// TestLegacyArabicFeeds checks that windows-1256 and ISO-8859-6 feeds give
// exactly the titles of the UTF-8 original, whether the encoding is
// declared in the XML, given only by HTTP, or not given at all.
func TestLegacyArabicFeeds(t *testing.T) {
	orig, err := Parse(Source{ID: "cnn"}, readFile(t, "testdata/feeds/cnn-arabic.xml"), "https://arabic.cnn.com/")
	if err != nil {
		t.Fatal(err)
	}
	want := titles(orig)
	if len(want) != 10 {
		t.Fatalf("UTF-8 original has %d items, want 10", len(want))
	}
	tests := map[string]struct {
		file, httpCharset string
	}{
		"windows-1256 declared":                      {"testdata/feeds/cnn-arabic.windows-1256.xml", ""},
		"windows-1256 declared, HTTP says so too":    {"testdata/feeds/cnn-arabic.windows-1256.xml", "windows-1256"},
		"windows-1256 declared, HTTP wrongly latin1": {"testdata/feeds/cnn-arabic.windows-1256.xml", "iso-8859-1"},
		"iso-8859-6 undeclared, HTTP charset":        {"testdata/feeds/cnn-arabic.iso-8859-6.nodecl.xml", "iso-8859-6"},
		"iso-8859-6 undeclared, HTTP label arabic":   {"testdata/feeds/cnn-arabic.iso-8859-6.nodecl.xml", "arabic"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pf, err := parseFeed(Source{ID: "cnn"}, readFile(t, tc.file), "https://arabic.cnn.com/", tc.httpCharset)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, titles(pf.items)); diff != "" {
				t.Errorf("titles mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUndeclaredLegacyDetected covers bytes with no declaration and no HTTP
// charset: statistical detection (gogs/chardet) must find an Arabic code
// page for Arabic and a Hebrew one for the feedparser windows-1255 file.
func TestUndeclaredLegacyDetected(t *testing.T) {
	w1256 := xmlDecl.ReplaceAll(readFile(t, "testdata/feeds/cnn-arabic.windows-1256.xml"), nil)
	orig, err := Parse(Source{}, readFile(t, "testdata/feeds/cnn-arabic.xml"), "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(Source{}, w1256, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(titles(orig), titles(got)); diff != "" {
		t.Errorf("undeclared windows-1256 titles mismatch (-want +got):\n%s", diff)
	}

	// The Hebrew item has only a description, so Parse drops it; check the
	// decoding itself.
	out, name, err := toUTF8(readFile(t, "testdata/feeds/windows1255.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if name != "windows-1255" && name != "iso-8859-8" && name != "iso-8859-8-i" {
		t.Errorf("windows1255.xml detected as %s, want a Hebrew code page", name)
	}
	if !strings.Contains(string(out), "ש") {
		t.Errorf("decoded windows1255.xml has no Hebrew shin: %.200q", out)
	}
}

// TestGofeedAloneWithCharsets records what gofeed does without our
// decoding step: it honours an XML encoding declaration (through
// x/net/html/charset) but cannot know an HTTP-only charset, which is why
// FetchFeed converts to UTF-8 first.
func TestGofeedAloneWithCharsets(t *testing.T) {
	orig, err := Parse(Source{}, readFile(t, "testdata/feeds/cnn-arabic.xml"), "")
	if err != nil {
		t.Fatal(err)
	}
	fp := gofeed.NewParser()
	declared, err := fp.Parse(bytes.NewReader(readFile(t, "testdata/feeds/cnn-arabic.windows-1256.xml")))
	if err != nil {
		t.Fatalf("gofeed on declared windows-1256: %v", err)
	}
	if got, want := PlainText(declared.Items[0].Title), orig[0].Title; got != want {
		t.Errorf("gofeed declared windows-1256 title = %q, want %q", got, want)
	}
	undeclared, err := fp.Parse(bytes.NewReader(readFile(t, "testdata/feeds/cnn-arabic.iso-8859-6.nodecl.xml")))
	if err == nil && len(undeclared.Items) > 0 && PlainText(undeclared.Items[0].Title) == orig[0].Title {
		t.Errorf("gofeed decoded undeclared ISO-8859-6 by itself; the HTTP charset step may be redundant")
	}
}

func TestLegacyArabicPages(t *testing.T) {
	orig, err := ExtractArticle(readFile(t, "testdata/articles/skynewsarabia_article.html"), "text/html; charset=utf-8", "https://www.skynewsarabia.com/middle-east/1")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct{ file, contentType string }{
		"windows-1256 meta":                {"testdata/articles/skynewsarabia.windows-1256.html", "text/html"},
		"iso-8859-6 HTTP charset, no meta": {"testdata/articles/skynewsarabia.iso-8859-6.nometa.html", "text/html; charset=ISO-8859-6"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, err := ExtractArticle(readFile(t, tc.file), tc.contentType, "https://www.skynewsarabia.com/middle-east/1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(orig.Text, a.Text); diff != "" {
				t.Errorf("text mismatch (-want +got):\n%s", diff)
			}
			if a.Title != orig.Title {
				t.Errorf("title = %q, want %q", a.Title, orig.Title)
			}
		})
	}
}

// TestFetchFeedHTTPCharset serves undeclared ISO-8859-6 feeds with the
// charset only in Content-Type, end to end through FetchFeed. The short
// feed matters: detection alone calls "خبر" in ISO-8859-6 Shift_JIS.
func TestFetchFeedHTTPCharset(t *testing.T) {
	orig, err := Parse(Source{}, readFile(t, "testdata/feeds/cnn-arabic.xml"), "")
	if err != nil {
		t.Fatal(err)
	}
	short := `<rss version="2.0"><channel><item><title>خبر</title></item></channel></rss>`
	tests := map[string]struct {
		body []byte
		want []string
	}{
		"cnn feed":       {readFile(t, "testdata/feeds/cnn-arabic.iso-8859-6.nodecl.xml"), titles(orig)},
		"one-word title": {encodeStrict(t, charmap.ISO8859_6, short), []string{"خبر"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml; charset=ISO-8859-6")
				_, _ = w.Write(tc.body)
			}))
			defer srv.Close()
			res, err := localFetcher(FetcherOptions{}).FetchFeed(t.Context(), Source{URL: srv.URL}, Validators{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, titles(res.Items)); diff != "" {
				t.Errorf("titles mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestToUTF8(t *testing.T) {
	arabic := "عاجل: اجتماع في دمشق"
	w1256 := string(encodeStrict(t, charmap.Windows1256, arabic))
	tests := map[string]struct {
		in       string
		labels   []string
		want     string
		wantName string
	}{
		"ascii":                               {"plain", nil, "plain", "utf-8"},
		"utf-8 BOM stripped":                  {"\xef\xbb\xbf" + arabic, nil, arabic, "utf-8"},
		"utf-16le BOM":                        {"\xff\xfe" + "a\x00b\x00", nil, "ab", "utf-16le"},
		"valid utf-8 beats legacy label":      {arabic, []string{"windows-1256"}, arabic, "utf-8"},
		"label used for legacy bytes":         {w1256, []string{"windows-1256"}, arabic, "windows-1256"},
		"first usable label wins":             {w1256, []string{"", "nonsense", "cp1256", "iso-8859-1"}, arabic, "windows-1256"},
		"utf-8 label on legacy bytes skipped": {w1256, []string{"utf-8", "windows-1256"}, arabic, "windows-1256"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, gotName, err := toUTF8([]byte(tc.in), tc.labels...)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want || gotName != tc.wantName {
				t.Errorf("toUTF8 = %q, %s; want %q, %s", got, gotName, tc.want, tc.wantName)
			}
		})
	}
}
