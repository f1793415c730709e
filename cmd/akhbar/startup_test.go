package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/alicebob/miniredis/v2"
)

// testToken has the shape of a token from @BotFather; its secret part is
// what must never be printed.
const (
	testTokenSecret = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
	testToken       = "110201543:" + testTokenSecret
)

// runFor runs the program until it exits or d passes, and returns its exit
// code and outputs. A program that should refuse to start returns at once;
// one that starts runs until d and exits 0.
func runFor(t *testing.T, d time.Duration, args []string, env map[string]string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	code = run(ctx, args, func(k string) string { return env[k] }, out, errOut)
	return code, out.String(), errOut.String()
}

// TestLocalModeOnlyWithNothingGiven: without a token, local mode (a fake
// Telegram and a demo chat subscribed to every source) starts only when
// neither a config file nor REDIS_URL is given. Before, a token that did
// not reach a production pod started local mode on the production config
// and Redis: it took the updates lease and the delivery shards, and
// subscribed its demo chat to the production sources.
func TestLocalModeOnlyWithNothingGiven(t *testing.T) {
	// The "production" Redis: a miniredis of the test's own, so nothing the
	// old behaviour writes can reach the shared test Redis.
	prod := miniredis.RunT(t)
	prodURL := "redis://" + prod.Addr()
	cfg := writeConfig(t, "sources:\n  - id: a\n    name: أ\n    url: https://a.example/feed\n")
	tests := map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"config file":            {[]string{"-config", cfg}, map[string]string{}, "no bot token"},
		"AKHBAR_CONFIG":          {nil, map[string]string{"AKHBAR_CONFIG": cfg}, "no bot token"},
		"config file and Redis":  {[]string{"-config", cfg}, map[string]string{"REDIS_URL": prodURL}, "no bot token"},
		"REDIS_URL":              {nil, map[string]string{"REDIS_URL": prodURL}, "no bot token but REDIS_URL is set"},
		"empty token variable":   {[]string{"-config", cfg}, map[string]string{"TELEGRAM_BOT_TOKEN": "\n", "REDIS_URL": prodURL}, "TELEGRAM_BOT_TOKEN is empty"},
		"token without a config": {nil, map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "REDIS_URL": prodURL}, "no config file"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			code, out, errOut := runFor(t, 10*time.Second, append([]string{"run"}, tc.args...), tc.env)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d after %v, want 1 at once with %q; stderr:\n%s", code, time.Since(start).Round(time.Millisecond), tc.want, errOut)
			}
			if strings.Contains(out, "local mode") {
				t.Errorf("local mode started:\n%s", out)
			}
			if keys := prod.Keys(); len(keys) != 0 {
				t.Errorf("the production Redis was written to: %v", keys)
			}
		})
	}
}

