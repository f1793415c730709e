package bot_test

import (
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/prefs"
)

// TestSettingsReadAsStates: each setting reads as its state, with an icon
// that follows it («الصوت: مفعّل» under 🔔, «الصوت: صامت» under 🔕), quiet
// hours off read «متوقفة», and every time zone the settings button offers
// shows as its city in the reader's language with its offset from UTC,
// never as an IANA name.
func TestSettingsReadAsStates(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	layla := bot.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 101, Type: "private"}
	screen := func() (text, keyboard string) {
		m := last(h.tg.SentTo(dm.ID))
		return m.ParsedText, string(m.ReplyMarkup)
	}
	tr.do("ليلى", msg(dm, layla, "/settings"))
	text, kb := screen()
	for _, want := range []string{"الصوت: مفعّل", "ساعات الهدوء: متوقفة"} {
		if !strings.Contains(text, want) {
			t.Errorf("settings screen lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(kb, "🔔 الصوت: مفعّل") {
		t.Errorf("settings keyboard lacks «🔔 الصوت: مفعّل»: %s", kb)
	}
	tr.do("ليلى", tr.press(dm, layla, "set:silent"))
	text, kb = screen()
	if !strings.Contains(text, "الصوت: صامت") || !strings.Contains(kb, "🔕 الصوت: صامت") || strings.Contains(kb, "🔔") {
		t.Errorf("a silent chat's settings read:\n%s\n%s\nwant «الصوت: صامت» under 🔕", text, kb)
	}
	for _, bad := range []string{": لا", ": نعم", "بلا صوت: "} {
		if strings.Contains(text+kb, bad) {
			t.Errorf("settings read as a yes or no (%q):\n%s", bad, text)
		}
	}

	// The cycle of zones, from the bot's (UTC here): each named and offset.
	city := map[string]string{"Asia/Amman": "عمّان (UTC+3)", "Asia/Riyadh": "الرياض (UTC+3)", "Africa/Cairo": "القاهرة (UTC+2)",
		"Asia/Dubai": "دبي (UTC+4)", "Asia/Baghdad": "بغداد (UTC+3)", "Asia/Beirut": "بيروت (UTC+2)",
		"Africa/Casablanca": "الدار البيضاء (UTC+1)", "Africa/Tunis": "تونس (UTC+1)", "Europe/London": "لندن (UTC)",
		"UTC": "التوقيت العالمي (UTC)"}
	for range prefs.TimeZones() {
		tr.do("ليلى", tr.press(dm, layla, "set:tz"))
		text, _ := screen()
		c, _ := h.store.Chat(t.Context(), dm.ID)
		want, ok := city[c.TZ]
		if !ok {
			t.Errorf("the settings button offers %s, which this test does not know", c.TZ)
			continue
		}
		var line string
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "المنطقة الزمنية: ") {
				line = l
			}
		}
		if got := strings.Trim(strings.TrimPrefix(line, "المنطقة الزمنية: "), "\u200e\u200f"); got != want {
			t.Errorf("time zone %s reads %q, want %q", c.TZ, got, want)
		}
	}
	tr.do("ليلى", tr.press(dm, layla, "set:lang:en"))
	if text, _ := screen(); !strings.Contains(text, "Sound: muted") || !strings.Contains(text, "Time zone: UTC") {
		t.Errorf("English settings read:\n%s\nwant “Sound: muted”, “Time zone: UTC”", text)
	}
}

// TestUnsubscribeListRedraws: each ✖️ press edits the /unsubscribe list in
// place without the entry it removed; the last one leaves the sentence
// saying there are none, and a press on a button of a list not yet
// redrawn says there is no such subscription.
func TestUnsubscribeListRedraws(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	layla := bot.User{ID: 105, FirstName: "ليلى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 105, Type: "private"}
	tr.do("ليلى", msg(dm, layla, "/subscribe المملكة"))
	tr.do("ليلى", msg(dm, layla, "/unsubscribe"))
	tr.do("ليلى", tr.press(dm, layla, "u:s:almamlaka"))
	list := last(h.tg.SentTo(dm.ID))
	if !list.Edited || !strings.Contains(list.ParsedText, "لا اشتراكات في هذه المحادثة") || len(list.ReplyMarkup) != 0 && strings.Contains(string(list.ReplyMarkup), "u:") {
		t.Errorf("the list after its last entry went: %q %s, want it edited to say there are none", list.ParsedText, list.ReplyMarkup)
	}
	tr.do("ليلى", tr.press(dm, layla, "u:s:almamlaka"))
	answers := h.tg.CallbackAnswers()
	if got, want := answers[len(answers)-1].Text, "لا يوجد اشتراك في المملكة."; got != want {
		t.Errorf("a second press answered %q, want %q", got, want)
	}
}
