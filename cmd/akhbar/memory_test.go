package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage/storagetest"
)

var (
	rssTest    = flag.Bool("rss", false, "measure the program's RSS with 100,000 subscribed chats and 1,000 sources (slow)")
	memProfile = flag.String("memprofile", "", "with -rss: write heap and goroutine profiles of the program to this directory at a quarter, half and three quarters of the fan-out, and log its Go memory figures there")
)

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
	admin := "off"
	if *memProfile != "" {
		admin = "127.0.0.1:0"
	}
	redisURL, prefix := storagetest.URL(t)
	c := newClusterOn(t, buildAkhbar(t), clusterRedis{url: redisURL, prefix: prefix, admin: admin}, telegramtest.Options{NoCallLog: true},
		"fetch:\n  allow_private_addresses: true\n"+yaml.String(), feed)
	if *memProfile != "" {
		c.env = append(c.env, "AKHBAR_PPROF=1")
	}
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
	// Where the memory is during the fan-out: the RSS sampled at each look
	// (when its peak came), and with -memprofile the heap at three points.
	marks := []int{chats / 4, chats / 2, 3 * chats / 4}
	var adminAt string
	if *memProfile != "" {
		adminAt = adminAddr(t, p.stderr)
	}
	maxRSS, maxAt := 0, 0
	waitFor(t, "the fan-out to 100,000 chats", 10*time.Minute, func() bool {
		sent := c.tg.Stats().Sent
		if cur, _, err := rss(pid); err == nil && cur > maxRSS {
			maxRSS, maxAt = cur, sent
		}
		if adminAt != "" && len(marks) > 0 && sent >= marks[0] {
			heapAt(t, adminAt, sent)
			marks = marks[1:]
		}
		return sent >= chats
	})
	t.Logf("largest RSS seen during the fan-out: %d KiB, after %d sends", maxRSS, maxAt)
	took := time.Since(start)
	cur, peak, _ := rss(pid)
	p.kill(syscall.SIGKILL)
	t.Logf("%d sources, %d chats: RSS %d KiB idle after the first polls, %d KiB after the fan-out, peak %d KiB; fan-out %v (%.0f msg/s)",
		sources, chats, idle, cur, peak, took.Round(time.Millisecond), chats/took.Seconds())
	if peak > 64*1024 {
		t.Errorf("peak RSS %d KiB, want under 64 MiB", peak)
	}
}

// heapAt writes the program's heap profile to -memprofile and logs its Go
// memory figures (from /metrics): which part of the RSS is heap in use,
// heap kept for reuse, stacks and the runtime's own.
func heapAt(t *testing.T, admin string, sent int) {
	t.Helper()
	path := filepath.Join(*memProfile, fmt.Sprintf("heap-%06d.pprof", sent))
	if err := fetchTo("http://"+admin+"/debug/pprof/heap", path); err != nil {
		t.Errorf("heap profile: %v", err)
		return
	}
	if err := fetchTo("http://"+admin+"/debug/pprof/goroutine", strings.Replace(path, "heap-", "goroutine-", 1)); err != nil {
		t.Errorf("goroutine profile: %v", err)
	}
	lp := &loadProc{admin: admin}
	mib := func(name string) float64 { return float64(lp.metric(t, name)) / (1 << 20) }
	t.Logf("after %d sends: heap in use %.1f MiB, heap idle %.1f (released %.1f), stacks %.1f, Go sys %.1f MiB; goroutines %d; %s",
		sent, mib("go_memstats_heap_inuse_bytes"), mib("go_memstats_heap_idle_bytes"), mib("go_memstats_heap_released_bytes"),
		mib("go_memstats_stack_inuse_bytes"), mib("go_memstats_sys_bytes"), lp.metric(t, "go_goroutines"), path)
}
