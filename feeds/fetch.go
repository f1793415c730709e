package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Version is reported in the default User-Agent. cmd/akhbar may overwrite
// FetcherOptions.UserAgent with its build version.
const Version = "0.1"

// DefaultUserAgent identifies the bot to publishers, with a URL where they
// can find out what it is and who runs it.
const DefaultUserAgent = "akhbar/" + Version + " (+https://github.com/akhbar/akhbar)"

// Defaults for zero-valued FetcherOptions fields.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultMaxBytes     = 5 << 20
	DefaultMaxRedirects = 5
)

var (
	// ErrTooLarge is returned when a body exceeds FetcherOptions.MaxBytes
	// after decompression, so a gzip bomb costs at most MaxBytes of memory.
	ErrTooLarge = errors.New("response body too large")
	// ErrTooManyRedirects is returned when a redirect chain is longer than
	// FetcherOptions.MaxRedirects or comes back to a URL it already visited.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrNotHTML is returned by Fetcher.Article for responses that are not
	// HTML pages (images, PDFs, feeds).
	ErrNotHTML = errors.New("not an HTML page")
)

// StatusError is a non-2xx, non-304 response. RetryAfter is set from the
// Retry-After header (429 and 503 usually carry it) so the poller can back
// off exactly as long as the publisher asks.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("fetch %s: HTTP %d, retry after %s", e.URL, e.Code, e.RetryAfter)
	}
	return fmt.Sprintf("fetch %s: HTTP %d", e.URL, e.Code)
}

// FetcherOptions configures a Fetcher. Zero values mean the defaults.
type FetcherOptions struct {
	UserAgent    string        // default DefaultUserAgent
	Timeout      time.Duration // whole request including the body, default 20s
	MaxBytes     int64         // body cap after decompression, default 5 MiB → ErrTooLarge
	MaxRedirects int           // default 5 → ErrTooManyRedirects
	// AllowPrivate allows loopback/private/link-local targets for every
	// source's own feed URL, as fetch.allow_private_addresses does (a feed
	// on the operator's network). It never applies to article pages: their
	// links come from the feeds' items and from users, so Article is always
	// guarded. Default false: the SSRF guard is on for feeds too.
	AllowPrivate bool
	// Ports, when not empty, are the only destination ports allowed (the
	// URL's port, else 80 for http and 443 for https), checked before every
	// request and redirect → ErrPort. The link fetcher allows 80 and 443
	// only, so a user's link cannot probe other services.
	Ports []int
	// Transport replaces the network transport, for tests. The dial-time
	// address guard lives in the default transport, so with a custom one only
	// literal IP hosts are checked.
	Transport http.RoundTripper
	// Now is the clock used for Retry-After dates; default time.Now.
	Now func() time.Time
	// Resolve answers for the host names it holds instead of DNS, as a
	// hosts file would, in the default transport: the SSRF guard judges
	// the address given, exactly as it judges one from DNS. A Via
	// address is where connections to it actually go (a simulated network,
	// so a test can serve a "public" address from loopback). For fault
	// tests of the real program (AKHBAR_TEST_RESOLVE); nil in production.
	Resolve map[string]ResolvedHost
}

// ResolvedHost is one FetcherOptions.Resolve entry.
type ResolvedHost struct {
	Addr netip.Addr // what the name resolves to; the guard judges it
	Via  string     // host:port connections are made to instead; "" dials Addr
}

// Fetcher does polite, bounded HTTP GETs for feeds and article pages. It is
// safe for concurrent use.
type Fetcher struct {
	opts FetcherOptions
	// guarded refuses non-public addresses at dial time; open does not.
	// They are separate clients with separate connection pools so that a
	// connection opened for a trusted local source is never reused for an
	// untrusted URL naming the same host.
	guarded, open *http.Client
}

