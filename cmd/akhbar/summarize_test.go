package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSummarizeSeedItem runs `akhbar summarize` on the seed-like WordPress
// item: a clean 2–3 sentence summary with none of the boilerplate lines.
func TestSummarizeSeedItem(t *testing.T) {
	data, err := os.ReadFile("internal/localmode/sample/almamlaka-sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	// The first item's content:encoded is the article.
	s := string(data)
	start := strings.Index(s, "<content:encoded><![CDATA[") + len("<content:encoded><![CDATA[")
	end := strings.Index(s, "]]></content:encoded>")
	path := filepath.Join(t.TempDir(), "article.html")
	if err := os.WriteFile(path, []byte(s[start:end]), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string][]string{
		"card budget":   {"summarize", "-title", "الأردن يطلق حملة وطنية للتشجير في المحافظات | المملكة", path},
		"two sentences": {"summarize", "-sentences", "2", path},
		"40 words":      {"summarize", "-words", "40", path},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			got := strings.TrimSpace(out.String())
			lines := strings.Split(got, "\n")
			if got == "" || len(lines) > 3 {
				t.Fatalf("summary has %d sentences:\n%s", len(lines), got)
			}
			for _, bad := range []string{"نسخ رابط الخبر", "عمّان - المملكة", "اقرأ أيضاً", "متطوعون يزرعون", "https://"} {
				if strings.Contains(got, bad) {
					t.Errorf("summary contains %q:\n%s", bad, got)
				}
			}
			if lines[len(lines)-1] == "المملكة" {
				t.Errorf("summary ends with the signature line:\n%s", got)
			}
			if name == "card budget" && utf8.RuneCountInString(strings.Join(lines, " ")) > 400 {
				t.Errorf("card summary over 400 characters")
			}
		})
	}
}
