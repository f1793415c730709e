package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Config is akhbar's configuration file. Secrets come from the environment
// (TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE, REDIS_URL), so the file
// can be committed.
type Config struct {
	Telegram struct {
		Token   string `yaml:"token"`   // prefer TELEGRAM_BOT_TOKEN
		APIURL  string `yaml:"api_url"` // default https://api.telegram.org; AKHBAR_TELEGRAM_API_URL overrides
		Mode    string `yaml:"mode"`    // polling (default) or webhook
		Webhook struct {
			URL    string `yaml:"url"`    // public HTTPS URL Telegram posts to
			Listen string `yaml:"listen"` // local address, default :8443
			Secret string `yaml:"secret"` // or AKHBAR_WEBHOOK_SECRET
		} `yaml:"webhook"`
	} `yaml:"telegram"`
	Redis struct {
		URL    string `yaml:"url"`    // REDIS_URL overrides; empty = embedded in-process store
		Prefix string `yaml:"prefix"` // default "akhbar:"
	} `yaml:"redis"`
	BotName  string `yaml:"bot_name"` // shown in the welcome message
	Timezone string `yaml:"timezone"` // default Asia/Amman
	Admin    struct {
		Listen string `yaml:"listen"` // metrics and health, default 127.0.0.1:9090; "off" disables
	} `yaml:"admin"`
	Delivery struct {
		GlobalPerSecond float64 `yaml:"global_per_second"`
		// AllowPaidBroadcast sends with allow_paid_broadcast: Telegram then
		// allows up to 1000 messages/s (paid in Stars); set
		// global_per_second to the rate you pay for.
		AllowPaidBroadcast bool    `yaml:"allow_paid_broadcast"`
		PrivatePerSecond   float64 `yaml:"private_per_second"`
		GroupPerMinute     float64 `yaml:"group_per_minute"`
		Workers            int     `yaml:"workers"`
		DigestThreshold    int     `yaml:"digest_threshold"`
		// Backlog caps the jobs one replica holds in memory (default 5000).
		Backlog int `yaml:"backlog"`
		// LaneAbove is the fan-out size above which an item gets a lane of
		// its own, read in turn with the other jobs (default 500 chats).
		LaneAbove int `yaml:"lane_above"`
	} `yaml:"delivery"`
	Cards struct {
		// Buttons under each card, in order: read, share, whatsapp, x, copy.
		// Empty = all of them.
		Buttons []string `yaml:"buttons"`
		Images  *bool    `yaml:"images"` // send item images (default true)
	} `yaml:"cards"`
	Fetch struct {
		UserAgent    string        `yaml:"user_agent"`
		Timeout      time.Duration `yaml:"timeout"`
		MaxBytes     int64         `yaml:"max_bytes"`
		AllowPrivate bool          `yaml:"allow_private_addresses"` // only for feeds on your own network
	} `yaml:"fetch"`
	Defaults struct {
		Schedule     string `yaml:"schedule"`      // default "*/5 * * * *"
		SummaryChars int    `yaml:"summary_chars"` // default 400
		FirstSight   string `yaml:"first_sight"`   // "none" (default) or "newest"
	} `yaml:"defaults"`
	Sources []SourceConfig `yaml:"sources"`
}

// SourceConfig is one news source in the file.
type SourceConfig struct {
	ID           string   `yaml:"id"`
	Name         string   `yaml:"name"`
	URL          string   `yaml:"url"`
	Topics       []string `yaml:"topics"`
	Schedule     string   `yaml:"schedule"`
	SummaryChars int      `yaml:"summary_chars"`
	FirstSight   string   `yaml:"first_sight"`
	AllowPrivate bool     `yaml:"allow_private_addresses"`
}

