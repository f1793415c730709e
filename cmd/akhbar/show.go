package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/akhbar/akhbar/cmd/akhbar/internal/localmode"
)

// masked stands for a secret in `check -show`: that one is set is worth
// knowing, its value never is.
const masked = "xxxxx"

// envOnly is what only the environment sets, as `check -show` prints it
// after the configuration.
type envOnly struct {
	DebugLog           bool          `yaml:"debug_log"`            // AKHBAR_DEBUG
	Pprof              bool          `yaml:"pprof"`                // AKHBAR_PPROF
	DeliveryShardLease time.Duration `yaml:"delivery_shard_lease"` // AKHBAR_DELIVERY_CLAIM_IDLE
	UpdatesInboxLease  time.Duration `yaml:"updates_inbox_lease"`  // AKHBAR_DELIVERY_CLAIM_IDLE
	// Set names the variables given, without their values.
	Set []string `yaml:"set,flow"`
}

// showConfig writes cfg, which is the file with the defaults filled in,
// as it runs: with the environment applied and the token, webhook secret
// and Redis password masked. cfg is not changed. local says cfg is local
// mode's embedded one, whose Telegram and Redis are the process's own.
func showConfig(w io.Writer, cfg *Config, e environment, header string, local bool) error {
	c := *cfg
	if err := e.apply(&c); err != nil {
		return err
	}
	token, err := e.botToken(&c)
	if err != nil {
		return err
	}
	if local {
		c.Telegram.APIURL = "(local mode: the fake Telegram on 127.0.0.1)"
		c.Redis.URL = "(local mode: the embedded store on 127.0.0.1)"
		token = localmode.Token
	}
	c.Telegram.Token = ""
	if token != "" {
		c.Telegram.Token = masked
	}
	if c.Telegram.Webhook.Secret != "" {
		c.Telegram.Webhook.Secret = masked
	}
	c.Redis.URL = maskURL(c.Redis.URL)
	shard, inbox, err := e.leases()
	if err != nil {
		return err
	}
	only := envOnly{DebugLog: e.debug(), Pprof: e.pprof(), DeliveryShardLease: shard, UpdatesInboxLease: inbox}
	only.Set = e.setNames()
	fmt.Fprintf(w, "# %s\n# The effective configuration: defaults filled in, the environment applied, secrets masked;\n"+
		"# environment: what only the environment sets.\n", header)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(shownConfig{Config: c, Environment: only}); err != nil {
		return fmt.Errorf("show config: %w", err)
	}
	return enc.Close()
}

// shownConfig is what `check -show` prints: one YAML document.
type shownConfig struct {
	Config      `yaml:",inline"`
	Environment envOnly `yaml:"environment"`
}

// maskURL hides a Redis URL's user information (a password, or in the old
// form redis://password@host a bare password) and any password in its
// query. An unparsable URL is hidden whole: it may be a password.
func maskURL(s string) string {
	if s == "" || strings.HasPrefix(s, "(") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return masked
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), masked)
		} else {
			u.User = url.User(masked)
		}
	}
	if q := u.Query(); len(q) > 0 {
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, masked)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
