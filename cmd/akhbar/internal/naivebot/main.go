// Command naivebot is the floor of issue 14's load scenario (TestLoadCPU
// with AKHBAR_LOAD_CPU_NAIVE or AKHBAR_LOAD_CPU_PAIRS): what flowerss-bot
// does minus its database, written as a naive Go bot would write it, so
// akhbar's CPU per delivery is measured against a floor in the same harness
// instead of argued about. Only the load test builds and runs it.
//
// It long-polls getUpdates, answers /start and /subscribe <id> with one
// sendMessage each, polls its feeds every -interval with gofeed and a
// conditional GET, remembers the items it has seen in memory, and sends
// every new item to every chat subscribed to its source as one sendMessage
// over plain net/http (the same keep-alive HTTP/1.1 transport as akhbar's
// telegram.NewTransport), from a few workers. No limiter, no storage, no retry
// beyond a 429's retry_after: what akhbar adds beyond this (outbox, per-chat
// records, shared limits, crash safety, order) is what the ratio prices.
//
// Measured on the 2-core VM (AKHBAR_LOAD_CPU_PAIRS=3, plain and TLS): the
// naive bot 0.09-0.10 CPU-s per 1,000 deliveries (publishing + grace),
// akhbar 0.43-0.49, 4.2-5.4 times as much; spacing the naive bot's sends
// evenly at 980/s (-rate, akhbar's pacer's rate here) raised it to
// 0.31-0.45, and letting the same rate go 50 at a time (-burst 50) brought
// it back to 0.12-0.13: most of the distance is the even pacing of a
// shared bot-wide limit, the rest akhbar's Redis work per send (the
// pre-send check, the sent records, the outbox).
//
// It serves /metrics (allocations, its jobs and sends, its backlog and its
// subscriptions) and /debug/pprof/ on -admin, and logs that address as akhbar
// does ({"msg":"admin server","addr":...}) for the test to find.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/mmcdole/gofeed"
)

