package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/telegram"
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
	// HTTP bounds the connections of the webhook and admin servers, so a
	// client that sends slowly, never reads, or sits idle on a keep-alive
	// connection cannot hold one open forever.
	HTTP struct {
		ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"` // default 10s
		ReadTimeout       time.Duration `yaml:"read_timeout"`        // whole request, default 30s
		// WriteTimeout runs from the end of the request headers to the end
		// of the answer, so it bounds handling a webhook update too
		// (default 60s).
		WriteTimeout   time.Duration `yaml:"write_timeout"`
		IdleTimeout    time.Duration `yaml:"idle_timeout"`     // keep-alive, default 120s
		MaxHeaderBytes int           `yaml:"max_header_bytes"` // default 32 KiB
	} `yaml:"http"`
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
	// Updates tunes how what people send waits to be handled: each chat
	// in a queue of its own, so no chat waits for another.
	Updates struct {
		// CommandsPerUser is how many commands and button presses one
		// person (an anonymous admin's group, a channel) may make per
		// CommandsWindow; more are dropped without a reply (default 8
		// per 10s).
		CommandsPerUser int           `yaml:"commands_per_user"`
		CommandsWindow  time.Duration `yaml:"commands_window"`
		QueuePerChat    int           `yaml:"queue_per_chat"` // updates waiting in one chat; past it the newest is dropped (default 8)
		Workers         int           `yaml:"workers"`        // updates handled at once (default 32)
	} `yaml:"updates"`
	Cards struct {
		// The card's buttons, in order: read, share, whatsapp, x, copy.
		// Empty = all of them. Read stays under the card; the others are
		// in the menu its «📤 مشاركة» button opens.
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
	// Operators are Telegram user ids that get the operator commands
	// (/stats, /health, /deadletters, /broadcast) in their private chat.
	Operators []int64        `yaml:"operators"`
	Sources   []SourceConfig `yaml:"sources"`
}

// SourceConfig is one news source in the file.
type SourceConfig struct {
	ID     string   `yaml:"id"`
	Name   string   `yaml:"name"`
	URL    string   `yaml:"url"`
	Topics []string `yaml:"topics"`
	// Categories maps the feed's own categories to topics
	// ("كرة محلية": رياضة), beyond the names topics are known by anyway.
	Categories map[string]string `yaml:"categories"`
	// Keywords gives a topic that is neither a subject nor a country the
	// words that mark its items (محليات: [الأردن, البلقاء]); a country's
	// name stands for all its forms.
	Keywords     map[string][]string `yaml:"keywords"`
	Breaking     BreakingConfig      `yaml:"breaking"`
	Schedule     string              `yaml:"schedule"`
	SummaryChars int                 `yaml:"summary_chars"`
	FirstSight   string              `yaml:"first_sight"`
	AllowPrivate bool                `yaml:"allow_private_addresses"`
}

// BreakingConfig is how a source marks breaking news; empty lists keep
// the defaults (a title starting with عاجل or Breaking, a category so named).
type BreakingConfig struct {
	Off        bool     `yaml:"off"`        // the source never carries breaking news
	Patterns   []string `yaml:"patterns"`   // title prefixes, e.g. "عاجل", "خبر عاجل"
	Categories []string `yaml:"categories"` // feed categories, e.g. "عاجل"
}

// maxTopicKeywords bounds one topic's words: each is looked up in every
// item, and a list is a set of markers, not a dictionary.
const maxTopicKeywords = 100

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

// tokenPattern is the shape of a token from @BotFather: the bot's numeric
// id, a colon and a secret of 35 URL-safe characters (some slack allowed).
var tokenPattern = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{30,64}$`)

// checkToken says what is wrong with a bot token without printing it: it
// ends up in error messages and logs.
func checkToken(token string) error {
	if !tokenPattern.MatchString(token) {
		return fmt.Errorf("not a bot token: want <bot id>:<35 characters of A-Z a-z 0-9 _ -> as @BotFather gives it, got %d characters", len(token))
	}
	return nil
}

// secretPattern is Telegram's alphabet for a webhook secret_token (up to
// 256 characters), with at least 32 of them, so it cannot be guessed.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{32,256}$`)

