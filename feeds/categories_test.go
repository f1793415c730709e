package feeds

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseKeepsItemCategories: each item carries its feed's own categories
// (RSS <category> and dc:subject, JSON Feed tags, Atom labels and terms)
// and none of its source's topics, which are for the bot to pick from.
func TestParseKeepsItemCategories(t *testing.T) {
	atomFeed := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>ع</title><id>urn:x</id><updated>2026-11-28T10:00:00Z</updated>
<entry><title>النشامى يفوزون</title><id>urn:1</id><link href="https://news.example/1"/><updated>2026-11-28T10:00:00Z</updated>
<category term="sport" label="رياضة"/><category term="عاجل"/><category term="sport"/></entry>
</feed>`
	tests := map[string]struct {
		body []byte
		want []string // the first item's
	}{
		"rss category, CDATA":   {readFile(t, "testdata/feeds/content-encoded.rss"), []string{"plants", "environment", "nature", "foraging", "food"}},
		"dublin core subject":   {readFile(t, "testdata/feeds/dublincore_item_fields.xml"), []string{"Programming"}},
		"json feed tags":        {readFile(t, "testdata/feeds/jsonfeed_elastic_1.1.json"), []string{"InfluxDB", "Community", "Elasticsearch"}},
		"atom label, then term": {[]byte(atomFeed), []string{"رياضة", "عاجل", "sport"}},
		"none":                  {readFile(t, "testdata/feeds/hespress.xml"), nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items, err := Parse(Source{ID: "x", Topics: []string{"سياسة", "رياضة"}}, tc.body, "https://news.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			got := items[0].Categories
			if name == "json feed tags" {
				got = got[:min(3, len(got))]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("categories mismatch (-want +got):\n%s", diff)
			}
			for _, it := range items {
				if it.Topics != nil {
					t.Errorf("item %q took topics %q from its source", it.Title, it.Topics)
				}
			}
		})
	}
}

// TestItemCategoriesAreBounded: a feed cannot make an item carry thousands
// of categories or one of megabytes.
func TestItemCategoriesAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>t</title><item><title>خبر</title><link>https://news.example/1</link>`)
	b.WriteString("<category>" + strings.Repeat("ر", 5000) + "</category>")
	for i := range 500 {
		b.WriteString("<category>وسم " + strings.Repeat("ا", i%7+1) + string(rune('a'+i%26)) + "</category>")
	}
	b.WriteString(`</item></channel></rss>`)
	items, err := Parse(Source{ID: "x"}, []byte(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	cats := items[0].Categories
	if len(cats) != maxCategories || len([]rune(cats[0])) != maxCategoryLength {
		t.Errorf("%d categories, the first of %d characters; want %d, %d", len(cats), len([]rune(cats[0])), maxCategories, maxCategoryLength)
	}
}
