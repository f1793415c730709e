package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"golang.org/x/text/encoding/charmap"
)

// The fault tests run the real program as processes against hostile
// sources, floods and kills. AKHBAR_FAULTS_SKIP=1 skips them all;
// AKHBAR_FAULTS_FULL=1 runs them at the full size (slow), where
// the default is a shorter run of the same scenario.
func faultsSkip(t *testing.T) {
	t.Helper()
	if os.Getenv("AKHBAR_FAULTS_SKIP") == "1" {
		t.Skip("AKHBAR_FAULTS_SKIP=1")
	}
}

func faultsFull() bool { return os.Getenv("AKHBAR_FAULTS_FULL") == "1" }

// logLine is one JSON line of the program's log.
type logLine struct {
	Msg      string `json:"msg"`
	SourceID string `json:"source_id"`
	Error    string `json:"error"`
}

// pollErrors returns the errors the program logged for polls of source.
func pollErrors(stderr string, source string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		var l logLine
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "poll" && l.SourceID == source && l.Error != "" {
			out = append(out, l.Error)
		}
	}
	return out
}

// fetchTimes is a feed handler's record of when it was fetched.
type fetchTimes struct {
	mu    sync.Mutex
	times []time.Time
}

func (f *fetchTimes) add() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.times = append(f.times, time.Now())
}

// maxGap is the longest time between two fetches since from (or from the
// first fetch after it) until now.
func (f *fetchTimes) maxGap(from time.Time) (gap time.Duration, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := time.Time{}
	for _, at := range f.times {
		if at.Before(from) {
			continue
		}
		if !prev.IsZero() {
			gap = max(gap, at.Sub(prev))
		}
		prev, n = at, n+1
	}
	if !prev.IsZero() {
		gap = max(gap, time.Since(prev))
	}
	return gap, n
}

// hostileScenario is one hostile source polled next to a good one.
type hostileScenario struct {
	name string
	// serve is the hostile source's handler under /hostile/ on the feed
	// server; nil when the scenario never reaches a server.
	serve http.Handler
	// url is the hostile source's URL; {{feeds}} is the feed server and
	// {{port}} its port.
	url string
	// guarded sources are polled with the SSRF guard on (the others are on
	// loopback and need allow_private_addresses, as a feed on the
	// operator's own network does).
	guarded bool
	// fetchYAML is extra lines of the fetch section (two spaces in).
	fetchYAML string
	// resolve is AKHBAR_TEST_RESOLVE; {{port}} is the feed server's port.
	resolve string
	// wantError is what the poll error logged for the source must say; ""
	// when the poll must succeed and check says what it must have done.
	wantError []string
	check     func(t *testing.T, c *cluster) bool
	// wantLog is a message the program must log with check.
	wantLog string
}

// TestFaultHostileSources runs the real program against one hostile
// source at a time, polled every second next to a good source also polled
// every second: the hostile poll ends with a clear error in the log (or,
// for an undeclared charset and a feed of 200,000 items, with the right
// items), the good source keeps its schedule (no gap between its fetches
// over 2.5 s) and a new item of it reaches its subscriber within 3 s, and
// the process's peak RSS stays bounded. Each scenario is a fresh process,
// so its peak (VmHWM) is its own.
func TestFaultHostileSources(t *testing.T) {
	faultsSkip(t)
	bin := buildAkhbar(t)
	// 1 GiB of zeros, gzipped: one member of 1 MiB of zeros, repeated
	// (a multi-member gzip stream, which readers decode as one), 1 MB.
	var member, bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, 1<<20))
	_ = zw.Close()
	for range 1 << 10 {
		bomb.Write(member.Bytes())
	}
	items := func(n int, minimal bool) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>كثير</title><link>https://many.example/</link>`)
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			if minimal {
				fmt.Fprintf(&b, "<item><guid>m%d</guid></item>", i)
			} else {
				fmt.Fprintf(&b, "<item><title>خبر %d</title><guid>m%d</guid><pubDate>%s</pubDate></item>\n", i, i, base.Add(time.Duration(i)*time.Second).Format(time.RFC1123Z))
			}
		}
		b.WriteString(`</channel></rss>`)
		return b.Bytes()
	}
	minimalCount := 0
	minimal5MiB := func() []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>كثير</title>`)
		for b.Len() < 5<<20-64 {
			fmt.Fprintf(&b, "<item><guid>m%d</guid></item>", minimalCount)
			minimalCount++
		}
		b.WriteString(`</channel></rss>`)
		return b.Bytes()
	}()
	items200k := items(200_000, false)
	cp1256, err := charmap.Windows1256.NewEncoder().String(`<rss version="2.0"><channel><title>صحيفة قديمة</title>
