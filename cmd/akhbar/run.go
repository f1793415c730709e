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
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/cmd/akhbar/internal/localmode"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/lease"
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
	e := environment{get: getenv}
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "akhbar", version)
		return 0
	case "check":
		return runCheck(args, e, stdout, stderr)
	case "summarize":
		return runSummarize(args, e, stdout, stderr)
	case "deadletters":
		return runDeadLetters(ctx, args, e, stdout, stderr)
	case "paused":
		return runPaused(ctx, args, e, stdout, stderr)
	case "preview":
		return runPreview(ctx, args, e, stdout, stderr)
	case "sources":
		return runSources(ctx, args, e, stdout, stderr)
	case "run":
		if err := runBot(ctx, args, e, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "akhbar:", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "akhbar: unknown command %q (run, check, preview, sources, summarize, deadletters, paused, version)\n", cmd)
		return 2
	}
}

// loadConfig reads -config (or AKHBAR_CONFIG); without one it uses the
// embedded default, whose sources are the bundled samples of local mode.
func loadConfig(fs *flag.FlagSet, args []string, e environment) (*Config, string, error) {
	path := fs.String("config", e.configPath(), "config file (YAML); default: embedded local-mode config")
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

func runCheck(args []string, e environment, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	show := fs.Bool("show", false, "print the effective configuration (defaults filled in, the environment applied, secrets masked); "+
		"without a config file, local mode's")
	cfg, path, err := loadConfig(fs, args, e)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cfg == nil && !*show {
		fmt.Fprintln(stderr, "check: give a config file with -config or AKHBAR_CONFIG")
		return 2
	}
	if *show {
		header, local := path, cfg == nil
		if local {
			// The feeds' address is chosen when local mode starts.
			if cfg, err = localConfig("http://127.0.0.1:0"); err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
			header = "local mode (no config file): the embedded default.yaml; feeds, Telegram and Redis are served in-process"
		}
		if err := showConfig(stdout, cfg, e, header, local); err != nil {
			fmt.Fprintln(stderr, "check:", err)
			return 1
		}
		return 0
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

// startLocal starts local mode around the embedded config, with the
// environment's local-mode settings, and returns that config.
func startLocal(ctx context.Context, e environment, stdout io.Writer) (*localmode.Mode, *Config, error) {
	every, err := e.localNewsEvery(20 * time.Second)
	if err != nil {
		return nil, nil, err
	}
	var cfg *Config
	l, err := localmode.Start(ctx, localmode.Options{
		Every: every, WebAddr: e.localWeb(), TelegramAddr: e.localTelegramAddr(), Out: stdout,
		Configure: func(feedsURL string) (localmode.Demo, error) {
			c, err := localConfig(feedsURL)
			if err != nil {
				return localmode.Demo{}, err
			}
			cfg = c
			d := localmode.Demo{BotName: c.BotName}
			for _, s := range c.Sources {
				d.Sources = append(d.Sources, s.ID)
			}
			return d, nil
		},
	})
	if err != nil {
		return nil, nil, err
	}
	return l, cfg, nil
}

func runBot(ctx context.Context, args []string, e environment, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, cfgPath, err := loadConfig(fs, args, e)
	if err != nil {
		return err
	}
	// What the file says, before the environment's overrides: a reload
	// compares the file with it.
	var fileCfg *Config
	if cfg != nil {
		c := *cfg
		fileCfg = &c
	}
	token, err := e.botToken(cfg)
	if err != nil {
		return err
	}
	// Local mode is a demo with its own store and a fake Telegram: it must
	// never start by accident next to production (a token that did not
	// reach the process, with the production config and Redis given).
	switch {
	case token == "" && cfg != nil:
		return errors.New("no bot token: set TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE " +
			"(local mode, the demo without a token, starts only without a config file and without REDIS_URL)")
	case token == "" && e.redisURL() != "":
		return errors.New("no bot token but REDIS_URL is set: set TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE " +
			"(local mode, the demo without a token, uses its own embedded store and starts only without REDIS_URL)")
	case token != "" && cfg == nil:
		return errors.New("a bot token but no config file: give -config or AKHBAR_CONFIG (start from deploy/akhbar.example.yaml)")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var local *localmode.Mode
	if token == "" {
		if local, cfg, err = startLocal(ctx, e, stdout); err != nil {
			return fmt.Errorf("local mode: %w", err)
		}
		defer local.Close()
		c := *cfg // the embedded config, which operators export
		fileCfg = &c
	}
	if err := e.apply(cfg); err != nil {
		return err
	}
	cfg.Telegram.Token = token
	if local != nil {
		// The local services, whatever the environment says.
		cfg.Telegram.Token = localmode.Token
		cfg.Telegram.APIURL = local.TelegramURL()
		cfg.Telegram.Mode = "polling"
		cfg.Redis.URL = local.RedisURL()
		cfg.Operators = append(cfg.Operators, local.Operators()...)
	}
	if cfg.Telegram.Mode == "webhook" && cfg.Telegram.Webhook.Secret == "" {
		return errors.New("webhook mode needs telegram.webhook.secret or AKHBAR_WEBHOOK_SECRET")
	}
	logLevel := slog.LevelInfo
	if e.debug() {
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

	tgTransport := telegram.NewTransport(cfg.telegramSenders())
	tg, err := telegram.New(ctx, cfg.Telegram.Token, cfg.Telegram.APIURL, &http.Client{Timeout: 60 * time.Second, Transport: tgTransport})
	if err != nil {
		return err
	}
	resolve, err := e.testResolve()
	if err != nil {
		return err
	}
	fetcher := feeds.NewFetcher(feeds.FetcherOptions{
		UserAgent: cfg.Fetch.UserAgent, Timeout: cfg.Fetch.Timeout, MaxBytes: cfg.Fetch.MaxBytes,
		AllowPrivate: cfg.Fetch.AllowPrivate, Resolve: resolve,
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	botName := cfg.BotName
	if botName == "" {
		botName = tg.Name()
	}
	shardLease, inboxLease, err := e.leases()
	if err != nil {
		return err
	}
	// Operators import and export the config file's sources from Telegram;
	// local mode has no file, so its operators export the embedded
	// config's sources and an import is refused.
	opmlSources := &configSources{fetcher: fetcher}
	// In local mode a sample item's link is answered offline, from its text.
	var linkFetcher bot.ArticleReader = bot.NewLinkFetcher(cfg.Fetch.UserAgent)
	if local != nil {
		linkFetcher = local.Links(linkFetcher)
	}
	b := bot.New(bot.Config{
		Sources: cfg.FeedSources(), BotName: botName, BotUsername: tg.Username(), BotID: tg.ID(), Location: loc,
		SummaryChars: cfg.Defaults.SummaryChars, NoArticleFetch: local != nil,
		CardButtons: cfg.Cards.Buttons, CardImages: *cfg.Cards.Images && local == nil,
		// Links people send are fetched with the SSRF guard always on,
		// whatever fetch.allow_private_addresses says for sources.
		LinkFetcher: linkFetcher,
		Limits: bot.Limits{GlobalPerSecond: cfg.Delivery.GlobalPerSecond, PrivatePerSecond: cfg.Delivery.PrivatePerSecond,
			GroupPerMinute: cfg.Delivery.GroupPerMinute, PaidBroadcast: cfg.Delivery.AllowPaidBroadcast},
		Workers: cfg.Delivery.Workers, DigestThreshold: cfg.Delivery.DigestThreshold, ShardLease: shardLease, Backlog: cfg.Delivery.Backlog,
		Operators: cfg.Operators, SourceList: opmlSources,
	}, store, fetcher, tg, log, reg)
	reg.MustRegister(b.ProgressCollector())
	// Updates wait per chat, not per batch: one person's flood holds up
	// nobody else. The inbox lease follows the delivery claim time, so a
	// crashed replica's updates are taken over as soon as its jobs are.
	dispatch := bot.NewDispatcher(b, bot.DispatchOptions{
		Workers: cfg.Updates.Workers, QueuePerChat: cfg.Updates.QueuePerChat, Lease: inboxLease,
		UserRate: storage.Limit{Rate: cfg.Updates.CommandsPerUser, Period: cfg.Updates.CommandsWindow},
	}, reg)

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
	sched := cron.New(cron.WithParser(cronParser), cron.WithLocation(loc),
		cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))
	// Every return from here on, a start-up step that fails included, stops
	// the scheduler and waits for the polls and every goroutine before the
	// store closes (its defer, registered earlier, runs after this one).
	defer func() {
		stopped := sched.Stop()
		cancel()
		<-stopped.Done()
		wg.Wait()
	}()
	errc := make(chan error, 1) // the first error stops the program; later ones are its echoes
	goRun := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && ctx.Err() == nil {
				select {
				case errc <- fmt.Errorf("%s: %w", name, err):
				default:
				}
			}
		}()
	}

	polls := make(chan struct{}, maxConcurrentPolls)
	pollSched := newPollScheduler(ctx, sched, func(ctx context.Context, src feeds.Source, interval time.Duration) {
		pollOnce(ctx, b, store, src, interval, replica, polls, log)
	}, goRun, log)
	if _, err := pollSched.apply(cfg.FeedSources()); err != nil {
		return err
	}
	sched.Start()
	// SIGHUP (and POST /reload) re-reads the config's sources.
	reloads := &reloader{path: cfgPath, bot: b, sched: pollSched, log: log, current: fileCfg}
	if local != nil {
		reloads.path = ""
	}
	opmlSources.reload = reloads
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	goRun("reload", func() error { return reloads.onSignal(ctx, hup) })

	if cfg.Admin.Listen != "off" {
		srv, ln, err := adminServer(ctx, cfg.Admin.Listen, reg, store, cfg, e.pprof(), reloads.serveReload, log)
		if err != nil {
			return err
		}
		goRun("admin server", func() error { return serve(ctx, srv, ln) })
	}

	goRun("updates dispatch", func() error { return dispatch.Run(ctx) })
	goRun("delivery", func() error { return b.RunDelivery(ctx, replica) })
	goRun("digests", func() error { return b.RunDigests(ctx, replica) })

	switch cfg.Telegram.Mode {
	case "webhook":
		// Listen first: Telegram is told to post only where we can answer.
		ln, err := net.Listen("tcp", cfg.Telegram.Webhook.Listen)
		if err != nil {
			return fmt.Errorf("webhook listen: %w", err)
		}
		srv := httpServer(telegram.WebhookHandler(cfg.Telegram.Webhook.Secret, dispatch, log), cfg)
		goRun("webhook server", func() error { return serve(ctx, srv, ln) })
		if err := tg.SetWebhook(ctx, cfg.Telegram.Webhook.URL, cfg.Telegram.Webhook.Secret); err != nil {
			return err
		}
	default:
		goRun("updates", func() error { return pollUpdates(ctx, tg, store, dispatch, replica, log) })
	}
	if local != nil {
		goRun("local mode", func() error { return local.Run(ctx, log) })
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("akhbar stopping")
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
	// The tick's lease makes a source polled once per tick, but a poll can
	// outlast its tick (slow article pages, a big fan-out): another
	// replica's poll of a later tick would find the same items not yet
	// marked seen and publish them again. One poll of a source at a time,
	// then: a lock renewed while the poll runs, short enough that a killed
	// replica's lock soon passes; a poll that loses it stops. It is renewed
	// past the poll's deadline too: a poll cut short still writes its
	// progress (MarkSeenPartial, its own context) before release, and holds
	// the source until then. One script takes the tick and the lock, so a
	// tick another replica took costs one round trip.
	taken, err := store.TakePoll(ctx, src.ID, tick.Unix(), replica, max(interval, time.Second)+time.Second, pollLockTTL)
	if err != nil {
		log.Warn("poll lease", "source_id", src.ID, "error", err)
		return
	}
	switch taken {
	case storage.PollTickTaken:
		return
	case storage.PollBusy:
		log.Debug("poll skipped: another replica is still polling", "source_id", src.ID)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, max(interval, 30*time.Second))
	defer cancel()
	running, err := lease.Hold(pctx, store, pollLock(src.ID, replica))
	if err != nil {
		log.Warn("poll lock", "source_id", src.ID, "error", err)
		return
	}
	defer running.Release() // else it expires in pollLockTTL
	res, err := b.PollSource(running.Context(), src, interval)
	if err != nil {
		log.Warn("poll", "source_id", src.ID, "error", err)
		return
	}
	log.Debug("polled", "source_id", src.ID, "items", res.Items, "new", res.New, "jobs", res.Jobs,
		"not_modified", res.NotModified, "first_sight", res.FirstSight, "skipped", res.Skipped)
}

// pollLockTTL is how long a source's poll lock outlives its last renewal
// (every pollLockTTL/3): how long a killed replica holds up the next poll.
const pollLockTTL = 3 * time.Second

// pollLockRelease bounds the release of a poll lock.
const pollLockRelease = 2 * time.Second

// pollLock is the lock on polling source: renewed every second, the poll
// stops when it was not renewed for two (a failed renewal is retried
// once), a second before the lock can pass to another replica.
func pollLock(source, replica string) lease.Spec {
	return lease.Spec{Name: storage.PollLockName(source), Owner: replica, TTL: pollLockTTL,
		Renew: pollLockTTL / 3, Stop: 2 * pollLockTTL / 3, ReleaseTimeout: pollLockRelease}
}

// maxConcurrentPolls bounds the polls one replica runs at once.
const maxConcurrentPolls = 16

// Updates lease timing: a follower tries every updatesRetry, the leader
// renews every updatesRenew and stops polling by itself when it could not
// renew for updatesStop, well before the lease (updatesTTL) can pass to
// another replica: two pollers would make Telegram answer 409 Conflict.
// A dead leader is replaced within updatesTTL + updatesRetry. The renewal
// is an idle replica's most frequent round trip (every second cost a whole
// one a second; every 2 s, half): renewing every 2.5 s, with a leader
// that stops 2 s before its lease can pass (updatesStop, two thirds of
// the lease), costs a fifth less than every 2 s with a stop at half the
// lease, and leaves more room for the retry of a failed renewal before
// updatesStop (lease retries halfway to Stop: 0.75 s after a failure at
// 2.5 s, where the 2 s renewal had 0.5 s). The takeover bound is the same.
const (
	updatesTTL   = 6 * time.Second
	updatesRenew = 5 * time.Second / 2
	updatesStop  = 2 * updatesTTL / 3
	updatesRetry = time.Second
	// pollTimeout is getUpdates' long-poll time: an update still comes
	// back at once, and a lost lease or a shutdown cancels the request,
	// so a long one costs nothing but spares an idle leader a request
	// every 10 s (it must stay under the Bot API client's 60 s timeout).
	pollTimeout = 30 * time.Second
)

// pollUpdates long-polls Telegram while this replica holds the updates
// lease.
func pollUpdates(ctx context.Context, tg *telegram.Client, store *storage.Store, dispatch *bot.Dispatcher, replica string, log *slog.Logger) error {
	spec := lease.Spec{Name: "leader:updates", Owner: replica, TTL: updatesTTL, Renew: updatesRenew, Stop: updatesStop}
	return lease.Lead(ctx, store, spec, updatesRetry, log, func(ctx context.Context) error {
		return tg.Poll(ctx, store, pollTimeout, dispatch, log)
	})
}

// period is the time between two runs of a schedule.
func period(s cron.Schedule, from time.Time) time.Duration {
	a := s.Next(from)
	return s.Next(a).Sub(a)
}

func replicaID() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
}

// adminServer serves /metrics, /healthz (the process is up), /readyz
// (Redis answers a ping within readyTimeout), POST /reload (re-read the config's sources), and
// /debug/pprof/ when withPprof is set.
func adminServer(ctx context.Context, addr string, reg *prometheus.Registry, store *storage.Store, cfg *Config, withPprof bool, reload http.HandlerFunc, log *slog.Logger) (*http.Server, net.Listener, error) {
	mux := http.NewServeMux()
	if withPprof {
		mountPprof(mux)
	}
	mux.HandleFunc("/reload", reload)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	ready := &readiness{ping: store.Ping, timeout: readyTimeout}
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := ready.check(r.Context()); err != nil {
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
	return httpServer(mux, cfg), ln, nil
}

// httpServer is a server for h bounded by cfg.HTTP: without these limits a
// client that never finishes its headers or body, never reads the answer,
// or keeps an idle connection open holds a connection (and a goroutine)
// for ever; Go's defaults have no timeouts and allow 1 MB of headers.
func httpServer(h http.Handler, cfg *Config) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
	}
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

// telegramSenders is how many goroutines may call the Bot API at once:
// delivery's senders and the update workers, whose replies all go at once
// during a burst of commands. They share the Bot API's connections.
func (c *Config) telegramSenders() int { return c.Delivery.Workers + c.Updates.Workers }
