package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"
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
