package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestOperatorsFromTheConfig runs the program with `operators:` set: the
// operator's /stats is answered, another person's is an unknown command,
// and the fan-out progress series are on /metrics.
func TestOperatorsFromTheConfig(t *testing.T) {
	const token = "987:operators-token-0123456789abcdefghijklm"
	tg := telegramtest.NewServer(telegramtest.Options{Token: token})
	t.Cleanup(tg.Close)
	redisURL, prefix := storagetest.URL(t)
	cfgPath := filepath.Join(t.TempDir(), "akhbar.yaml")
	cfg := fmt.Sprintf("redis:\n  prefix: %q\nadmin:\n  listen: \"127.0.0.1:0\"\noperators: [777]\n", prefix)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, []string{"-config", cfgPath}, map[string]string{
		"TELEGRAM_BOT_TOKEN": token, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL})
	addr := adminAddr(t, p.stderr)
	op := telegramtest.User{ID: 777, FirstName: "Op", LanguageCode: "en"}
	reader := telegramtest.User{ID: 778, FirstName: "Reader", LanguageCode: "en"}
	tg.UserMessage(telegramtest.Chat{ID: op.ID, Type: "private"}, op, "/stats")
	tg.UserMessage(telegramtest.Chat{ID: reader.ID, Type: "private"}, reader, "/stats")
	eventually(t, "both answers", func() bool { return len(tg.SentTo(op.ID)) == 1 && len(tg.SentTo(reader.ID)) == 1 })
	if got := tg.SentTo(op.ID)[0].ParsedText; !strings.Contains(got, "Stats") || !strings.Contains(got, "Delivery queue: empty") {
		t.Errorf("operator's /stats = %q", got)
	}
	if got := tg.SentTo(reader.ID)[0].ParsedText; !strings.Contains(got, "I don't know that command") {
		t.Errorf("reader's /stats = %q, want the unknown-command answer", got)
	}
	code, body := get(t, "http://"+addr+"/metrics")
	for _, series := range []string{"akhbar_delivery_queue_jobs 0", "akhbar_fanout_lane_jobs 0", `akhbar_broadcast_chats{state="total"} 0`, "akhbar_dead_letters 0"} {
		if code != 200 || !strings.Contains(body, series) {
			t.Errorf("/metrics (%d) lacks %s", code, series)
		}
	}
}

func TestOperatorsMustBeUserIDs(t *testing.T) {
	_, err := ParseConfig("x.yaml", []byte("operators: [12, -100123]\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1: operators: -100123 is not a Telegram user id") {
		t.Errorf("ParseConfig = %v, want the negative id named", err)
	}
}
