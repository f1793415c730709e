package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/akhbar/akhbar/feeds"
)

// configSources is the config file's sources as operators handle them from
// Telegram (bot.SourceList): /export writes them as OPML, and an OPML file
// sent to the bot adds its new feeds to the file, each checked once, and
// applies the file as a reload does. The file keeps every other byte.
type configSources struct {
	reload  *reloader      // set before updates are handled
	fetcher *feeds.Fetcher // the bot's own, with its guard, for the checks

	mu sync.Mutex // one import at a time: each reads, changes and writes the file
}

// ExportOPML is the sources as last applied (at start or by a reload; in
// local mode, the embedded config's).
func (c *configSources) ExportOPML(ctx context.Context) ([]byte, error) {
	cfg := c.reload.applied()
	if cfg == nil {
		return nil, errNoConfigFile
	}
	var b bytes.Buffer
	if err := writeOPML(&b, cfg, time.Now()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxNotes bounds the lines of an import's answer that name skipped or
// failed feeds: the answer is one Telegram message.
const maxNotes = 15

// ImportOPML adds an OPML document's new feeds to the config file and
// reloads it. A file the import would leave invalid is not written.
func (c *configSources) ImportOPML(ctx context.Context, opml []byte, progress func(done, total int)) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	path := c.reload.path
	if path == "" {
		return "", errNoConfigFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read config: %w", err)
	}
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return "", fmt.Errorf("the config file has mistakes, fix it first: %w", err)
	}
	var notes []string
	plan, err := planImport(ctx, bytes.NewReader(opml), "telegram", cfg, importOptions{fetcher: c.fetcher, folders: true,
		note: func(line string, problem bool) {
			// The failures and skips, not the successes nor the start.
			if problem {
				notes = append(notes, line)
			}
		},
		progress: progress})
	if err != nil {
		return "", err
	}
	if plan.failed == plan.feeds {
		return "", errors.New(plan.summary + ": none added\n" + strings.Join(cut(notes, maxNotes), "\n"))
	}
	if err := addSources(path, data, plan.entries); err != nil {
		return "", err
	}
	msg, err := c.reload.reload()
	if err != nil {
		return "", fmt.Errorf("written to %s, but %w", path, err)
	}
	return strings.Join(append([]string{plan.summary, msg}, cut(notes, maxNotes)...), "\n"), nil
}

// cut keeps the first n lines, naming how many more there were.
func cut(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	return append(lines[:n:n], fmt.Sprintf("… and %d more", len(lines)-n))
}
