package chat

import (
	"testing"

	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/feeds"
)

// TestCallbackWireStrings: every kind's encoded form is byte for byte the
// string its buttons carried before the table, so buttons already sent
// keep working after a deploy, and each decodes back to its kind and
// argument.
func TestCallbackWireStrings(t *testing.T) {
	h := &turn{lineup: NewLineup([]feeds.Source{{ID: "s0", Topics: []string{"سياسة", "اقتصاد"}}})}
	for _, tc := range []struct {
		got, want string
		kind      Kind
		arg       string
	}{
		{CallbackData(KindMenu, "sources"), "menu:sources", KindMenu, "sources"},
		{CallbackData(KindMenu, "latest"), "menu:latest", KindMenu, "latest"},
		{CallbackData(KindMenu, "help"), "menu:help", KindMenu, "help"},
		{PageCallback(0), "p:0", KindPage, "0"},
		{PageCallback(12), "p:12", KindPage, "12"},
		{CallbackData(KindSet, "lang", "ar"), "set:lang:ar", KindSet, "lang:ar"},
		{CallbackData(KindSet, "lang", "en"), "set:lang:en", KindSet, "lang:en"},
		{CallbackData(KindSet, "mode", prefs.Instant), "set:mode:" + prefs.Instant, KindSet, "mode:" + prefs.Instant},
		{CallbackData(KindSet, "mode", prefs.Hourly), "set:mode:hourly", KindSet, "mode:hourly"},
		{CallbackData(KindSet, "mode", prefs.Daily), "set:mode:daily", KindSet, "mode:daily"},
		{CallbackData(KindSet, "quiet"), "set:quiet", KindSet, "quiet"},
		{CallbackData(KindSet, "tz"), "set:tz", KindSet, "tz"},
		{CallbackData(KindSet, "prev"), "set:prev", KindSet, "prev"},
		{CallbackData(KindSet, "silent"), "set:silent", KindSet, "silent"},
		{CallbackData(KindSet, "breaking"), "set:breaking", KindSet, "breaking"},
		{CallbackData(KindStop, "yes"), "stop:yes", KindStop, "yes"},
		{CallbackData(KindStop, "no"), "stop:no", KindStop, "no"},
		{LatestPageCallback(h.targetCode(""), 5, 10), "l::5:10", KindLatest, ":5:10"},
		{LatestPageCallback(h.targetCode(poll.SourceTarget("s0")), 5, 0), "l:s:s0:5:0", KindLatest, "s:s0:5:0"},
		{LatestPageCallback(h.targetCode(poll.TopicTarget("اقتصاد")), 5, 5), "l:t1:5:5", KindLatest, "t1:5:5"},
		{CallbackData(KindToggle, h.targetCode(poll.SourceTarget("s0"))), "t:s:s0", KindToggle, "s:s0"},
		{CallbackData(KindToggle, h.targetCode(poll.TopicTarget("سياسة"))), "t:t0", KindToggle, "t0"},
		{CallbackData(KindToggle, h.targetCode(poll.BreakingTarget)), "t:b:all", KindToggle, "b:all"},
		{CallbackData(KindUnsub, h.targetCode(poll.SourceTarget("s0"))), "u:s:s0", KindUnsub, "s:s0"},
		{CallbackData(KindUnsub, h.targetCode(poll.TopicTarget("اقتصاد"))), "u:t1", KindUnsub, "t1"},
		{CallbackData(KindShareOpen, "i_abc"), "sh:i_abc", KindShareOpen, "i_abc"},
		{CallbackData(KindShareBack, "i_abc"), "sb:i_abc", KindShareBack, "i_abc"},
		{CallbackData(KindSearch, "tok", "10"), "q:tok:10", KindSearch, "tok:10"},
		{CallbackData(KindOperator, opStats), "op:st", KindOperator, "st"},
		{CallbackData(KindOperator, opHealth), "op:hl", KindOperator, "hl"},
		{CallbackData(KindOperator, opDead), "op:dl", KindOperator, "dl"},
		{CallbackData(KindOperator, opRetry+"1-0"), "op:dr:1-0", KindOperator, "dr:1-0"},
		{CallbackData(KindOperator, opRetryAll), "op:da", KindOperator, "da"},
		{CallbackData(KindOperator, opBroadcast+"7"), "op:bc:7", KindOperator, "bc:7"},
		{CallbackData(KindOperator, opCancelBcast+"7"), "op:bx:7", KindOperator, "bx:7"},
	} {
		if tc.got != tc.want {
			t.Errorf("encoded %q, the wire string is %q", tc.got, tc.want)
		}
		if k, arg := DecodeCallback(tc.want); k != tc.kind || arg != tc.arg {
			t.Errorf("DecodeCallback(%q) = %v %q, want %v %q", tc.want, k, arg, tc.kind, tc.arg)
		}
		if h.targetOfCallback(tc.arg) == "" && (tc.kind == KindToggle || tc.kind == KindUnsub) {
			t.Errorf("%q: the target code %q does not decode", tc.want, tc.arg)
		}
	}
}