// NewFetcher returns a Fetcher with opts' zero fields set to the defaults.
func NewFetcher(opts FetcherOptions) *Fetcher {
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Fetcher{opts: opts}
	f.guarded = f.newClient(false)
	f.open = f.newClient(true)
	return f
}

func (f *Fetcher) newClient(allowPrivate bool) *http.Client {
	rt := f.opts.Transport
	if rt == nil {
		rt = &http.Transport{
			// No proxy from the environment: the guard must see the real
			// target address, not the proxy's.
			Proxy:                 nil,
			DialContext:           f.dialer(allowPrivate),
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			// We ask for gzip ourselves and cap the decompressed size.
			DisableCompression: true,
		}
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if err := checkURL(req.URL, allowPrivate, f.opts.Ports); err != nil {
				return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
			}
			for _, v := range via {
				if v.URL.String() == req.URL.String() {
					return fmt.Errorf("redirect loop back to %s: %w", req.URL.Redacted(), ErrTooManyRedirects)
				}
			}
			if len(via) > f.opts.MaxRedirects {
				return fmt.Errorf("more than %d redirects, last to %s: %w", f.opts.MaxRedirects, req.URL.Redacted(), ErrTooManyRedirects)
			}
			return nil
		},
	}
}

// dialer is the transport's DialContext: the guarded or open dialer, with
// FetcherOptions.Resolve answering for the names it holds.
func (f *Fetcher) dialer(allowPrivate bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := newDialer(!allowPrivate).DialContext
	if len(f.opts.Resolve) == 0 {
		return dial
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		r, ok := f.opts.Resolve[strings.ToLower(host)]
		switch {
		case !ok:
			return dial(ctx, network, addr)
		case r.Via == "":
			return dial(ctx, network, net.JoinHostPort(r.Addr.String(), port))
		case !allowPrivate && !AllowedAddr(r.Addr):
			// What guardControl says when it sees this address.
			return nil, fmt.Errorf("dial %s: %s is not public: %w", host, r.Addr, ErrPrivateAddress)
		}
		return newDialer(false).DialContext(ctx, network, r.Via)
	}
}

// response is a fully read, size-checked HTTP response.
type response struct {
	code   int
	header http.Header
	body   []byte   // decompressed
	url    *url.URL // final URL after redirects
}

// get performs one guarded GET and reads the body within the limits. A 304
// is returned as a response; other non-2xx codes become *StatusError.
func (f *Fetcher) get(ctx context.Context, rawURL string, allowPrivate bool, hdr http.Header) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	name := u.Redacted()
	if err := checkURL(u, allowPrivate, f.opts.Ports); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept-Encoding", "gzip")

	client := f.guarded
	if allowPrivate {
		client = f.open
	}
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error repeats the method and URL; keep our own wording.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	defer resp.Body.Close()

	out := &response{code: resp.StatusCode, header: resp.Header, url: resp.Request.URL}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, &StatusError{
			URL:        name,
			Code:       resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), f.opts.Now()),
		}
	}
	if resp.ContentLength > f.opts.MaxBytes && resp.Header.Get("Content-Encoding") == "" {
		return nil, fmt.Errorf("fetch %s: %d bytes announced, limit %d: %w", name, resp.ContentLength, f.opts.MaxBytes, ErrTooLarge)
	}
	out.body, err = readBody(resp, f.opts.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	return out, nil
}

// readBody decompresses (gzip only; that is all we ask for) and reads at
// most max bytes of the decoded body.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	// A body of announced length is read into one buffer of that size:
	// io.ReadAll's doubling would leave as much again in garbage, which
	// for a body near the cap is most of a poll's peak memory.
	// (Unannounced, io.ReadAll's gentler growth beats bytes.Buffer's.)
	lr := io.LimitReader(r, max+1)
	var body []byte
	var err error
	if n := resp.ContentLength; n > 0 && n <= max && r == resp.Body {
		buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
		_, err = buf.ReadFrom(lr)
		body = buf.Bytes()
	} else {
		body, err = io.ReadAll(lr)
	}
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("body over %d bytes: %w", max, ErrTooLarge)
	}
	return body, nil
}

