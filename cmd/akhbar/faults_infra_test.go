package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// The infrastructure fault scenarios run the real program as a process
// against a Redis or a Telegram that fails. By default they run short
// versions that keep CI within its budget; AKHBAR_FAULTS_FULL=1 runs the
// durations of issue 10, and AKHBAR_FAULTS_SKIP=1 skips them.

// faultMode skips the scenario when asked to, and reports whether the
// full durations were asked for.
func faultMode(t *testing.T) (full bool) {
	t.Helper()
	if os.Getenv("AKHBAR_FAULTS_SKIP") == "1" {
		t.Skip("AKHBAR_FAULTS_SKIP=1")
	}
	if testing.Short() {
		t.Skip("fault scenarios run the program as processes")
	}
	return os.Getenv("AKHBAR_FAULTS_FULL") == "1"
}

// pick is the short or the full duration of a scenario's phase.
func pick(full bool, short, long time.Duration) time.Duration {
	if full {
		return long
	}
	return short
}

// redisServer is a redis-server of the test's own, on a free port, that
// keeps nothing on disk: it can be frozen, resumed, killed and restarted
// empty without touching the Redis other tests share.
type redisServer struct {
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv(storagetest.EnvRequire) == "1" {
			t.Fatalf("redis-server not found: %v", err)
		}
		t.Skip("redis-server not found")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &redisServer{port: port, dir: t.TempDir()}
	r.start(t)
	t.Cleanup(r.kill)
	return r
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start runs a new, empty server on the port.
func (r *redisServer) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, io.Discard
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	defer c.Close()
	waitFor(t, "redis-server to answer", 10*time.Second, func() bool {
		return c.Ping(context.Background()).Err() == nil
	})
}

func (r *redisServer) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("redis-server: %v: %v", sig, err)
	}
}

// kill ends the server with SIGKILL: what it held is gone.
func (r *redisServer) kill() {
	_ = r.cmd.Process.Signal(syscall.SIGCONT) // a stopped process dies only once resumed
	_ = r.cmd.Process.Kill()
	<-r.done
}

// timedFeed is an RSS feed whose items appear one by one, each dated when
// it was added (real time, so no test depends on the calendar); it counts
// its fetches.
type timedFeed struct {
	mu      sync.Mutex
	titles  []string
	dates   []time.Time
	fetches atomic.Int64
}

func (f *timedFeed) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.titles = append(f.titles, title)
	f.dates = append(f.dates, time.Now())
}

func (f *timedFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.fetches.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>متجددة</title><link>https://timed.example/</link>`)
	for i, title := range f.titles {
		fmt.Fprintf(w, `<item><title>%s</title><link>http://%s/article/%d</link><guid>timed-%d</guid><pubDate>%s</pubDate><description>%s</description></item>`,
			title, r.Host, i, i, f.dates[i].Format(time.RFC1123Z), title+". تفاصيل الخبر في سطر واحد.")
	}
	fmt.Fprint(w, `</channel></rss>`)
}

