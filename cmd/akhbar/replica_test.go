package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
)

// growingFeed is an RSS feed whose items appear one by one; it counts its
// fetches.
type growingFeed struct {
	mu      sync.Mutex
	items   []string // titles, oldest first
	fetches atomic.Int64
}

func (f *growingFeed) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, title)
}

func (f *growingFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.fetches.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>نامية</title><link>https://grow.example/</link>`)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, title := range f.items {
		fmt.Fprintf(w, `<item><title>%s</title><link>https://grow.example/%d</link><guid>grow-%d</guid><pubDate>%s</pubDate><description>%s</description></item>`,
			title, i, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), title+". تفاصيل الخبر في سطر واحد.")
	}
	fmt.Fprint(w, `</channel></rss>`)
}

// TestReplicas runs three processes of the program on one Redis and kills
// the one holding the getUpdates lease in the middle of a fan-out: the
// source is polled once per tick across the three, the fan-out completes,
// a new item reaches every chat exactly once, another replica takes over
// the updates within seconds, and Telegram never answers 409 Conflict.
func TestReplicas(t *testing.T) {
	const chats = 200
	feed := &growingFeed{}
	feed.add("خبر قديم")
	c := newCluster(t, telegramtest.Options{Limits: true, GlobalPerSecond: 100, NoCallLog: true}, `
delivery:
  global_per_second: 100
sources:
  - id: grow
    name: نامية
    url: {{feeds}}/feed.xml
    schedule: "@every 1s"
`, feed)
	ctx := context.Background()
	for i := 1; i <= chats; i++ {
		if _, err := c.store.Subscribe(ctx, int64(i), bot.SourceTarget("grow")); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	procs := []*proc{c.start(t), c.start(t), c.start(t)}
	waitFor(t, "the first polls", 20*time.Second, func() bool { return feed.fetches.Load() >= 3 })

	feed.add("خبر أول جديد")
	waitFor(t, "the fan-out to start", 30*time.Second, func() bool { return len(copies(c.tg, "خبر أول جديد")) >= chats/4 })
	leader := leaderPID(t, c)
	var killed *proc
	for _, p := range procs {
		if p.cmd.Process.Pid == leader {
			killed = p
		}
	}
	if killed == nil {
		t.Fatalf("no process holds the updates lease (pid %d)", leader)
	}
	killed.kill(syscall.SIGKILL)
	killedAt := time.Now()
	time.Sleep(200 * time.Millisecond)
	inFlight := 0
	for chat := range copies(c.tg, "خبر أول جديد") {
		if ok, _ := c.store.WasSent(ctx, chat, sentItem(t, c, chat, "خبر أول جديد")); !ok {
			inFlight++
		}
	}

	// Another replica takes the updates over and answers a person.
	user := telegramtest.User{ID: 9001, FirstName: "سلمى", LanguageCode: "ar"}
	c.tg.UserMessage(telegramtest.Chat{ID: user.ID, Type: "private", FirstName: user.FirstName}, user, "/help")
	waitFor(t, "a reply from the new updates leader", 20*time.Second, func() bool { return len(c.tg.SentTo(user.ID)) > 0 })
	failover := time.Since(killedAt)

	waitFor(t, "the fan-out to complete", 60*time.Second, func() bool { return len(copies(c.tg, "خبر أول جديد")) == chats })
	feed.add("خبر ثان جديد")
	waitFor(t, "the second item everywhere", 60*time.Second, func() bool { return len(copies(c.tg, "خبر ثان جديد")) == chats })
	waitFor(t, "an empty stream", 30*time.Second, func() bool {
		n, err := c.store.Pending(ctx)
		return err == nil && n == 0
	})
	elapsed := time.Since(start)
	fetches := feed.fetches.Load()
	for _, p := range procs {
		if p != killed {
			p.kill(syscall.SIGTERM)
		}
	}

	dup := map[string]int{}
	for _, title := range []string{"خبر أول جديد", "خبر ثان جديد"} {
		for _, n := range copies(c.tg, title) {
			dup[title] += n - 1
		}
	}
	st := c.tg.Stats()
	conflicts := 0
	for desc, n := range st.ClientErrors {
		if strings.HasPrefix(desc, "Conflict") {
			conflicts += n
		}
	}
	t.Logf("%v with 3 replicas, one killed: %d feed fetches (ticks of 1s: %.0f), failover of updates %v, duplicates %v (in flight at the kill %d), 409s %d, 429s %d",
		elapsed.Round(time.Millisecond), fetches, elapsed.Seconds(), failover.Round(time.Millisecond), dup, inFlight, conflicts, st.TooManyRequests)
	// One fetch per tick, plus at most one start-up poll per replica (each
	// polls once as it starts, on the tick of its own start time).
	if max := int64(elapsed.Seconds()) + 1 + 3; fetches > max {
		t.Errorf("%d fetches in %v: more than one per tick (%d)", fetches, elapsed, max)
	}
	if dup["خبر أول جديد"] > inFlight {
		t.Errorf("%d duplicates of the first item, more than the %d sends in flight at the kill", dup["خبر أول جديد"], inFlight)
	}
	if dup["خبر ثان جديد"] != 0 {
		t.Errorf("%d duplicates of the second item, want 0", dup["خبر ثان جديد"])
	}
	if conflicts != 0 {
		t.Errorf("Telegram answered 409 Conflict %d times", conflicts)
	}
	if failover > 15*time.Second {
		t.Errorf("updates failover took %v", failover)
	}
	// As in TestCrashMidFanout: the only 429s allowed are a chat's own
	// limit refusing the survivor's resend of a send in flight at the kill
	// (the test's 1 s lease lets the resend come within a second of the
	// original); never the bulk limit, never a chat that got no duplicate.
	if st.BulkViolations != 0 {
		t.Errorf("%d 429s of the bulk limit, want 0", st.BulkViolations)
	}
	twice := copies(c.tg, "خبر أول جديد")
	for chat, n := range st.ChatViolations {
		if twice[chat] < 2 {
			t.Errorf("chat %d: %d 429s of its own limit, and it had no send in flight at the kill", chat, n)
		}
	}
}

// leaderPID reads the pid out of the updates lease's owner
// (host-pid-suffix).
func leaderPID(t *testing.T, c *cluster) int {
	t.Helper()
	owner, err := c.store.Client().Get(context.Background(), c.store.Options().Prefix+"lease:leader:updates").Result()
	if err != nil {
		t.Fatalf("updates lease: %v", err)
	}
	parts := strings.Split(owner, "-")
	if len(parts) < 3 {
		t.Fatalf("lease owner %q", owner)
	}
	pid, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		t.Fatalf("lease owner %q: %v", owner, err)
	}
	return pid
}

// sentItem finds the item id a chat was sent with this title.
func sentItem(t *testing.T, c *cluster, chat int64, title string) string {
	t.Helper()
	items, err := c.store.Latest(context.Background(), "s:grow", 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if strings.Contains(it.Title, title) {
			return it.ID
		}
	}
	t.Fatalf("no item titled %q", title)
	return ""
}
