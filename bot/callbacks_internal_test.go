package bot

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/feeds"
)

// TestCallbackWireStrings: every kind's encoded form is byte for byte the
// string its buttons carried before the table, so buttons already sent
// keep working after a deploy, and each decodes back to its kind and
// argument.
func TestCallbackWireStrings(t *testing.T) {
	b := &Bot{}
	b.catalog.Store(newCatalog([]feeds.Source{{ID: "s0", Topics: []string{"سياسة", "اقتصاد"}}}))
	for _, tc := range []struct {
		got, want string
		kind      cbKind
		arg       string
	}{
		{callbackData(cbMenu, "sources"), "menu:sources", cbMenu, "sources"},
		{callbackData(cbMenu, "latest"), "menu:latest", cbMenu, "latest"},
		{callbackData(cbMenu, "help"), "menu:help", cbMenu, "help"},
		{pageCallback(0), "p:0", cbPage, "0"},
		{pageCallback(12), "p:12", cbPage, "12"},
		{callbackData(cbSet, "lang", "ar"), "set:lang:ar", cbSet, "lang:ar"},
		{callbackData(cbSet, "lang", "en"), "set:lang:en", cbSet, "lang:en"},
		{callbackData(cbSet, "mode", prefs.Instant), "set:mode:" + prefs.Instant, cbSet, "mode:" + prefs.Instant},
		{callbackData(cbSet, "mode", prefs.Hourly), "set:mode:hourly", cbSet, "mode:hourly"},
		{callbackData(cbSet, "mode", prefs.Daily), "set:mode:daily", cbSet, "mode:daily"},
		{callbackData(cbSet, "quiet"), "set:quiet", cbSet, "quiet"},
		{callbackData(cbSet, "tz"), "set:tz", cbSet, "tz"},
		{callbackData(cbSet, "prev"), "set:prev", cbSet, "prev"},
		{callbackData(cbSet, "silent"), "set:silent", cbSet, "silent"},
		{callbackData(cbSet, "breaking"), "set:breaking", cbSet, "breaking"},
		{callbackData(cbStop, "yes"), "stop:yes", cbStop, "yes"},
		{callbackData(cbStop, "no"), "stop:no", cbStop, "no"},
		{latestPageCallback(b.targetCode(""), 5, 10), "l::5:10", cbLatest, ":5:10"},
		{latestPageCallback(b.targetCode(SourceTarget("s0")), 5, 0), "l:s:s0:5:0", cbLatest, "s:s0:5:0"},
		{latestPageCallback(b.targetCode(TopicTarget("اقتصاد")), 5, 5), "l:t1:5:5", cbLatest, "t1:5:5"},
		{callbackData(cbToggle, b.targetCode(SourceTarget("s0"))), "t:s:s0", cbToggle, "s:s0"},
		{callbackData(cbToggle, b.targetCode(TopicTarget("سياسة"))), "t:t0", cbToggle, "t0"},
		{callbackData(cbToggle, b.targetCode(BreakingTarget)), "t:b:all", cbToggle, "b:all"},
		{callbackData(cbUnsub, b.targetCode(SourceTarget("s0"))), "u:s:s0", cbUnsub, "s:s0"},
		{callbackData(cbUnsub, b.targetCode(TopicTarget("اقتصاد"))), "u:t1", cbUnsub, "t1"},
		{callbackData(cbShareOpen, "i_abc"), "sh:i_abc", cbShareOpen, "i_abc"},
		{callbackData(cbShareBack, "i_abc"), "sb:i_abc", cbShareBack, "i_abc"},
		{callbackData(cbSearch, "tok", "10"), "q:tok:10", cbSearch, "tok:10"},
		{callbackData(cbOperator, opStats), "op:st", cbOperator, "st"},
		{callbackData(cbOperator, opHealth), "op:hl", cbOperator, "hl"},
		{callbackData(cbOperator, opDead), "op:dl", cbOperator, "dl"},
		{callbackData(cbOperator, opRetry+"1-0"), "op:dr:1-0", cbOperator, "dr:1-0"},
		{callbackData(cbOperator, opRetryAll), "op:da", cbOperator, "da"},
		{callbackData(cbOperator, opBroadcast+"7"), "op:bc:7", cbOperator, "bc:7"},
		{callbackData(cbOperator, opCancelBcast+"7"), "op:bx:7", cbOperator, "bx:7"},
	} {
		if tc.got != tc.want {
			t.Errorf("encoded %q, the wire string is %q", tc.got, tc.want)
		}
		if k, arg := decodeCallback(tc.want); k != tc.kind || arg != tc.arg {
			t.Errorf("decodeCallback(%q) = %v %q, want %v %q", tc.want, k, arg, tc.kind, tc.arg)
		}
		if b.targetOfCallback(tc.arg) == "" && (tc.kind == cbToggle || tc.kind == cbUnsub) {
			t.Errorf("%q: the target code %q does not decode", tc.want, tc.arg)
		}
	}
}

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
	seen := map[cbKind]int{}
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
				kind, _ := decodeCallback(data)
				if kind == cbUnknown {
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
