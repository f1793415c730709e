package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// buildAkhbar builds the real program once for a test, so it can be run
// as processes and killed with SIGKILL.
func buildAkhbar(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the program as processes")
	}
	return buildProgram(t, "akhbar", ".")
}

// buildProgram builds the main package pkg into the test's temporary
// directory as name.
func buildProgram(t *testing.T, name, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// cluster is what processes of the program share in a test: the fake
// Telegram, a feed server, Redis under a fresh prefix, and a config file.
type cluster struct {
	bin, cfg string
	env      []string
	tg       *telegramtest.Server
	store    *storage.Store
	feeds    *httptest.Server
}

const staticFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>ثابت</title><link>https://static.example/</link>
<item><title>خبر قديم</title><link>https://static.example/1</link><guid>static-1</guid></item>
</channel></rss>`

func newCluster(t *testing.T, tgOpts telegramtest.Options, extraYAML string, feed http.Handler) *cluster {
	t.Helper()
	return newClusterWith(t, buildAkhbar(t), tgOpts, "fetch:\n  allow_private_addresses: true\n"+extraYAML, feed)
}

// newClusterWith is newCluster for a program already built, with the
// config's fetch section left to extraYAML (newCluster lets every feed be
// on loopback).
func newClusterWith(t *testing.T, bin string, tgOpts telegramtest.Options, extraYAML string, feed http.Handler) *cluster {
	t.Helper()
	redisURL, prefix := storagetest.URL(t)
	return newClusterOn(t, bin, clusterRedis{url: redisURL, prefix: prefix, admin: "off"}, tgOpts, extraYAML, feed)
}

// clusterRedis is where a cluster's processes keep their state, and their
// admin listener ("off", or an address such as 127.0.0.1:0).
type clusterRedis struct{ url, prefix, admin string }

// newClusterOn is newClusterWith on a given Redis and admin listener.
func newClusterOn(t *testing.T, bin string, rc clusterRedis, tgOpts telegramtest.Options, extraYAML string, feed http.Handler) *cluster {
	t.Helper()
	const token = "424242:crash-test-0123456789abcdefghijklmno"
	tgOpts.Token = token
	tg := telegramtest.NewServer(tgOpts)
	t.Cleanup(tg.Close)
	if feed == nil {
		feed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, staticFeed)
		})
	}
	fs := httptest.NewServer(feed)
	t.Cleanup(fs.Close)
	redisURL, prefix := rc.url, rc.prefix
	store, err := storage.Open(context.Background(), redisURL, storage.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := filepath.Join(t.TempDir(), "akhbar.yaml")
	yaml := fmt.Sprintf(`
redis:
  prefix: %q
admin:
  listen: %q
%s
`, prefix, rc.admin, strings.ReplaceAll(extraYAML, "{{feeds}}", fs.URL))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"TELEGRAM_BOT_TOKEN=" + token, "AKHBAR_TELEGRAM_API_URL=" + tg.URL(), "REDIS_URL=" + redisURL,
		"AKHBAR_DELIVERY_CLAIM_IDLE=1s"}
	return &cluster{bin: bin, cfg: cfg, env: env, tg: tg, store: store, feeds: fs}
}

// proc is one running process of the program.
type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
}

func (c *cluster) start(t *testing.T) *proc {
	t.Helper()
	return startProc(t, c.bin, c.env, "run", "-config", c.cfg)
}

// startProc starts bin with args and env, its stderr kept, killed with
// SIGKILL when the test ends if it is still running.
func startProc(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill(syscall.SIGKILL) })
	return p
}

// kill sends sig and waits for the process to end.
func (p *proc) kill(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// copies counts, per chat, the messages whose text contains title.
func copies(tg *telegramtest.Server, title string) map[int64]int {
	n := map[int64]int{}
	for _, m := range tg.Sent() {
		if strings.Contains(m.ParsedText, title) {
			n[m.ChatID]++
		}
	}
	return n
}

// fanOut saves an item and enqueues it for chats 1..n, as a poll would.
func fanOut(t *testing.T, store *storage.Store, id, title string, n int) {
	t.Helper()
	ctx := context.Background()
	it := feeds.Item{ID: id, SourceID: "static", Title: title, Link: "https://static.example/" + id,
		Summary: "ملخص.", Published: time.Now()}
	if err := store.SaveItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	jobs := make([]storage.Job, n)
	for i := range jobs {
		jobs[i] = storage.Job{ChatID: int64(i + 1), ItemID: id}
	}
	if err := store.Enqueue(ctx, jobs); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashMidFanout runs the real program as a process, kills it with
// SIGKILL in the middle of a fan-out, starts it again, ten times: every
// chat gets every item, and the only repeats are sends that Telegram took
// but the killed process had not yet recorded (its sends in flight).
func TestCrashMidFanout(t *testing.T) {
	const chats, rounds = 200, 10
	c := newCluster(t, telegramtest.Options{Limits: true, GlobalPerSecond: 400, NoCallLog: true}, `
delivery:
  global_per_second: 400
  workers: 16
sources:
  - id: static
    name: ثابت
    url: {{feeds}}/feed.xml
    schedule: "@every 1h"
`, nil)
	p := c.start(t)
	var totalDup, totalInFlight int
	resent := map[int64]bool{} // chats with a send in flight at a kill
	for r := range rounds {
		title := fmt.Sprintf("خبر الجولة %d", r)
		fanOut(t, c.store, fmt.Sprintf("crash-%d", r), title, chats)
		killAt := chats/5 + rand.IntN(chats/2)
		waitFor(t, fmt.Sprintf("round %d: %d sends", r, killAt), 30*time.Second, func() bool {
			return len(copies(c.tg, title)) >= killAt
		})
		p.kill(syscall.SIGKILL)
		time.Sleep(200 * time.Millisecond) // requests already written are answered
		got := copies(c.tg, title)
		inFlight := 0
		for chat := range got {
			if ok, err := c.store.WasSent(context.Background(), chat, fmt.Sprintf("crash-%d", r)); err != nil {
				t.Fatal(err)
			} else if !ok {
				inFlight++ // Telegram has it, Redis does not: the restart may resend it
				resent[chat] = true
			}
		}
		killedAt := len(got)
		p = c.start(t)
		waitFor(t, fmt.Sprintf("round %d: every chat", r), 60*time.Second, func() bool {
			return len(copies(c.tg, title)) == chats
		})
		waitFor(t, fmt.Sprintf("round %d: empty stream", r), 30*time.Second, func() bool {
			n, err := c.store.Pending(context.Background())
			return err == nil && n == 0
		})
		dup := 0
		for _, n := range copies(c.tg, title) {
			dup += n - 1
		}
		t.Logf("round %d: killed after %d of %d chats, %d sent but unrecorded, %d duplicates", r, killedAt, chats, inFlight, dup)
		if dup > inFlight {
			t.Errorf("round %d: %d duplicates, more than the %d sends in flight at the kill", r, dup, inFlight)
		}
		totalDup += dup
		totalInFlight += inFlight
	}
	p.kill(syscall.SIGTERM)
	st := c.tg.Stats()
	t.Logf("%d rounds of %d chats: %d duplicates in all, %d sends in flight at the kills; 429s %d, early retries %d",
		rounds, chats, totalDup, totalInFlight, st.TooManyRequests, st.EarlyRetries)
	// The only 429s are a chat's own limit refusing the restarted
	// process's resend of a send in flight at the kill: the killed process
	// took the chat's token, then waited for its slot of the bot-wide rate,
	// so the original arrived up to that wait after the token, and the
	// resend, paced from the token, can arrive within a second of it.
	// Never the bulk limit, never another chat.
	if st.BulkViolations != 0 {
		t.Errorf("%d 429s of the bulk limit, want 0", st.BulkViolations)
	}
	for chat, n := range st.ChatViolations {
		if !resent[chat] {
			t.Errorf("chat %d: %d 429s of its own limit, and it had no send in flight at a kill", chat, n)
		}
	}
	t.Logf("429s of a chat's limit (resends after a kill) %v", st.ChatViolations)
	if t.Failed() {
		t.Logf("last process stderr:\n%s", p.stderr.String())
	}
}

// TestPausedReplica runs two processes on one Redis and freezes one
// (SIGSTOP) in the middle of a fan-out for longer than the shard lease
// (1s here) but not long enough for the other to send all it takes over:
// the other takes the frozen one's shards and the jobs it held. Woken
// (SIGCONT), the frozen one finds its leases unsure, sends nothing until
// its next turn, and then drops the chats of the shards it lost. The only
// repeats allowed are its sends in flight at the freeze (at most one per
// sender). (The sent records alone already absorb most of this race; the
// lease check itself is pinned by TestSchedulerServesOnlyOwnedShards.)
func TestPausedReplica(t *testing.T) {
	const chats, workers = 600, 8
	c := newCluster(t, telegramtest.Options{Limits: true, GlobalPerSecond: 100, NoCallLog: true}, fmt.Sprintf(`
delivery:
  global_per_second: 100
  workers: %d
sources:
  - id: static
    name: ثابت
    url: {{feeds}}/feed.xml
    schedule: "@every 1h"
`, workers), nil)
	a, b := c.start(t), c.start(t)
	const title = "خبر التجميد"
	fanOut(t, c.store, "pause-1", title, chats)
	waitFor(t, "100 sends", 30*time.Second, func() bool { return len(copies(c.tg, title)) >= 100 })
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	frozenAt := len(copies(c.tg, title))
	// Claim timeout 1s, claims every 0.5s: b has claimed a's jobs but not
	// sent them all when a wakes up.
	time.Sleep(1800 * time.Millisecond)
	claimedBy := len(copies(c.tg, title)) - frozenAt
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every chat", 60*time.Second, func() bool { return len(copies(c.tg, title)) == chats })
	waitFor(t, "empty streams", 30*time.Second, func() bool {
		n, err := c.store.Pending(context.Background())
		return err == nil && n == 0
	})
	dup := 0
	for _, n := range copies(c.tg, title) {
		dup += n - 1
	}
	t.Logf("%d chats; one of two replicas frozen 1.8s after %d sends, %d sent meanwhile by the other; %d duplicates",
		chats, frozenAt, claimedBy, dup)
	if dup > workers {
		t.Errorf("%d duplicates, more than the %d sends the frozen replica could have in flight", dup, workers)
	}
	// A send that left the frozen replica's pacer just before the freeze
	// goes out when it wakes, into the other's full-rate sending: those few
	// may be over the limit (Telegram would answer 429, and the job would be
	// retried); anything more would be a pacing bug.
	if st := c.tg.Stats(); st.LimitViolations > workers {
		t.Errorf("%d limit violations, more than the %d sends in flight at the freeze", st.LimitViolations, workers)
	} else {
		t.Logf("limit violations %d (sends in flight at the freeze)", st.LimitViolations)
	}
	a.kill(syscall.SIGTERM)
	b.kill(syscall.SIGTERM)
	if t.Failed() {
		t.Logf("frozen replica's stderr:\n%s", a.stderr.String())
	}
}