// parseRetryAfter reads a Retry-After header: delta-seconds or an HTTP date.
// Unparsable or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		const maxSeconds = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(n, maxSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// Validators are the cache validators of a feed response, stored by the
// poller and sent back as a conditional GET next time.
type Validators struct{ ETag, LastModified string }

// FeedResult is the outcome of one feed poll.
type FeedResult struct {
	NotModified bool       // 304: nothing changed, Items is empty
	Validators  Validators // to store for next time
	Title       string     // feed title, plain text
	// Items in feed order: ID, SourceID, GUID, Link, Title (plain text),
	// Content (content:encoded else description, raw HTML), Image,
	// Categories, Published (published, else updated, else zero; UTC).
	// At most MaxItems: the newest.
	Items []Item
	// Total is the number of items in the document, more than len(Items)
	// when the oldest were dropped.
	Total int
}

// feedAccept prefers feed types but takes anything: many servers label
// feeds text/html or application/octet-stream.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// FetchFeed polls src with a conditional GET using v and parses the feed.
// A 304 gives NotModified with v kept (updated by any validator the 304
// itself carries). Private addresses are reachable only when
// src.AllowPrivate or the fetcher's AllowPrivate is set, and only for the
// feed URL itself (and its redirects): what the feed links to is fetched by
// Article, always guarded.
func (f *Fetcher) FetchFeed(ctx context.Context, src Source, v Validators) (*FeedResult, error) {
	hdr := http.Header{}
	hdr.Set("Accept", feedAccept)
	if v.ETag != "" {
		hdr.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		hdr.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.get(ctx, src.URL, src.AllowPrivate || f.opts.AllowPrivate, hdr)
	if err != nil {
		return nil, err
	}
	got := Validators{ETag: resp.header.Get("ETag"), LastModified: resp.header.Get("Last-Modified")}
	if resp.code == http.StatusNotModified {
		if got.ETag == "" {
			got.ETag = v.ETag
		}
		if got.LastModified == "" {
			got.LastModified = v.LastModified
		}
		return &FeedResult{NotModified: true, Validators: got}, nil
	}
	pf, err := parseFeed(src, resp.body, resp.url.String(), contentTypeCharset(resp.header.Get("Content-Type")))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", resp.url.Redacted(), err)
	}
	return &FeedResult{Validators: got, Title: pf.title, Items: pf.items, Total: pf.total}, nil
}

// Article fetches pageURL and extracts its main text. Its links come from
// feeds' items (third parties write them) and from users, so the SSRF guard
// always applies, whatever FetcherOptions.AllowPrivate or the source says:
// a trusted feed on the local network may still link to 169.254.169.254.
func (f *Fetcher) Article(ctx context.Context, pageURL string) (*Article, error) {
	hdr := http.Header{}
	hdr.Set("Accept", "text/html, application/xhtml+xml;q=0.9, */*;q=0.1")
	resp, err := f.get(ctx, pageURL, false, hdr)
	if err != nil {
		return nil, err
	}
	if resp.code == http.StatusNotModified {
		return nil, fmt.Errorf("fetch %s: unexpected 304", resp.url.Redacted())
	}
	ct := resp.header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); ct != "" && (err != nil || (mt != "text/html" && mt != "application/xhtml+xml")) {
		return nil, fmt.Errorf("fetch %s: %q: %w", resp.url.Redacted(), ct, ErrNotHTML)
	}
	a, err := ExtractArticle(resp.body, ct, resp.url.String())
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", resp.url.Redacted(), err)
	}
	return a, nil
}

// contentTypeCharset returns the charset parameter of a Content-Type header,
// or "".
func contentTypeCharset(ct string) string {
	if ct == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return params["charset"]
}
