package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
)

var rssTest = flag.Bool("rss", false, "measure the program's RSS with 100,000 subscribed chats and 1,000 sources (slow)")

// rss reads a process's resident set size and its peak, in KiB.
func rss(pid int) (cur, peak int, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			cur, _ = strconv.Atoi(f[1])
		case "VmHWM:":
			peak, _ = strconv.Atoi(f[1])
		}
	}
	return cur, peak, nil
}

// TestMemory runs the program with 1,000 sources (polled every minute)
// and 100,000 chats subscribed to one of them, and fans a new item of that
// source out to all of them: the process's peak RSS must stay under 64 MiB,
// because the state lives in Redis. Run with -rss (Linux only).
func TestMemory(t *testing.T) {
	if !*rssTest {
		t.Skip("-rss not set")
	}
	const chats, sources = 100_000, 1000
	var mu sync.Mutex
	fresh := false
	feed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		mu.Lock()
		withNew := fresh && r.URL.Path == "/main.xml"
		mu.Unlock()
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://m.example/</link>`, r.URL.Path)
		fmt.Fprint(w, `<item><title>خبر قديم</title><link>https://m.example/old</link><guid>old</guid><description>خبر قديم للقياس.</description></item>`)
		if withNew {
			fmt.Fprint(w, `<item><title>خبر للجميع</title><link>https://m.example/new</link><guid>new</guid><description>خبر جديد يصل إلى مئة ألف محادثة.</description></item>`)
		}
		fmt.Fprint(w, `</channel></rss>`)
	})
	var yaml strings.Builder
	yaml.WriteString("delivery:\n  global_per_second: 5000\n  private_per_second: 1000\n  workers: 32\nsources:\n")
	yaml.WriteString("  - id: main\n    name: رئيسي\n    url: {{feeds}}/main.xml\n    schedule: \"@every 2s\"\n")
	for i := range sources - 1 {
		fmt.Fprintf(&yaml, "  - id: s%04d\n    name: مصدر %d\n    url: {{feeds}}/s%04d.xml\n    schedule: \"@every 1m\"\n", i, i, i)
	}
	c := newCluster(t, telegramtest.Options{NoCallLog: true}, yaml.String(), feed)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w + 1; i <= chats; i += 16 {
				if _, err := c.store.Subscribe(ctx, int64(i), bot.SourceTarget("main")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	p := c.start(t)
	pid := p.cmd.Process.Pid
	time.Sleep(5 * time.Second) // every source polled once (baseline)
	idle, _, err := rss(pid)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	mu.Lock()
	fresh = true
	mu.Unlock()
	start := time.Now()
	waitFor(t, "the fan-out to 100,000 chats", 10*time.Minute, func() bool { return c.tg.Stats().Sent >= chats })
	took := time.Since(start)
	cur, peak, _ := rss(pid)
	p.kill(syscall.SIGKILL)
	t.Logf("%d sources, %d chats: RSS %d KiB idle after the first polls, %d KiB after the fan-out, peak %d KiB; fan-out %v (%.0f msg/s)",
		sources, chats, idle, cur, peak, took.Round(time.Millisecond), chats/took.Seconds())
	if peak > 64*1024 {
		t.Errorf("peak RSS %d KiB, want under 64 MiB", peak)
	}
}
