package telegram

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// The hot sends (wire.go) go over fasthttp's HostClient rather than
// net/http's Transport. net/http gives every HTTP/1.1 connection a reader
// and a writer goroutine: a send hands its request to the writer and gets
// its answer back from the reader, two goroutine hand-offs per send, each
// waking an idle thread. In issue 14's load scenario those goroutines and
// the scheduler work they cause were the largest part of the CPU profile.
// fasthttp's caller writes and reads the connection itself, from a pool of
// kept-alive connections, with pooled request and answer objects.
//
// What it does not do, and how this file makes up for it:
//   - cancellation: fasthttp has deadlines, not contexts. Every send has a
//     deadline (the context's, the http.Client's Timeout, or
//     defaultSendTimeout), and a context already done is not sent; but a
//     context cancelled while its send is on the wire does not interrupt
//     it: the send ends at its answer or its deadline. The deliveries'
//     sends are not cancelled at shutdown anyway (the delivery engine
//     detaches them from the shutdown, bounded by its own timeout); a
//     reply or an edit in flight at shutdown now delays it by up to its
//     deadline instead of ending at once.
//   - noticing a kept-alive connection the server closed while it was
//     idle: net/http's reader goroutine sees the close and drops the
//     connection; here the next send looks first (keptConn), and a send
//     that wrote nothing to a dead connection is retried on a new one, as
//     net/http retries it.
//   - proxies: a proxy that applies to the API URL keeps the whole hot
//     path on net/http (newFastSender), which speaks CONNECT and proxy
//     authentication; this path does not half-support them.
//
// Everything else (getUpdates through the library, files, getMe) stays on
// net/http.

// defaultSendTimeout bounds a send whose context has no deadline, of a
// client without a Timeout: fasthttp has no cancellation, so a send with
// no deadline could wait forever on a server that never answers.
const defaultSendTimeout = 60 * time.Second

// fastSender carries the hot requests to one Bot API server.
type fastSender struct {
	hc *fasthttp.HostClient
}

// newFastSender builds the hot path to apiURL with what hc's transport
// says (TLS configuration, dialer, limits), or returns nil when the hot
// requests must stay on net/http: hc's transport is not an *http.Transport
// (a test's, a wrapper's), or a proxy applies to the API URL
// (HTTPS_PROXY/HTTP_PROXY through http.ProxyFromEnvironment, NewTransport's
// Proxy), or the transport dials TLS its own way.
func newFastSender(apiURL string, hc *http.Client) *fastSender {
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok || tr.DialTLSContext != nil || tr.DialTLS != nil || tr.Dial != nil {
		return nil
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	if tr.Proxy != nil {
		p, err := tr.Proxy(&http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}})
		if err != nil || p != nil {
			return nil
		}
	}
	isTLS := u.Scheme == "https"
	port := u.Port()
	if port == "" {
		port = "80"
		if isTLS {
			port = "443"
		}
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	var cfg *tls.Config
	if isTLS {
		cfg = &tls.Config{}
		if tr.TLSClientConfig != nil {
			cfg = tr.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		// HTTP/1.1 is all this path speaks; say so in the handshake (ALPN),
		// as NewTransport does.
		cfg.NextProtos = []string{"http/1.1"}
	}
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	handshake := tr.TLSHandshakeTimeout
	writeBuf := tr.WriteBufferSize
	if writeBuf <= 0 {
		// A send's request fits whole, to leave in one write (NewTransport).
		writeBuf = 32 << 10
	}
	idle := tr.IdleConnTimeout
	if idle <= 0 {
		idle = 90 * time.Second
	}
	h := &fasthttp.HostClient{
		Addr:      addr,
		IsTLS:     isTLS,
		TLSConfig: cfg,
		// The dial is ours: the transport's dialer, the TLS handshake under
		// the send's deadline, and the connection wrapped to notice a
		// server's close (keptConn).
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			return dialKept(dial, addr, timeout, cfg, handshake)
		},
		// As net/http says itself, so the requests on the wire stay as
		// they were.
		Name:                "Go-http-client/1.1",
		MaxIdleConnDuration: idle,
		MaxResponseBodySize: maxAnswer,
		WriteBufferSize:     writeBuf,
		ReadBufferSize:      8 << 10,
		// A POST is retried only when it never left: written to a
		// connection found dead first (keptConn). Anything else (a refused
		// dial, a connection closed after the request went out) is
		// reported, the delivery policy's to retry. The attempts are not
		// capped low: after a lull the server may have closed every idle
		// connection, and each stale one costs an attempt (it is closed,
		// so the pool bounds them, and so does the send's deadline); a
		// cap of 4 failed the send after 4 stale connections, unsent.
		MaxIdemponentCallAttempts: math.MaxInt32,
		RetryIfErr: func(_ *fasthttp.Request, _ int, err error) (bool, bool) {
			return false, errors.Is(err, errStaleConn)
		},
		DisablePathNormalizing: true,
	}
	if tr.MaxConnsPerHost > 0 {
		h.MaxConns = tr.MaxConnsPerHost
		// A send waits for a connection, as net/http's would, rather than
		// failing at once with ErrNoFreeConns.
		h.MaxConnWaitTimeout = defaultSendTimeout
	}
	return &fastSender{hc: h}
}

