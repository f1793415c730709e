package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/akhbar/akhbar/cmd/akhbar/internal/localmode"
)

// checkShow runs `akhbar check -show` with args and env, and returns what it
// printed, parsed as YAML too.
func checkShow(t *testing.T, args []string, env map[string]string) (string, map[string]any) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"check", "-show"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	if code != 0 {
		t.Fatalf("check -show: exit %d, stderr %q", code, errOut.String())
	}
	var doc map[string]any
	if err := yaml.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("check -show printed no YAML: %v\n%s", err, out.String())
	}
	return out.String(), doc
}

// at is the value at a dotted path of a parsed YAML document.
func at(t *testing.T, doc map[string]any, path string) any {
	t.Helper()
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %T at %q is not a mapping", path, v, k)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("%s: no %q", path, k)
		}
	}
	return v
}

func TestCheckShowDefaultsEnvironmentAndMaskedSecrets(t *testing.T) {
	const (
		token       = "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"
		secret      = "fileSecretfileSecretfileSecret1234"
		envSecret   = "envSecretenvSecretenvSecretenvSecret99"
		redisPass   = "s3cret-redis-pass"
		fileOnlyURL = "redis://localhost:6379/0"
	)
	path := filepath.Join(t.TempDir(), "akhbar.yaml")
	file := "telegram:\n  mode: webhook\n  webhook:\n    url: https://bot.example/hook\n    secret: " + secret + "\n" +
		"redis:\n  url: " + fileOnlyURL + "\n" +
		"delivery:\n  workers: 12\n" +
		"sources:\n  - id: one\n    name: One\n    url: https://news.example/feed.xml\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":         token,
		"AKHBAR_WEBHOOK_SECRET":      envSecret,
		"REDIS_URL":                  "redis://akhbar:" + redisPass + "@redis.internal:6380/2",
		"AKHBAR_ADMIN_LISTEN":        "0.0.0.0:9191",
		"AKHBAR_DELIVERY_CLAIM_IDLE": "15s",
	}
	out, doc := checkShow(t, []string{"-config", path}, env)

	for _, s := range []string{token, secret, envSecret, redisPass} {
		if strings.Contains(out, s) {
			t.Errorf("check -show printed a secret (%.6s…):\n%s", s, out)
		}
	}
	want := map[string]any{
		// The defaults of each layer: config.go's, the bot's table, the
		// dispatcher's, the fetcher's, storage's.
		"timezone":                   "Asia/Amman",
		"http.write_timeout":         "1m0s",
		"delivery.global_per_second": 30,
		"delivery.group_per_minute":  20,
		"delivery.digest_threshold":  3,
		"delivery.backlog":           5000,
		"delivery.lane_above":        500,
		"updates.workers":            32,
		"updates.commands_window":    "10s",
		"fetch.timeout":              "20s",
		"telegram.api_url":           "https://api.telegram.org",
		"sources.0.schedule":         "*/5 * * * *",
		// The file's own value.
		"delivery.workers": 12,
		// The environment's overrides, secrets masked.
		"admin.listen":                     "0.0.0.0:9191",
		"telegram.token":                   masked,
		"telegram.webhook.secret":          masked,
		"redis.url":                        "redis://akhbar:" + masked + "@redis.internal:6380/2",
		"environment.delivery_shard_lease": "15s",
		"environment.updates_inbox_lease":  "15s",
	}
	for path, w := range want {
		var got any
		if p, ok := strings.CutPrefix(path, "sources.0."); ok {
			got = at(t, at(t, doc, "sources").([]any)[0].(map[string]any), p)
		} else {
			got = at(t, doc, path)
		}
		if got != w {
			t.Errorf("%s = %v (%T), want %v", path, got, got, w)
		}
	}
	set := at(t, doc, "environment.set").([]any)
	if len(set) != len(env) {
		t.Errorf("environment.set = %v, want the %d variables given", set, len(env))
	}
}

func TestCheckShowLocalMode(t *testing.T) {
	out, doc := checkShow(t, nil, nil)
	for path, w := range map[string]any{
		"admin.listen":                     "127.0.0.1:0", // default.yaml's
		"defaults.schedule":                "@every 5s",   // default.yaml's
		"delivery.private_per_second":      1,             // the bot's table
		"updates.queue_per_chat":           8,             // the dispatcher's
		"environment.delivery_shard_lease": "10s",         // the bot's table
		"environment.updates_inbox_lease":  "20s",         // the dispatcher's
		"timezone":                         "Asia/Amman",  // config.go's
		"redis.prefix":                     "akhbar:",     // storage's
		"telegram.token":                   masked,        // local mode's own
	} {
		if got := at(t, doc, path); got != w {
			t.Errorf("%s = %v, want %v", path, got, w)
		}
	}
	if n := len(at(t, doc, "sources").([]any)); n != 5 {
		t.Errorf("%d sources, want default.yaml's 5\n%s", n, out)
	}
	if strings.Contains(out, localmode.Token) {
		t.Errorf("check -show printed local mode's token")
	}
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "",
		"redis://localhost:6379/0":       "redis://localhost:6379/0",
		"redis://:pw@localhost:6379":     "redis://:xxxxx@localhost:6379",
		"rediss://user:pw@h:1/2":         "rediss://user:xxxxx@h:1/2",
		"redis://pw@localhost":           "redis://xxxxx@localhost",
		"redis://h:1/0?password=pw&db=1": "redis://h:1/0?db=1&password=xxxxx",
		"redis-cluster://:pw@a:1,b:2":    "redis-cluster://:xxxxx@a:1,b:2",
		"redis://\x7f:pw@bad":            masked,
	} {
		if got := maskURL(in); got != want {
			t.Errorf("maskURL(%q) = %q, want %q", in, got, want)
		}
	}
}
