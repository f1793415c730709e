package telegram

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
)

// rawServer is a Bot API server on a plain TCP listener, so a test decides
// what happens to the connection after each hot request: hot is called
// with each one's connection, after the request was read, and answers it
// (or not).
type rawServer struct {
	ln    net.Listener
	conns atomic.Int32 // connections accepted
	sends atomic.Int32 // hot requests read
	hot   func(conn net.Conn, r *http.Request)
	wg    sync.WaitGroup
	mu    sync.Mutex
	open  map[net.Conn]bool // closed at the test's end, idle or not
}

func newRawServer(t *testing.T, hot func(conn net.Conn, r *http.Request)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, hot: hot, open: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) URL() string { return "http://" + s.ln.Addr().String() }

func (s *rawServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.conns.Add(1)
		s.mu.Lock()
		s.open[conn] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			br := bufio.NewReader(conn)
			for {
				r, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(strings.NewReader(string(body)))
				if strings.HasSuffix(r.URL.Path, "/getMe") {
					writeAnswer(conn, getMeAnswer)
					continue
				}
				s.sends.Add(1)
				s.hot(conn, r)
			}
		}()
	}
}

// writeAnswer writes a kept-alive 200 answer carrying body.
func writeAnswer(w io.Writer, body string) {
	fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// TestFastSendReusesConnections: the hot path is fasthttp's (the client's
// transport is an *http.Transport with no proxy), its requests are those
// net/http wrote (method, path, Content-Type, body), and sequential sends
// share one kept-alive connection.
func TestFastSendReusesConnections(t *testing.T) {
	type seen struct{ method, path, ctype, ua, body string }
	var mu sync.Mutex
	var got []seen
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), string(b)})
		mu.Unlock()
		writeAnswer(conn, sentMessageAnswer)
	})
	c, err := New(context.Background(), token, srv.URL(), &http.Client{Timeout: 10 * time.Second, Transport: NewTransport(4)})
	if err != nil {
		t.Fatal(err)
	}
	if c.fast == nil {
		t.Fatal("hot path on net/http, want fasthttp's")
	}
	for i := range 20 {
		id, err := c.Send(context.Background(), bot.Message{ChatID: int64(i + 1), Text: "خبر"})
		if err != nil || id != 4242 {
			t.Fatalf("send %d: id %d, %v", i, id, err)
		}
	}
	if err := c.Edit(context.Background(), 5, 6, bot.Message{Text: "x", EditCaption: true}); err != nil {
		t.Fatal(err)
	}
	// getMe's connection (net/http's) and one for all the hot sends.
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (getMe's, and one kept alive for 21 sends)", n)
	}
	want := seen{"POST", "/bot" + token + "/sendMessage", "application/json", "Go-http-client/1.1", `{"chat_id":3,"text":"خبر"}`}
	if len(got) != 21 || got[2] != want {
		t.Fatalf("%d requests; the third %+v, want %+v", len(got), got[min(2, len(got)-1)], want)
	}
	if last := got[20]; last.path != "/bot"+token+"/editMessageCaption" || last.body != `{"chat_id":5,"message_id":6,"caption":"x"}` {
		t.Errorf("edit sent as %+v", last)
	}
}

// TestFastSendConcurrentSends: senders at once each get their own answer
// over a few kept-alive connections (run under -race too).
func TestFastSendConcurrentSends(t *testing.T) {
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) {
		var p struct {
			ChatID int64 `json:"chat_id"`
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Sscanf(string(b), `{"chat_id":%d`, &p.ChatID)
		writeAnswer(conn, fmt.Sprintf(`{"ok":true,"result":{"message_id":%d}}`, p.ChatID*10))
	})
	c, err := New(context.Background(), token, srv.URL(), &http.Client{Timeout: 10 * time.Second, Transport: NewTransport(8)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				chat := int64(w*1000 + i + 1)
				id, err := c.Send(context.Background(), bot.Message{ChatID: chat, Text: "x"})
				if err != nil || id != int(chat*10) {
					t.Errorf("chat %d: id %d, %v", chat, id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := srv.conns.Load(); n > 9 {
		t.Errorf("%d connections for 8 senders, want at most 9 (getMe's and one per sender)", n)
	}
}

// TestFastSendStaleConnectionRetried: a kept-alive connection the server
// closed while it was idle is not written to; the send goes on a new
// connection, once, as net/http's would.
func TestFastSendStaleConnectionRetried(t *testing.T) {
	closed := make(chan struct{}, 10)
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) {
		writeAnswer(conn, sentMessageAnswer) // kept alive, says the answer ...
		conn.Close()                         // ... but the server drops it once idle
		closed <- struct{}{}
	})
	c, err := New(context.Background(), token, srv.URL(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"}); err != nil {
			t.Fatalf("send %d over a connection the server closed while idle: %v", i, err)
		}
		<-closed
		time.Sleep(20 * time.Millisecond) // the close reaches the client's socket
	}
	if n := srv.sends.Load(); n != 3 {
		t.Errorf("server read %d sends, want 3 (none twice)", n)
	}
	if n := srv.conns.Load(); n != 4 {
		t.Errorf("%d connections, want 4 (getMe's, and one per send)", n)
	}
}

// TestFastSendClosedAfterRequestReported: a connection closed after the
// request went out (Telegram may have sent the message) is reported, a
// plain retryable error with the token redacted, never sent again here.
func TestFastSendClosedAfterRequestReported(t *testing.T) {
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) { conn.Close() })
	c, err := New(context.Background(), token, srv.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"})
	if err == nil {
		t.Fatal("no error")
	}
	checkNetworkError(t, err)
	if n := srv.sends.Load(); n != 1 {
		t.Errorf("server read %d sends, want 1: a request that went out is not repeated", n)
	}
}

