package storage_test

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// cutProxy forwards TCP connections to a Redis; once armed, it drops the
// next reply Redis sends and closes that connection: the commands ran,
// and the client sees the connection end before their answers.
type cutProxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	cuts   atomic.Int32
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	return p
}

func (p *cutProxy) handle(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() {
		_, _ = io.Copy(s, c)
		_ = s.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			if p.armed.CompareAndSwap(true, false) {
				p.cuts.Add(1)
				return // the reply is dropped, both ends closed
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestPipelineCutAfterRunTakesOneToken: a pipeline whose connection ends
// after Redis ran it (a network blip, a proxy's or a load balancer's
// reset) must not take the chat's token twice. go-redis runs a pipeline
// again on a new connection after an EOF or a timeout (MaxRetries, 3 by
// default), every command of it, whatever ran: the GCRA (like holdMany's
// booking, an XAUTOCLAIM, a plain INCR) runs twice. pipelined's rule only
// covers NOSCRIPT; this is go-redis's own retry, older than it.
func TestPipelineCutAfterRunTakesOneToken(t *testing.T) {
	t.Skip("defect: go-redis retries a whole pipeline after a network error that came after Redis ran it (MaxRetries): the GCRA takes the chat's token twice")
	direct := storagetest.Real(t)
	c, ok := direct.Client().(*redis.Client)
	if !ok {
		t.Skip("needs a single Redis")
	}
	proxy := newCutProxy(t, c.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: proxy.ln.Addr().String()})
	t.Cleanup(func() { _ = client.Close() })
	s := storage.New(client, storage.Options{Prefix: direct.Options().Prefix}) // its keys go with direct's
	ctx := t.Context()
	lim := storage.Limit{Rate: 2, Burst: 2, Period: time.Hour}
	counter := &noScriptCounter{}
	client.AddHook(counter)
	for n := range 5 {
		key := "chat:cut" + itoa(n)
		if _, err := s.Allow(ctx, "warm"+itoa(n), lim); err != nil { // loads the script
			t.Fatal(err)
		}
		counter.n.Store(0)
		proxy.armed.Store(true)
		wait, err := s.Allow(ctx, key, lim)
		if err != nil || wait != 0 {
			t.Fatalf("Allow after a cut: %v, %v; want a token", wait, err)
		}
		if proxy.cuts.Load() != int32(n+1) {
			t.Fatal("the proxy cut no reply: the test checked nothing")
		}
		if counter.n.Load() > 0 {
			continue // the script was lost (another test's flush): the cut run did nothing
		}
		// The burst holds two tokens: the call took one.
		if wait, err := s.Allow(ctx, key, lim); err != nil || wait != 0 {
			t.Errorf("second Allow waits %v (%v), want the burst's second token: the cut pipeline's GCRA ran twice", wait, err)
		}
		return
	}
	t.Fatal("the script answered NOSCRIPT in 5 tries: the test checked nothing")
}
