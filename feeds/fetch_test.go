package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// localFetcher returns a Fetcher allowed to reach feeds on httptest
// servers on 127.0.0.1 (not article pages: Article is always guarded).
func localFetcher(opts FetcherOptions) *Fetcher {
	opts.AllowPrivate = true
	return NewFetcher(opts)
}

// siteFetcher returns a Fetcher whose Transport sends every request to srv,
// whatever the URL's host and port, and the base URL of a made-up public
// site. Article pages, always guarded, are served to tests this way: the
// guard still refuses literal private addresses before the Transport, but
// a name is not resolved, so the test server on 127.0.0.1 is reachable.
func siteFetcher(srv *httptest.Server, opts FetcherOptions) (*Fetcher, string) {
	opts.Transport = &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, srv.Listener.Addr().String())
		},
		DisableCompression: true,
	}
	return NewFetcher(opts), "http://news.example"
}

// feedServer serves one fixture with validators and answers conditional
// requests like a real server: 304 when either validator matches.
type feedServer struct {
	body          []byte
	contentType   string
	etag, lastMod string
	gzip          bool

	mu       sync.Mutex
	requests []*http.Request
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Clone(context.Background()))
	s.mu.Unlock()
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
	}
	if s.lastMod != "" {
		w.Header().Set("Last-Modified", s.lastMod)
	}
	if (s.etag != "" && r.Header.Get("If-None-Match") == s.etag) ||
		(s.lastMod != "" && r.Header.Get("If-Modified-Since") == s.lastMod) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", s.contentType)
	if s.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(s.body)
		_ = zw.Close()
		return
	}
	_, _ = w.Write(s.body)
}

func (s *feedServer) lastRequest(t *testing.T) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("server saw no request")
	}
	return s.requests[len(s.requests)-1]
}

func TestFetchFeedArabic(t *testing.T) {
	fs := &feedServer{body: readFile(t, "testdata/feeds/cnn-arabic.xml"), contentType: "application/rss+xml; charset=utf-8", etag: `"v1"`}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	f := localFetcher(FetcherOptions{})
	src := Source{ID: "cnn", URL: srv.URL + "/feed.xml", Topics: []string{"عالم"}}

	res, err := f.FetchFeed(t.Context(), src, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Items), 10; got != want {
		t.Fatalf("items = %d, want %d", got, want)
	}
	if got, want := res.Title, "CNN Arabic - Article Feed"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if diff := cmp.Diff(Validators{ETag: `"v1"`}, res.Validators); diff != "" {
		t.Errorf("validators mismatch (-want +got):\n%s", diff)
	}
	first := res.Items[0]
	if diff := cmp.Diff([]string(nil), first.Topics); diff != "" { // the bot picks each item's
		t.Errorf("topics mismatch (-want +got):\n%s", diff)
	}
	if first.SourceID != "cnn" {
		t.Errorf("SourceID = %q, want cnn", first.SourceID)
	}
	req := fs.lastRequest(t)
	if got := req.Header.Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, DefaultUserAgent)
	}
	if got := req.Header.Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip", got)
	}
}

