package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"text/template"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

//go:embed default.yaml
var defaultConfig []byte

// run is the whole program; main only supplies the process's context,
// arguments, environment and output, so tests run exactly this.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "akhbar", version)
		return 0
	case "check":
		return runCheck(args, getenv, stdout, stderr)
	case "summarize":
		return runSummarize(args, getenv, stdout, stderr)
	case "deadletters":
		return runDeadLetters(ctx, args, getenv, stdout, stderr)
	case "run":
		if err := runBot(ctx, args, getenv, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "akhbar:", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "akhbar: unknown command %q (run, check, summarize, deadletters, version)\n", cmd)
		return 2
	}
}

// loadConfig reads -config (or AKHBAR_CONFIG); without one it uses the
// embedded default, whose sources are the bundled samples of local mode.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*Config, string, error) {
	path := fs.String("config", getenv("AKHBAR_CONFIG"), "config file (YAML); default: embedded local-mode config")
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if *path == "" {
		return nil, "", nil
	}
	data, err := os.ReadFile(*path)
	if err != nil {
		return nil, *path, fmt.Errorf("read config: %w", err)
	}
	cfg, err := ParseConfig(*path, data)
	return cfg, *path, err
}

func runCheck(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, path, err := loadConfig(fs, args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cfg == nil {
		fmt.Fprintln(stderr, "check: give a config file with -config or AKHBAR_CONFIG")
		return 2
	}
	fmt.Fprintf(stdout, "%s: ok, %d source(s)\n", path, len(cfg.Sources))
	return 0
}

// localConfig renders the embedded default config for local mode, with
// the bundled feeds served at feedsURL.
func localConfig(feedsURL string) (*Config, error) {
	tmpl, err := template.New("default").Parse(string(defaultConfig))
	if err != nil {
		return nil, fmt.Errorf("default config: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, map[string]string{"Feeds": feedsURL}); err != nil {
		return nil, fmt.Errorf("default config: %w", err)
	}
	return ParseConfig("default.yaml (embedded)", buf.Bytes())
}

func runBot(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, _, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var local *localMode
	if cfg == nil || (getenv("TELEGRAM_BOT_TOKEN") == "" && getenv("TELEGRAM_BOT_TOKEN_FILE") == "" && cfg.Telegram.Token == "") {
		local, err = startLocal(ctx, cfg, getenv, stdout)
		if err != nil {
			return fmt.Errorf("local mode: %w", err)
		}
		defer local.Close()
		cfg = local.cfg
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return err
	}
	if local != nil {
		local.override(cfg)
	}
	logLevel := slog.LevelInfo
	if getenv("AKHBAR_DEBUG") != "" {
		logLevel = slog.LevelDebug
	}
	var log *slog.Logger
	if local != nil {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	} else {
		log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return fmt.Errorf("timezone: %w", err)
	}

	store, err := storage.Open(ctx, cfg.Redis.URL, storage.Options{Prefix: cfg.Redis.Prefix, BulkFanout: cfg.Delivery.LaneAbove})
	if err != nil {
		return err
	}
	defer store.Close()

	// One kept-alive connection per sender: with the default two, sends
	// queue behind new connections and reach Telegram in bunches.
	tgTransport := http.DefaultTransport.(*http.Transport).Clone()
	tgTransport.MaxIdleConnsPerHost = max(cfg.Delivery.Workers, 8) + 8
	tg, err := telegram.New(ctx, cfg.Telegram.Token, cfg.Telegram.APIURL, &http.Client{Timeout: 60 * time.Second, Transport: tgTransport})
	if err != nil {
		return err
	}
	fetcher := feeds.NewFetcher(feeds.FetcherOptions{
		UserAgent: cfg.Fetch.UserAgent, Timeout: cfg.Fetch.Timeout, MaxBytes: cfg.Fetch.MaxBytes,
		AllowPrivate: cfg.Fetch.AllowPrivate,
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	botName := cfg.BotName
	if botName == "" {
		botName = tg.Name()
	}
	lease, err := shardLease(getenv)
	if err != nil {
		return err
	}
	b := bot.New(bot.Config{
		Sources: cfg.FeedSources(), BotName: botName, BotUsername: tg.Username(), BotID: tg.ID(), Location: loc,
		SummaryChars: cfg.Defaults.SummaryChars, NoArticleFetch: local != nil,
		CardButtons: cfg.Cards.Buttons, CardImages: *cfg.Cards.Images && local == nil,
		// Links people send are fetched with the SSRF guard always on,
		// whatever fetch.allow_private_addresses says for sources.
		LinkFetcher: bot.NewLinkFetcher(cfg.Fetch.UserAgent),
		Limits: bot.Limits{GlobalPerSecond: cfg.Delivery.GlobalPerSecond, PrivatePerSecond: cfg.Delivery.PrivatePerSecond,
			GroupPerMinute: cfg.Delivery.GroupPerMinute, PaidBroadcast: cfg.Delivery.AllowPaidBroadcast},
		Workers: cfg.Delivery.Workers, DigestThreshold: cfg.Delivery.DigestThreshold, ShardLease: lease, Backlog: cfg.Delivery.Backlog,
	}, store, fetcher, tg, log, reg)

	// Arabic for Arabic-language clients, English as the default list.
	for lang, text := range map[string]string{"ar": "ar", "": "en"} {
		if err := tg.SetCommands(ctx, lang, bot.Commands(text)); err != nil {
			log.Warn("setMyCommands", "language", lang, "error", err)
		}
	}
	replica := replicaID()
	log.Info("akhbar starting", "version", version, "replica", replica, "sources", len(cfg.Sources),
		"mode", cfg.Telegram.Mode, "local", local != nil, "bot", tg.Username())

	var wg sync.WaitGroup
	errc := make(chan error, 4)
	goRun := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}

	if cfg.Admin.Listen != "off" {
		srv, ln, err := adminServer(ctx, cfg.Admin.Listen, reg, store, log)
		if err != nil {
			return err
		}
		goRun("admin server", func() error { return serve(ctx, srv, ln) })
	}

	sched := cron.New(cron.WithParser(cronParser), cron.WithLocation(loc),
		cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))
	polls := make(chan struct{}, maxConcurrentPolls)
	for _, src := range cfg.FeedSources() {
		spec, err := cronParser.Parse(src.Schedule)
		if err != nil {
			return fmt.Errorf("source %s: %w", src.ID, err)
		}
		interval := period(spec, time.Now())
		sched.Schedule(spec, cron.FuncJob(func() { pollOnce(ctx, b, store, src, interval, replica, polls, log) }))
		// Poll once at start, so a restart or a new source does not wait a
		// whole period; the lease keeps replicas from doubling up.
		goRun("first poll "+src.ID, func() error { pollOnce(ctx, b, store, src, interval, replica, polls, log); return nil })
	}
	sched.Start()

	goRun("delivery", func() error { return b.RunDelivery(ctx, replica) })
	goRun("digests", func() error { return b.RunDigests(ctx, replica) })

	switch cfg.Telegram.Mode {
	case "webhook":
		if cfg.Telegram.Webhook.Secret == "" {
			return errors.New("webhook mode needs telegram.webhook.secret or AKHBAR_WEBHOOK_SECRET")
		}
		if err := tg.SetWebhook(ctx, cfg.Telegram.Webhook.URL, cfg.Telegram.Webhook.Secret); err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("/", telegram.WebhookHandler(cfg.Telegram.Webhook.Secret, b.HandleUpdate, log))
		ln, err := net.Listen("tcp", cfg.Telegram.Webhook.Listen)
		if err != nil {
			return fmt.Errorf("webhook listen: %w", err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		goRun("webhook server", func() error { return serve(ctx, srv, ln) })
	default:
		goRun("updates", func() error { return pollUpdates(ctx, tg, store, b, replica, log) })
	}
	if local != nil {
		goRun("local mode", func() error { return local.run(ctx, log) })
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("akhbar stopping")
	stopped := sched.Stop()
	cancel()
	<-stopped.Done()
	wg.Wait()
	return runErr
}

// pollOnce polls a source if this replica wins the source's lease for this
// tick. The lease is named after the tick (the schedule's time rounded to
// the period), so however many replicas run, and however their clocks and
// timers drift within half a period, one of them polls per tick; it lives
// a period and is not released.
//
// polls bounds the polls running at once in this replica: a thousand
// sources starting together would otherwise fetch and parse a thousand
// feeds at the same moment (memory), where a few dozen keep up.
func pollOnce(ctx context.Context, b *bot.Bot, store *storage.Store, src feeds.Source, interval time.Duration, replica string, polls chan struct{}, log *slog.Logger) {
	select {
	case polls <- struct{}{}:
		defer func() { <-polls }()
	case <-ctx.Done():
		return
	}
	tick := time.Now().Round(max(interval, time.Second))
	ok, err := store.AcquireLease(ctx, "poll:"+src.ID+":"+strconv.FormatInt(tick.Unix(), 10), replica, max(interval, time.Second)+time.Second)
	if err != nil {
		log.Warn("poll lease", "source_id", src.ID, "error", err)
		return
	}
	if !ok {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, max(interval, 30*time.Second))
	defer cancel()
	res, err := b.PollSource(pctx, src, interval)
	if err != nil {
		log.Warn("poll", "source_id", src.ID, "error", err)
		return
	}
	log.Debug("polled", "source_id", src.ID, "items", res.Items, "new", res.New, "jobs", res.Jobs,
		"not_modified", res.NotModified, "first_sight", res.FirstSight, "skipped", res.Skipped)
}

// maxConcurrentPolls bounds the polls one replica runs at once.
const maxConcurrentPolls = 16

// Updates lease timing: a follower tries every updatesRetry, the leader
// renews every updatesRenew and stops polling by itself when it could not
// renew for updatesStop, well before the lease (updatesTTL) can pass to
// another replica: two pollers would make Telegram answer 409 Conflict.
// A dead leader is replaced within updatesTTL + updatesRetry.
const (
	updatesTTL   = 6 * time.Second
	updatesRenew = time.Second
	updatesStop  = updatesTTL / 2
	updatesRetry = time.Second
	pollTimeout  = 10 * time.Second
)

// pollUpdates long-polls Telegram while this replica holds the updates
// lease.
func pollUpdates(ctx context.Context, tg *telegram.Client, store *storage.Store, b *bot.Bot, replica string, log *slog.Logger) error {
	for ctx.Err() == nil {
		ok, err := store.AcquireLease(ctx, "leader:updates", replica, updatesTTL)
		if err != nil || !ok {
			if err != nil {
				log.Warn("updates lease", "error", err)
			}
			pause(ctx, updatesRetry)
			continue
		}
		log.Info("took the updates lease", "replica", replica)
		lctx, lcancel := context.WithCancel(ctx)
		go func() { // renew while polling; stop polling if the lease is lost
			defer lcancel()
			renewed := time.Now()
			for {
				pause(lctx, updatesRenew)
				if lctx.Err() != nil {
					return
				}
				rctx, rcancel := context.WithDeadline(lctx, renewed.Add(updatesStop))
				ok, err := store.AcquireLease(rctx, "leader:updates", replica, updatesTTL)
				rcancel()
				switch {
				case err == nil && ok:
					renewed = time.Now()
				case err == nil:
					log.Warn("lost updates lease")
					return
				case time.Since(renewed) >= updatesStop:
					log.Warn("could not renew updates lease; stopping polling", "error", err)
					return
				}
			}
		}()
		err = tg.Poll(lctx, store, pollTimeout, b.HandleUpdate, log)
		lcancel()
		if err != nil {
			return err
		}
	}
	_ = store.ReleaseLease(context.WithoutCancel(ctx), "leader:updates", replica)
	return nil
}

// period is the time between two runs of a schedule.
func period(s cron.Schedule, from time.Time) time.Duration {
	a := s.Next(from)
	return s.Next(a).Sub(a)
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func replicaID() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
}

// adminServer serves /metrics, /healthz (the process is up) and /readyz
// (Redis answers).
func adminServer(ctx context.Context, addr string, reg *prometheus.Registry, store *storage.Store, log *slog.Logger) (*http.Server, net.Listener, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(pctx); err != nil {
			http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("admin listen: %w", err)
	}
	log.Info("admin server", "addr", ln.Addr().String())
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln, nil
}

// serve runs srv until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "error", err)...)
}
