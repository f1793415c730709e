package feeds

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// goldenItem is the part of an Item a golden file records; Content is
// summarised by length so goldens stay readable.
type goldenItem struct {
	ID, GUID, Link, Title, Image string
	Published                    time.Time
	ContentLen                   int
	ShortLink                    string `json:",omitempty"`
}

type goldenFeed struct {
	Title string
	Items []goldenItem
}

// TestParseGolden parses every feed fixture and compares the result with
// testdata/golden/<name>.json (go test -run TestParseGolden -update).
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/feeds/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		if isGofeedExpected(name) || name == "rss_incomplete_cdata.xml" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			pf, err := parseFeed(Source{ID: "src"}, readFile(t, file), "https://example.com/feeds/index.xml", "")
			if err != nil {
				t.Fatal(err)
			}
			got := goldenFeed{Title: pf.title, Items: []goldenItem{}}
			for _, it := range pf.items {
				got.Items = append(got.Items, goldenItem{it.ID, it.GUID, it.Link, it.Title, it.Image, it.Published, len(it.Content), it.ShortLink})
			}
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, filepath.Ext(name))+".json")
			if *update {
				b, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var want goldenFeed
			if err := json.Unmarshal(readFile(t, golden), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// isGofeedExpected reports gofeed's expected-output files, which sit next
// to their inputs but are not feeds.
func isGofeedExpected(name string) bool {
	if strings.HasSuffix(name, "_expected.json") {
		return true
	}
	if !strings.HasSuffix(name, ".json") {
		return false
	}
	_, err := os.Stat(filepath.Join("testdata", "feeds", strings.TrimSuffix(name, ".json")+".xml"))
	return err == nil
}

func isArabic(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) })
}

// TestParseArabicFeeds checks the four real Arabic feeds field by field.
func TestParseArabicFeeds(t *testing.T) {
	tests := map[string]struct {
		file  string
		count int
		first Item
	}{
		"cnn": {
			file: "cnn-arabic.xml", count: 10,
			first: Item{
				GUID:      "https://arabic.cnn.com/world/article/2026/02/15/obama-michelle-obama-us-elections",
				Link:      "https://arabic.cnn.com/world/article/2026/02/15/obama-michelle-obama-us-elections",
				Title:     `"زوجتي ستطلقني".. أوباما ساخرًا بعد سؤال عن الترشح للرئاسة مرة أخرى`,
				Image:     "https://cnn-arabic-images.cnn.io/cloudinary/image/upload/x_0,y_0,w_7520,h_4230,c_crop/w_1920,h_1080,c_fill,q_auto,g_center/cnnarabic/2026/02/15/images/323362.jpg",
				Published: time.Date(2026, 2, 14, 23, 40, 18, 0, time.UTC),
			},
		},
		"asharq al-awsat": {
			file: "asharq-al-awsat.xml", count: 15,
			first: Item{
				GUID:      "https://aawsat.com/node/5254780",
				Link:      "https://aawsat.com/node/5254780",
				Title:     "تنظيم النسخة الـ12 من «قمرة السينمائي» بقطر افتراضياً بفعل الحرب",
				Image:     "https://static.srpcdigital.com/styles/1200x600/public/2026-03/1454850.jpeg.webp",
				Published: time.Date(2026, 3, 24, 16, 12, 25, 0, time.UTC),
			},
		},
		"arabi21": {
			file: "arabi21.xml", count: 10,
			first: Item{
				GUID:      "https://arabi21.com/story/1724787/%D9%86%D8%AA%D9%86%D9%8A%D8%A7%D9%87%D9%88-%D8%B5%D9%81%D9%82%D8%A9-%D8%A3%D8%B4%D8%A8%D9%87-%D8%A8%D8%A7%D9%84%D9%85%D8%B9%D8%AC%D8%B2%D8%A9",
				Link:      "https://arabi21.com/story/1724787/%D9%86%D8%AA%D9%86%D9%8A%D8%A7%D9%87%D9%88-%D8%B5%D9%81%D9%82%D8%A9-%D8%A3%D8%B4%D8%A8%D9%87-%D8%A8%D8%A7%D9%84%D9%85%D8%B9%D8%AC%D8%B2%D8%A9",
				Title:     "نتنياهو: صفقة أشبه بالمعجزة!",
				Image:     "https://i.arabi21.com/arabi21/467x263/10202513174829877662006.jpg",
				Published: time.Date(2025, 12, 10, 3, 16, 55, 0, time.UTC),
			},
		},
		"hespress": {
			file: "hespress.xml", count: 10,
			first: Item{
				GUID:      "https://www.hespress.com/%d8%a8%d9%8a%d8%aa-%d9%85%d8%a7%d9%84-%d8%a7%d9%84%d9%82%d8%af%d8%b3-%d8%aa%d8%b7%d9%84%d9%82-%d8%ad%d9%85%d9%84%d8%a9-%d8%b1%d9%85%d8%b6%d8%a7%d9%86-1701642.html",
				Link:      "https://www.hespress.com/%d8%a8%d9%8a%d8%aa-%d9%85%d8%a7%d9%84-%d8%a7%d9%84%d9%82%d8%af%d8%b3-%d8%aa%d8%b7%d9%84%d9%82-%d8%ad%d9%85%d9%84%d8%a9-%d8%b1%d9%85%d8%b6%d8%a7%d9%86-1701642.html",
				Title:     `"بيت مال القدس" تطلق حملة رمضان`,
				Image:     "https://i1.hespress.com/wp-content/uploads/2025/03/BMAQ-aides-ramadan.jpg",
				Published: time.Date(2026, 2, 15, 2, 19, 0, 0, time.UTC),
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			src := Source{ID: "ar", Topics: []string{"سياسة"}}
			items, err := Parse(src, readFile(t, "testdata/feeds/"+tc.file), "https://swelbyboy.github.io/prospect-rss-feeds/"+tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tc.count {
				t.Fatalf("items = %d, want %d", len(items), tc.count)
			}
			got := items[0]
			want := tc.first
			want.ID = ItemID(want.GUID, "", "", time.Time{})
			want.SourceID = "ar"
			got.Content = ""
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("first item mismatch (-want +got):\n%s", diff)
			}
			ids := map[string]bool{}
			for i, it := range items {
				if !isArabic(it.Title) {
					t.Errorf("item %d title %q has no Arabic letter", i, it.Title)
				}
				if !strings.HasPrefix(it.Link, "https://") || !strings.HasPrefix(it.Image, "https://") {
					t.Errorf("item %d link %q image %q, want https URLs", i, it.Link, it.Image)
				}
				if !isArabic(it.Content) {
					t.Errorf("item %d content has no Arabic: %.80q", i, it.Content)
				}
				if it.Published.IsZero() || it.Published.Location() != time.UTC {
					t.Errorf("item %d published %v, want a UTC time", i, it.Published)
				}
				if !hex64.MatchString(it.ID) || ids[it.ID] {
					t.Errorf("item %d id %q not a fresh 64-hex id", i, it.ID)
				}
				ids[it.ID] = true
			}
		})
	}
}

