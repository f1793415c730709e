package telegram

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
)

// TestFastSendManyStaleConnectionsRetried: after a burst that opened more
// kept-alive connections than the retry budget (MaxIdemponentCallAttempts,
// 4), the server closes them all while idle (its keep-alive timeout after
// a lull). net/http's reader goroutines drop each at its close, so the
// next send dials afresh; here the next send must not fail for having
// popped one stale connection after another: nothing was written, so
// nothing stops it from going on a new connection.
func TestFastSendManyStaleConnectionsRetried(t *testing.T) {
	const burst = 6
	var (
		mu      sync.Mutex
		conns   []net.Conn
		arrived = make(chan struct{})
		n       int
	)
	srv := newRawServer(t, func(conn net.Conn, r *http.Request) {
		mu.Lock()
		n++
		first := n <= burst
		if first {
			conns = append(conns, conn)
			if n == burst {
				close(arrived)
			}
		}
		mu.Unlock()
		if first {
			<-arrived // every burst send holds its own connection
		}
		writeAnswer(conn, sentMessageAnswer)
	})
	c, err := New(context.Background(), token, srv.URL(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			if _, err := c.Send(context.Background(), bot.Message{ChatID: int64(i + 1), Text: "x"}); err != nil {
				t.Errorf("burst send %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	// The lull: the server drops every idle connection.
	mu.Lock()
	for _, conn := range conns {
		conn.Close()
	}
	mu.Unlock()
	time.Sleep(50 * time.Millisecond) // the closes reach the client's sockets
	if _, err := c.Send(context.Background(), bot.Message{ChatID: 99, Text: "after the lull"}); err != nil {
		t.Fatalf("send after the server closed %d idle connections: %v", burst, err)
	}
}
