package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestPausedCommand lists the chats the bot may not post to, with
// Telegram's answer, for the operator.
func TestPausedCommand(t *testing.T) {
	redisURL, prefix := storagetest.URL(t)
	ctx := context.Background()
	store, err := storage.Open(ctx, redisURL, storage.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	getenv := func(k string) string { return map[string]string{"REDIS_URL": redisURL}[k] }
	cfg := writeConfig(t, "redis:\n  prefix: \""+prefix+"\"\n")

	var out, errOut bytes.Buffer
	if code := runPaused(ctx, []string{"-config", cfg}, environment{get: getenv}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "no paused chats") {
		t.Fatalf("empty: exit %d, out %q, err %q", code, out.String(), errOut.String())
	}
	if err := store.PauseChat(ctx, -100777, "Bad Request: need administrator rights in the channel chat"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := runPaused(ctx, []string{"-config", cfg}, environment{get: getenv}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"CHAT", "-100777", "need administrator rights"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if code := runPaused(ctx, nil, environment{get: func(string) string { return "" }}, &out, &errOut); code != 2 {
		t.Errorf("without a Redis: exit %d, want 2", code)
	}
}