// gofeedExpected is the slice of gofeed's expected-output JSON that these
// tests compare: titles and links.
type gofeedExpected struct {
	Title string `json:"title"`
	Items []struct {
		Title string `json:"title"`
		Link  string `json:"link"`
		URL   string `json:"url"`
	} `json:"items"`
}

// TestParseAgainstGofeedExpected compares with gofeed's own expected
// results. Our titles are plain text, so expected titles go through
// PlainText; where that changes them the table says so.
func TestParseAgainstGofeedExpected(t *testing.T) {
	tests := map[string]struct {
		input, expected string
		feedTitle       string // our plain-text feed title
		itemTitles      []string
	}{
		"bare ampersand":        {"issue_305_bare_ampersand.xml", "issue_305_bare_ampersand.json", "Fish & Chips & more <3", nil},
		"legacy entity prefix":  {"issue_320_legacy_entity_prefix.xml", "issue_320_legacy_entity_prefix.json", "?page=1&copy=2;mode=x & done", nil},
		"escaped markup title":  {"rss_channel_item_title_escaped_markup.xml", "rss_channel_item_title_escaped_markup.json", "", []string{"Item Title"}},
		"encoded, no namespace": {"issue_303_encoded_no_namespace.xml", "issue_303_encoded_no_namespace.json", "", []string{"First"}},
		"xml:base":              {"rss_channel_item_xml_base.xml", "rss_channel_item_xml_base.json", "t", []string{"i"}},
		"dublin core":           {"dublincore_item_fields.xml", "dublincore_item_fields.json", "Feed Title", []string{"Item Title"}},
		"json feed 1.1":         {"version_json_11.json", "version_json_11_expected.json", "title", []string{"title"}},
		"enclosure children":    {"issue_217_enclosure_children.xml", "issue_217_enclosure_children.json", "", nil},
		"rdf cdata description": {"rdf_item_description_cdata_escaped_markup.xml", "rdf_item_description_cdata_escaped_markup.json", "", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var exp gofeedExpected
			if err := json.Unmarshal(readFile(t, "testdata/feeds/"+tc.expected), &exp); err != nil {
				t.Fatal(err)
			}
			pf, err := parseFeed(Source{}, readFile(t, "testdata/feeds/"+tc.input), "", "")
			if err != nil {
				t.Fatal(err)
			}
			title, items := pf.title, pf.items
			if got, want := title, PlainText(exp.Title); got != want || got != tc.feedTitle {
				t.Errorf("feed title = %q, want %q (gofeed: %q)", got, tc.feedTitle, exp.Title)
			}
			var wantTitles, gotTitles, wantLinks, gotLinks []string
			for _, e := range exp.Items {
				if e.Title == "" && e.Link == "" && e.URL == "" {
					continue // dropped by design: nothing to identify it
				}
				wantTitles = append(wantTitles, PlainText(e.Title))
				wantLinks = append(wantLinks, e.Link+e.URL)
			}
			for _, it := range items {
				gotTitles = append(gotTitles, it.Title)
				gotLinks = append(gotLinks, it.Link)
			}
			if diff := cmp.Diff(tc.itemTitles, wantTitles); diff != "" {
				t.Errorf("table disagrees with gofeed's expected titles (-table +gofeed):\n%s", diff)
			}
			if diff := cmp.Diff(wantTitles, gotTitles); diff != "" {
				t.Errorf("titles mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantLinks, gotLinks); diff != "" {
				t.Errorf("links mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDedupAndDrop(t *testing.T) {
	feed := `<?xml version="1.0"?>
<rss version="2.0"><channel><title>t</title>
<item><guid>g1</guid><title>first</title><link>https://e.com/1</link></item>
<item><guid>g1</guid><title>repeat of g1</title><link>https://e.com/1b</link></item>
<item><description>nothing to identify me</description></item>
<item><title>  no   guid &amp;amp; no link </title><pubDate>Sat, 14 Feb 2026 23:40:18 +0300</pubDate></item>
<item><link>https://e.com/2?utm_source=x&amp;id=2#top</link></item>
<item><link>https://E.com:443/2?id=2&amp;fbclid=abc</link><title>same link as the previous</title></item>
<item><title>bad link</title><link>javascript:alert(1)</link></item>
</channel></rss>`
	items, err := Parse(Source{ID: "s"}, []byte(feed), "https://e.com/feed")
	if err != nil {
		t.Fatal(err)
	}
	pub := time.Date(2026, 2, 14, 20, 40, 18, 0, time.UTC)
	want := []Item{
		{ID: ItemID("g1", "", "", time.Time{}), SourceID: "s", GUID: "g1", Title: "first", Link: "https://e.com/1"},
		{ID: ItemID("", "", "no guid & no link", pub), SourceID: "s", Title: "no guid & no link", Published: pub},
		{ID: ItemID("", "https://e.com/2?id=2", "", time.Time{}), SourceID: "s", Link: "https://e.com/2?id=2"},
		{ID: ItemID("", "", "bad link", time.Time{}), SourceID: "s", Title: "bad link"},
	}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseRelativeLinks(t *testing.T) {
	feed := `<rss version="2.0"><channel>
<item><title>a</title><link>/news/1</link><description>&lt;img src="../img/a.jpg"&gt;</description></item>
<item xml:base="https://cdn.example.org/base/"><title>b</title><link>2</link></item>
</channel></rss>`
	items, err := Parse(Source{}, []byte(feed), "https://site.example/feeds/main.xml")
	if err != nil {
		t.Fatal(err)
	}
	got := [][2]string{{items[0].Link, items[0].Image}, {items[1].Link, items[1].Image}}
	want := [][2]string{{"https://site.example/news/1", "https://site.example/img/a.jpg"}, {"https://cdn.example.org/base/2", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseImageSources(t *testing.T) {
	tests := map[string]struct{ item, want string }{
		"media:content image":    {`<media:content url="https://i.example/a.jpg" medium="image"/>`, "https://i.example/a.jpg"},
		"media:thumbnail":        {`<media:content url="https://v.example/a.mp4" type="video/mp4"/><media:thumbnail url="https://i.example/t.jpg"/>`, "https://i.example/t.jpg"},
		"thumbnail in group":     {`<media:group><media:thumbnail url="https://i.example/g.jpg"/></media:group>`, "https://i.example/g.jpg"},
		"enclosure":              {`<enclosure url="https://i.example/e.webp" type="image/webp" length="0"/>`, "https://i.example/e.webp"},
		"audio enclosure":        {`<enclosure url="https://a.example/e.mp3" type="audio/mpeg" length="1"/>`, ""},
		"itunes image":           {`<itunes:image href="https://i.example/it.png"/>`, "https://i.example/it.png"},
		"img in content":         {`<content:encoded><![CDATA[<p>x</p><img width="1" height="1" src="https://px.example/p.gif"><img src="https://i.example/c.jpg">]]></content:encoded>`, "https://i.example/c.jpg"},
		"data url skipped":       {`<description>&lt;img src="data:image/png;base64,AAAA"&gt;</description>`, ""},
		"media before enclosure": {`<enclosure url="https://i.example/e.jpg" type="image/jpeg"/><media:content url="https://i.example/m.jpg" type="image/jpeg"/>`, "https://i.example/m.jpg"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			feed := `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>t</title>` + tc.item + `</item></channel></rss>`
			items, err := Parse(Source{}, []byte(feed), "")
			if err != nil {
				t.Fatal(err)
			}
			if got := items[0].Image; got != tc.want {
				t.Errorf("image = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestParseMalformed documents behaviour on broken XML. A bare "&" parses
// (gofeed's decoder is not strict). An unterminated CDATA section fails
// with a clear error naming the line, rather than a partial parse: a
// truncated feed must not make later items look deleted.
func TestParseMalformed(t *testing.T) {
	bare := `<rss version="2.0"><channel><item><title>Fish & Chips &amp; more &lt;3</title><link>https://e.com/a?x=1&y=2</link></item></channel></rss>`
	items, err := Parse(Source{}, []byte(bare), "")
	if err != nil {
		t.Fatalf("bare ampersand: %v", err)
	}
	if got, want := items[0].Title, "Fish & Chips & more <3"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got, want := items[0].Link, "https://e.com/a?x=1&y=2"; got != want {
		t.Errorf("link = %q, want %q", got, want)
	}

	_, err = Parse(Source{}, readFile(t, "testdata/feeds/rss_incomplete_cdata.xml"), "")
	if err == nil || !strings.Contains(err.Error(), "line 13") {
		t.Errorf("incomplete CDATA: err = %v, want an error naming line 13", err)
	}

	for _, junk := range []string{"", "   ", "not a feed", "<html><body>hi</body></html>", "{", "\xff\xfe"} {
		if _, err := Parse(Source{}, []byte(junk), ""); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", junk)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := map[string]string{
		"  plain   text ":                     "plain text",
		"<p>Item <b>Title</b></p>":            "Item Title",
		"It&#8217;s &amp;amp; &nbsp;done":     "It’s &amp; done",
		"?page=1&copy=2;mode=x":               "?page=1&copy=2;mode=x",
		"a<br>b":                              "a b",
		"<script>alert(1)</script>visible":    "visible",
		"سطر\u00a0أول\n\tو<em>ثانٍ</em>":      "سطر أول وثانٍ",
		"bad \xff utf8":                       "bad \ufffd utf8",
		"&lt;tag&gt; stays text after decode": "<tag> stays text after decode",
	}
	for in, want := range tests {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
		if got := PlainText(in); !utf8.ValidString(got) {
			t.Errorf("PlainText(%q) is not valid UTF-8", in)
		}
	}
}

// TestShortLink: a guid becomes the item's short link only when the feed
// calls it a permalink, it is on the link's site, and it is shorter.
func TestShortLink(t *testing.T) {
	const link = "https://www.example.com/news/2026/02/15/a-long-slug-for-the-story-1234.html"
	tests := map[string]struct{ guid, want string }{
		"permalink by default":        {`<guid>https://example.com/?p=1234</guid>`, "https://example.com/?p=1234"},
		"permalink said true":         {`<guid isPermaLink="true">https://www.example.com/tiny/1234/</guid>`, "https://www.example.com/tiny/1234/"},
		"not a permalink":             {`<guid isPermaLink="false">https://www.example.com/?p=1234</guid>`, ""},
		"not a permalink, upper case": {`<guid isPermaLink="FALSE">https://www.example.com/?p=1234</guid>`, ""},
		"another site":                {`<guid>https://short.example/1234</guid>`, ""},
		"not shorter":                 {`<guid>` + link + `</guid>`, ""},
		"not a URL":                   {`<guid>tag:example.com,2026:1234</guid>`, ""},
		"relative, resolved":          {`<guid>/t/1234</guid>`, "https://www.example.com/t/1234"},
		"javascript":                  {`<guid>javascript:alert(1)</guid>`, ""},
		"tracking dropped":            {`<guid>https://www.example.com/t/1?utm_source=rss</guid>`, "https://www.example.com/t/1"},
		"no guid":                     {``, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			feed := `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>` +
				`<item><title>عنوان</title><link>` + link + `</link>` + tt.guid + `</item></channel></rss>`
			items, err := Parse(Source{ID: "s"}, []byte(feed), "https://www.example.com/feed")
			if err != nil || len(items) != 1 {
				t.Fatalf("Parse = %d items, %v", len(items), err)
			}
			if got := items[0].ShortLink; got != tt.want {
				t.Errorf("ShortLink = %q, want %q", got, tt.want)
			}
		})
	}
}