func TestFetchFeedConditionalGET(t *testing.T) {
	const lastMod = "Sun, 15 Feb 2026 07:26:17 GMT"
	tests := map[string]struct {
		etag, lastMod string
	}{
		"etag":          {etag: `W/"abc"`},
		"last-modified": {lastMod: lastMod},
		"both":          {etag: `"xyz"`, lastMod: lastMod},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fs := &feedServer{body: readFile(t, "testdata/feeds/hespress.xml"), contentType: "text/xml", etag: tc.etag, lastMod: tc.lastMod}
			srv := httptest.NewServer(fs)
			defer srv.Close()
			f := localFetcher(FetcherOptions{})
			src := Source{ID: "hespress", URL: srv.URL}

			first, err := f.FetchFeed(t.Context(), src, Validators{})
			if err != nil {
				t.Fatal(err)
			}
			want := Validators{ETag: tc.etag, LastModified: tc.lastMod}
			if diff := cmp.Diff(want, first.Validators); diff != "" {
				t.Fatalf("first validators mismatch (-want +got):\n%s", diff)
			}
			if first.NotModified || len(first.Items) != 10 {
				t.Fatalf("first poll: NotModified=%v items=%d, want false, 10", first.NotModified, len(first.Items))
			}

			second, err := f.FetchFeed(t.Context(), src, first.Validators)
			if err != nil {
				t.Fatal(err)
			}
			if !second.NotModified || len(second.Items) != 0 {
				t.Fatalf("second poll: NotModified=%v items=%d, want true, 0", second.NotModified, len(second.Items))
			}
			if diff := cmp.Diff(want, second.Validators); diff != "" {
				t.Errorf("validators after 304 mismatch (-want +got):\n%s", diff)
			}
			req := fs.lastRequest(t)
			if got := req.Header.Get("If-None-Match"); got != tc.etag {
				t.Errorf("If-None-Match = %q, want %q", got, tc.etag)
			}
			if got := req.Header.Get("If-Modified-Since"); got != tc.lastMod {
				t.Errorf("If-Modified-Since = %q, want %q", got, tc.lastMod)
			}
		})
	}
}

