package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The -update flag rewrites golden files; whichever test file of the
// package defines it first, the others use it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func goldenUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if goldenUpdate() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestPreviewGolden prints the bundled sample feeds' cards as a reader sees
// them, with what the cleaning took away: the almamlaka sample with its
// HTML and buttons, the hespress one (a WordPress excerpt feed) as text.
func TestPreviewGolden(t *testing.T) {
	for name, args := range map[string][]string{
		"preview_almamlaka.golden": {"preview", "-articles=false", "-html", "internal/localmode/sample/almamlaka-sample.xml"},
		"preview_hespress.golden":  {"preview", "internal/localmode/sample/hespress.xml", "-articles=false", "-n", "3"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCmd(t, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, name, out)
		})
	}
}

// TestPreviewFetchesAFeed previews a feed served over HTTP: refused on a
// loopback address unless allowed (the bot's SSRF guard), then shown; and
// a source of a config by its id.
func TestPreviewFetchesAFeed(t *testing.T) {
	data, err := os.ReadFile("internal/localmode/sample/cnn-arabic.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	if code, _, errOut := runCmd(t, nil, "preview", srv.URL+"/rss"); code != 1 || !strings.Contains(errOut, "preview:") {
		t.Errorf("preview of a loopback feed without -allow-private: exit %d, %q; want it refused", code, errOut)
	}
	code, out, errOut := runCmd(t, nil, "preview", "-allow-private", "-articles=false", "-lang", "en", "-n", "1", srv.URL+"/rss")
	if code != 0 || !strings.Contains(out, "10 item(s), 1 shown; cards in en") || !strings.Contains(out, "Read]") {
		t.Errorf("preview over HTTP: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}

	cfgPath := filepath.Join(t.TempDir(), "akhbar.yaml")
	cfg := fmt.Sprintf("fetch:\n  allow_private_addresses: true\nsources:\n  - id: cnn\n    name: سي إن إن\n    url: %s/rss\n", srv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, nil, "preview", "cnn", "-config", cfgPath, "-articles=false", "-n", "1")
	if code != 0 || !strings.Contains(out, "سي إن إن — "+srv.URL) || !strings.Contains(out, "📰 سي إن إن") {
		t.Errorf("preview of a configured source: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if code, _, _ := runCmd(t, nil, "preview"); code != 2 {
		t.Errorf("preview without a feed: exit %d, want 2", code)
	}
}

// TestCleanedAway names what the cleaning took from each line: whole
// lines, a dateline before the kept text, a cut tail after it.
func TestCleanedAway(t *testing.T) {
	text := "عمّان - المملكة\nالقاهرة - (رويترز) - قال مسؤولون اليوم إن المحادثات مستمرة بين الطرفين.\nالمملكة تعلن خطة جديدة للنقل العام في العاصمة.\nاقرأ أيضاً: خبر آخر\nوأضاف أن الخطة تبدأ الشهر المقبل. ويتوقع أن …\nالمملكة"
	cleaned := "قال مسؤولون اليوم إن المحادثات مستمرة بين الطرفين.\nالمملكة تعلن خطة جديدة للنقل العام في العاصمة.\nوأضاف أن الخطة تبدأ الشهر المقبل."
	got := cleanedAway(text, cleaned)
	want := []string{"عمّان - المملكة", "القاهرة - (رويترز) - …", "اقرأ أيضاً: خبر آخر", "… ويتوقع أن …", "المملكة"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cleanedAway mismatch (-want +got):\n%s", diff)
	}
}
