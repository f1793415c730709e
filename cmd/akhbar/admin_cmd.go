package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// runDeadLetters prints the newest dead letters: deliveries the bot gave up
// on, with the error that made it, so an operator can see why a chat
// missed an item. It reads the same Redis as the bot (config, REDIS_URL).
func runDeadLetters(ctx context.Context, args []string, e environment, stdout, stderr io.Writer) int {
	return runList(ctx, "deadletters", 20, "how many dead letters to show, newest first", "no dead letters",
		"TIME\tCHAT\tITEM\tATTEMPTS\tERROR", args, e, stdout, stderr,
		func(ctx context.Context, store *storage.Store, n int) ([]string, error) {
			dead, err := store.DeadLetters(ctx, n)
			rows := make([]string, len(dead))
			for i, d := range dead {
				rows[i] = fmt.Sprintf("%s\t%d\t%s\t%d\t%s", d.Time.UTC().Format(time.RFC3339), d.ChatID, d.ItemID, d.Attempt, d.Reason)
			}
			return rows, err
		})
}

// runPaused lists the chats the bot stopped posting to because it may not
// (no rights, not an admin of the channel, group deactivated, topic
// closed), with Telegram's answer: their subscriptions wait until an admin
// gives the bot its rights back, which resumes them.
func runPaused(ctx context.Context, args []string, e environment, stdout, stderr io.Writer) int {
	return runList(ctx, "paused", 100, "how many paused chats to show, longest paused first (0: all)", "no paused chats",
		"SINCE\tCHAT\tREASON", args, e, stdout, stderr,
		func(ctx context.Context, store *storage.Store, n int) ([]string, error) {
			paused, err := store.PausedChats(ctx, n)
			rows := make([]string, len(paused))
			for i, p := range paused {
				rows[i] = fmt.Sprintf("%s\t%d\t%s", p.Since.UTC().Format(time.RFC3339), p.ChatID, p.Reason)
			}
			return rows, err
		})
}

// runList is an operator command that prints a table read from the store:
// its -n flag (defaultN, usage), the header and rows of tab-separated
// columns, or empty when there are none.
func runList(ctx context.Context, name string, defaultN int, usage, empty, header string, args []string,
	e environment, stdout, stderr io.Writer,
	read func(ctx context.Context, store *storage.Store, n int) ([]string, error)) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	n := fs.Int("n", defaultN, usage)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	store, code := adminStore(ctx, fs, args, e, stderr)
	if store == nil {
		return code
	}
	defer store.Close()
	rows, err := read(ctx, store, *n)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, empty)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, r)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// adminStore parses an operator command's flags (fs, with -config) and
// opens the bot's Redis (config, REDIS_URL). A nil store comes with the
// exit code, the reason written to stderr.
func adminStore(ctx context.Context, fs *flag.FlagSet, args []string, e environment, stderr io.Writer) (*storage.Store, int) {
	fs.SetOutput(stderr)
	name := fs.Name()
	cfg, _, err := loadConfig(fs, args, e)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, 2
	}
	if cfg == nil {
		cfg = &Config{}
	}
	if err := e.apply(cfg); err != nil {
		fmt.Fprintln(stderr, err)
		return nil, 1
	}
	if cfg.Redis.URL == "" {
		fmt.Fprintf(stderr, "%s: give the bot's Redis with REDIS_URL or redis.url in -config\n", name)
		return nil, 2
	}
	store, err := storage.Open(ctx, cfg.Redis.URL, storage.Options{Prefix: cfg.Redis.Prefix})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return nil, 1
	}
	return store, 0
}
