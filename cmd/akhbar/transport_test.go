package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegram"
)

// TestTelegramTransport: the Bot API transport speaks HTTP/1.1 to a
// server that offers HTTP/2 too (as api.telegram.org does), and a
// connection that went silent (a NAT forgot it) costs the one send that
// found it: the next goes over a new connection.
func TestTelegramTransport(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	px := newFreezingProxy(t, srv.Listener.Addr().String())

	tr := telegram.NewTransport(8)
	t.Cleanup(tr.CloseIdleConnections)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr.TLSClientConfig.RootCAs = pool
	client := &http.Client{Transport: tr}
	get := func(timeout time.Duration) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+px.addr+"/", nil)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if proto, err := get(5 * time.Second); err != nil || proto != "HTTP/1.1" {
		t.Fatalf("first request: %q, %v; want HTTP/1.1", proto, err)
	}
	px.freeze() // the connection stays open, and nothing passes any more
	if proto, err := get(300 * time.Millisecond); err == nil {
		t.Fatalf("request over the silent connection answered %q", proto)
	}
	if proto, err := get(5 * time.Second); err != nil || proto != "HTTP/1.1" {
		t.Fatalf("request after the connection went silent: %q, %v; want an answer over a new connection", proto, err)
	}
	if n := px.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestTelegramTransportKeepsEverySendersConnection: a burst of requests
// from every goroutine that calls the Bot API (delivery's senders and the
// update workers, by the default config), then another, reuse the first
// burst's connections: none is closed for being over the idle limit and
// dialled again (a TLS handshake each, with api.telegram.org).
func TestTelegramTransportKeepsEverySendersConnection(t *testing.T) {
	cfg, err := ParseConfig("akhbar.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	senders := cfg.telegramSenders()
	if senders <= 16 {
		t.Fatalf("%d senders by default: the test wants more than the 16 a smaller limit kept", senders)
	}
	var conns atomic.Int64
	var inFlight sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every request of a burst waits for the others: the burst
		// takes a connection per sender.
		inFlight.Done()
		inFlight.Wait()
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	tr := telegram.NewTransport(senders)
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for range 2 {
		inFlight.Add(senders)
		errs := make(chan error, senders)
		for range senders {
			go func() {
				resp, err := client.Get(srv.URL)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				errs <- err
			}()
		}
		for range senders {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := conns.Load(); n != int64(senders) {
		t.Errorf("two bursts of %d requests took %d connections, want %d", senders, n, senders)
	}
}

// TestTelegramTransportAsksForPlainAnswers: the Bot API transport does
// not ask for compressed answers (Accept-Encoding: gzip, which net/http
// adds unless told not to), so no answer costs a gzip reader.
func TestTelegramTransportAsksForPlainAnswers(t *testing.T) {
	var accept atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept-Encoding"))
	}))
	t.Cleanup(srv.Close)
	tr := telegram.NewTransport(8)
	t.Cleanup(tr.CloseIdleConnections)
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := accept.Load(); got != "" {
		t.Errorf("the request said Accept-Encoding: %q, want none", got)
	}
}

// freezingProxy forwards TCP connections to upstream until freeze, after
// which the connections it holds carry nothing, still open; new ones
// carry as before.
type freezingProxy struct {
	addr   string
	conns  atomic.Int64
	mu     sync.Mutex
	frozen []*atomic.Bool // one per connection so far
}

func newFreezingProxy(t *testing.T, upstream string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &freezingProxy{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); up.Close() })
			p.conns.Add(1)
			frozen := new(atomic.Bool)
			p.mu.Lock()
			p.frozen = append(p.frozen, frozen)
			p.mu.Unlock()
			go forwardUnlessFrozen(up, c, frozen)
			go forwardUnlessFrozen(c, up, frozen)
		}
	}()
	return p
}

func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		f.Store(true)
	}
}

// forwardUnlessFrozen copies from src to dst, dropping what comes once
// frozen is set.
func forwardUnlessFrozen(dst, src net.Conn, frozen *atomic.Bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
