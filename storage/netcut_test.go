package storage_test

import (
	"context"
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

// openCut returns a Store on the real Redis through a cutProxy, opened
// as the program opens it (Open: the client's options are the store's),
// its keys under a prefix cleaned up when the test ends.
func openCut(t *testing.T) (*storage.Store, *cutProxy) {
	t.Helper()
	direct := storagetest.Real(t)
	c, ok := direct.Client().(*redis.Client)
	if !ok {
		t.Skip("needs a single Redis")
	}
	proxy := newCutProxy(t, c.Options().Addr)
	s, err := storage.Open(t.Context(), "redis://"+proxy.ln.Addr().String(), storage.Options{Prefix: direct.Options().Prefix}) // its keys go with direct's
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, proxy
}

// TestPipelineCutAfterRunTakesOneToken: a pipeline whose connection ends
// after Redis ran it (a network blip, a proxy's or a load balancer's
// reset) must not take the chat's token twice. go-redis runs a pipeline
// again on a new connection after an EOF or a timeout (MaxRetries, 3 by
// default), every command of it, whatever ran: the GCRA (like holdMany's
// booking, an XAUTOCLAIM, a plain INCR) would run twice. The client Open
// makes has no retries: the call fails, and its caller tries again.
func TestPipelineCutAfterRunTakesOneToken(t *testing.T) {
	s, proxy := openCut(t)
	ctx := t.Context()
	lim := storage.Limit{Rate: 2, Burst: 2, Period: time.Hour}
	counter := &noScriptCounter{}
	s.Client().AddHook(counter)
	for n := range 5 {
		key := "chat:cut" + itoa(n)
		if _, err := s.Allow(ctx, "warm"+itoa(n), lim); err != nil { // loads the script
			t.Fatal(err)
		}
		counter.n.Store(0)
		proxy.armed.Store(true)
		wait, err := s.Allow(ctx, key, lim)
		if proxy.cuts.Load() != int32(n+1) {
			t.Fatal("the proxy cut no reply: the test checked nothing")
		}
		if err == nil && wait != 0 {
			t.Fatalf("Allow after a cut waits %v; want a token or the network error", wait)
		}
		// The caller's next call (its retry when the cut one failed): the
		// burst holds two tokens, the cut call took one.
		wait2, err2 := s.Allow(ctx, key, lim)
		wait3, err3 := s.Allow(ctx, key, lim)
		if counter.n.Load() > 0 {
			continue // the script was lost (another test's flush): the cut run may have done nothing
		}
		checkCutTookOneToken(t, [3]time.Duration{wait, wait2, wait3}, err, err2, err3)
		return
	}
	t.Fatal("the script answered NOSCRIPT in 5 tries: the test checked nothing")
}

// TestEnsureGroupCutTriesAgain: the client sends nothing twice by itself,
// so EnsureGroup, which a replica's delivery cannot start without, tries
// again after a network error: creating the group again is safe.
func TestEnsureGroupCutTriesAgain(t *testing.T) {
	s, proxy := openCut(t)
	ctx := t.Context()
	// A replica's second call, the groups made: the cut falls on the
	// pipeline, not on a new connection's handshake (dialled again).
	if err := s.EnsureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	proxy.armed.Store(true)
	if err := s.EnsureGroup(ctx); err != nil {
		t.Fatalf("EnsureGroup after a cut: %v", err)
	}
	if proxy.cuts.Load() != 1 {
		t.Fatal("the proxy cut no reply: the test checked nothing")
	}
	// The groups are there: reading them answers no NOGROUP.
	if _, err := s.ReadJobs(ctx, "c1", 1, 0); err != nil {
		t.Fatalf("ReadJobs after EnsureGroup: %v", err)
	}
}

// TestClusterPipelineCutAfterRunTakesOneToken is
// TestPipelineCutAfterRunTakesOneToken on a cluster's client (miniredis
// claiming every slot, every connection through the proxy). go-redis's
// ClusterClient has retries of its own, apart from its nodes' MaxRetries
// (-1 already): a pipeline or a command that met a network error goes
// again, to the same node and then another, within MaxRedirects (3), the
// loop that follows MOVED and ASK, unless a command of it says NoRetry.
// Turning MaxRedirects off would stop following MOVED and ASK too, and
// NoRetry is a method of the command types: a wrapper type saying it
// would meet go-redis's reflection on the concrete types in its cluster
// routing (setCommandValueReflection looks for their SetVal).
func TestClusterPipelineCutAfterRunTakesOneToken(t *testing.T) {
	t.Skip("defect: a cluster's client sends a pipeline again after a network error that came after Redis ran it (MaxRedirects' loop): the GCRA takes the chat's token twice")
	direct := storagetest.MiniredisCluster(t)
	c, ok := direct.Client().(*redis.ClusterClient)
	if !ok {
		t.Fatalf("MiniredisCluster gave a %T", direct.Client())
	}
	proxy := newCutProxy(t, c.Options().Addrs[0])
	via := proxy.ln.Addr().String()
	o := &redis.ClusterOptions{
		Addrs: []string{via},
		// miniredis names itself in CLUSTER SLOTS: dial the proxy instead.
		Dialer: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, via)
		},
	}
	storage.ClusterOptions(o)
	client := redis.NewClusterClient(o)
	s := storage.New(client, storage.Options{Prefix: direct.Options().Prefix})
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	lim := storage.Limit{Rate: 2, Burst: 2, Period: time.Hour}
	if _, err := s.Allow(ctx, "warm", lim); err != nil { // loads the script, dials the node
		t.Fatal(err)
	}
	proxy.armed.Store(true)
	wait, err := s.Allow(ctx, "chat:cut", lim)
	if proxy.cuts.Load() != 1 {
		t.Fatal("the proxy cut no reply: the test checked nothing")
	}
	if err == nil && wait != 0 {
		t.Fatalf("Allow after a cut waits %v; want a token or the network error", wait)
	}
	wait2, err2 := s.Allow(ctx, "chat:cut", lim)
	wait3, err3 := s.Allow(ctx, "chat:cut", lim)
	checkCutTookOneToken(t, [3]time.Duration{wait, wait2, wait3}, err, err2, err3)
}

// checkCutTookOneToken judges the Allows after a cut one (waits[0], cut)
// on a bucket of two: the second must get the burst's second token (the
// cut run took one, not two), the third must wait (else the cut run took
// none and nothing was checked).
func checkCutTookOneToken(t *testing.T, waits [3]time.Duration, cut, err2, err3 error) {
	t.Helper()
	if err2 != nil || err3 != nil {
		t.Fatal(err2, err3)
	}
	if waits[2] == 0 {
		t.Fatal("a third Allow took a token: the cut run took none, the test checked nothing")
	}
	if waits[1] != 0 {
		t.Errorf("Allow after the cut one waits %v (the cut one: %v, %v), want the burst's second token: the cut pipeline's GCRA ran twice", waits[1], waits[0], cut)
	}
}