// TestTokenIsTrimmedAndNeverPrinted: a token ending in a newline (a
// Kubernetes secret file, `echo` into a variable) works; a token of the
// wrong shape, or one Telegram cannot be reached with, stops the program
// with an error that names the problem and not the token. Before, the
// newline reached the request URL, URL parsing failed, and the start-up
// error printed the whole token.
func TestTokenIsTrimmedAndNeverPrinted(t *testing.T) {
	tg := telegramtest.NewServer(telegramtest.Options{Token: testToken})
	t.Cleanup(tg.Close)
	redisURL, prefix := storagetest.URL(t)
	cfg := writeConfig(t, fmt.Sprintf("redis:\n  prefix: %q\nadmin:\n  listen: \"off\"\n", prefix))
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badCfg := writeConfig(t, "telegram:\n  token: \"110201543:"+testTokenSecret[:12]+"\"\n")
	env := func(kv ...string) map[string]string {
		m := map[string]string{"AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := map[string]struct {
		args   []string
		env    map[string]string
		starts bool   // runs until stopped
		want   string // in stderr
	}{
		"variable with a newline": {[]string{"-config", cfg}, env("TELEGRAM_BOT_TOKEN", testToken+"\n"), true, "akhbar starting"},
		"variable with spaces":    {[]string{"-config", cfg}, env("TELEGRAM_BOT_TOKEN", "  "+testToken+" \r\n"), true, "akhbar starting"},
		"file with a newline":     {[]string{"-config", cfg}, env("TELEGRAM_BOT_TOKEN_FILE", tokenFile), true, "akhbar starting"},
		"wrong shape":             {[]string{"-config", cfg}, env("TELEGRAM_BOT_TOKEN", "110201543 "+testTokenSecret+"\n"), false, "TELEGRAM_BOT_TOKEN: not a bot token"},
		"newline inside":          {[]string{"-config", cfg}, env("TELEGRAM_BOT_TOKEN", testToken[:20]+"\n"+testToken[20:]), false, "TELEGRAM_BOT_TOKEN: not a bot token"},
		"config token too short":  {[]string{"-config", badCfg}, env(), false, "line 2: telegram.token: not a bot token"},
		"Telegram unreachable": {[]string{"-config", cfg},
			env("TELEGRAM_BOT_TOKEN", testToken+"\n", "AKHBAR_TELEGRAM_API_URL", "http://"+closedAddr(t)), false, "/bot<token>/getMe"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := 20 * time.Second
			if tc.starts {
				d = 3 * time.Second
			}
			code, out, errOut := runFor(t, d, append([]string{"run"}, tc.args...), tc.env)
			if tc.starts && code != 0 || !tc.starts && code != 1 {
				t.Errorf("exit %d; stderr:\n%s", code, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
			for _, line := range strings.Split(out+errOut, "\n") {
				for _, part := range []string{testTokenSecret[:12], testTokenSecret[12:24], testTokenSecret[24:]} {
					if strings.Contains(line, part) {
						t.Fatalf("a line carries the token: %s", line)
					}
				}
			}
		})
	}
}

func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestWebhookSecretChecked: a webhook secret shorter than 32 characters (or
// outside Telegram's alphabet) is a config error with its line, or, from
// the environment, an error naming the variable; neither prints it.
func TestWebhookSecretChecked(t *testing.T) {
	const short = "hunter2-webhook"
	path := writeConfig(t, "telegram:\n  mode: webhook\n  webhook:\n    secret: \""+short+"\"\n")
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"check", "-config", path}, func(string) string { return "" }, &out, &errOut)
	if want := "line 4: telegram.webhook.secret: want 32-256 characters"; code != 1 || !strings.Contains(errOut.String(), want) {
		t.Errorf("check: exit %d, want 1 with %q; stderr:\n%s", code, want, errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), short) {
		t.Errorf("check printed the secret:\n%s", errOut.String())
	}

	redisURL, prefix := storagetest.URL(t)
	cfg := writeConfig(t, fmt.Sprintf("telegram:\n  mode: webhook\n  webhook:\n    url: https://bot.example/tg\nredis:\n  prefix: %q\n", prefix))
	for name, secret := range map[string]string{"short": short, "not Telegram's alphabet": strings.Repeat("sécret", 8)} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runFor(t, 20*time.Second, []string{"run", "-config", cfg}, map[string]string{
				"TELEGRAM_BOT_TOKEN": testToken, "REDIS_URL": redisURL, "AKHBAR_WEBHOOK_SECRET": secret})
			if want := "AKHBAR_WEBHOOK_SECRET: want 32-256 characters"; code != 1 || !strings.Contains(errOut, want) {
				t.Errorf("exit %d, want 1 with %q; stderr:\n%s", code, want, errOut)
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("the secret was printed:\n%s", errOut)
			}
		})
	}
}

// idleConnClosed makes one keep-alive request on a new connection to addr,
// then leaves the connection idle, and reports whether the server closed
// it within wait.
func idleConnClosed(t *testing.T, addr, path string, wait time.Duration) bool {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatalf("the server did not keep the connection alive")
	}
	conn.SetReadDeadline(time.Now().Add(wait))
	_, err = r.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return err != nil // EOF or reset: closed
}