// TestFetchFeed304KeepsOldValidators: a 304 that carries no validators
// must not wipe the stored ones.
func TestFetchFeed304KeepsOldValidators(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	old := Validators{ETag: `"old"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"}
	res, err := localFetcher(FetcherOptions{}).FetchFeed(t.Context(), Source{URL: srv.URL}, old)
	if err != nil {
		t.Fatal(err)
	}
	if !res.NotModified {
		t.Fatal("NotModified = false, want true")
	}
	if diff := cmp.Diff(old, res.Validators); diff != "" {
		t.Errorf("validators mismatch (-want +got):\n%s", diff)
	}
}

func TestFetchFeedGzip(t *testing.T) {
	body := readFile(t, "testdata/feeds/asharq-al-awsat.xml")
	srv := httptest.NewServer(&feedServer{body: body, contentType: "application/rss+xml", gzip: true})
	defer srv.Close()
	// The decompressed feed is larger than the cap: gzip must be decoded,
	// and the cap applies to the decoded size.
	res, err := localFetcher(FetcherOptions{}).FetchFeed(t.Context(), Source{URL: srv.URL}, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Items), 15; got != want {
		t.Errorf("items = %d, want %d", got, want)
	}
	_, err = localFetcher(FetcherOptions{MaxBytes: int64(len(body) - 1)}).FetchFeed(t.Context(), Source{URL: srv.URL}, Validators{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("decoded size one over the cap: err = %v, want ErrTooLarge", err)
	}
}

// TestFetchGzipBomb serves 16 MiB of zeros compressed to about 16 KiB
// (1000:1). The fetcher must stop at MaxBytes of decoded data.
func TestFetchGzipBomb(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 16 {
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(bomb.Bytes())
	}))
	defer srv.Close()
	f := localFetcher(FetcherOptions{MaxBytes: 256 << 10})
	_, err := f.FetchFeed(t.Context(), Source{URL: srv.URL}, Validators{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	site, base := siteFetcher(srv, FetcherOptions{MaxBytes: 256 << 10})
	if _, err := site.Article(t.Context(), base+"/"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Article: err = %v, want ErrTooLarge", err)
	}
}

func TestFetchHugeBody(t *testing.T) {
	const limit = 64 << 10
	big := bytes.Repeat([]byte("<!-- padding -->\n"), 2*limit/16)
	tests := map[string]http.HandlerFunc{
		"content-length": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			_, _ = w.Write(big)
		},
		"chunked, no length": func(w http.ResponseWriter, r *http.Request) {
			for chunk := range slices.Chunk(big, 4096) {
				_, _ = w.Write(chunk)
				w.(http.Flusher).Flush()
			}
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			_, err := localFetcher(FetcherOptions{MaxBytes: limit}).FetchFeed(t.Context(), Source{URL: srv.URL}, Validators{})
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	feed := readFile(t, "testdata/feeds/arabi21.xml")
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusFound) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) })
	mux.HandleFunc("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			_, _ = w.Write(feed)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n-1), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/feed", http.StatusFound)
	})
	mux.HandleFunc("/rel/feed", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<rss version="2.0"><channel><item><title>t</title><link>story/1</link></item></channel></rss>`))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/rel/feed", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := localFetcher(FetcherOptions{MaxRedirects: 3})

	t.Run("loop", func(t *testing.T) {
		_, err := f.FetchFeed(t.Context(), Source{URL: srv.URL + "/a"}, Validators{})
		if !errors.Is(err, ErrTooManyRedirects) {
			t.Fatalf("err = %v, want ErrTooManyRedirects", err)
		}
		if !strings.Contains(err.Error(), srv.URL+"/a") {
			t.Errorf("error %q does not name the looping URL", err)
		}
	})
	t.Run("within limit", func(t *testing.T) {
		res, err := f.FetchFeed(t.Context(), Source{URL: srv.URL + "/chain/3"}, Validators{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 10 {
			t.Errorf("items = %d, want 10", len(res.Items))
		}
	})
	t.Run("over limit", func(t *testing.T) {
		_, err := f.FetchFeed(t.Context(), Source{URL: srv.URL + "/chain/5"}, Validators{})
		if !errors.Is(err, ErrTooManyRedirects) {
			t.Fatalf("err = %v, want ErrTooManyRedirects", err)
		}
	})
	t.Run("to ftp", func(t *testing.T) {
		_, err := f.FetchFeed(t.Context(), Source{URL: srv.URL + "/ftp"}, Validators{})
		if !errors.Is(err, ErrScheme) {
			t.Fatalf("err = %v, want ErrScheme", err)
		}
	})
	t.Run("relative links resolve against the final URL", func(t *testing.T) {
		res, err := f.FetchFeed(t.Context(), Source{URL: srv.URL + "/moved"}, Validators{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Items[0].Link, srv.URL+"/rel/story/1"; got != want {
			t.Errorf("link = %q, want %q", got, want)
		}
	})
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tests := map[string]http.HandlerFunc{
		"no headers": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
		"slow body": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`<rss version="2.0"><channel>`))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			start := time.Now()
			_, err := localFetcher(FetcherOptions{Timeout: 200 * time.Millisecond}).FetchFeed(t.Context(), Source{URL: srv.URL}, Validators{})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v, want about the 200ms timeout", d)
			}
		})
	}
}

