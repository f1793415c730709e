package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

func TestDeadLettersCommand(t *testing.T) {
	redisURL, prefix := storagetest.URL(t)
	ctx := context.Background()
	store, err := storage.Open(ctx, redisURL, storage.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	env := map[string]string{"REDIS_URL": redisURL}
	getenv := func(k string) string { return env[k] }
	cfg := writeConfig(t, "redis:\n  prefix: \""+prefix+"\"\n")

	var out, errOut bytes.Buffer
	if code := runDeadLetters(ctx, []string{"-config", cfg}, environment{get: getenv}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "no dead letters") {
		t.Fatalf("empty: exit %d, out %q, err %q", code, out.String(), errOut.String())
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(store.EnsureGroup(ctx))
	must(store.Enqueue(ctx, []storage.Job{{ChatID: -100777, ItemID: "item-1"}}))
	ds, err := store.ReadJobs(ctx, "w", 1, 0)
	if err != nil || len(ds) != 1 {
		t.Fatalf("ReadJobs=%v, %v", ds, err)
	}
	must(store.DeadLetter(ctx, ds[0], "telegram error 500: Internal Server Error"))
	out.Reset()
	if code := runDeadLetters(ctx, []string{"-config", cfg, "-n", "5"}, environment{get: getenv}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"CHAT", "-100777", "item-1", "telegram error 500"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if code := runDeadLetters(ctx, nil, environment{get: func(string) string { return "" }}, &out, &errOut); code != 2 {
		t.Errorf("without a Redis: exit %d, want 2", code)
	}
}

func TestClaimIdleEnv(t *testing.T) {
	tests := map[string]struct {
		v    string
		want string
		err  bool
	}{
		"unset":     {v: "", want: "0s"},
		"seconds":   {v: "15s", want: "15s"},
		"too short": {v: "1ms", err: true},
		"garbage":   {v: "soon", err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := environment{get: func(string) string { return tc.v }}.claimIdle()
			if (err != nil) != tc.err || (!tc.err && d.String() != tc.want) {
				t.Errorf("claimIdle(%q) = %v, %v; want %s, error %v", tc.v, d, err, tc.want, tc.err)
			}
		})
	}
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "akhbar.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
