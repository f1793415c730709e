package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ItemID is the stable identity of an item: the hex SHA-256 of its GUID,
// else of its canonical link, else of its title and publication date
// (title+"\n"+RFC 3339 UTC). It keys the per-source seen set, so it must not
// change when a feed reorders items or adds tracking parameters to links.
func ItemID(guid, link, title string, published time.Time) string {
	var key string
	switch {
	case strings.TrimSpace(guid) != "":
		key = strings.TrimSpace(guid)
	case strings.TrimSpace(link) != "":
		key = CanonicalURL(link)
	default:
		key = title + "\n" + published.UTC().Format(time.RFC3339)
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// isTracking reports query keys that identify a campaign or a click, never
// the article; dropping them makes the same story from two shares one URL.
func isTracking(key string) bool {
	key = strings.ToLower(key)
	return strings.HasPrefix(key, "utm_") || key == "fbclid" || key == "gclid"
}

// CanonicalURL normalises an http(s) URL for identity and display: the
// scheme and host are lower-cased, a default port (80, 443), the fragment and
// tracking parameters (utm_*, fbclid, gclid) are dropped, and an empty path
// becomes "/". The path and the remaining query are kept byte for byte:
// Arabic slugs arrive %-encoded in upper or lower case, or raw, and
// re-encoding them would change the URL some servers expect. Anything that
// is not an absolute http(s) URL is returned trimmed but otherwise as is.
func CanonicalURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return raw
	}
	// Work on the original string so the path keeps its exact encoding.
	rest := raw[strings.Index(raw, ":")+1:]
	if !strings.HasPrefix(rest, "//") {
		return raw
	}
	rest = rest[2:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	if path == "" {
		path = "/"
	}

	userinfo := ""
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		userinfo, authority = authority[:i+1], authority[i+1:]
	}
	host := strings.ToLower(authority)
	if (u.Scheme == "http" && strings.HasSuffix(host, ":80")) || (u.Scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	host = strings.TrimSuffix(host, ":") // an empty port means the default

	var b strings.Builder
	b.Grow(len(raw))
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(userinfo)
	b.WriteString(host)
	b.WriteString(path)
	if hasQuery {
		q := filterQuery(query)
		if q != "" {
			b.WriteByte('?')
			b.WriteString(q)
		}
	}
	// Cutting the fragment or tracking parameters can expose trailing
	// space; trim again so the result is a fixed point.
	return strings.TrimSpace(b.String())
}

// filterQuery drops tracking parameters and empty pairs from a raw query,
// keeping the others in order and with their original encoding.
func filterQuery(query string) string {
	var kept []string
	for pair := range strings.SplitSeq(query, "&") {
		if pair == "" {
			continue
		}
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if isTracking(key) {
			continue
		}
		kept = append(kept, pair)
	}
	return strings.Join(kept, "&")
}

// Host returns the host name of an http(s) URL as a reader should see it:
// lower case, without the port or a leading "www.", and an
// internationalised name in its ASCII (punycode) form, so that a look-alike
// domain written in Arabic cannot read as a newsroom's name. It is "" when
// raw has no host.
func Host(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if a, err := idna.Lookup.ToASCII(h); err == nil {
		h = a
	} else if a, err := idna.Punycode.ToASCII(h); err == nil {
		h = a // not a valid IDN, but still shown in ASCII
	}
	return strings.TrimPrefix(h, "www.")
}

// IRI is u with the %-escapes of non-ASCII letters, marks and digits
// decoded: the Internationalized Resource Identifier of RFC 3987 §3.2, the
// form a browser shows in its address bar. An Arabic slug arrives as
// %D9%86%D8%AA… (six characters per letter); as an IRI the same address is
// a third as long, and every browser and app maps it back to the same URI
// (perhaps with upper-case hex where the feed had lower-case, which RFC 3986
// §6.2.2.1 makes equivalent). Escapes of ASCII (reserved characters among
// them), of bytes that are not UTF-8 and of anything that is not a letter,
// mark or digit (spaces, bidi controls, punctuation) are kept, so the IRI
// names exactly what u names. Only what follows the host changes; anything
// that is not an absolute http(s) URL is returned as is.
func IRI(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") || !strings.Contains(u, "%") {
		return u
	}
	start := len(scheme) + len("://") + indexOrLen(rest, "/?#")
	var b strings.Builder
	b.Grow(len(u))
	b.WriteString(u[:start])
	for i := start; i < len(u); {
		raw, n := escapedBytes(u[i:])
		if n == 0 {
			b.WriteByte(u[i])
			i++
			continue
		}
		// Decode the run of escapes rune by rune; each byte took 3 characters.
		for j := 0; j < len(raw); {
			r, size := utf8.DecodeRune(raw[j:])
			if r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
				j += size
				continue
			}
			b.WriteString(u[i+3*j : i+3*j+3])
			j++
		}
		i += n
	}
	return b.String()
}

// escapedBytes decodes the run of %XX escapes at the start of s and returns
// the bytes and the length of the run in s (0 when s starts with none).
func escapedBytes(s string) ([]byte, int) {
	var out []byte
	n := 0
	for n+2 < len(s) && s[n] == '%' && isHexDigit(s[n+1]) && isHexDigit(s[n+2]) {
		out = append(out, unhex(s[n+1])<<4|unhex(s[n+2]))
		n += 3
	}
	return out, n
}

func indexOrLen(s, chars string) int {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return i
	}
	return len(s)
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