func TestFetchStatusError(t *testing.T) {
	now := time.Date(2026, 2, 15, 8, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		code       int
		retryAfter string
		want       time.Duration
	}{
		"404":              {code: 404},
		"429 seconds":      {code: 429, retryAfter: "120", want: 2 * time.Minute},
		"503 http date":    {code: 503, retryAfter: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second},
		"503 past date":    {code: 503, retryAfter: now.Add(-time.Hour).Format(http.TimeFormat)},
		"429 garbage":      {code: 429, retryAfter: "soon"},
		"500 no header":    {code: 500},
		"429 huge seconds": {code: 429, retryAfter: "99999999999999999", want: time.Duration(1<<63-1) / time.Second * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.code)
			}))
			defer srv.Close()
			f := localFetcher(FetcherOptions{Now: func() time.Time { return now }})
			_, err := f.FetchFeed(t.Context(), Source{URL: srv.URL + "/feed"}, Validators{})
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *StatusError", err)
			}
			want := &StatusError{URL: srv.URL + "/feed", Code: tc.code, RetryAfter: tc.want}
			if diff := cmp.Diff(want, se); diff != "" {
				t.Errorf("StatusError mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFetchPrivateRefused uses a fetcher without AllowPrivate against
// httptest servers, which listen on loopback.
func TestFetchPrivateRefused(t *testing.T) {
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		_, _ = w.Write(readFile(t, "testdata/feeds/cnn-arabic.xml"))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	f := NewFetcher(FetcherOptions{})

	tests := map[string]string{
		"literal loopback":            srv.URL,
		"name resolving to loopback":  "http://localhost:" + u.Port() + "/feed",
		"ipv4-mapped ipv6 loopback":   "http://[::ffff:127.0.0.1]:" + u.Port() + "/",
		"cloud metadata":              "http://169.254.169.254/latest/meta-data/",
		"private 10/8":                "http://10.0.0.1/",
		"cgnat":                       "http://100.64.1.1/",
		"unspecified":                 "http://0.0.0.0:" + u.Port() + "/",
		"ipv6 loopback":               "http://[::1]:" + u.Port() + "/",
		"decimal-encoded loopback IP": "http://2130706433:" + u.Port() + "/",
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			_, err := f.FetchFeed(ctx, Source{URL: raw}, Validators{})
			if err == nil {
				t.Fatal("fetch succeeded, want refusal")
			}
			if name != "decimal-encoded loopback IP" && !errors.Is(err, ErrPrivateAddress) {
				t.Fatalf("err = %v, want ErrPrivateAddress", err)
			}
			host, _ := url.Parse(raw)
			if !strings.Contains(err.Error(), host.Hostname()) {
				t.Errorf("error %q does not name host %s", err, host.Hostname())
			}
			if _, err := f.Article(ctx, raw); err == nil {
				t.Error("Article succeeded, want refusal")
			}
		})
	}
	mu.Lock()
	refusedHits := hits
	mu.Unlock()
	if refusedHits != 0 {
		t.Errorf("server saw %d requests, want 0", refusedHits)
	}

	// The same fetcher reaches it for a source marked AllowPrivate.
	res, err := f.FetchFeed(t.Context(), Source{URL: srv.URL, AllowPrivate: true}, Validators{})
	if err != nil {
		t.Fatalf("AllowPrivate source: %v", err)
	}
	if len(res.Items) != 10 {
		t.Errorf("AllowPrivate source: items = %d, want 10", len(res.Items))
	}
}

