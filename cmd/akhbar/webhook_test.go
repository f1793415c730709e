package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestWebhookMode runs the program in webhook mode: it registers its URL
// with the secret token, Telegram (the fake) posts updates to it, the bot
// answers, it never long-polls, and a request without the secret is refused.
func TestWebhookMode(t *testing.T) {
	const token, secret = "321:webhook-token-0123456789abcdefghijklmn", "s3cret_Webhook-token_0123456789abcdef"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// Telegram only posts to HTTPS: a TLS reverse proxy in front of the
	// bot's plain listener, as in production.
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr}))
	t.Cleanup(front.Close)
	tg := telegramtest.NewServer(telegramtest.Options{Token: token, WebhookClient: front.Client(),
		OnUnknownMethod: func(m string) { t.Errorf("unknown method %q", m) }})
	t.Cleanup(tg.Close)

	redisURL, prefix := storagetest.URL(t)
	cfgPath := filepath.Join(t.TempDir(), "akhbar.yaml")
	cfg := fmt.Sprintf(`
telegram:
  mode: webhook
  webhook:
    url: "%s/telegram"
    listen: "%s"
redis:
  prefix: %q
admin:
  listen: "off"
http:
  idle_timeout: 500ms
sources:
  - id: almamlaka
    name: المملكة
    url: https://www.almamlakatv.com/rss
    schedule: "@every 1h"
`, front.URL, addr, prefix)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TELEGRAM_BOT_TOKEN": token, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL,
		"AKHBAR_WEBHOOK_SECRET": secret}
	p := start(t, []string{"run", "-config", cfgPath}, env)

	eventually(t, "setWebhook", func() bool { u, s := tg.Webhook(); return u != "" && s == secret })
	user := telegramtest.User{ID: 77, FirstName: "ريم", LanguageCode: "ar"}
	tg.UserMessage(telegramtest.Chat{ID: 77, Type: "private"}, user, "/start")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tg.WaitSent(ctx, 1); err != nil {
		t.Fatalf("no reply through the webhook: %v\n%s", err, p.stderr.String())
	}
	if got := tg.SentTo(77); len(got) != 1 || !strings.Contains(got[0].ParsedText, "أهلاً بك") {
		t.Errorf("reply = %+v, want the welcome", got)
	}
	resp, err := http.Post("http://"+addr+"/telegram", "application/json", strings.NewReader(`{"update_id":99}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a request without the secret got %d, want 403", resp.StatusCode)
	}
	// The webhook listener is bounded like the admin server: an idle
	// keep-alive connection is closed (at 500 ms; 10 s guards a hang).
	if !idleConnClosed(t, addr, "/telegram", 10*time.Second) {
		t.Errorf("an idle keep-alive connection to the webhook stayed open")
	}
	if n := len(tg.Calls("getUpdates")); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
	p.stop(t)
	if strings.Contains(p.stderr.String(), "webhook-token") || strings.Contains(p.stderr.String(), secret) {
		t.Errorf("a secret appears in the logs")
	}
}