// TestFastSendRefusedReported: a refused connection is reported as
// net/http reported it: a *url.Error naming the redacted URL.
func TestFastSendRefusedReported(t *testing.T) {
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) { writeAnswer(conn, sentMessageAnswer) })
	c, err := New(context.Background(), token, srv.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.ln.Close()
	_, err = c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"})
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	checkNetworkError(t, err)
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not say the connection was refused", err)
	}
}

// checkNetworkError: err is a network error as the delivery policy sees
// one (none of the bot package's kinds, so retried), says the call's URL
// redacted, and carries no token.
func checkNetworkError(t *testing.T, err error) {
	t.Helper()
	for _, kind := range errorKinds {
		if errors.Is(err, kind) {
			t.Errorf("error %q is %v, want a plain network error", err, kind)
		}
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Errorf("error %q is not a *url.Error", err)
	}
	if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "/bot<token>/sendMessage") {
		t.Errorf("error %q: want the call's URL, redacted", err)
	}
}

// TestFastSendDeadlines: every send has a deadline, the context's or the
// client's Timeout, whichever comes first, and a context already done
// sends nothing.
func TestFastSendDeadlines(t *testing.T) {
	release := make(chan struct{})
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) {
		<-release // never answers while the test runs
	})
	t.Cleanup(func() { close(release) })
	c, err := New(context.Background(), token, srv.URL(), &http.Client{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, ctx context.Context, within time.Duration) {
		t.Helper()
		start := time.Now()
		_, err := c.Send(ctx, bot.Message{ChatID: 1, Text: "x"})
		took := time.Since(start)
		if err == nil || took > within {
			t.Fatalf("%s: err %v after %v, want an error within %v", name, err, took, within)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: error %q is not context.DeadlineExceeded", name, err)
		}
		checkNetworkError(t, err)
	}
	check("client timeout", context.Background(), 5*time.Second)
	c.http.Timeout = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	check("context deadline", ctx, 5*time.Second)
	check("context past its deadline", ctx, 5*time.Second)

	done, stop := context.WithCancel(context.Background())
	stop()
	before := srv.sends.Load()
	_, err = c.Send(done, bot.Message{ChatID: 1, Text: "x"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("send under a cancelled context: %v, want context.Canceled", err)
	}
	if srv.sends.Load() != before {
		t.Error("a send under a cancelled context reached the server")
	}
}

// TestFastSendAnswerCap: an answer over maxAnswer is an error, not read
// into memory whole.
func TestFastSendAnswerCap(t *testing.T) {
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) {
		writeAnswer(conn, `{"ok":true,"result":{"message_id":1,"text":"`+strings.Repeat("x", maxAnswer)+`"}}`)
	})
	c, err := New(context.Background(), token, srv.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"}); !errors.Is(err, errAnswerTooLarge) {
		t.Errorf("answer over 1 MiB: %v", err)
	}
}

