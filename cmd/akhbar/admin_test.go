package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestAdminEndpoints: /healthz, /readyz (Redis answers) and /metrics with
// the bot's series, on the admin listener.
func TestAdminEndpoints(t *testing.T) {
	const token = "654:admin-token-0123456789abcdefghijklmnopq"
	tg := telegramtest.NewServer(telegramtest.Options{Token: token})
	t.Cleanup(tg.Close)
	redisURL, prefix := storagetest.URL(t)
	cfgPath := filepath.Join(t.TempDir(), "akhbar.yaml")
	cfg := fmt.Sprintf("redis:\n  prefix: %q\nadmin:\n  listen: \"127.0.0.1:0\"\n", prefix)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, []string{"-config", cfgPath}, map[string]string{
		"TELEGRAM_BOT_TOKEN": token, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL})
	addr := adminAddr(t, p.stderr)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(path); code != 200 || strings.TrimSpace(body) != "ok" {
			t.Errorf("GET %s = %d %q", path, code, body)
		}
	}
	code, body := get("/metrics")
	for _, series := range []string{"akhbar_delivery_jobs_total", "akhbar_delivery_backlog", "akhbar_same_story_skips_total", "go_goroutines"} {
		if code != 200 || !strings.Contains(body, series) {
			t.Errorf("/metrics (%d) lacks %s", code, series)
		}
	}
}

// TestAdminPprof: the runtime profiles are on the admin listener only when
// AKHBAR_PPROF is set.
func TestAdminPprof(t *testing.T) {
	for name, tc := range map[string]struct {
		env  string
		want int
	}{
		"off by default": {"", http.StatusNotFound},
		"AKHBAR_PPROF=1": {"1", http.StatusOK},
	} {
		t.Run(name, func(t *testing.T) {
			const token = "654:pprof-token-0123456789abcdefghijklmno"
			tg := telegramtest.NewServer(telegramtest.Options{Token: token})
			t.Cleanup(tg.Close)
			redisURL, prefix := storagetest.URL(t)
			cfgPath := filepath.Join(t.TempDir(), "akhbar.yaml")
			cfg := fmt.Sprintf("redis:\n  prefix: %q\nadmin:\n  listen: \"127.0.0.1:0\"\n", prefix)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			p := start(t, []string{"-config", cfgPath}, map[string]string{
				"TELEGRAM_BOT_TOKEN": token, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL, "AKHBAR_PPROF": tc.env})
			addr := adminAddr(t, p.stderr)
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/allocs", "/debug/pprof/profile?seconds=1"} {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, tc.want)
				}
			}
		})
	}
}

// adminAddr waits for the admin server's address in the program's log.
func adminAddr(t *testing.T, stderr *syncBuffer) string {
	t.Helper()
	var addr string
	eventually(t, "the admin server's address in the log", func() bool {
		for _, line := range strings.Split(stderr.String(), "\n") {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "admin server" {
				addr = rec.Addr
				return true
			}
		}
		return false
	})
	return addr
}
