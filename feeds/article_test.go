package feeds

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

const lbcURL = "https://www.lbcgroup.tv/news/lifestyle/898682/%D8%B4%D8%B9%D8%B1-%D9%88%D8%B1%D8%AF%D9%8A/ar"

func lbcPage(t testing.TB) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(readFile(t, "testdata/articles/LBCGroup_2026_01_08.html.gz")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lbcParagraphs are fundus's expected body paragraphs for the LBC page.
func lbcParagraphs(t *testing.T) []string {
	var exp struct {
		V1 struct {
			Body struct {
				Sections []struct{ Paragraphs []string }
			}
		}
	}
	if err := json.Unmarshal(readFile(t, "testdata/articles/LBCGroup.json"), &exp); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range exp.V1.Body.Sections {
		out = append(out, s.Paragraphs...)
	}
	if len(out) == 0 {
		t.Fatal("no expected paragraphs in LBCGroup.json")
	}
	return out
}

func TestExtractArticleLBC(t *testing.T) {
	a, err := ExtractArticle(lbcPage(t), "text/html; charset=utf-8", lbcURL)
	if err != nil {
		t.Fatal(err)
	}
	// The body is exactly fundus's paragraphs, one per line: nothing of the
	// tags, next/previous, subscribe box, view counter or reading time.
	if diff := cmp.Diff(lbcParagraphs(t), strings.Split(a.Text, "\n")); diff != "" {
		t.Errorf("paragraphs mismatch (-want +got):\n%s", diff)
	}
	for _, chrome := range []string{"التالي", "السابق", "إشترك", "مشاهدات عالية", "2min", "حمل الآن تطبيق", "منوعات"} {
		if strings.Contains(a.Text, chrome) {
			t.Errorf("chrome %q leaked into text", chrome)
		}
	}
	want := Article{
		URL:       lbcURL,
		Title:     `"شعر وردي يُشعل السخرية"… لغز لون شعر دونالد ترامب يربك الجمهور وخبير يشرح السبب`,
		Image:     "https://www.lbcgroup.tv/uploadImages/DocumentImages/Doc-T-898682-639034694734466983.jpg",
		SiteName:  "LBCI Lebanon",
		Lang:      "ar",
		Published: time.Date(2026, 1, 8, 11, 42, 50, 0, time.UTC),
	}
	got := *a
	got.Text = ""
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metadata mismatch (-want +got):\n%s", diff)
	}
}

func TestExtractArticleSkyNews(t *testing.T) {
	a, err := ExtractArticle(readFile(t, "testdata/articles/skynewsarabia_article.html"), "", "https://www.skynewsarabia.com/middle-east/1")
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{
		"أهلاً بكم في سوريا الجديدة", // the fetch_util spec's phrase
		"قال الرئيس السوري، أحمد الشرع، الثلاثاء",
		"وقال الشرع إن مدن سوريا الصناعية جاهزة لتكون منصة انطلاق للمصانع الفرنسية",
	} {
		if !strings.Contains(a.Text, must) {
			t.Errorf("text lacks %q", must)
		}
	}
	for _, chrome := range []string{"أخبار ذات صلة", "شارك الخبر", "دوي انفجارات", "تحميل تطبيق", "كافة العلامات التجارية"} {
		if strings.Contains(a.Text, chrome) {
			t.Errorf("chrome %q leaked into text:\n%s", chrome, a.Text)
		}
	}
	if got, want := a.Title, "الشرع: نؤسس لشراكة تقوم على المصالح المتبادلة مع فرنسا"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	// The date is written in Arabic-Indic digits: ٢٠٢٦-٠٧-٠٧T١٤:٣٠:٠٠+٠٣:٠٠.
	if got, want := a.Published, time.Date(2026, 7, 7, 11, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("published = %v, want %v", got, want)
	}
	if a.Lang != "ar" {
		t.Errorf("lang = %q, want ar", a.Lang)
	}
}

// TestExtractArticleRTL uses mozilla/readability's rtl-1 page: the text
// must be the expected article's paragraphs.
func TestExtractArticleRTL(t *testing.T) {
	a, err := ExtractArticle(readFile(t, "testdata/articles/rtl-1/source.html"), "text/html", "http://fakehost/test/page.html")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(readFile(t, "testdata/articles/rtl-1/expected.html")))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "p" || n.Data == "h2") {
			var b strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			want = append(want, foldSpace(b.String()))
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if diff := cmp.Diff(want, strings.Split(a.Text, "\n")); diff != "" {
		t.Errorf("paragraphs mismatch (-want +got):\n%s", diff)
	}
}

func TestExtractArticleImage(t *testing.T) {
	tests := map[string]struct{ head, want string }{
		"og:image":           {`<meta property="og:image" content="/img/og.jpg">`, "https://news.example/img/og.jpg"},
		"og:image:secure":    {`<meta property="og:image:secure_url" content="https://cdn.example/s.jpg">`, "https://cdn.example/s.jpg"},
		"javascript refused": {`<meta property="og:image" content="javascript:alert(1)">`, ""},
		"none":               {``, ""},
	}
	body := `<article><p>` + strings.Repeat("هذه فقرة طويلة بما يكفي ليعدها المحلل نصاً رئيسياً للمقال. ", 10) + `</p></article>`
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			page := `<html lang="ar"><head><title>عنوان</title>` + tc.head + `</head><body>` + body + `</body></html>`
			a, err := ExtractArticle([]byte(page), "text/html", "https://news.example/a/b")
			if err != nil {
				t.Fatal(err)
			}
			if a.Image != tc.want {
				t.Errorf("image = %q, want %q", a.Image, tc.want)
			}
		})
	}
}

func TestExtractArticleEmpty(t *testing.T) {
	for _, page := range []string{"", "<html><body></body></html>", "<html><body><p>   </p><p>12 34</p></body></html>"} {
		if _, err := ExtractArticle([]byte(page), "text/html", "https://e.com/"); !errors.Is(err, ErrNoArticle) {
			t.Errorf("ExtractArticle(%q) err = %v, want ErrNoArticle", page, err)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := map[string]time.Time{
		"٢٠٢٦-٠٧-٠٧T١٤:٣٠:٠٠+٠٣:٠٠":     time.Date(2026, 7, 7, 11, 30, 0, 0, time.UTC),
		"۲۰۲۶-۰۱-۰۸":                    time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC),
		"2026-01-08T12:42:50+02:00":     time.Date(2026, 1, 8, 10, 42, 50, 0, time.UTC),
		"2026-01-08 12:42:50":           time.Date(2026, 1, 8, 12, 42, 50, 0, time.UTC),
		"Thu, 08 Jan 2026 12:42:50 GMT": time.Date(2026, 1, 8, 12, 42, 50, 0, time.UTC),
	}
	for in, want := range tests {
		got, ok := parseDate(in)
		if !ok || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := parseDate("yesterday"); ok {
		t.Error(`parseDate("yesterday") ok, want failure`)
	}
}