// TestFastSendTLS: over TLS, with the roots the client's transport was
// given, a server offering HTTP/2 is spoken to in HTTP/1.1, over one
// kept-alive connection.
func TestFastSendTLS(t *testing.T) {
	var conns atomic.Int32
	var protos sync.Map
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos.Store(r.Proto, true)
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			io.WriteString(w, getMeAnswer)
			return
		}
		io.WriteString(w, sentMessageAnswer)
	}))
	ts.EnableHTTP2 = true
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	tr := NewTransport(2)
	tr.TLSClientConfig.RootCAs = ts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c, err := New(context.Background(), token, ts.URL, &http.Client{Timeout: 10 * time.Second, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	if c.fast == nil {
		t.Fatal("hot path on net/http, want fasthttp's")
	}
	for i := range 10 {
		if _, err := c.Send(context.Background(), bot.Message{ChatID: int64(i + 1), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (getMe's, and one kept alive for the sends)", n)
	}
	protos.Range(func(k, _ any) bool {
		if k != "HTTP/1.1" {
			t.Errorf("a request came over %v", k)
		}
		return true
	})

	// Without the test's roots, the server's certificate is refused.
	bare, err := New(context.Background(), token, ts.URL, &http.Client{Timeout: 10 * time.Second, Transport: NewTransport(1)})
	if err == nil {
		t.Fatalf("getMe over an unknown certificate succeeded (%v)", bare.fast)
	}
	tr2 := NewTransport(1)
	tr2.TLSClientConfig.RootCAs = tr.TLSClientConfig.RootCAs
	c2, err := New(context.Background(), token, ts.URL, &http.Client{Timeout: 10 * time.Second, Transport: tr2})
	if err != nil {
		t.Fatal(err)
	}
	tr2.TLSClientConfig.RootCAs = nil // the hot path took its own copy at New
	if _, err := c2.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"}); err != nil {
		t.Errorf("send after the transport's config changed: %v", err)
	}
}

// proxyAnswers is a forward proxy in front of a fake Bot API: it answers
// what it is asked for itself and counts the hot requests.
func proxyAnswers(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hot atomic.Int32
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			io.WriteString(w, getMeAnswer)
			return
		}
		hot.Add(1)
		io.WriteString(w, sentMessageAnswer)
	}))
	t.Cleanup(p.Close)
	return p, &hot
}

// TestFastSendProxyKeepsNetHTTP: when the transport's proxy applies to the
// API URL, the hot sends stay on net/http, which goes through the proxy.
func TestFastSendProxyKeepsNetHTTP(t *testing.T) {
	p, hot := proxyAnswers(t)
	pu, _ := url.Parse(p.URL)
	tr := NewTransport(1)
	tr.Proxy = http.ProxyURL(pu)
	c, err := New(context.Background(), token, "http://api.telegram.example", &http.Client{Timeout: 10 * time.Second, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	if c.fast != nil {
		t.Error("hot path on fasthttp behind a proxy, want net/http's")
	}
	if _, err := c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"}); err != nil || hot.Load() != 1 {
		t.Errorf("send through the proxy: %v; proxy saw %d sends", err, hot.Load())
	}
}

// TestFastSendProxyEnvKeepsNetHTTP: the same with HTTP_PROXY set, as
// NewTransport reads it (http.ProxyFromEnvironment, read once per process:
// so in a process of its own).
func TestFastSendProxyEnvKeepsNetHTTP(t *testing.T) {
	if os.Getenv("AKHBAR_TEST_PROXY_CHILD") != "" {
		c, err := New(context.Background(), token, "http://api.telegram.example", &http.Client{Timeout: 10 * time.Second, Transport: NewTransport(1)})
		if err != nil {
			t.Fatal(err)
		}
		if c.fast != nil {
			t.Error("hot path on fasthttp with HTTP_PROXY set, want net/http's")
		}
		if _, err := c.Send(context.Background(), bot.Message{ChatID: 1, Text: "x"}); err != nil {
			t.Errorf("send through the proxy: %v", err)
		}
		return
	}
	p, hot := proxyAnswers(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFastSendProxyEnvKeepsNetHTTP$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "AKHBAR_TEST_PROXY_CHILD=1", "HTTP_PROXY="+p.URL, "http_proxy="+p.URL, "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestFastSendProxyEnvKeepsNetHTTP") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if hot.Load() != 1 {
		t.Errorf("proxy saw %d sends, want 1", hot.Load())
	}
}

// BenchmarkFastSend measures a send over each path against the same
// loopback server: fasthttp's (the hot path) and net/http's (as before,
// and behind a proxy).
func BenchmarkFastSend(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			io.WriteString(w, getMeAnswer)
			return
		}
		io.WriteString(w, sentMessageAnswer)
	}))
	b.Cleanup(ts.Close)
	m := bot.Message{ChatID: 77, Text: cardText, HTML: true, DisablePreview: true}
	for _, path := range []string{"fasthttp", "net-http"} {
		b.Run(path, func(b *testing.B) {
			c, err := New(context.Background(), token, ts.URL, &http.Client{Timeout: 10 * time.Second, Transport: NewTransport(4)})
			if err != nil {
				b.Fatal(err)
			}
			if path == "net-http" {
				c.fast = nil
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Send(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