// do posts body to endpoint and returns the answer's status and body,
// passed to read before the answer goes back to its pool. The send's
// deadline is the context's, or timeout from now when sooner (the
// http.Client's Timeout), or defaultSendTimeout from now.
func (f *fastSender) do(ctx context.Context, endpoint string, body []byte, timeout time.Duration, read func(status int, answer []byte) error) error {
	if err := ctx.Err(); err != nil {
		return &url.Error{Op: "Post", URL: endpoint, Err: err}
	}
	now := time.Now()
	deadline, ok := ctx.Deadline()
	if !ok {
		if timeout <= 0 {
			timeout = defaultSendTimeout
		}
		deadline = now.Add(timeout)
	} else if timeout > 0 && deadline.Sub(now) > timeout {
		deadline = now.Add(timeout)
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(endpoint)
	req.Header.SetMethod(http.MethodPost)
	req.Header.SetContentType("application/json")
	// Not copied: the body is written before DoDeadline returns.
	req.SetBodyRaw(body)
	if err := f.hc.DoDeadline(req, resp, deadline); err != nil {
		switch {
		case errors.Is(err, fasthttp.ErrBodyTooLarge):
			return fmt.Errorf("read answer (HTTP %d): %w", resp.StatusCode(), errAnswerTooLarge)
		case errors.Is(err, fasthttp.ErrTimeout):
			// As net/http says a deadline passed, so errors.Is finds it.
			err = context.DeadlineExceeded
		}
		return &url.Error{Op: "Post", URL: endpoint, Err: err}
	}
	return read(resp.StatusCode(), resp.Body())
}

// errStaleConn is a kept-alive connection found closed by the server
// before a request was written to it: the request can go on a new one.
var errStaleConn = errors.New("telegram: kept-alive connection closed by the server")

// dialKept dials addr with dial, and for TLS (cfg not nil) completes the
// handshake before the connection is used, all within timeout (or the
// transport's handshake timeout, when shorter): fasthttp would otherwise
// handshake inside the first write, with no read deadline yet set.
func dialKept(dial func(ctx context.Context, network, addr string) (net.Conn, error), addr string, timeout time.Duration, cfg *tls.Config, handshake time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = defaultSendTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	var raw syscall.RawConn
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err = sc.SyscallConn(); err != nil {
			raw = nil
		}
	}
	k := &keptConn{Conn: conn, raw: raw}
	if cfg == nil {
		return k, nil
	}
	tc := tls.Client(conn, cfg)
	hctx := ctx
	if handshake > 0 {
		var hcancel context.CancelFunc
		hctx, hcancel = context.WithTimeout(ctx, handshake)
		defer hcancel()
	}
	if err := tc.HandshakeContext(hctx); err != nil {
		conn.Close()
		return nil, err
	}
	k.Conn, k.tls = tc, tc
	return k, nil
}

// keptConn is a connection of the hot path: the TLS or TCP connection
// fasthttp reads and writes, and the socket under it. A write that follows
// a read is a new request on a kept-alive connection; before it, the
// socket is looked at without blocking, and one the server has closed (or
// written to unasked: an error page, a TLS close_notify) is refused with
// errStaleConn, nothing written, for the request to be retried on a new
// connection. fasthttp uses a connection from one goroutine at a time.
type keptConn struct {
	net.Conn
	raw  syscall.RawConn // nil: not a socket, not looked at
	tls  *tls.Conn       // nil over plain HTTP
	read bool            // read since the last write
}

func (k *keptConn) Read(p []byte) (int, error) {
	k.read = true
	return k.Conn.Read(p)
}

func (k *keptConn) Write(p []byte) (int, error) {
	if k.read {
		k.read = false
		if k.raw != nil && !socketIdle(k.raw) {
			return 0, errStaleConn
		}
	}
	return k.Conn.Write(p)
}

// Handshake tells fasthttp the connection is TLS already (dialKept
// completed the handshake), so it does not wrap it again.
func (k *keptConn) Handshake() error {
	if k.tls == nil {
		return nil
	}
	return k.tls.Handshake()
}
