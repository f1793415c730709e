package feeds

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestParseHugeFeedKeepsNewest: a feed of many more items than
// MaxParsedItems still gives its MaxItems newest, whether it lists them
// oldest first (appending) or newest first, and counts every item.
func TestParseHugeFeedKeepsNewest(t *testing.T) {
	const n = 3 * MaxParsedItems
	oldest := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	appending := manyItems(n, oldest)
	// Newest first: the same items in reverse order.
	var rev bytes.Buffer
	rev.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>`)
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&rev, "<item><title>خبر %d</title><guid>g%d</guid><pubDate>%s</pubDate></item>\n", i, i, oldest.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	rev.WriteString(`</channel></rss>`)
	for name, body := range map[string][]byte{"oldest first": appending, "newest first": rev.Bytes()} {
		pf, err := parseFeed(Source{ID: "s"}, body, "", "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pf.total != n || len(pf.items) != MaxItems {
			t.Fatalf("%s: total %d, %d items; want %d, %d", name, pf.total, len(pf.items), n, MaxItems)
		}
		for _, it := range pf.items {
			var i int
			if _, err := fmt.Sscanf(it.GUID, "g%d", &i); err != nil || i < n-MaxItems {
				t.Fatalf("%s: kept %s, want only the %d newest (g%d and later)", name, it.GUID, MaxItems, n-MaxItems)
			}
		}
	}
}

// TestTrimItemsSyntax: items are counted only where a feed has them, never
// inside comments, CDATA, attribute values or deeper elements; Atom and
// RSS 1.0 count too; what the scan cannot follow is returned whole.
func TestTrimItemsSyntax(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      int
	}{
		{"rss", `<rss><channel><item><title>a</title></item><item/><item a=">"><x>y</x></item></channel></rss>`, 3},
		{"atom", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id></entry><entry><id>2</id></entry></feed>`, 2},
		{"rdf", `<rdf:RDF><channel></channel><item rdf:about="x"></item><rss:item></rss:item></rdf:RDF>`, 2},
		{"hidden", `<!DOCTYPE rss [<!ENTITY x "<item>">]><rss><channel><!-- <item></item> --><item><description><![CDATA[<item></item>]]></description><media:group><item/></media:group></item></channel></rss>`, 1},
		{"cut off", `<rss><channel><item></item><item attr="`, 1},
	} {
		out, n := trimItems([]byte(tc.doc), 10)
		if n != tc.want || string(out) != tc.doc {
			t.Errorf("%s: %d items (doc changed: %v), want %d", tc.name, n, string(out) != tc.doc, tc.want)
		}
	}
	// Over the bound: the middle items go, what surrounds them stays.
	var doc strings.Builder
	doc.WriteString(`<rss><channel><title>t</title>`)
	for i := range 10 {
		fmt.Fprintf(&doc, `<item><guid>%d</guid></item>`, i)
	}
	doc.WriteString(`</channel></rss>`)
	out, n := trimItems([]byte(doc.String()), 4)
	want := `<rss><channel><title>t</title><item><guid>0</guid></item><item><guid>1</guid></item><item><guid>8</guid></item><item><guid>9</guid></item></channel></rss>`
	if n != 10 || string(out) != want {
		t.Errorf("trimmed to 4 of %d:\n%s\nwant\n%s", n, out, want)
	}
}

// BenchmarkParseCappedFeed parses 5 MiB (the default body cap) of minimal
// RSS items, about 160,000 of them: -benchmem shows what one such poll
// allocates.
func BenchmarkParseCappedFeed(b *testing.B) {
	var doc bytes.Buffer
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>`)
	for i := 0; doc.Len() < DefaultMaxBytes-40; i++ {
		fmt.Fprintf(&doc, "<item><guid>g%d</guid></item>", i)
	}
	doc.WriteString(`</channel></rss>`)
	body := doc.Bytes()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseFeed(Source{ID: "s"}, body, "", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzTrimItems: on any bytes the scan neither panics nor invents bytes: it
// returns the document whole when it has keep items or fewer, and
// otherwise the document with one contiguous run removed (a head and a
// tail of the original), never longer.
func FuzzTrimItems(f *testing.F) {
	f.Add([]byte(`<rss><channel><item>a</item><item>b</item><item/><item>d</item></channel></rss>`), uint8(2))
	f.Add([]byte(`<feed><!-- <entry> --><entry x=">">1</entry><![CDATA[<entry>]]><entry>2</entry><entry>3</entry></feed>`), uint8(1))
	f.Add([]byte(`<rdf:RDF><item/><item/><item/></rdf:RDF>`), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, k uint8) {
		keep := int(k % 8)
		out, n := trimItems(body, keep)
		if n <= keep {
			if !bytes.Equal(out, body) {
				t.Fatalf("%d items, keep %d: the document changed", n, keep)
			}
			return
		}
		if len(out) > len(body) {
			t.Fatalf("trimmed to %d bytes from %d", len(out), len(body))
		}
		p := 0
		for p < len(out) && out[p] == body[p] {
			p++
		}
		if !bytes.Equal(out[p:], body[len(body)-(len(out)-p):]) {
			t.Fatalf("the trimmed document is not a head and a tail of the original")
		}
	})
}
