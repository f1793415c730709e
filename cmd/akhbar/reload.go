package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/feeds"
	"github.com/robfig/cron/v3"
)

// pollScheduler runs each source's polls on its cron schedule, and takes a
// new list of sources (a reload) without a restart: a source added is
// scheduled and polled at once, one removed is unscheduled, one whose
// settings changed is rescheduled with them. A poll in flight finishes
// with the source it started with; a source's polls never overlap, even
// across a reload (the old entry's poll and the new entry's tick share the
// source's lock).
type pollScheduler struct {
	ctx   context.Context
	cron  *cron.Cron
	poll  func(ctx context.Context, src feeds.Source, interval time.Duration)
	first func(name string, f func() error) // runs a source's first poll
	log   *slog.Logger

	mu      sync.Mutex
	entries map[string]scheduled
	busy    map[string]*sync.Mutex // by source id, kept across reloads
}

type scheduled struct {
	src feeds.Source
	id  cron.EntryID
}

// sourceChanges says what a reload did to the schedule.
type sourceChanges struct{ Added, Changed, Removed []string }

func (c sourceChanges) String() string {
	part := func(what string, ids []string) string {
		if len(ids) == 0 {
			return "0 " + what
		}
		return fmt.Sprintf("%d %s (%s)", len(ids), what, strings.Join(ids, ", "))
	}
	return part("added", c.Added) + ", " + part("changed", c.Changed) + ", " + part("removed", c.Removed)
}

func newPollScheduler(ctx context.Context, c *cron.Cron, poll func(context.Context, feeds.Source, time.Duration),
	first func(string, func() error), log *slog.Logger) *pollScheduler {
	return &pollScheduler{ctx: ctx, cron: c, poll: poll, first: first, log: log,
		entries: map[string]scheduled{}, busy: map[string]*sync.Mutex{}}
}

// apply makes the schedule follow srcs. Every schedule is parsed before
// anything changes, so a bad one leaves the running schedule as it was.
func (s *pollScheduler) apply(srcs []feeds.Source) (sourceChanges, error) {
	specs := make([]cron.Schedule, len(srcs))
	for i, src := range srcs {
		spec, err := cronParser.Parse(src.Schedule)
		if err != nil {
			return sourceChanges{}, fmt.Errorf("source %s: %w", src.ID, err)
		}
		specs[i] = spec
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ctx.Err(); err != nil {
		return sourceChanges{}, fmt.Errorf("stopping: %w", err) // no new polls while the program stops
	}
	var ch sourceChanges
	keep := make(map[string]bool, len(srcs))
	for _, src := range srcs {
		keep[src.ID] = true
	}
	for id, e := range s.entries {
		if !keep[id] {
			s.cron.Remove(e.id)
			delete(s.entries, id)
			ch.Removed = append(ch.Removed, id)
		}
	}
	for i, src := range srcs {
		old, ok := s.entries[src.ID]
		if ok && reflect.DeepEqual(old.src, src) {
			continue
		}
		if ok {
			s.cron.Remove(old.id)
			ch.Changed = append(ch.Changed, src.ID)
		} else {
			ch.Added = append(ch.Added, src.ID)
		}
		busy := s.busy[src.ID]
		if busy == nil {
			busy = &sync.Mutex{}
			s.busy[src.ID] = busy
		}
		interval := period(specs[i], time.Now())
		job := func() {
			if !busy.TryLock() {
				return // the last poll of this source still runs
			}
			defer busy.Unlock()
			s.poll(s.ctx, src, interval)
		}
		s.entries[src.ID] = scheduled{src: src, id: s.cron.Schedule(specs[i], cron.FuncJob(job))}
		if !ok {
			// A new source (or every source, at start) is polled at once,
			// not a whole period later; the lease keeps replicas from
			// doubling up.
			s.first("first poll "+src.ID, func() error { job(); return nil })
		}
	}
	slices.Sort(ch.Added)
	slices.Sort(ch.Changed)
	slices.Sort(ch.Removed)
	return ch, nil
}

// reloader re-reads the config file's sources and schedules on SIGHUP or
// POST /reload. A config with mistakes is refused with them, and the
// running one kept.
type reloader struct {
	path  string // "" in local mode: nothing to re-read
	bot   *bot.Bot
	sched *pollScheduler
	log   *slog.Logger

	mu      sync.Mutex // one reload at a time
	current *Config    // the file as last applied, before the environment's overrides
}

// errNoConfigFile refuses a reload when the bot runs on the embedded
// config (local mode).
var errNoConfigFile = errors.New("no config file to re-read: the bot runs on the embedded local-mode config")

// applied is the config file as last applied (nil before the first).
func (r *reloader) applied() *Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current
}

// reload re-reads the config file and applies its sources and schedules
// (with the defaults they take). It returns what changed; changes to other
// settings are named in the answer and wait for a restart.
func (r *reloader) reload() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.path == "" {
		return "", errNoConfigFile
	}
	data, err := os.ReadFile(r.path)
	if err != nil {
		return "", fmt.Errorf("reload: read config: %w", err)
	}
	cfg, err := ParseConfig(r.path, data)
	if err != nil {
		r.log.Error("reload refused: the config has mistakes; the running config is kept", "error", err)
		return "", fmt.Errorf("reload refused, running config kept: %w", err)
	}
	srcs := cfg.FeedSources()
	// The bot names the sources before any poll of a new one publishes.
	r.bot.SetSources(srcs)
	ch, err := r.sched.apply(srcs)
	if err != nil { // ParseConfig checked the schedules: not expected
		r.bot.SetSources(r.current.FeedSources())
		return "", fmt.Errorf("reload refused, running config kept: %w", err)
	}
	restart := restartNeeded(r.current, cfg)
	r.current = cfg
	msg := "reloaded " + r.path + ": sources " + ch.String()
	if len(restart) > 0 {
		msg += "; not applied until a restart: " + strings.Join(restart, ", ")
	}
	r.log.Info("config reloaded", "sources", len(srcs), "added", ch.Added, "changed", ch.Changed, "removed", ch.Removed,
		"restart_needed", restart)
	return msg, nil
}

// restartNeeded names the top-level settings that differ between two
// configs, besides the sources and their defaults, which a reload applies.
func restartNeeded(old, cfg *Config) []string {
	a, b := reflect.ValueOf(*old), reflect.ValueOf(*cfg)
	var out []string
	for i := range a.NumField() {
		name, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("yaml"), ",")
		if name == "sources" || name == "defaults" {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, name)
		}
	}
	return out
}

// serveReload is POST /reload on the admin listener.
func (r *reloader) serveReload(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	msg, err := r.reload()
	switch {
	case errors.Is(err, errNoConfigFile):
		http.Error(w, err.Error(), http.StatusConflict)
	case err != nil:
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
	default:
		fmt.Fprintln(w, msg)
	}
}

// onSignal reloads whenever a signal arrives on sig, until ctx ends.
func (r *reloader) onSignal(ctx context.Context, sig <-chan os.Signal) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sig:
			if _, err := r.reload(); err != nil {
				r.log.Error("reload on SIGHUP", "error", err)
			}
		}
	}
}
