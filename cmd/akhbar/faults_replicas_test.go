package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage"
)

// slowArticleFeed is a feed whose items link to article pages on
// slow.example (routed to the same server by AKHBAR_TEST_RESOLVE); the
// page of an item marked slow takes delay to answer, so the poll that
// publishes it outlasts its tick.
type slowArticleFeed struct {
	mu    sync.Mutex
	items []string // titles; item i links to /article/i
	slow  map[int]bool
	delay time.Duration
	pages atomic.Int64 // slow pages requested
}

func (f *slowArticleFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/article/") {
		var i int
		fmt.Sscanf(r.URL.Path, "/article/%d", &i)
		if f.slow[i] {
			f.pages.Add(1)
			f.mu.Unlock()
			time.Sleep(f.delay)
			f.mu.Lock()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>خبر %d</title></head><body><article><p>%s</p></article></body></html>`,
			i, strings.Repeat("تفاصيل الخبر الكاملة في فقرة طويلة بما يكفي لتكون نص المقال. ", 12))
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>بطيئة</title><link>http://slow.example/</link>`)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, title := range f.items {
		fmt.Fprintf(w, `<item><title>%s</title><link>http://slow.example/article/%d</link><guid>slow-%d</guid><pubDate>%s</pubDate><description>مقتطف.</description></item>`,
			title, i, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	fmt.Fprint(w, `</channel></rss>`)
}

// newItemLogs counts the "new item" lines naming title in the logs of
// procs: each is one publication of the item to the outbox.
func newItemLogs(title string, procs ...*proc) int {
	n := 0
	for _, p := range procs {
		for _, line := range strings.Split(p.stderr.String(), "\n") {
			if strings.Contains(line, `"msg":"new item"`) && strings.Contains(line, title) {
				n++
			}
		}
	}
	return n
}

// TestFaultRepublishRace runs two replicas on one source polled every
// second whose new item's article page takes 3 s: the poll that publishes
// it outlasts its tick by far. Without a lock on the source for the whole
// poll, the other replica polls on the next ticks, finds the item not yet
// marked seen and publishes it again (two "new item" logs, twice the
// jobs; seen before the lock). With it, the item is published once and
// its reader gets one message.
func TestFaultRepublishRace(t *testing.T) {
	faultsSkip(t)
	feed := &slowArticleFeed{items: []string{"خبر قديم"}, slow: map[int]bool{}, delay: 3 * time.Second}
	fs := httptest.NewServer(feed)
	t.Cleanup(fs.Close)
	port := fs.URL[strings.LastIndex(fs.URL, ":")+1:]
	c := newClusterWith(t, buildAkhbar(t), telegramtest.Options{NoCallLog: true}, fmt.Sprintf(`fetch:
  allow_private_addresses: false
sources:
  - id: slow
    name: بطيئة
    url: %s/feed.xml
    schedule: "@every 1s"
    allow_private_addresses: true
`, fs.URL), nil)
	c.env = append(c.env, "AKHBAR_TEST_RESOLVE=slow.example=203.0.113.9@127.0.0.1:"+port)
	ctx := context.Background()
	const chats = 50
	for i := 1; i <= chats; i++ {
		if _, err := c.store.Subscribe(ctx, int64(i), bot.SourceTarget("slow")); err != nil {
			t.Fatal(err)
		}
	}
	a, b := c.start(t), c.start(t)
	waitFor(t, "the first poll (history)", 20*time.Second, func() bool {
		its, err := c.store.Latest(ctx, "s:slow", 5)
		return err == nil && len(its) == 1
	})
	const title = "خبر تطول صفحته"
	feed.mu.Lock()
	feed.slow[len(feed.items)] = true
	feed.items = append(feed.items, title)
	feed.mu.Unlock()
	waitFor(t, "every reader", 30*time.Second, func() bool { return len(copies(c.tg, title)) == chats })
	time.Sleep(4 * time.Second) // a second publication would finish within this
	published := newItemLogs(title, a, b)
	dup := 0
	for _, n := range copies(c.tg, title) {
		dup += n - 1
	}
	t.Logf("two replicas, a poll of 3 s+ on a 1 s schedule: the item published %d times, its slow page fetched %d times, %d duplicate messages to %d readers",
		published, feed.pages.Load(), dup, chats)
	if published != 1 {
		t.Errorf("the item was published to the outbox %d times, want once", published)
	}
	if dup != 0 {
		t.Errorf("%d duplicate messages", dup)
	}
	a.kill(syscall.SIGTERM)
	b.kill(syscall.SIGTERM)
}

// shardsOf reads which delivery shards the process pid owns now.
func shardsOf(t *testing.T, c *cluster, pid int) map[int]bool {
	t.Helper()
	owned := map[int]bool{}
	for k := range storage.Shards {
		owner, err := c.store.Client().Get(context.Background(), fmt.Sprintf("%s{deliveries}:owner:%d", c.store.Options().Prefix, k)).Result()
		if err != nil {
			continue // no owner
		}
		if strings.Contains(owner, fmt.Sprintf("-%d-", pid)) {
			owned[k] = true
		}
	}
	return owned
}

// holdShardLeases keeps the owner keys of shards alive (as their stopped
// owner would) until the returned func is called; then they expire after
// the lease time, as a dead replica's do.
func holdShardLeases(c *cluster, shards map[int]bool) (release func()) {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			for k := range shards {
				c.store.Client().PExpire(context.Background(), fmt.Sprintf("%s{deliveries}:owner:%d", c.store.Options().Prefix, k), time.Second)
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() { close(stop); <-done }
}

// TestFaultKillReplicaMidFanout runs two replicas and kills one with
// SIGKILL in the middle of a fan-out, then starts it again, round after
// round: every chat gets every item (0 misses), and the only repeats are
// in the killed replica's shards, at most its sends in flight at the kill
// (Telegram has the message, Redis no sent record: the survivor that takes
// the shard over cannot know). Short by default; AKHBAR_FAULTS_FULL=1
// runs the 10,000 chats, 10 times.
func TestFaultKillReplicaMidFanout(t *testing.T) {
	faultsSkip(t)
	chats, rounds, rate := 1000, 3, 500
	if faultsFull() {
		chats, rounds, rate = 10_000, 10, 1000
	}
	c := newCluster(t, telegramtest.Options{Limits: true, GlobalPerSecond: float64(rate), NoCallLog: true}, fmt.Sprintf(`
delivery:
  global_per_second: %d
  workers: 16
sources:
  - id: static
    name: ثابت
    url: {{feeds}}/feed.xml
    schedule: "@every 1h"
`, rate), nil)
	ctx := context.Background()
	procs := [2]*proc{c.start(t), c.start(t)}
	all := []*proc{procs[0], procs[1]}
	defer func() {
		// AKHBAR_FAULTS_LOGDIR keeps every replica's log of a failed run.
		if dir := os.Getenv("AKHBAR_FAULTS_LOGDIR"); dir != "" && t.Failed() {
			for _, p := range all {
				_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("replica-%d.log", p.cmd.Process.Pid)), []byte(p.stderr.String()), 0o644)
			}
		}
	}()
	var totalDup, totalInFlight int
	for r := range rounds {
		id, title := fmt.Sprintf("kill-%d", r), fmt.Sprintf("خبر الجولة %d", r)
		// Both replicas own shards before the fan-out starts.
		waitFor(t, "both replicas owning shards", 30*time.Second, func() bool {
			return len(shardsOf(t, c, procs[0].cmd.Process.Pid)) > 0 && len(shardsOf(t, c, procs[1].cmd.Process.Pid)) > 0
		})
		fanOut(t, c.store, id, title, chats)
		killAt := chats/5 + rand.IntN(chats/2)
		waitFor(t, fmt.Sprintf("round %d: %d sends", r, killAt), 60*time.Second, func() bool {
			return len(copies(c.tg, title)) >= killAt
		})
		victim := r % 2
		pid := procs[victim].cmd.Process.Pid
		shards := shardsOf(t, c, pid)
		// The kill, seen from outside: stopped, the replica sends nothing
		// more, while the requests it already wrote reach the fake (which
		// may lag behind on a loaded machine). They are counted once the
		// count of its shards stops moving, well before the survivor may
		// take them over (the lease, 1s here, from its last renewal).
		stoppedAt := time.Now()
		if err := procs[victim].cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		// Its shard leases are kept alive while the test counts, as if it
		// died at the end of the count: the others may not take its shards
		// and resend its unrecorded sends (recording them) before they are
		// counted, which would make them look recorded by it.
		hold := holdShardLeases(c, shards)
		inShards := func() int {
			n := 0
			for chat := range copies(c.tg, title) {
				if shards[storage.ShardOf(chat)] {
					n++
				}
			}
			return n
		}
		atStop := inShards()
		for prev := -1; ; {
			time.Sleep(100 * time.Millisecond)
			n := inShards()
			if n == prev {
				break
			}
			prev = n
		}
		late := inShards() - atStop
		got := copies(c.tg, title)
		inFlight, otherUnrecorded := 0, 0
		unrecorded := map[int64]bool{}
		for chat := range got {
			ok, err := c.store.WasSent(ctx, chat, id)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				continue
			}
			if shards[storage.ShardOf(chat)] {
				inFlight++ // Telegram has it, Redis does not: the survivor may resend it
				unrecorded[chat] = true
			} else {
				otherUnrecorded++ // the survivor's own, still to be recorded by it
			}
		}
		procs[victim].kill(syscall.SIGKILL)
		hold()
		killedAt := len(got)
		procs[victim] = c.start(t)
		all = append(all, procs[victim])
		t.Logf("round %d: stopped pid %d at %s, restarted as %d", r, pid, stoppedAt.Format("15:04:05.000"), procs[victim].cmd.Process.Pid)
		waitFor(t, fmt.Sprintf("round %d: every chat", r), 120*time.Second, func() bool {
			return len(copies(c.tg, title)) == chats
		})
		waitFor(t, fmt.Sprintf("round %d: empty streams", r), 60*time.Second, func() bool {
			n, err := c.store.Pending(ctx)
			return err == nil && n == 0
		})
		dup, dupElsewhere := 0, 0
		for chat, n := range copies(c.tg, title) {
			if shards[storage.ShardOf(chat)] {
				dup += n - 1
				if n > 1 && !unrecorded[chat] {
					t.Logf("round %d: chat %d (shard %d) got %d copies; at the kill it had %d, recorded as sent", r, chat, storage.ShardOf(chat), n, got[chat])
				}
			} else {
				dupElsewhere += n - 1
			}
		}
		t.Logf("round %d: killed a replica owning %d shards after %d of %d chats; %d sends in flight in its shards (%d reached the fake after the stop; %d of the survivor's unrecorded); %d duplicates (%d elsewhere)",
			r, len(shards), killedAt, chats, inFlight, late, otherUnrecorded, dup, dupElsewhere)
		if dup > inFlight {
			t.Errorf("round %d: %d duplicates in the killed replica's shards, more than its %d sends in flight at the kill", r, dup, inFlight)
		}
		if dupElsewhere != 0 {
			t.Errorf("round %d: %d duplicates in the survivor's shards", r, dupElsewhere)
		}
		totalDup += dup + dupElsewhere
		totalInFlight += inFlight
	}
	for _, p := range procs {
		p.kill(syscall.SIGTERM)
	}
	st := c.tg.Stats()
	t.Logf("%d rounds of %d chats, two replicas, one killed each round: 0 misses, %d duplicates in all, %d sends in flight at the kills; 429s %d",
		rounds, chats, totalDup, totalInFlight, st.TooManyRequests)
	if t.Failed() {
		for i, p := range procs {
			t.Logf("replica %d stderr:\n%s", i, p.stderr.String())
		}
	}
}

// TestParseTestResolve: AKHBAR_TEST_RESOLVE's entries, and what it refuses.
func TestParseTestResolve(t *testing.T) {
	got, err := parseTestResolve(" Intranet.example=10.0.0.1, news.example=203.0.113.7@127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if r := got["intranet.example"]; r.Addr.String() != "10.0.0.1" || r.Via != "" {
		t.Errorf("intranet.example: %+v", r)
	}
	if r := got["news.example"]; r.Addr.String() != "203.0.113.7" || r.Via != "127.0.0.1:8080" {
		t.Errorf("news.example: %+v", r)
	}
	if m, err := parseTestResolve(""); m != nil || err != nil {
		t.Errorf("unset: %v, %v", m, err)
	}
	for _, bad := range []string{"x", "=1.2.3.4", "a=notanip", "a=1.2.3.4,b"} {
		if _, err := parseTestResolve(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