// TestFetchRedirectToPrivateRefused: an allowed first hop must not redirect
// the guarded client onto loopback. The first hop goes through a Transport
// that pretends to be a public server; the redirect target is dialled for
// real and refused.
func TestFetchRedirectToPrivateRefused(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("redirect target reached")
	}))
	defer target.Close()
	f := NewFetcher(FetcherOptions{})
	// Swap the guarded client's transport for one that answers the public
	// hop itself and dials everything else through the guarded transport.
	guarded := f.guarded.Transport
	f.guarded.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == "public.example" {
			rec := httptest.NewRecorder()
			http.Redirect(rec, r, target.URL+"/internal", http.StatusFound)
			return rec.Result(), nil
		}
		return guarded.RoundTrip(r)
	})
	_, err := f.FetchFeed(t.Context(), Source{URL: "http://public.example/feed"}, Validators{})
	if !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("err = %v, want ErrPrivateAddress", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestFetchSchemeRefused(t *testing.T) {
	f := NewFetcher(FetcherOptions{})
	for _, raw := range []string{"file:///etc/passwd", "ftp://example.com/feed", "gopher://example.com/", "javascript:alert(1)", "//example.com/feed", "http:///nohost"} {
		t.Run(raw, func(t *testing.T) {
			_, err := f.FetchFeed(t.Context(), Source{URL: raw}, Validators{})
			if !errors.Is(err, ErrScheme) {
				t.Fatalf("err = %v, want ErrScheme", err)
			}
		})
	}
}

func TestAllowedAddr(t *testing.T) {
	tests := map[string]bool{
		"8.8.8.8":                true,
		"1.1.1.1":                true,
		"2606:4700:4700::1111":   true,
		"127.0.0.1":              false,
		"127.1.2.3":              false,
		"::1":                    false,
		"10.1.2.3":               false,
		"172.16.0.1":             false,
		"172.31.255.255":         false,
		"192.168.1.1":            false,
		"169.254.169.254":        false,
		"fe80::1":                false,
		"fc00::1":                false,
		"fd12:3456::1":           false,
		"0.0.0.0":                false,
		"::":                     false,
		"224.0.0.1":              false,
		"239.255.255.250":        false,
		"ff02::1":                false,
		"100.64.0.1":             false,
		"100.127.255.255":        false,
		"100.128.0.1":            true,
		"::ffff:127.0.0.1":       false,
		"::ffff:10.0.0.1":        false,
		"::ffff:8.8.8.8":         true,
		"64:ff9b::7f00:1":        false,
		"255.255.255.255":        false,
		"2002:7f00:1::":          false,
		"fe80::1%eth0":           false,
		"172.32.0.1":             true,
		"192.0.2.1":              true, // TEST-NET-1 is documentation, not internal
		"198.18.0.1":             false,
		"::ffff:0:7f00:1":        false,
		"2001:db8::1":            true,
		"2001:0:4136:e378::1":    false, // Teredo
		"100::1":                 false,
		"fec0::1":                false,
		"ff05::2":                false,
		"::ffff:169.254.169.254": false,
		// IPv4-compatible (::/96) addresses embed an IPv4 address in the
		// last 32 bits, like the mapped ones, without being mapped.
		"::7f00:1":           false, // ::127.0.0.1
		"::127.0.0.1":        false,
		"::a9fe:a9fe":        false, // ::169.254.169.254
		"::a00:1":            false, // ::10.0.0.1
		"::808:808":          false, // ::8.8.8.8, deprecated: no public use
		"64:ff9b::a9fe:a9fe": false, // NAT64 of 169.254.169.254
		"64:ff9b::808:808":   false, // NAT64 of a public address: still refused, the gateway is ours
		"2002:a9fe:a9fe::1":  false, // 6to4 of 169.254.169.254
		"::ffff:192.168.0.1": false,
	}
	for s, want := range tests {
		t.Run(s, func(t *testing.T) {
			if got := AllowedAddr(netip.MustParseAddr(s)); got != want {
				t.Errorf("AllowedAddr(%s) = %v, want %v", s, got, want)
			}
		})
	}
	if AllowedAddr(netip.Addr{}) {
		t.Error("AllowedAddr(zero Addr) = true, want false")
	}
}

func TestGuardControl(t *testing.T) {
	tests := map[string]bool{
		"93.184.215.14:443":    true,
		"127.0.0.1:80":         false,
		"[::1]:443":            false,
		"[::ffff:10.0.0.1]:80": false,
		"not-an-address":       false,
	}
	for addr, ok := range tests {
		err := guardControl("tcp", addr, nil)
		if ok != (err == nil) {
			t.Errorf("guardControl(%q) = %v, want ok=%v", addr, err, ok)
		}
		if err != nil && !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("guardControl(%q) = %v, want ErrPrivateAddress", addr, err)
		}
	}
}

func TestFetchArticle(t *testing.T) {
	page := readFile(t, "testdata/articles/skynewsarabia_article.html")
	mux := http.NewServeMux()
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("/image.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write([]byte{0xff, 0xd8, 0xff})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f, base := siteFetcher(srv, FetcherOptions{})

	a, err := f.Article(t.Context(), base+"/article")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text, "أهلاً بكم في سوريا الجديدة") {
		t.Errorf("text lacks the expected sentence:\n%s", a.Text)
	}
	if a.URL != base+"/article" {
		t.Errorf("URL = %q, want %q", a.URL, base+"/article")
	}
	if _, err := f.Article(t.Context(), base+"/image.jpg"); !errors.Is(err, ErrNotHTML) {
		t.Errorf("image: err = %v, want ErrNotHTML", err)
	}
}