// checkWebhookSecret says what is wrong with a webhook secret without
// printing it.
func checkWebhookSecret(secret string) error {
	if !secretPattern.MatchString(secret) {
		return fmt.Errorf("want 32-256 characters of A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 32`), got %d characters", len(secret))
	}
	return nil
}

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
	// Secrets are trimmed (a file or a Kubernetes secret often ends in a
	// newline) and checked without being printed.
	if cfg.Telegram.Token = strings.TrimSpace(cfg.Telegram.Token); cfg.Telegram.Token != "" {
		if err := checkToken(cfg.Telegram.Token); err != nil {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: telegram.token: %v", lineOf(&root, "telegram", "token"), err))
		}
	}
	if cfg.Telegram.Webhook.Secret = strings.TrimSpace(cfg.Telegram.Webhook.Secret); cfg.Telegram.Webhook.Secret != "" {
		if err := checkWebhookSecret(cfg.Telegram.Webhook.Secret); err != nil {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: telegram.webhook.secret: %v", lineOf(&root, "telegram", "webhook", "secret"), err))
		}
	}
	for _, f := range []struct {
		key string
		v   int64
	}{
		{"read_header_timeout", int64(cfg.HTTP.ReadHeaderTimeout)}, {"read_timeout", int64(cfg.HTTP.ReadTimeout)},
		{"write_timeout", int64(cfg.HTTP.WriteTimeout)}, {"idle_timeout", int64(cfg.HTTP.IdleTimeout)},
		{"max_header_bytes", int64(cfg.HTTP.MaxHeaderBytes)},
	} {
		if f.v <= 0 {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: http.%s: want a positive value (or leave it out for the default)",
				lineOf(&root, "http", f.key), f.key))
		}
	}
	if m := cfg.Telegram.Mode; m != "polling" && m != "webhook" {
		cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: telegram.mode %q: want polling or webhook", lineOf(&root, "telegram", "mode"), m))
	}
	for _, name := range cfg.Cards.Buttons {
		if !slices.Contains(card.DefaultButtons(), name) {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: cards.buttons: unknown button %q (want %s)",
				lineOf(&root, "cards", "buttons"), name, strings.Join(card.DefaultButtons(), ", ")))
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
	for _, f := range []struct {
		key string
		v   float64
	}{
		{"commands_per_user", float64(cfg.Updates.CommandsPerUser)}, {"commands_window", cfg.Updates.CommandsWindow.Seconds()},
		{"queue_per_chat", float64(cfg.Updates.QueuePerChat)}, {"workers", float64(cfg.Updates.Workers)},
	} {
		if f.v < 0 {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: updates.%s %v: want a positive number (or leave it out for the default)",
				lineOf(&root, "updates", f.key), f.key, f.v))
		}
	}
	for _, id := range cfg.Operators {
		if id <= 0 {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: operators: %d is not a Telegram user id (a positive number; ask @userinfobot)", lineOf(&root, "operators"), id))
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
			if bot.IsBreakingName(t) {
				cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: topic %q is what readers call breaking news, which every source has (sources[].breaking): name the topic otherwise", line("topics"), s.ID, t))
			}
		}
		for cat, topic := range s.Categories {
			if strings.TrimSpace(cat) == "" || !slices.Contains(s.Topics, topic) {
				cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: category %q maps to %q, which is not one of its topics", line("categories"), s.ID, cat, topic))
			}
		}
		for topic, words := range s.Keywords {
			if !slices.Contains(s.Topics, topic) {
				cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: keywords for %q, which is not one of its topics", line("keywords"), s.ID, topic))
			}
			if len(words) == 0 || len(words) > maxTopicKeywords {
				cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: keywords for %q: give 1 to %d words", line("keywords"), s.ID, topic, maxTopicKeywords))
			}
			for _, w := range words {
				if strings.TrimSpace(w) == "" || len([]rune(w)) > 50 {
					cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: keywords for %q: empty or too long word %q", line("keywords"), s.ID, topic, w))
				}
			}
		}
		for _, p := range append(slices.Clone(s.Breaking.Patterns), s.Breaking.Categories...) {
			if strings.TrimSpace(p) == "" || len([]rune(p)) > 50 {
				cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: source %q: breaking: empty or too long pattern or category %q", line("breaking"), s.ID, p))
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
	if c.HTTP.ReadHeaderTimeout == 0 {
		c.HTTP.ReadHeaderTimeout = 10 * time.Second
	}
	if c.HTTP.ReadTimeout == 0 {
		c.HTTP.ReadTimeout = 30 * time.Second
	}
	if c.HTTP.WriteTimeout == 0 {
		c.HTTP.WriteTimeout = 60 * time.Second
	}
	if c.HTTP.IdleTimeout == 0 {
		c.HTTP.IdleTimeout = 120 * time.Second
	}
	if c.HTTP.MaxHeaderBytes == 0 {
		c.HTTP.MaxHeaderBytes = 32 << 10
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
	if c.Telegram.APIURL == "" {
		c.Telegram.APIURL = telegram.DefaultAPIURL
	}
	// The use cases' own defaults, from their tables, so the file as
	// loaded is what runs (and what `check -show` prints).
	bd, dd := bot.DefaultConfig(), bot.DefaultDispatchOptions()
	setf := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	seti := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setf(&c.Delivery.GlobalPerSecond, bd.Limits.GlobalPerSecond)
	setf(&c.Delivery.PrivatePerSecond, bd.Limits.PrivatePerSecond)
	setf(&c.Delivery.GroupPerMinute, bd.Limits.GroupPerMinute)
	seti(&c.Delivery.Workers, bd.Workers)
	seti(&c.Delivery.DigestThreshold, bd.DigestThreshold)
	seti(&c.Delivery.Backlog, bd.Backlog)
	seti(&c.Delivery.LaneAbove, storage.DefaultBulkFanout)
	seti(&c.Updates.CommandsPerUser, dd.UserRate.Rate)
	if c.Updates.CommandsWindow == 0 {
		c.Updates.CommandsWindow = dd.UserRate.Period
	}
	seti(&c.Updates.QueuePerChat, dd.QueuePerChat)
	seti(&c.Updates.Workers, dd.Workers)
	if len(c.Cards.Buttons) == 0 {
		c.Cards.Buttons = card.DefaultButtons()
	}
	if c.Fetch.UserAgent == "" {
		c.Fetch.UserAgent = feeds.DefaultUserAgent
	}
	if c.Fetch.Timeout == 0 {
		c.Fetch.Timeout = feeds.DefaultTimeout
	}
	if c.Fetch.MaxBytes == 0 {
		c.Fetch.MaxBytes = feeds.DefaultMaxBytes
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
		out[i] = feeds.Source{ID: s.ID, Name: s.Name, URL: s.URL, Topics: s.Topics, Categories: s.Categories, Keywords: s.Keywords,
			Breaking: feeds.BreakingRule{Off: s.Breaking.Off, Patterns: s.Breaking.Patterns, Categories: s.Breaking.Categories}, Schedule: s.Schedule,
			SendNewestOnFirstSight: s.FirstSight == "newest", SummaryChars: s.SummaryChars,
			AllowPrivate: s.AllowPrivate || c.Fetch.AllowPrivate}
	}
	return out
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
