package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCanonicalURL(t *testing.T) {
	tests := map[string]string{
		"HTTPS://WWW.Example.COM/Path/A?b=1#frag":                         "https://www.example.com/Path/A?b=1",
		"http://example.com:80/a":                                         "http://example.com/a",
		"https://example.com:443/a":                                       "https://example.com/a",
		"https://example.com:8443/a":                                      "https://example.com:8443/a",
		"http://example.com:443/a":                                        "http://example.com:443/a",
		"https://example.com":                                             "https://example.com/",
		"https://example.com?utm_source=tw":                               "https://example.com/",
		"https://e.com/a?utm_source=x&id=7&UTM_Medium=y&fbclid=z&gclid=w": "https://e.com/a?id=7",
		"https://e.com/a?id=7&&x=":                                        "https://e.com/a?id=7&x=",
		"https://e.com/a?q=%D8%B9%D8%B1%D8%A8%D9%8A&utm_campaign=c":       "https://e.com/a?q=%D8%B9%D8%B1%D8%A8%D9%8A",
		// Path encoding is kept exactly, upper- or lower-case, or raw.
		"https://www.hespress.com/%d8%a8%d9%8a%d8%aa-1701642.html": "https://www.hespress.com/%d8%a8%d9%8a%d8%aa-1701642.html",
		"https://arabi21.com/story/1/%D9%86%D8%AA":                 "https://arabi21.com/story/1/%D9%86%D8%AA",
		"https://example.com/عربي/خبر":                             "https://example.com/عربي/خبر",
		"https://example.com/a%2Fb":                                "https://example.com/a%2Fb",
		"  https://example.com/a  ":                                "https://example.com/a",
		"https://user@Example.com/a":                               "https://user@example.com/a",
		"https://[2001:DB8::1]:443/a":                              "https://[2001:db8::1]/a",
		"https://example.com:/a":                                   "https://example.com/a",
		// Not absolute http(s): returned as is (trimmed).
		"/relative/path?utm_source=x": "/relative/path?utm_source=x",
		"mailto:a@b.c":                "mailto:a@b.c",
		"ftp://Example.com/x":         "ftp://Example.com/x",
		"":                            "",
		"http://[::1":                 "http://[::1",
	}
	for in, want := range tests {
		if got := CanonicalURL(in); got != want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestItemID(t *testing.T) {
	sum := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:])
	}
	pub := time.Date(2026, 2, 14, 23, 40, 18, 0, time.FixedZone("AST", 3*3600))
	tests := map[string]struct {
		guid, link, title string
		published         time.Time
		want              string
	}{
		"guid wins":                 {"urn:x:1", "https://e.com/a", "t", pub, sum("urn:x:1")},
		"guid trimmed":              {"  urn:x:1\n", "", "", time.Time{}, sum("urn:x:1")},
		"canonical link":            {"", "HTTPS://E.com/a?utm_source=x#f", "t", pub, sum("https://e.com/a")},
		"title and date in UTC":     {"", "", "عنوان", pub, sum("عنوان\n2026-02-14T20:40:18Z")},
		"title without date":        {"", " ", "عنوان", time.Time{}, sum("عنوان\n0001-01-01T00:00:00Z")},
		"known vector (sha256 abc)": {"abc", "", "", time.Time{}, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ItemID(tc.guid, tc.link, tc.title, tc.published); got != tc.want {
				t.Errorf("ItemID = %s, want %s", got, tc.want)
			}
		})
	}
	if ItemID("", "https://e.com/a?utm_medium=m", "", time.Time{}) != ItemID("", "https://E.COM:443/a#x", "", time.Time{}) {
		t.Error("tracking parameters or host case change the ID")
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/a?utm_source=x&id=1#f",
		"HTTP://Example.COM:80",
		"https://www.hespress.com/%d8%a8%d9%8a%d8%aa-1701642.html",
		"https://example.com/عربي?q=خبر",
		"https://u:p@[::1]:443/?&&",
		"http://a.com?#",
		"javascript:alert(1)",
		"//example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := CanonicalURL(raw)
		if again := CanonicalURL(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, got, again)
		}
		if utf8.ValidString(raw) && !utf8.ValidString(got) {
			t.Fatalf("valid UTF-8 %q became invalid %q", raw, got)
		}
		if strings.HasPrefix(got, "http://") || strings.HasPrefix(got, "https://") {
			if got != strings.TrimSpace(raw) && strings.Contains(got, "#") {
				t.Fatalf("fragment kept: %q -> %q", raw, got)
			}
		}
	})
}