<item><title>وزير الخارجية يستقبل نظيره</title><guid>cp-1</guid><description>نص الخبر بترميز قديم.</description></item></channel></rss>`)
	if err != nil {
		t.Fatal(err)
	}
	serveBytes := func(ct string, body []byte) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		})
	}
	latest := func(c *cluster, source string) []string {
		its, err := c.store.Latest(context.Background(), "s:"+source, 500)
		if err != nil {
			return nil
		}
		titles := make([]string, len(its))
		for i, it := range its {
			titles[i] = it.GUID + " " + it.Title
		}
		return titles
	}
	scenarios := []hostileScenario{
		{name: "none (baseline: the good source alone)", url: "{{feeds}}/hostile/", serve: serveBytes("application/rss+xml", []byte(staticFeed)),
			check: func(t *testing.T, c *cluster) bool { return len(latest(c, "hostile")) == 1 }},
		{name: fmt.Sprintf("gzip bomb (1 GiB of zeros in %d KB)", bomb.Len()/1000), url: "{{feeds}}/hostile/", wantError: []string{"too large"},
			serve: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(bomb.Bytes())
			})},
		{name: "100 MB body, no Content-Length", url: "{{feeds}}/hostile/", wantError: []string{"too large"},
			serve: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				_, _ = w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
				chunk := bytes.Repeat([]byte("ا"), 1<<19) // 1 MB
				for range 100 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			})},
		{name: "slow loris (a byte every 200 ms, fetch.timeout 2s)", url: "{{feeds}}/hostile/", wantError: []string{"deadline exceeded"},
			serve: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.WriteHeader(http.StatusOK)
				for _, b := range []byte(staticFeed + strings.Repeat(" ", 1000)) {
					if _, err := w.Write([]byte{b}); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					select {
					case <-r.Context().Done():
						return
					case <-time.After(200 * time.Millisecond):
					}
				}
			})},
		{name: "redirect loop", url: "{{feeds}}/hostile/a", wantError: []string{"redirect loop", "too many redirects"},
			serve: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next := "/hostile/b"
				if r.URL.Path == "/hostile/b" {
					next = "/hostile/a"
				}
				http.Redirect(w, r, next, http.StatusFound)
			})},
		{name: "redirect to 127.0.0.1", guarded: true, url: "http://news.example:{{port}}/hostile/",
			resolve:   "news.example=203.0.113.7@127.0.0.1:{{port}}",
			wantError: []string{"redirect to http://127.0.0.1:", "address not allowed"},
			serve: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://127.0.0.1"+r.Host[strings.LastIndex(r.Host, ":"):]+"/good.xml", http.StatusFound)
			})},
		{name: "a name resolving to 10.0.0.1", guarded: true, url: "http://intranet.example/feed.xml",
			resolve: "intranet.example=10.0.0.1", wantError: []string{"10.0.0.1 is not public", "address not allowed"}},
		{name: "malformed XML (unterminated CDATA)", url: "{{feeds}}/hostile/", wantError: []string{"parse feed"},
			serve: serveBytes("application/rss+xml", []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>مكسور</title><item><title>خبر</title><description><![CDATA[نص بلا نهاية`))},
		{name: "windows-1256 without a declaration", url: "{{feeds}}/hostile/", serve: serveBytes("text/xml", []byte(cp1256)),
			check: func(t *testing.T, c *cluster) bool {
				got := latest(c, "hostile")
				return len(got) == 1 && got[0] == "cp-1 وزير الخارجية يستقبل نظيره"
			}},
		{name: fmt.Sprintf("%d minimal items in 5 MiB (the default body cap)", minimalCount), url: "{{feeds}}/hostile/",
			serve: serveBytes("application/rss+xml", minimal5MiB),
			check: func(t *testing.T, c *cluster) bool {
				// Undated, so the first 200 in feed order count as newest.
				return len(latest(c, "hostile")) == 200
			}, wantLog: "feed holds more items than a poll handles"},
		{name: fmt.Sprintf("200,000 items, %.0f MB (fetch.max_bytes 32 MiB)", float64(len(items200k))/1e6), url: "{{feeds}}/hostile/",
			fetchYAML: "  max_bytes: 33554432\n", serve: serveBytes("application/rss+xml", items200k),
			check: func(t *testing.T, c *cluster) bool {
				got := latest(c, "hostile")
				return len(got) == 200 && strings.HasPrefix(got[0], "m199999 خبر 199999")
			}, wantLog: "feed holds more items than a poll handles"},
	}
	var results []hostileResult
	for _, sc := range scenarios {
		ok := t.Run(sc.name, func(t *testing.T) {
			r := runHostile(t, bin, sc)
			r.name = sc.name
			results = append(results, r)
		})
		if !ok {
			break
		}
	}
	for _, r := range results {
		t.Logf("%-52s peak RSS %6.1f MiB; good source: %d fetches, longest gap %v, new item delivered in %v; logged: %s",
			r.name, float64(r.peakKiB)/1024, r.fetches, r.gap.Round(10*time.Millisecond), r.deliver.Round(10*time.Millisecond), r.errorShown)
	}
}