// TestArticleGuardedForPrivateSources: fetch.allow_private_addresses (the
// fetcher's AllowPrivate) and a source's own AllowPrivate let the feed on
// 127.0.0.1 be polled, but the pages its items link to are still guarded:
// a third party's item linking to 127.0.0.1 or 169.254.169.254 is refused
// and never reached.
func TestArticleGuardedForPrivateSources(t *testing.T) {
	var pageHits sync.Map // path → hits
	var srvURL string
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>محلي</title>
<item><title>خبر أول</title><link>%s/article</link><guid>1</guid></item>
<item><title>خبر ثان</title><link>http://169.254.169.254/latest/meta-data/</link><guid>2</guid></item>
<item><title>خبر ثالث</title><link>http://localhost:%s/article</link><guid>3</guid></item>
<item><title>خبر رابع</title><link>http://[::7f00:1]:%s/article</link><guid>4</guid></item>
</channel></rss>`, srvURL, strings.TrimPrefix(srvURL, "http://127.0.0.1:"), strings.TrimPrefix(srvURL, "http://127.0.0.1:"))
	})
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
		n, _ := pageHits.LoadOrStore(r.URL.Path, new(int))
		*n.(*int)++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(readFile(t, "testdata/articles/skynewsarabia_article.html"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL

	fetchers := map[string]struct {
		f   *Fetcher
		src Source
	}{
		"global allow_private_addresses": {NewFetcher(FetcherOptions{AllowPrivate: true}), Source{URL: srv.URL + "/feed"}},
		"source allow_private_addresses": {NewFetcher(FetcherOptions{}), Source{URL: srv.URL + "/feed", AllowPrivate: true}},
	}
	for name, tc := range fetchers {
		t.Run(name, func(t *testing.T) {
			res, err := tc.f.FetchFeed(t.Context(), tc.src, Validators{})
			if err != nil {
				t.Fatalf("the feed itself: %v", err)
			}
			if len(res.Items) != 4 {
				t.Fatalf("items = %d, want 4", len(res.Items))
			}
			for _, it := range res.Items {
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				_, err := tc.f.Article(ctx, it.Link)
				cancel()
				if !errors.Is(err, ErrPrivateAddress) {
					t.Errorf("Article(%s): err = %v, want ErrPrivateAddress", it.Link, err)
				}
			}
		})
	}
	pageHits.Range(func(k, v any) bool {
		t.Errorf("article page %s reached %d times, want 0", k, *v.(*int))
		return true
	})
}

// TestFetchPorts: with Ports set (the link fetcher's 80 and 443), a URL
// naming another port, or redirecting to one, is refused before anything
// is sent to it.
func TestFetchPorts(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Host+r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/to-redis" {
			http.Redirect(w, r, "http://news.example:6379/", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(readFile(t, "testdata/articles/skynewsarabia_article.html"))
	}))
	defer srv.Close()
	f, base := siteFetcher(srv, FetcherOptions{Ports: []int{80, 443}})

	for _, ok := range []string{base + "/a", "http://news.example:80/b"} {
		if _, err := f.Article(t.Context(), ok); err != nil {
			t.Errorf("Article(%s): %v", ok, err)
		}
	}
	for _, refused := range []string{"http://news.example:8080/", "https://news.example:22/", "http://news.example:6379/", base + "/to-redis"} {
		_, err := f.Article(t.Context(), refused)
		if !errors.Is(err, ErrPort) {
			t.Errorf("Article(%s): err = %v, want ErrPort", refused, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"news.example/a", "news.example:80/b", "news.example/to-redis"}; !slices.Equal(seen, want) {
		t.Errorf("server saw %q, want %q", seen, want)
	}
}