func TestHost(t *testing.T) {
	tests := map[string]string{
		"https://www.AlmamlakaTV.com/news/1":  "almamlakatv.com",
		"http://news.example:8080/a":          "news.example",
		"https://user:pw@www.example.com/":    "example.com",
		"https://المملكة.com/خبر":             "xn--mgbe1fdafa.com",
		"https://%D8%A7%D9%84%D9%85.example/": "xn--mgb2dd.example",
		"http://127.0.0.1:9/":                 "127.0.0.1",
		"http://[::1]:80/":                    "::1",
		"not a url":                           "",
		"":                                    "",
	}
	for raw, want := range tests {
		if got := Host(raw); got != want {
			t.Errorf("Host(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestIRI(t *testing.T) {
	tests := map[string]string{
		// arabi21: upper-case escapes of an Arabic slug.
		"https://arabi21.com/story/1724787/%D9%86%D8%AA%D9%86%D9%8A%D8%A7%D9%87%D9%88-%D8%B5%D9%81%D9%82%D8%A9": "https://arabi21.com/story/1724787/نتنياهو-صفقة",
		// hespress: lower-case escapes.
		"https://www.hespress.com/%d8%a8%d9%8a%d8%aa-1701642.html": "https://www.hespress.com/بيت-1701642.html",
		// Query and fragment too; Arabic-Indic digits are digits.
		"https://e.com/s?q=%D8%B9%D8%B1%D8%A8%D9%8A&n=%D9%A1#%D8%A3": "https://e.com/s?q=عربي&n=١#أ",
		// Escapes that must stay: reserved ASCII, space, NBSP, bidi
		// controls, Arabic punctuation, an invalid or cut UTF-8 sequence.
		"https://e.com/a%2Fb%20c%3F":              "https://e.com/a%2Fb%20c%3F",
		"https://e.com/%C2%A0%E2%80%8F%D8%8C":     "https://e.com/%C2%A0%E2%80%8F%D8%8C",
		"https://e.com/%D9%86%FF%D9":              "https://e.com/ن%FF%D9",
		"https://e.com/%D9%86%D9":                 "https://e.com/ن%D9",
		"https://e.com/%D9%8%D9%86":               "https://e.com/%D9%8ن",
		"https://%D9%86.example/%D9%86":           "https://%D9%86.example/ن",
		"HTTPS://e.com/%D9%86":                    "HTTPS://e.com/ن",
		"https://e.com/plain-ascii?x=1":           "https://e.com/plain-ascii?x=1",
		"mailto:%D9%86@e.com":                     "mailto:%D9%86@e.com",
		"ftp://e.com/%D9%86":                      "ftp://e.com/%D9%86",
		"":                                        "",
		"https://e.com/%d9%86%D9%86%d9%86?%d9%86": "https://e.com/ننن?ن",
	}
	for in, want := range tests {
		if got := IRI(in); got != want {
			t.Errorf("IRI(%q) = %q, want %q", in, got, want)
		}
	}
}

// decodeEscapes decodes every %XX of s, the bytes a server sees once it
// has unescaped a request path.
func decodeEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if raw, n := escapedBytes(s[i:]); n > 0 {
			b.Write(raw)
			i += n - 1
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func FuzzIRI(f *testing.F) {
	for _, s := range []string{
		"https://arabi21.com/story/1724787/%D9%86%D8%AA%D9%86%D9%8A%D8%A7%D9%87%D9%88",
		"https://e.com/%d8%a8%2F%20%E2%80%8F%FF?q=%D9%A1#%D8%A3",
		"http://e.com",
		"https://e.com/%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		got := IRI(u)
		if decodeEscapes(got) != decodeEscapes(u) {
			t.Fatalf("IRI(%q) = %q names other bytes", u, got)
		}
		if len(got) > len(u) {
			t.Fatalf("IRI(%q) = %q is longer", u, got)
		}
		if again := IRI(got); again != got {
			t.Fatalf("IRI not idempotent: %q → %q → %q", u, got, again)
		}
		if utf8.ValidString(u) && !utf8.ValidString(got) {
			t.Fatalf("IRI(%q) = %q is not UTF-8", u, got)
		}
	})
}