func main() {
	var (
		api      = flag.String("api", "https://api.telegram.org", "Bot API base URL")
		feedList = flag.String("feeds", "", "sources: id=name=url,... (names without '=' or ',')")
		interval = flag.Duration("interval", time.Minute, "how often each feed is polled")
		workers  = flag.Int("workers", 8, "concurrent senders")
		admin    = flag.String("admin", "127.0.0.1:0", "metrics and pprof listener")
		rate     = flag.Float64("rate", 0, "sends per second, bot-wide, spaced evenly (0: no limit)")
		burst    = flag.Int("burst", 1, "with -rate, sends let go together: n at once every n intervals")
	)
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	token := os.Getenv("TELEGRAM_BOT_TOKEN")
	srcs, err := parseFeeds(*feedList)
	if err != nil || token == "" {
		log.Error("usage", "error", err, "token set", token != "")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	b := newBot(log, strings.TrimRight(*api, "/")+"/bot"+token, srcs, *workers)
	if *rate > 0 {
		b.interval = time.Duration(float64(time.Second) / *rate)
		b.burst = max(*burst, 1)
	}
	if err := b.run(ctx, *admin, *interval); err != nil {
		log.Error("naivebot", "error", err)
		os.Exit(1)
	}
}

type source struct{ id, name, url string }

func parseFeeds(s string) ([]source, error) {
	var out []source
	for _, f := range strings.Split(s, ",") {
		parts := strings.SplitN(f, "=", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("feed %q: want id=name=url", f)
		}
		out = append(out, source{parts[0], parts[1], parts[2]})
	}
	return out, nil
}

// job is one message to send.
type job struct {
	chat   int64
	text   string
	markup json.RawMessage // nil for a reply to a command
}

type bot struct {
	log     *slog.Logger
	base    string
	client  *http.Client // sends
	polling *http.Client // getUpdates, whose answer may take the long poll's timeout
	srcs    map[string]source
	queues  []chan job // one per worker; a chat always goes to the same one, so its messages keep their order

	mu   sync.Mutex
	subs map[string]map[int64]struct{} // source → chats

	// interval spaces the sends bot-wide when -rate is set: the simplest
	// limiter (x/time/rate's Wait with a burst of one), for measuring what
	// spreading the sends evenly costs apart from everything else akhbar
	// does; next is the next free moment.
	// With burst n, n sends leave together every n intervals (the same
	// rate, bunched): what bunching the sends saves of spreading them.
	interval time.Duration
	burst    int
	paceMu   sync.Mutex
	next     time.Time
	inBurst  int // sends let go at next already

	jobs, sent, failed, backlog, subscriptions atomic.Int64
}

func newBot(log *slog.Logger, base string, srcs []source, workers int) *bot {
	// akhbar's own transport: the floor differs from akhbar in what it
	// does per send, not in how its bytes travel.
	tr := telegram.NewTransport(workers)
	b := &bot{log: log, base: base, client: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		polling: &http.Client{Transport: tr, Timeout: 60 * time.Second},
		srcs:    map[string]source{}, subs: map[string]map[int64]struct{}{}}
	for _, s := range srcs {
		b.srcs[s.id] = s
	}
	for range workers {
		b.queues = append(b.queues, make(chan job, 1<<14))
	}
	return b
}

func (b *bot) run(ctx context.Context, adminAddr string, interval time.Duration) error {
	ln, err := net.Listen("tcp", adminAddr)
	if err != nil {
		return fmt.Errorf("admin listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", b.metrics)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.log.Info("admin server", "addr", ln.Addr().String())

	var wg sync.WaitGroup
	for _, q := range b.queues {
		wg.Go(func() {
			for j := range q {
				b.send(ctx, j)
				b.backlog.Add(-1)
			}
		})
	}
	var loops sync.WaitGroup
	for _, s := range b.srcs {
		loops.Go(func() { b.pollFeed(ctx, s, interval) })
	}
	loops.Go(func() { b.pollUpdates(ctx) })
	<-ctx.Done()
	loops.Wait()
	for _, q := range b.queues {
		close(q)
	}
	wg.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func (b *bot) enqueue(j job) {
	b.jobs.Add(1)
	b.backlog.Add(1)
	b.queues[uint64(j.chat)%uint64(len(b.queues))] <- j
}

// pollUpdates long-polls getUpdates and answers the commands.
func (b *bot) pollUpdates(ctx context.Context) {
	var offset int64
	for ctx.Err() == nil {
		var updates []struct {
			UpdateID int64 `json:"update_id"`
			Message  *struct {
				Text string `json:"text"`
				Chat struct {
					ID int64 `json:"id"`
				} `json:"chat"`
			} `json:"message"`
		}
		u := b.base + "/getUpdates?timeout=25&offset=" + strconv.FormatInt(offset, 10)
		if err := b.call(ctx, b.polling, u, nil, &updates); err != nil {
			if ctx.Err() == nil {
				b.log.Warn("getUpdates", "error", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		for _, up := range updates {
			offset = up.UpdateID + 1
			if up.Message != nil {
				b.command(up.Message.Chat.ID, up.Message.Text)
			}
		}
	}
}

func (b *bot) command(chat int64, text string) {
	cmd, arg, _ := strings.Cut(strings.TrimSpace(text), " ")
	switch cmd {
	case "/start":
		b.enqueue(job{chat: chat, text: "Welcome. /subscribe &lt;id&gt; follows a source."})
	case "/subscribe":
		s, ok := b.srcs[arg]
		if !ok {
			b.enqueue(job{chat: chat, text: "No such source."})
			return
		}
		b.mu.Lock()
		if b.subs[s.id] == nil {
			b.subs[s.id] = map[int64]struct{}{}
		}
		if _, had := b.subs[s.id][chat]; !had {
			b.subs[s.id][chat] = struct{}{}
			b.subscriptions.Add(1)
		}
		b.mu.Unlock()
		b.enqueue(job{chat: chat, text: "Subscribed to <b>" + html.EscapeString(s.name) + "</b>."})
	}
}

// pollFeed fetches a feed every interval; the first fetch only records
// what the feed holds.
func (b *bot) pollFeed(ctx context.Context, s source, interval time.Duration) {
	parser := gofeed.NewParser()
	seen := map[string]bool{}
	var etag, modified string
	first := true
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		items, err := b.fetch(ctx, parser, s, &etag, &modified)
		if err != nil && ctx.Err() == nil {
			b.log.Warn("feed", "source", s.id, "error", err)
		}
		// Feeds list the newest first: send the oldest new one first.
		for k := len(items) - 1; k >= 0; k-- {
			it := items[k]
			key := it.GUID
			if key == "" {
				key = it.Link
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			if !first {
				b.fanOut(s, it)
			}
		}
		if err == nil {
			first = false
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (b *bot) fetch(ctx context.Context, parser *gofeed.Parser, s source, etag, modified *string) ([]*gofeed.Item, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	if *etag != "" {
		req.Header.Set("If-None-Match", *etag)
	}
	if *modified != "" {
		req.Header.Set("If-Modified-Since", *modified)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, nil
	case http.StatusOK:
	default:
		return nil, fmt.Errorf("GET %s: %s", s.url, resp.Status)
	}
	f, err := parser.Parse(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", s.url, err)
	}
	*etag, *modified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	return f.Items, nil
}

// fanOut sends an item to every chat subscribed to its source: the source's
// name and the item's title as a link, and a button to the item.
func (b *bot) fanOut(s source, it *gofeed.Item) {
	text := "<b>" + html.EscapeString(s.name) + "</b>\n<a href=\"" + html.EscapeString(it.Link) + "\">" + html.EscapeString(it.Title) + "</a>"
	markup, _ := json.Marshal(map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "Read", "url": it.Link}}}})
	b.mu.Lock()
	chats := make([]int64, 0, len(b.subs[s.id]))
	for c := range b.subs[s.id] {
		chats = append(chats, c)
	}
	b.mu.Unlock()
	for _, c := range chats {
		b.enqueue(job{chat: c, text: text, markup: markup})
	}
}

// send calls sendMessage, waiting out a 429 as Telegram asks.
func (b *bot) send(ctx context.Context, j job) {
	body, err := json.Marshal(struct {
		ChatID      int64           `json:"chat_id"`
		Text        string          `json:"text"`
		ParseMode   string          `json:"parse_mode"`
		NoPreview   bool            `json:"disable_web_page_preview"`
		ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
	}{j.chat, j.text, "HTML", true, j.markup})
	if err != nil {
		b.failed.Add(1)
		return
	}
	for attempt := 0; ; attempt++ {
		b.wait(ctx)
		var msg struct {
			MessageID int64 `json:"message_id"`
		}
		err := b.call(ctx, b.client, b.base+"/sendMessage", body, &msg)
		var rl *retryAfter
		switch {
		case err == nil:
			b.sent.Add(1)
			return
		case errors.As(err, &rl) && attempt < 5:
			sleep(ctx, rl.d)
		default:
			b.failed.Add(1)
			b.log.Warn("sendMessage", "chat", j.chat, "error", err)
			return
		}
	}
}

// wait takes the next moment of the bot-wide rate (-rate) and sleeps until it.
func (b *bot) wait(ctx context.Context) {
	if b.interval == 0 {
		return
	}
	b.paceMu.Lock()
	now := time.Now()
	// A new bunch when this one is full, or when it is a whole bunch's
	// time old (idle meanwhile).
	span := time.Duration(b.burst) * b.interval
	if b.next.IsZero() || b.inBurst == b.burst || now.Sub(b.next) >= span {
		b.next, b.inBurst = b.next.Add(span), 0
		if b.next.Before(now) {
			b.next = now
		}
	}
	at := b.next
	b.inBurst++
	b.paceMu.Unlock()
	if d := at.Sub(now); d > 0 {
		sleep(ctx, d)
	}
}

type retryAfter struct{ d time.Duration }

func (r *retryAfter) Error() string { return "429: retry after " + r.d.String() }

// call does one Bot API method (POST with a JSON body, or GET without one)
// and decodes its result into out.
func (b *bot) call(ctx context.Context, c *http.Client, u string, body []byte, out any) error {
	method, rd := http.MethodGet, io.Reader(nil)
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool            `json:"ok"`
		Description string          `json:"description"`
		Result      json.RawMessage `json:"result"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: decode: %w", resp.Status, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return &retryAfter{time.Duration(max(r.Parameters.RetryAfter, 1)) * time.Second}
	}
	if !r.OK {
		return fmt.Errorf("%s: %s", resp.Status, r.Description)
	}
	return json.Unmarshal(r.Result, out)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// metrics writes the few numbers the load test reads, in Prometheus's text
// format. The allocation count is runtime/metrics', which stops nothing.
func (b *bot) metrics(w http.ResponseWriter, _ *http.Request) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/tiny/allocs:objects"}}
	metrics.Read(s)
	var mallocs uint64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindUint64 {
			mallocs += v.Value.Uint64()
		}
	}
	fmt.Fprintf(w, "go_memstats_mallocs_total %d\n", mallocs)
	fmt.Fprintf(w, "naive_jobs_total %d\n", b.jobs.Load())
	fmt.Fprintf(w, "naive_sends_total{result=\"ok\"} %d\n", b.sent.Load())
	fmt.Fprintf(w, "naive_sends_total{result=\"failed\"} %d\n", b.failed.Load())
	fmt.Fprintf(w, "naive_backlog %d\n", b.backlog.Load())
	fmt.Fprintf(w, "naive_subscriptions %d\n", b.subscriptions.Load())
}