// readyProbe asks /readyz and says what it answered and how long it took.
func readyProbe(addr string) (int, time.Duration, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	resp, err := client.Get("http://" + addr + "/readyz")
	took := time.Since(start)
	if err != nil {
		return 0, took, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, took, nil
}

// dupsAndMissing counts, over chats 1..n, the extra copies of a title and
// the chats that never got it.
func dupsAndMissing(tg *telegramtest.Server, title string, n int) (dup, missing int) {
	got := copies(tg, title)
	for chat := int64(1); chat <= int64(n); chat++ {
		switch c := got[chat]; {
		case c == 0:
			missing++
		case c > 1:
			dup += c - 1
		}
	}
	return dup, missing
}

// sentBetween counts the sends of a title Telegram took in [from, to).
func sentBetween(tg *telegramtest.Server, title string, from, to time.Time) int {
	n := 0
	for _, m := range tg.Sent() {
		if !m.Edited && !m.Time.Before(from) && m.Time.Before(to) && strings.Contains(m.ParsedText, title) {
			n++
		}
	}
	return n
}

// copiesOf counts, per chat, the messages among ms whose text contains
// title.
func copiesOf(ms []telegramtest.Message, title string) map[int64]int {
	n := map[int64]int{}
	for _, m := range ms {
		if !m.Edited && strings.Contains(m.ParsedText, title) {
			n[m.ChatID]++
		}
	}
	return n
}

// TestFaultRedisStopped freezes the program's Redis (SIGSTOP) in the
// middle of a fan-out, for 10 s (60 s with AKHBAR_FAULTS_FULL=1), while a
// new item appears in the feed, then resumes it; then kills it and starts
// it again empty. Checked: the program never exits; /readyz answers
// "unready" within 2 s all through the freeze and "ready" after; the feed
// is polled again and both items reach every chat, with no duplicate
// beyond the sends Telegram took while Redis was frozen (those cannot
// have been recorded); after the empty restart, with the chats subscribed
// again, no item from before is sent anew (first sight of the feed is
// history), and a new item reaches every chat exactly once.
func TestFaultRedisStopped(t *testing.T) {
	full := faultMode(t)
	frozen := pick(full, 10*time.Second, 60*time.Second)
	const chats, workers = 300, 16
	rs := startRedisServer(t)
	feed := &timedFeed{}
	feed.add("خبر قبل البدء")
	c := newClusterOn(t, buildAkhbar(t), clusterRedis{url: rs.url(), prefix: "fault:", admin: "127.0.0.1:0"},
		telegramtest.Options{Limits: true, GlobalPerSecond: 100, NoCallLog: true}, fmt.Sprintf(`
fetch:
  allow_private_addresses: true
delivery:
  global_per_second: 60
  workers: %d
sources:
  - id: timed
    name: متجددة
    url: {{feeds}}/feed.xml
    schedule: "@every 1s"
`, workers), feed)
	ctx := context.Background()
	subscribe := func() {
		t.Helper()
		for i := 1; i <= chats; i++ {
			if _, err := c.store.Subscribe(ctx, int64(i), bot.SourceTarget("timed")); err != nil {
				t.Fatal(err)
			}
		}
	}
	subscribe()
	p := c.start(t)
	addr := adminAddr(t, p.stderr)
	waitFor(t, "the first polls", 20*time.Second, func() bool { return feed.fetches.Load() >= 2 })
	if code, _, err := readyProbe(addr); err != nil || code != http.StatusOK {
		t.Fatalf("/readyz before the fault = %d, %v; want 200", code, err)
	}

	const itemA, itemB, itemC = "خبر قبل التجميد", "خبر أثناء التجميد", "خبر بعد التجميد"
	feed.add(itemA)
	waitFor(t, "the fan-out to be under way", 30*time.Second, func() bool { return len(copies(c.tg, itemA)) >= chats/4 })

	rs.signal(t, syscall.SIGSTOP)
	stoppedAt := time.Now()
	atStop := len(copies(c.tg, itemA))
	feed.add(itemB)
	var probes, unready int
	var slowest time.Duration
	for time.Since(stoppedAt) < frozen {
		code, took, err := readyProbe(addr)
		probes++
		slowest = max(slowest, took)
		switch {
		case err != nil:
			t.Errorf("/readyz while Redis is frozen: %v (after %v)", err, took.Round(time.Millisecond))
		case code == http.StatusServiceUnavailable:
			unready++
		default:
			t.Errorf("/readyz while Redis is frozen = %d, want 503", code)
		}
		if took > 2*time.Second {
			t.Errorf("/readyz took %v to answer while Redis was frozen, want at most 2s", took.Round(time.Millisecond))
		}
		select {
		case <-p.done:
			t.Fatalf("the program exited while Redis was frozen:\n%s", p.stderr.String())
		case <-time.After(500 * time.Millisecond):
		}
	}
	fetchesAtResume := feed.fetches.Load()
	rs.signal(t, syscall.SIGCONT)
	resumedAt := time.Now()
	inFlight := sentBetween(c.tg, itemA, stoppedAt, resumedAt)
	t.Logf("Redis frozen %v after %d of %d chats had %q; Telegram took %d sends of it meanwhile; /readyz: %d probes, %d unready, slowest %v",
		frozen, atStop, chats, itemA, inFlight, probes, unready, slowest.Round(time.Millisecond))

	waitFor(t, "/readyz ready again", 20*time.Second, func() bool {
		code, _, err := readyProbe(addr)
		return err == nil && code == http.StatusOK
	})
	ready := time.Since(resumedAt)
	waitFor(t, "polls after the freeze", 30*time.Second, func() bool { return feed.fetches.Load() >= fetchesAtResume+2 })
	waitFor(t, "every chat to have both items", 120*time.Second, func() bool {
		return len(copies(c.tg, itemA)) == chats && len(copies(c.tg, itemB)) == chats
	})
	delivered := time.Since(resumedAt)
	feed.add(itemC)
	waitFor(t, "the next item everywhere", 60*time.Second, func() bool { return len(copies(c.tg, itemC)) == chats })
	waitFor(t, "an empty stream", 30*time.Second, func() bool {
		n, err := c.store.Pending(ctx)
		return err == nil && n == 0
	})
	dupA, missA := dupsAndMissing(c.tg, itemA, chats)
	dupB, missB := dupsAndMissing(c.tg, itemB, chats)
	dupC, missC := dupsAndMissing(c.tg, itemC, chats)
	t.Logf("after the freeze: ready again in %v, both items everywhere in %v; duplicates %d/%d/%d (A/B/C), missing %d/%d/%d",
		ready.Round(time.Millisecond), delivered.Round(time.Millisecond), dupA, dupB, dupC, missA, missB, missC)
	if missA+missB+missC > 0 {
		t.Errorf("items lost: %d/%d/%d chats never got A/B/C", missA, missB, missC)
	}
	if dupA > inFlight {
		t.Errorf("%d duplicates of the item fanned out at the freeze, more than the %d sends Telegram took while Redis was frozen", dupA, inFlight)
	}
	if dupB+dupC > 0 {
		t.Errorf("%d duplicates of items fanned out after the freeze, want 0", dupB+dupC)
	}
	if unready == 0 || unready != probes {
		t.Errorf("/readyz answered unready %d times of %d probes while Redis was frozen", unready, probes)
	}

	// Redis restarted empty: subscriptions, sent records and the feed's
	// seen items are all gone. The chats subscribe again; the items
	// already in the feed are history, not news.
	before := len(c.tg.Sent())
	rs.kill()
	rs.start(t)
	restartedAt := time.Now()
	subscribe()
	fetches := feed.fetches.Load()
	waitFor(t, "polls of the empty store", 30*time.Second, func() bool { return feed.fetches.Load() >= fetches+3 })
	const itemD = "خبر بعد الإفراغ"
	feed.add(itemD)
	waitFor(t, "the new item everywhere after the empty restart", 60*time.Second, func() bool { return len(copies(c.tg, itemD)) == chats })
	waitFor(t, "an empty stream after the restart", 30*time.Second, func() bool {
		n, err := c.store.Pending(ctx)
		return err == nil && n == 0
	})
	time.Sleep(2 * time.Second) // a flood, had there been one, is under way by now
	after := c.tg.Sent()[before:]
	old := 0
	for _, title := range []string{"خبر قبل البدء", itemA, itemB, itemC} {
		for _, n := range copiesOf(after, title) {
			old += n
		}
	}
	dupD, missD := dupsAndMissing(c.tg, itemD, chats)
	t.Logf("Redis restarted empty: %d messages since, %d of them old items re-sent; the new item reached %d chats (%d duplicates) %v after the restart",
		len(after), old, chats-missD, dupD, time.Since(restartedAt).Round(time.Millisecond))
	if old > 0 {
		t.Errorf("%d old items sent again after Redis restarted empty", old)
	}
	if dupD > 0 || missD > 0 {
		t.Errorf("the new item after the restart: %d duplicates, %d chats missing", dupD, missD)
	}
	select {
	case <-p.done:
		t.Fatalf("the program exited:\n%s", p.stderr.String())
	default:
	}
	p.kill(syscall.SIGTERM)
	if st := c.tg.Stats(); st.LimitViolations != 0 {
		t.Errorf("%d limit violations", st.LimitViolations)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", tail(p.stderr.String(), 8000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// tgOutage stands in front of the fake Telegram and, while on, fails every
// request as a Telegram-wide outage does: "502" answers a proxy's 502 page;
// "hang" answers nothing until the client gives up or the outage ends,
// when the connection is dropped. Either way the fake never sees the
// request, so a failed send cannot have reached the chat.
type tgOutage struct {
	h     http.Handler
	mu    sync.Mutex
	mode  string
	ended chan struct{}
	// sends counts send requests that met the outage.
	sends atomic.Int64
}

func (o *tgOutage) set(mode string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended != nil {
		close(o.ended)
	}
	o.mode, o.ended = mode, make(chan struct{})
}

func (o *tgOutage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	mode, ended := o.mode, o.ended
	o.mu.Unlock()
	if mode == "" {
		o.h.ServeHTTP(w, r)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/sendMessage") || strings.HasSuffix(r.URL.Path, "/sendPhoto") {
		o.sends.Add(1)
	}
	switch mode {
	case "502":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>")
	case "hang":
		select {
		case <-r.Context().Done():
		case <-ended:
		}
		panic(http.ErrAbortHandler) // no answer: the connection is dropped
	}
}

// behind points the cluster's processes at h in front of the fake
// Telegram.
func (c *cluster) behind(t *testing.T, h http.Handler) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for i, kv := range c.env {
		if strings.HasPrefix(kv, "AKHBAR_TELEGRAM_API_URL=") {
			c.env[i] = "AKHBAR_TELEGRAM_API_URL=" + srv.URL
		}
	}
}

// subscribeAll subscribes chats 1..n to a source.
func subscribeAll(t *testing.T, c *cluster, source string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if _, err := c.store.Subscribe(context.Background(), int64(i), bot.SourceTarget(source)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFaultTelegramOutage makes every request to Telegram fail for 20 s
// (2 minutes with AKHBAR_FAULTS_FULL=1) in the middle of a fan-out: the
// first half answered by a proxy's 502 page, the second half never
// answered (the sends time out). Meanwhile a new item is fanned out.
// Checked: delivery parks instead of spending the jobs' attempts (the
// sends that meet the outage are the few in flight plus one probe at a
// time), nothing is dead-lettered, delivery resumes within the probes'
// bounded back-off once Telegram is back, and every chat gets both items
// exactly once.
func TestFaultTelegramOutage(t *testing.T) {
	full := faultMode(t)
	down := pick(full, 20*time.Second, 2*time.Minute)
	chats := 300
	if full {
		chats = 2000
	}
	const workers = 16
	feed := &timedFeed{}
	feed.add("خبر قبل البدء")
	// newCluster's config allows the feeds' private address already.
	c := newCluster(t, telegramtest.Options{Limits: true, GlobalPerSecond: 100, NoCallLog: true}, fmt.Sprintf(`
delivery:
  global_per_second: 80
  workers: %d
sources:
  - id: timed
    name: متجددة
    url: {{feeds}}/feed.xml
    schedule: "@every 1s"
`, workers), feed)
	out := &tgOutage{h: c.tg.Handler()}
	c.behind(t, out)
	subscribeAll(t, c, "timed", chats)
	p := c.start(t)
	waitFor(t, "the first polls", 20*time.Second, func() bool { return feed.fetches.Load() >= 2 })

	const itemA, itemB = "خبر قبل العطل", "خبر أثناء العطل"
	feed.add(itemA)
	waitFor(t, "the fan-out to be under way", 60*time.Second, func() bool { return len(copies(c.tg, itemA)) >= chats/4 })
	out.set("502")
	atStart := len(copies(c.tg, itemA))
	feed.add(itemB)
	time.Sleep(down / 2)
	sends502 := out.sends.Load()
	out.set("hang")
	time.Sleep(down / 2)
	out.set("")
	ended := time.Now()
	sendsDown := out.sends.Load()
	select {
	case <-p.done:
		t.Fatalf("the program exited during the outage:\n%s", tail(p.stderr.String(), 8000))
	default:
	}

	var resumed time.Duration
	waitFor(t, "the first send after the outage", 2*outageMaxWaitForTest, func() bool {
		for _, m := range c.tg.Sent() {
			if !m.Time.Before(ended) {
				resumed = m.Time.Sub(ended)
				return true
			}
		}
		return false
	})
	// Until both items are everywhere, or nothing is left to send (what
	// is missing was dead-lettered): the counts below say which.
	waitFor(t, "both items everywhere, or nothing left to send", 5*time.Minute, func() bool {
		if len(copies(c.tg, itemA)) == chats && len(copies(c.tg, itemB)) == chats {
			return true
		}
		n, err := c.store.Pending(context.Background())
		return time.Since(ended) > 20*time.Second && err == nil && n == 0
	})
	delivered := time.Since(ended)
	waitFor(t, "an empty stream", 30*time.Second, func() bool {
		n, err := c.store.Pending(context.Background())
		return err == nil && n == 0
	})
	dead, err := c.store.DeadLetterCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dupA, missA := dupsAndMissing(c.tg, itemA, chats)
	dupB, missB := dupsAndMissing(c.tg, itemB, chats)
	st := c.tg.Stats()
	p.kill(syscall.SIGTERM)
	t.Logf("%d chats; Telegram down %v (%v of 502s, %v unanswered) after %d chats had the first item: %d sends met the outage (%d of them 502s); "+
		"first send %v after it ended, both items everywhere %v after; dead letters %d, duplicates %d/%d, missing %d/%d; 429s %d, early retries %d",
		chats, down, down/2, down/2, atStart, sendsDown, sends502, resumed.Round(time.Millisecond), delivered.Round(time.Millisecond),
		dead, dupA, dupB, missA, missB, st.TooManyRequests, st.EarlyRetries)
	if dead != 0 {
		t.Errorf("%d deliveries dead-lettered by the outage, want 0", dead)
	}
	if missA+missB > 0 || dupA+dupB > 0 {
		t.Errorf("missing %d/%d, duplicates %d/%d: want every item delivered once", missA, missB, dupA, dupB)
	}
	// Parked: the sends in flight when the outage began (one per sender,
	// twice over for those already past their slot), then one probe at a
	// time, at least a second apart.
	if limit := int64(2*workers) + int64(down/time.Second); sendsDown > limit {
		t.Errorf("%d sends met the outage, more than %d: delivery kept sending into it", sendsDown, limit)
	}
	// The probes' back-off is at most outageMaxWait; a probe that met the
	// unanswered half fails when the outage ends.
	if resumed > outageMaxWaitForTest+5*time.Second {
		t.Errorf("delivery resumed %v after Telegram came back, want within the probes' back-off (%v)", resumed, outageMaxWaitForTest)
	}
	if st.EarlyRetries != 0 || st.LimitViolations != 0 {
		t.Errorf("early retries %d, limit violations %d", st.EarlyRetries, st.LimitViolations)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", tail(p.stderr.String(), 8000))
	}
}

// outageMaxWaitForTest is bot's outageMaxWait: the longest back-off
// between two probes of a Telegram that is down.
const outageMaxWaitForTest = 15 * time.Second

// TestFaultTelegramFlaky makes 10% of sends fail at random for 30 s (5
// minutes with AKHBAR_FAULTS_FULL=1): half of them 429 with a retry_after
// of 1-5 s, half a proxy's 502, while a new item reaches the feed every
// 3 s. Checked: every item reaches every chat exactly once, nothing is
// dead-lettered, no send comes before a retry_after ran out (the fake
// counts them) nor over Telegram's limits, and the back-off is bounded:
// each item's last chat has it within a bound of its publication.
func TestFaultTelegramFlaky(t *testing.T) {
	full := faultMode(t)
	flaky := pick(full, 30*time.Second, 5*time.Minute)
	const chats, every = 100, 3 * time.Second
	feed := &timedFeed{}
	feed.add("خبر قبل البدء")
	c := newCluster(t, telegramtest.Options{Limits: true, GlobalPerSecond: 100, NoCallLog: true}, `
delivery:
  global_per_second: 80
sources:
  - id: timed
    name: متجددة
    url: {{feeds}}/feed.xml
    schedule: "@every 1s"
`, feed)
	subscribeAll(t, c, "timed", chats)
	p := c.start(t)
	waitFor(t, "the first polls", 20*time.Second, func() bool { return feed.fetches.Load() >= 2 })

	c.tg.SetFaults(telegramtest.Faults{Seed: 10, Rate429: 0.05, RetryAfterMin: 1, RetryAfterMax: 5,
		Rate5xx: 0.05 / 0.95, Methods: []string{"sendMessage", "sendPhoto"}})
	start := time.Now()
	var titles []string
	added := map[string]time.Time{}
	for i := 0; time.Since(start) < flaky; i++ {
		title := fmt.Sprintf("خبر متقطع رقم %d بلا تتمة", i) // no title is a prefix of another
		feed.add(title)
		titles, added[title] = append(titles, title), time.Now()
		time.Sleep(every)
	}
	c.tg.SetFaults(telegramtest.Faults{})
	faulty := c.tg.Stats()
	waitFor(t, "every item everywhere", 3*time.Minute, func() bool {
		for _, title := range titles {
			if len(copies(c.tg, title)) < chats {
				return false
			}
		}
		return true
	})
	waitFor(t, "an empty stream", 30*time.Second, func() bool {
		n, err := c.store.Pending(context.Background())
		return err == nil && n == 0
	})
	dead, err := c.store.DeadLetterCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var dup, missing int
	var slowest time.Duration
	last := map[string]time.Time{}
	for _, m := range c.tg.Sent() {
		for _, title := range titles {
			if !m.Edited && strings.Contains(m.ParsedText, title) && m.Time.After(last[title]) {
				last[title] = m.Time
			}
		}
	}
	for _, title := range titles {
		d, miss := dupsAndMissing(c.tg, title, chats)
		dup, missing = dup+d, missing+miss
		slowest = max(slowest, last[title].Sub(added[title]))
	}
	st := c.tg.Stats()
	parks := strings.Count(p.stderr.String(), "Telegram fails for every chat")
	p.kill(syscall.SIGTERM)
	sends := faulty.Calls["sendMessage"] + faulty.Calls["sendPhoto"]
	t.Logf("%v of 10%% faults: %d items to %d chats (%d deliveries); %d sends meanwhile, %d answered 429 and %d 502; "+
		"dead letters %d, duplicates %d, missing %d; early retries %d, limit violations %d; slowest item complete %v after publication; outage parks %d",
		flaky, len(titles), chats, len(titles)*chats, sends, faulty.TooManyRequests, faulty.ServerErrors,
		dead, dup, missing, st.EarlyRetries, st.LimitViolations, slowest.Round(time.Millisecond), parks)
	if dead != 0 || dup != 0 || missing != 0 {
		t.Errorf("dead letters %d, duplicates %d, missing %d: want every item delivered exactly once", dead, dup, missing)
	}
	if st.EarlyRetries != 0 || st.EarlyGlobalRetries != 0 || st.LimitViolations != 0 {
		t.Errorf("early retries %d (after a global 429: %d), limit violations %d: a retry_after was not honoured",
			st.EarlyRetries, st.EarlyGlobalRetries, st.LimitViolations)
	}
	if faulty.TooManyRequests == 0 || faulty.ServerErrors == 0 {
		t.Errorf("the faults did not happen: %d 429s, %d 5xx", faulty.TooManyRequests, faulty.ServerErrors)
	}
	// Bounded: a job's back-off is at most 30 s, a retry_after here 5 s;
	// four failures in a row of one job are already rare (6e-6).
	if bound := time.Minute; slowest > bound {
		t.Errorf("an item took %v to reach every chat, more than %v: back-off unbounded?", slowest, bound)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", tail(p.stderr.String(), 8000))
	}
}
