package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// runDeadLetters prints the newest dead letters: deliveries the bot gave up
// on, with the error that made it, so an operator can see why a chat
// missed an item. It reads the same Redis as the bot (config, REDIS_URL).
func runDeadLetters(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("deadletters", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20, "how many dead letters to show, newest first")
	cfg, _, err := loadConfig(fs, args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if cfg == nil {
		cfg = &Config{}
	}
	if err := cfg.applyEnv(getenv); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cfg.Redis.URL == "" {
		fmt.Fprintln(stderr, "deadletters: give the bot's Redis with REDIS_URL or redis.url in -config")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	store, err := storage.Open(ctx, cfg.Redis.URL, storage.Options{Prefix: cfg.Redis.Prefix})
	if err != nil {
		fmt.Fprintln(stderr, "deadletters:", err)
		return 1
	}
	defer store.Close()
	dead, err := store.DeadLetters(ctx, *n)
	if err != nil {
		fmt.Fprintln(stderr, "deadletters:", err)
		return 1
	}
	if len(dead) == 0 {
		fmt.Fprintln(stdout, "no dead letters")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tCHAT\tITEM\tATTEMPTS\tERROR")
	for _, d := range dead {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\n", d.Time.UTC().Format(time.RFC3339), d.ChatID, d.ItemID, d.Attempt, d.Reason)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintln(stderr, "deadletters:", err)
		return 1
	}
	return 0
}

// shardLease reads AKHBAR_DELIVERY_CLAIM_IDLE (a Go duration): the lease
// time of a replica's delivery shards, so how long a dead replica's jobs
// wait before another replica takes them over. Zero means the bot's
// default (10s).
func shardLease(getenv func(string) string) (time.Duration, error) {
	v := getenv("AKHBAR_DELIVERY_CLAIM_IDLE")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 100*time.Millisecond {
		return 0, fmt.Errorf("AKHBAR_DELIVERY_CLAIM_IDLE=%s: want a duration of at least 100ms", strconv.Quote(v))
	}
	return d, nil
}
