package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/feeds"
)

// environment is the program's one reader of the environment: every variable
// akhbar reads is named in this file, and read only through it, so what
// the environment can change is listed in one place (and `akhbar check
// -show` prints its effect). main hands it os.Getenv; tests hand it a map.
//
// The test suites' own knobs (AKHBAR_FAULTS_*, AKHBAR_LOAD_*,
// AKHBAR_CHROMIUM, storagetest's AKHBAR_TEST_REDIS_*) are read by the test
// code that they steer, not by the program, so they are not here.
type environment struct{ get func(string) string }

// The variables, by what they change.
const (
	envConfig        = "AKHBAR_CONFIG"              // the config file (-config wins)
	envToken         = "TELEGRAM_BOT_TOKEN"         // the bot token (a secret)
	envTokenFile     = "TELEGRAM_BOT_TOKEN_FILE"    // a file holding it
	envRedisURL      = "REDIS_URL"                  // redis.url (may hold a password)
	envAPIURL        = "AKHBAR_TELEGRAM_API_URL"    // telegram.api_url
	envWebhookSecret = "AKHBAR_WEBHOOK_SECRET"      // telegram.webhook.secret (a secret)
	envAdminListen   = "AKHBAR_ADMIN_LISTEN"        // admin.listen
	envClaimIdle     = "AKHBAR_DELIVERY_CLAIM_IDLE" // shard and inbox lease time
	envDebug         = "AKHBAR_DEBUG"               // debug logs
	envPprof         = "AKHBAR_PPROF"               // /debug/pprof on the admin listener
	envTestResolve   = "AKHBAR_TEST_RESOLVE"        // fault tests: host names resolved to given addresses
	envLocalEvery    = "AKHBAR_LOCAL_NEWS_EVERY"    // local mode: how often a sample item appears
	envLocalWeb      = "AKHBAR_LOCAL_WEB"           // local mode: the chat page's address, or off
	envLocalTelegram = "AKHBAR_LOCAL_TELEGRAM_ADDR" // local mode: the fake Telegram's address
)

// envNames are the variables above, in the order `check -show` lists
// those set.
func envNames() []string {
	return []string{envConfig, envToken, envTokenFile, envRedisURL, envAPIURL, envWebhookSecret, envAdminListen,
		envClaimIdle, envDebug, envPprof, envTestResolve, envLocalEvery, envLocalWeb, envLocalTelegram}
}

// setNames are the names of the variables set, without their values.
func (e environment) setNames() []string {
	var out []string
	for _, name := range envNames() {
		if e.get(name) != "" {
			out = append(out, name)
		}
	}
	return out
}

func (e environment) configPath() string { return e.get(envConfig) }
func (e environment) redisURL() string   { return e.get(envRedisURL) }
func (e environment) debug() bool        { return e.get(envDebug) != "" }
func (e environment) pprof() bool        { return e.get(envPprof) != "" }

// apply lets the environment override the Redis, the endpoints and the
// webhook secret of c. The token is botToken's.
func (e environment) apply(c *Config) error {
	if v := e.get(envRedisURL); v != "" {
		c.Redis.URL = v
	}
	if v := e.get(envAPIURL); v != "" {
		c.Telegram.APIURL = v
	}
	if v := e.get(envWebhookSecret); v != "" {
		c.Telegram.Webhook.Secret = strings.TrimSpace(v)
		if err := checkWebhookSecret(c.Telegram.Webhook.Secret); err != nil {
			return fmt.Errorf("%s: %w", envWebhookSecret, err)
		}
	}
	if v := e.get(envAdminListen); v != "" {
		c.Admin.Listen = v
	}
	return nil
}

// botToken is the bot token from TELEGRAM_BOT_TOKEN, else the file named by
// TELEGRAM_BOT_TOKEN_FILE, else the config (cfg may be nil), trimmed: a
// secret mounted from Kubernetes or written with echo ends in a newline,
// which would otherwise reach the request URL. It is "" when none is
// given; one given but empty or of the wrong shape is an error that names
// where it came from and does not print it.
func (e environment) botToken(cfg *Config) (string, error) {
	from, token := "", ""
	switch {
	case e.get(envToken) != "":
		from, token = envToken, e.get(envToken)
	case e.get(envTokenFile) != "":
		f := e.get(envTokenFile)
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", envTokenFile, err)
		}
		from, token = envTokenFile+" "+f, string(b)
	case cfg != nil && cfg.Telegram.Token != "":
		from, token = "telegram.token", cfg.Telegram.Token
	default:
		return "", nil
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", fmt.Errorf("%s is empty", from)
	}
	if err := checkToken(token); err != nil {
		return "", fmt.Errorf("%s: %w", from, err)
	}
	return token, nil
}

// claimIdle reads AKHBAR_DELIVERY_CLAIM_IDLE (a Go duration): the lease
// time of a replica's delivery shards and of the updates it holds, so how
// long a dead replica's jobs wait before another replica takes them over.
// Zero means unset.
func (e environment) claimIdle() (time.Duration, error) {
	v := e.get(envClaimIdle)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 100*time.Millisecond {
		return 0, fmt.Errorf("%s=%s: want a duration of at least 100ms", envClaimIdle, strconv.Quote(v))
	}
	return d, nil
}

// leases are the delivery shards' and the held updates' lease times:
// AKHBAR_DELIVERY_CLAIM_IDLE for both, else each one's default (which
// differ: a shard's lease decides when its sends may go, an update's only
// when it is taken over).
func (e environment) leases() (shard, inbox time.Duration, err error) {
	d, err := e.claimIdle()
	if err != nil || d > 0 {
		return d, d, err
	}
	return bot.DefaultConfig().ShardLease, bot.DefaultDispatchOptions().Lease, nil
}

// testResolve reads AKHBAR_TEST_RESOLVE, a comma-separated list of
// name=address[@host:port]: the fault tests make a feed's host name resolve
// to a private address (which the SSRF guard must refuse) or to a public
// one served from a local port, as feeds.FetcherOptions.Resolve describes.
// Unset in production, where DNS answers.
func (e environment) testResolve() (map[string]feeds.ResolvedHost, error) {
	return parseTestResolve(e.get(envTestResolve))
}

func parseTestResolve(v string) (map[string]feeds.ResolvedHost, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	out := map[string]feeds.ResolvedHost{}
	for _, e := range strings.Split(v, ",") {
		name, rest, ok := strings.Cut(strings.TrimSpace(e), "=")
		addr, via, _ := strings.Cut(rest, "@")
		ip, err := netip.ParseAddr(addr)
		if !ok || name == "" || err != nil {
			return nil, fmt.Errorf("%s: %q: want name=address[@host:port]", envTestResolve, e)
		}
		out[strings.ToLower(name)] = feeds.ResolvedHost{Addr: ip, Via: via}
	}
	return out, nil
}

// localNewsEvery is how often local mode reveals a sample item, def when
// AKHBAR_LOCAL_NEWS_EVERY is unset.
func (e environment) localNewsEvery(def time.Duration) (time.Duration, error) {
	v := e.get(envLocalEvery)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", envLocalEvery, err)
	}
	return d, nil
}

// localWeb is the local chat page's address ("" for any free port on
// 127.0.0.1, "off" for none).
func (e environment) localWeb() string { return e.get(envLocalWeb) }

// localTelegramAddr is where local mode serves its fake Telegram.
func (e environment) localTelegramAddr() string {
	if v := e.get(envLocalTelegram); v != "" {
		return v
	}
	return "127.0.0.1:0"
}
