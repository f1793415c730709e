package bot

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/chat"
)

// keyboardCell is one button of a keyboard as the transcripts write it:
// "[label | action]", the action a callback's data, a URL or "copy: …".
var keyboardCell = regexp.MustCompile(`\[[^\[\]]*? \| ([^\]]*)\]`)

// TestGoldenCallbacksDecode: every callback a screen produced in the
// conversation goldens decodes to a known kind and fits Telegram's 1–64
// bytes, and every kind is seen on some screen.
func TestGoldenCallbacksDecode(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	seen := map[chat.Kind]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(raw)) {
			if !strings.HasPrefix(line, "    [") { // keyboard rows only, not the presses a test forges
				continue
			}
			for _, m := range keyboardCell.FindAllStringSubmatch(line, -1) {
				data := m[1]
				if data == "" || strings.Contains(data, "://") || strings.HasPrefix(data, "tg:") || strings.HasPrefix(data, "copy: ") {
					continue
				}
				kind, _ := chat.DecodeCallback(data)
				if kind == chat.KindUnknown {
					t.Errorf("%s: callback %q decodes to no kind", f, data)
				}
				if len(data) < 1 || len(data) > 64 {
					t.Errorf("%s: callback %q is %d bytes, Telegram takes 1–64", f, data, len(data))
				}
				seen[kind]++
			}
		}
	}
	for _, k := range chat.Kinds() {
		if k.String() == "" {
			t.Errorf("kind %d has no prefix", k)
		}
		if seen[k] == 0 {
			t.Errorf("no golden shows a %q button", k)
		}
	}
	t.Logf("callbacks by kind: %v", seen)
}
