package telegram

import (
	"crypto/tls"
	"net/http"
)

// NewTransport is the HTTP transport to the Bot API for `senders`
// goroutines sending at once: HTTP/1.1, with one kept-alive connection
// per sender.
//
// api.telegram.org offers HTTP/2 too, which http.DefaultTransport would
// take, but a send costs more CPU over it (issue 14's load scenario over
// TLS, AKHBAR_LOAD_TLS: 0.41 CPU-s per 1,000 deliveries against 0.33-0.37
// over HTTP/1.1): net/http's HTTP/2 client starts a goroutine per request,
// whose stack grows each time it encrypts, and writes the headers and the
// body in two TLS records, where HTTP/1.1's connection goroutines live on
// and a send leaves in one write. HTTP/1.1 also keeps a dead connection to
// the send that found it: a send that times out closes its connection,
// where every HTTP/2 send would share the one that died. A local Bot API
// server speaks HTTP/1.1 alone, in plain text.
//
// The hot sends do not go through this transport but through fasthttp
// (fastsend.go), which New builds from it: its TLS configuration, dialer
// and idle timeout. The transport still carries the rest (long polling,
// files, getMe), and the hot sends too when its proxy applies.
func NewTransport(senders int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	t.Protocols = &protocols
	t.ForceAttemptHTTP2 = false
	// Say so in the TLS handshake (ALPN); a clone of a DefaultTransport
	// already used would offer h2 there.
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.NextProtos = []string{"http/1.1"}
	// One kept-alive connection per sender, and a few for the rest (long
	// polling, edits, digests): with the default two, sends queue behind
	// new connections and reach Telegram in bunches, and a connection
	// beyond the limit is closed when its request ends, to be dialled
	// (a TLS handshake) again by the next burst.
	t.MaxIdleConnsPerHost = max(senders, 8) + 8
	// A send's request (a card of up to 4,096 characters of Arabic HTML
	// and its keyboard) fits the write buffer whole, so it leaves in one
	// write: with the default 4 KiB, the headers, the rest of the buffer
	// and the body's tail went in two or three writes (and a 32 KiB copy
	// buffer), the largest syscall cost of a delivery (issue 14).
	t.WriteBufferSize = 32 << 10
	// Answers come uncompressed: they are small JSON (a sent message, a
	// few hundred bytes), where a gzip reader per answer (its inflate
	// state allocated each time) costs more CPU than the bytes it saves.
	// The Bot API server never compresses (tdlib/telegram-bot-api's
	// HttpConnection::send_response); this keeps a front that would from
	// doing it for every send.
	t.DisableCompression = true
	return t
}