// hostileResult is what one hostile scenario measured.
type hostileResult struct {
	name       string
	peakKiB    int
	gap        time.Duration
	fetches    int
	deliver    time.Duration
	errorShown string
}

// Bounds on the program's peak RSS next to a hostile source: under the
// default 5 MiB body cap (the body read, the parse of at most
// feeds.MaxParsedItems items, the Go runtime's slack; an idle program is
// 27 MiB), and with fetch.max_bytes raised to 32 MiB. Before
// feeds.MaxParsedItems, 5 MiB of minimal items peaked at 157 MiB and
// 200,000 items (22 MB) at 236 MiB; with it, 58 and 87.
const (
	hostilePeakKiB       = 80 << 10
	hostilePeakRaisedKiB = 128 << 10
)

func runHostile(t *testing.T, bin string, sc hostileScenario) hostileResult {
	good := &growingFeed{}
	good.add("خبر قديم")
	goodTimes := &fetchTimes{}
	mux := http.NewServeMux()
	mux.HandleFunc("/good.xml", func(w http.ResponseWriter, r *http.Request) {
		goodTimes.add()
		good.ServeHTTP(w, r)
	})
	if sc.serve != nil {
		mux.Handle("/hostile/", sc.serve)
	}
	// The feed server's port is needed before the config is written:
	// listen first, hand the config the address.
	fs := httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	port := fs.URL[strings.LastIndex(fs.URL, ":")+1:]
	url := strings.NewReplacer("{{feeds}}", fs.URL, "{{port}}", port).Replace(sc.url)
	yaml := fmt.Sprintf(`fetch:
  timeout: 2s
  allow_private_addresses: false
%s
sources:
  - id: good
    name: جيد
    url: %s/good.xml
    schedule: "@every 1s"
    allow_private_addresses: true
  - id: hostile
    name: معاد
    url: %s
    schedule: "@every 1s"
    allow_private_addresses: %v
`, sc.fetchYAML, fs.URL, url, !sc.guarded)
	c := newClusterWith(t, bin, telegramtest.Options{NoCallLog: true}, yaml, nil)
	if sc.resolve != "" {
		c.env = append(c.env, "AKHBAR_TEST_RESOLVE="+strings.ReplaceAll(sc.resolve, "{{port}}", port))
	}
	ctx := context.Background()
	if _, err := c.store.Subscribe(ctx, 1, bot.SourceTarget("good")); err != nil {
		t.Fatal(err)
	}
	p := c.start(t)
	defer p.kill(syscall.SIGKILL)
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", p.stderr.String())
		}
	}()
	waitFor(t, "the good source's first poll", 20*time.Second, func() bool { _, n := goodTimes.maxGap(time.Time{}); return n > 0 })
	from := time.Now()
	var r hostileResult
	waitFor(t, "the hostile poll's outcome", 20*time.Second, func() bool {
		if sc.check != nil {
			return sc.check(t, c)
		}
		for _, e := range pollErrors(p.stderr.String(), "hostile") {
			if containsAll(e, sc.wantError) {
				r.errorShown = e
				return true
			}
		}
		return false
	})
	if sc.check != nil {
		if errs := pollErrors(p.stderr.String(), "hostile"); len(errs) > 0 {
			t.Errorf("polls of the hostile source failed: %q", errs)
		}
		r.errorShown = "(no error: items stored as checked)"
		if sc.wantLog != "" {
			if !strings.Contains(p.stderr.String(), `"msg":"`+sc.wantLog+`"`) {
				t.Errorf("no %q in the log", sc.wantLog)
			}
			r.errorShown = sc.wantLog + " (items stored as checked)"
		}
	}
	// The good source, meanwhile and after: a new item reaches its reader.
	const title = "خبر جديد في الموعد"
	good.add(title)
	added := time.Now()
	waitFor(t, "the good source's new item", 20*time.Second, func() bool { return len(copies(c.tg, title)) > 0 })
	r.deliver = time.Since(added)
	// At least three polls of the good source since the hostile one began,
	// so that its schedule is measured over a few periods.
	waitFor(t, "three polls of the good source", 20*time.Second, func() bool { _, n := goodTimes.maxGap(from); return n >= 3 })
	r.gap, r.fetches = goodTimes.maxGap(from)
	_, peak, err := rss(p.cmd.Process.Pid)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	r.peakKiB = peak
	if r.gap > 2500*time.Millisecond {
		t.Errorf("the good source (every 1s) went %v without a poll", r.gap)
	}
	if r.deliver > 3*time.Second {
		t.Errorf("the good source's new item took %v to arrive, want under 3s (polled every 1s)", r.deliver)
	}
	bound := hostilePeakKiB
	if sc.fetchYAML != "" {
		bound = hostilePeakRaisedKiB
	}
	if peak > bound {
		t.Errorf("peak RSS %d KiB, want under %d KiB", peak, bound)
	}
	return r
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