// TestHTTPServersAreBounded: the admin server closes a keep-alive
// connection left idle (http.idle_timeout, short here) and refuses
// oversized headers. Before, it set only ReadHeaderTimeout: an idle
// connection stayed open for ever, and headers could take 1 MB. The webhook
// server is built by the same httpServer (TestWebhookMode checks it too).
func TestHTTPServersAreBounded(t *testing.T) {
	tg := telegramtest.NewServer(telegramtest.Options{Token: testToken})
	t.Cleanup(tg.Close)
	redisURL, prefix := storagetest.URL(t)
	cfg := writeConfig(t, fmt.Sprintf("redis:\n  prefix: %q\nadmin:\n  listen: \"127.0.0.1:0\"\nhttp:\n  idle_timeout: 300ms\n  max_header_bytes: 4096\n", prefix))
	p := start(t, []string{"-config", cfg}, map[string]string{
		"TELEGRAM_BOT_TOKEN": testToken, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL})
	addr := adminAddr(t, p.stderr)
	// 10 s is a guard against a hang: the server closes at 300 ms.
	if !idleConnClosed(t, addr, "/healthz", 10*time.Second) {
		t.Errorf("an idle keep-alive connection to the admin server stayed open")
	}

	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: status %d, want 431", resp.StatusCode)
	}

	if code, _, errOut := runFor(t, 10*time.Second, []string{"check", "-config",
		writeConfig(t, "http:\n  read_timeout: -1s\n")}, nil); code != 1 || !strings.Contains(errOut, "line 2: http.read_timeout: want a positive value") {
		t.Errorf("a negative timeout: exit %d; stderr:\n%s", code, errOut)
	}
}

// ourGoroutines lists the goroutines running the program's code (not the
// test's, nor the fake Telegram's).
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "main.Test") || strings.Contains(g, "/telegramtest.") || strings.Contains(g, "testing.tRunner") {
			continue
		}
		if strings.Contains(g, "\nmain.") || strings.Contains(g, "github.com/akhbar/akhbar/") || strings.Contains(g, "robfig/cron") {
			out = append(out, g)
		}
	}
	return out
}

// newGoroutines lists the program's goroutines that were not running
// when before was taken.
func newGoroutines(before []string) []string {
	var started []string
	for _, g := range ourGoroutines() {
		id, _, _ := strings.Cut(g, " [")
		if !slices.ContainsFunc(before, func(b string) bool { return strings.HasPrefix(b, id+" [") }) {
			started = append(started, g)
		}
	}
	return started
}

// TestFailedStartStopsEverythingFirst: when a start-up step fails after
// the scheduler, the polls and the delivery workers have started (here
// Telegram refuses setWebhook), the program stops all of them before the
// store closes and before run returns: no goroutine of it is left to use
// the closed store. Before, those returns skipped sched.Stop() and
// wg.Wait(): the scheduler ran on, and workers met a closed Redis client.
func TestFailedStartStopsEverythingFirst(t *testing.T) {
	tg := telegramtest.NewServer(telegramtest.Options{Token: testToken})
	t.Cleanup(tg.Close)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, staticFeed)
	}))
	t.Cleanup(feed.Close)
	redisURL, prefix := storagetest.URL(t)
	cfg := writeConfig(t, fmt.Sprintf(`
telegram:
  mode: webhook
  webhook:
    url: https://bot.example/tg
    listen: "127.0.0.1:0"
redis:
  prefix: %q
admin:
  listen: "127.0.0.1:0"
fetch:
  allow_private_addresses: true
defaults:
  schedule: "@every 1s"
sources:
  - id: static
    name: ثابت
    url: %s/feed.xml
`, prefix, feed.URL))
	tg.FailNext("setWebhook", 400, `{"ok":false,"error_code":400,"description":"Bad Request: bad webhook: Failed to resolve host"}`)
	before := ourGoroutines()
	code, _, errOut := runFor(t, 20*time.Second, []string{"run", "-config", cfg}, map[string]string{
		"TELEGRAM_BOT_TOKEN": testToken, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL,
		"AKHBAR_WEBHOOK_SECRET": strings.Repeat("s", 40)})
	// A goroutine that has just called wg.Done is still on its way out
	// when run returns (CI saw one at goRun's closing brace): wait up to
	// a second for those to end. A goroutine the program failed to stop
	// is blocked or looping and is still there after it.
	started := newGoroutines(before)
	for wait := time.Now().Add(time.Second); len(started) > 0 && time.Now().Before(wait); {
		time.Sleep(10 * time.Millisecond)
		started = newGoroutines(before)
	}
	if code != 1 || !strings.Contains(errOut, "bad webhook") {
		t.Fatalf("exit %d, want 1 with setWebhook's error; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "akhbar starting") {
		t.Fatalf("the program failed before starting its goroutines; stderr:\n%s", errOut)
	}
	if len(started) > 0 {
		t.Errorf("%d goroutine(s) of the program still run after it returned:\n\n%s", len(started), strings.Join(started, "\n\n"))
	}
	if strings.Contains(errOut, "client is closed") {
		t.Errorf("the closed store was used:\n%s", errOut)
	}
}