// ConfigError lists every mistake found in a config file, each with its
// line, so `akhbar check` can name them all at once.
type ConfigError struct {
	File     string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n  %s", e.File, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

var sourceIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// cronParser accepts standard 5-field specs and descriptors (@every 90s,
// @hourly), as robfig/cron's default parser does.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseConfig reads and validates a config file's bytes. Unknown keys, bad
// cron specs, duplicate source ids and bad URLs are reported with lines.
func ParseConfig(name string, data []byte) (*Config, error) {
	cfg := &Config{}
	cerr := &ConfigError{File: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty config
		var te *yaml.TypeError
		if errors.As(err, &te) {
			cerr.Problems = append(cerr.Problems, te.Errors...)
		} else {
			cerr.Problems = append(cerr.Problems, err.Error())
		}
		return nil, cerr
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	lines := sourceLines(&root)

	cfg.applyDefaults()
	if _, err := time.LoadLocation(cfg.Timezone); err != nil {
		cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: timezone %q: %v", lineOf(&root, "timezone"), cfg.Timezone, err))
	}
	if m := cfg.Telegram.Mode; m != "polling" && m != "webhook" {
		cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: telegram.mode %q: want polling or webhook", lineOf(&root, "telegram", "mode"), m))
	}
	for _, name := range cfg.Cards.Buttons {
		if !slices.Contains(bot.DefaultButtons, name) {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: cards.buttons: unknown button %q (want %s)",
				lineOf(&root, "cards", "buttons"), name, strings.Join(bot.DefaultButtons, ", ")))
		}
	}
	for _, f := range []struct {
		key string
		v   float64
	}{
		{"global_per_second", cfg.Delivery.GlobalPerSecond}, {"private_per_second", cfg.Delivery.PrivatePerSecond},
		{"group_per_minute", cfg.Delivery.GroupPerMinute}, {"workers", float64(cfg.Delivery.Workers)},
		{"digest_threshold", float64(cfg.Delivery.DigestThreshold)}, {"backlog", float64(cfg.Delivery.Backlog)},
		{"lane_above", float64(cfg.Delivery.LaneAbove)},
	} {
		if f.v < 0 {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: delivery.%s %v: want a positive number (or leave it out for the default)",
				lineOf(&root, "delivery", f.key), f.key, f.v))
		}
	}
	seen := map[string]int{}
	for i, s := range cfg.Sources {
		line := func(key string) int {
			if i < len(lines) {
				if l, ok := lines[i][key]; ok {
					return l
				}
				return lines[i][""]
			}
			return 0
		}
		switch {
		case s.ID == "":
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %d has no id", line(""), i+1))
		case !sourceIDPattern.MatchString(s.ID):
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source id %q: use 1-32 of a-z 0-9 _ -", line("id"), s.ID))
		case seen[s.ID] != 0:
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: duplicate source id %q (first on line %d)", line("id"), s.ID, seen[s.ID]))
		default:
			seen[s.ID] = line("id")
		}
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: url %q is not an http(s) URL", line("url"), s.ID, s.URL))
		}
		if s.Name == "" {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q has no name", line(""), s.ID))
		}
		if _, err := cronParser.Parse(s.Schedule); err != nil {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: schedule %q: %v", line("schedule"), s.ID, s.Schedule, err))
		}
		if fs := s.FirstSight; fs != "none" && fs != "newest" {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: first_sight %q: want none or newest", line("first_sight"), s.ID, fs))
		}
		for _, t := range s.Topics {
			if strings.TrimSpace(t) == "" || len(t) > 100 {
				cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: empty or too long topic", line("topics"), s.ID))
			}
		}
	}
	if len(cerr.Problems) > 0 {
		return nil, cerr
	}
	return cfg, nil
}

func (c *Config) applyDefaults() {
	if c.Telegram.Mode == "" {
		c.Telegram.Mode = "polling"
	}
	if c.Telegram.Webhook.Listen == "" {
		c.Telegram.Webhook.Listen = ":8443"
	}
	if c.Redis.Prefix == "" {
		c.Redis.Prefix = storage.DefaultPrefix
	}
	if c.Timezone == "" {
		c.Timezone = "Asia/Amman"
	}
	if c.Admin.Listen == "" {
		c.Admin.Listen = "127.0.0.1:9090"
	}
	if c.Defaults.Schedule == "" {
		c.Defaults.Schedule = "*/5 * * * *"
	}
	if c.Defaults.SummaryChars == 0 {
		c.Defaults.SummaryChars = 400
	}
	if c.Cards.Images == nil {
		yes := true
		c.Cards.Images = &yes
	}
	if c.Defaults.FirstSight == "" {
		c.Defaults.FirstSight = "none"
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Schedule == "" {
			s.Schedule = c.Defaults.Schedule
		}
		if s.FirstSight == "" {
			s.FirstSight = c.Defaults.FirstSight
		}
		if s.SummaryChars == 0 {
			s.SummaryChars = c.Defaults.SummaryChars
		}
	}
}

// FeedSources converts the config's sources to the domain type.
func (c *Config) FeedSources() []feeds.Source {
	out := make([]feeds.Source, len(c.Sources))
	for i, s := range c.Sources {
		out[i] = feeds.Source{ID: s.ID, Name: s.Name, URL: s.URL, Topics: s.Topics, Schedule: s.Schedule,
			SendNewestOnFirstSight: s.FirstSight == "newest", SummaryChars: s.SummaryChars,
			AllowPrivate: s.AllowPrivate || c.Fetch.AllowPrivate}
	}
	return out
}

// applyEnv lets the environment override secrets and endpoints.
func (c *Config) applyEnv(getenv func(string) string) error {
	if v := getenv("TELEGRAM_BOT_TOKEN"); v != "" {
		c.Telegram.Token = v
	} else if f := getenv("TELEGRAM_BOT_TOKEN_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read TELEGRAM_BOT_TOKEN_FILE: %w", err)
		}
		c.Telegram.Token = strings.TrimSpace(string(b))
	}
	if v := getenv("REDIS_URL"); v != "" {
		c.Redis.URL = v
	}
	if v := getenv("AKHBAR_TELEGRAM_API_URL"); v != "" {
		c.Telegram.APIURL = v
	}
	if v := getenv("AKHBAR_WEBHOOK_SECRET"); v != "" {
		c.Telegram.Webhook.Secret = v
	}
	if v := getenv("AKHBAR_ADMIN_LISTEN"); v != "" {
		c.Admin.Listen = v
	}
	return nil
}

// sourceLines maps each source (by index) to the lines of its keys; the
// "" key is the line of the source itself.
func sourceLines(root *yaml.Node) []map[string]int {
	n := mappingValue(root, "sources")
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]map[string]int, len(n.Content))
	for i, item := range n.Content {
		m := map[string]int{"": item.Line}
		if item.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(item.Content); j += 2 {
				m[item.Content[j].Value] = item.Content[j+1].Line
			}
		}
		out[i] = m
	}
	return out
}

// lineOf finds the line of a nested key, or 0.
func lineOf(root *yaml.Node, path ...string) int {
	n := root
	for _, k := range path {
		n = mappingValue(n, k)
		if n == nil {
			return 0
		}
	}
	return n.Line
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
