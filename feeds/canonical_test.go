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
