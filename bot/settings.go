package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// Delivery modes a chat can choose.
const (
	ModeInstant = "instant"
	ModeHourly  = "hourly"
	ModeDaily   = "daily"
)

// timeZones are the zones /settings cycles through; any IANA zone can be
// set with "/settings tz Area/City".
var timeZones = []string{"Asia/Amman", "Asia/Riyadh", "Africa/Cairo", "Asia/Dubai", "Asia/Baghdad",
	"Asia/Beirut", "Africa/Casablanca", "Africa/Tunis", "Europe/London", "UTC"}

// quietPresets are the quiet-hours choices of the settings button.
var quietPresets = [][2]string{{"", ""}, {"22:00", "07:00"}, {"23:00", "06:00"}, {"00:00", "08:00"}}

// settingsMessage shows a chat's settings with a button
// per setting; pressing one changes it and redraws the message.
func (b *Bot) settingsMessage(chat storage.Chat, lang string) (string, [][]Button) {
	st := chat.Settings
	t := settingsTexts(lang)
	mode := st.Mode
	if mode == "" {
		mode = ModeInstant
	}
	tz := chat.TZ
	if tz == "" {
		tz = b.cfg.Location.String()
	}
	onOff := func(v bool) string {
		if v {
			return t.On
		}
		return t.Off
	}
	quiet := t.Off
	if st.QuietFrom != "" {
		quiet = st.QuietFrom + "–" + st.QuietTo
	}
	modeName := map[string]string{ModeInstant: t.Instant, ModeHourly: t.Hourly, ModeDaily: t.Daily + " " + st.DailyAt}[mode]
	var sb strings.Builder
	sb.WriteString(t.Header + "\n\n")
	langName := "العربية"
	if chat.Lang == "en" {
		langName = "English"
	}
	fmt.Fprintf(&sb, "%s: %s\n", t.Language, langName)
	fmt.Fprintf(&sb, "%s: %s\n", t.Mode, esc(modeName))
	fmt.Fprintf(&sb, "%s: %s\n", t.Quiet, esc(quiet))
	fmt.Fprintf(&sb, "%s: %s\n", t.TimeZone, esc(tz))
	fmt.Fprintf(&sb, "%s: %s · %s: %s\n", t.Previews, onOff(st.Previews), t.Silent, onOff(st.Silent))
	if len(st.Include)+len(st.Exclude) > 0 {
		fmt.Fprintf(&sb, "%s: %s\n", t.Filters, esc(filterSummary(st)))
	}
	sb.WriteString("\n" + t.Usage)
	check := func(ok bool, s string) string {
		if ok {
			return "✅ " + s
		}
		return s
	}
	rows := [][]Button{
		{{Text: check(chat.Lang != "en", "العربية"), CallbackData: "set:lang:ar"}, {Text: check(chat.Lang == "en", "English"), CallbackData: "set:lang:en"}},
		{{Text: check(mode == ModeInstant, t.Instant), CallbackData: "set:mode:" + ModeInstant},
			{Text: check(mode == ModeHourly, t.Hourly), CallbackData: "set:mode:" + ModeHourly},
			{Text: check(mode == ModeDaily, t.Daily), CallbackData: "set:mode:" + ModeDaily}},
		{{Text: "🌙 " + t.Quiet + ": " + quiet, CallbackData: "set:quiet"}, {Text: "🕒 " + tz, CallbackData: "set:tz"}},
		{{Text: "🔗 " + t.Previews + ": " + onOff(st.Previews), CallbackData: "set:prev"}, {Text: "🔕 " + t.Silent + ": " + onOff(st.Silent), CallbackData: "set:silent"}},
	}
	return sb.String(), rows
}

func filterSummary(st storage.Settings) string {
	var parts []string
	for _, w := range st.Include {
		parts = append(parts, "+"+w)
	}
	for _, w := range st.Exclude {
		parts = append(parts, "-"+w)
	}
	return strings.Join(parts, " ")
}

// applySetting changes one setting from a button (data after "set:") or
// from "/settings <name> <value>". It returns the changed chat, or an
// error text for the user.
func (b *Bot) applySetting(chat storage.Chat, name, value string) (storage.Chat, string) {
	st := &chat.Settings
	t := settingsTexts(chat.Lang)
	switch name {
	case "lang":
		if value != "ar" && value != "en" {
			return chat, t.Invalid
		}
		chat.Lang = value
	case "mode":
		switch value {
		case ModeInstant, ModeHourly:
			st.Mode = value
		case ModeDaily:
			st.Mode = value
			if st.DailyAt == "" {
				st.DailyAt = "07:00"
			}
		default:
			if hm, ok := parseHHMM(value); ok { // "/settings mode 07:30" = daily at 07:30
				st.Mode, st.DailyAt = ModeDaily, hm
			} else {
				return chat, t.Invalid
			}
		}
	case "daily":
		hm, ok := parseHHMM(value)
		if !ok {
			return chat, t.Invalid
		}
		st.Mode, st.DailyAt = ModeDaily, hm
	case "quiet":
		switch {
		case value == "": // the button cycles through presets
			i := slices.IndexFunc(quietPresets, func(p [2]string) bool { return p[0] == st.QuietFrom && p[1] == st.QuietTo })
			next := quietPresets[(i+1)%len(quietPresets)]
			st.QuietFrom, st.QuietTo = next[0], next[1]
		case value == "off":
			st.QuietFrom, st.QuietTo = "", ""
		default:
			from, to, ok := strings.Cut(value, "-")
			f, ok1 := parseHHMM(from)
			tt, ok2 := parseHHMM(to)
			if !ok || !ok1 || !ok2 || f == tt {
				return chat, t.Invalid
			}
			st.QuietFrom, st.QuietTo = f, tt
		}
	case "tz":
		if value == "" {
			cur := chat.TZ
			if cur == "" {
				cur = b.cfg.Location.String()
			}
			i := slices.Index(timeZones, cur)
			chat.TZ = timeZones[(i+1)%len(timeZones)]
		} else if _, err := time.LoadLocation(value); err != nil || value == "Local" {
			return chat, t.Invalid
		} else {
			chat.TZ = value
		}
	case "prev":
		st.Previews = !st.Previews
	case "silent":
		st.Silent = !st.Silent
	default:
		return chat, t.Invalid
	}
	return chat, ""
}

// applyFilter handles "/filter +word -word", "/filter clear".
func applyFilter(st *storage.Settings, args []string) bool {
	if len(args) == 1 && (args[0] == "clear" || args[0] == "مسح") {
		st.Include, st.Exclude = nil, nil
		return true
	}
	changed := false
	for _, a := range args {
		word := strings.TrimLeft(a, "+-")
		word = strings.TrimSpace(sanitize(word))
		if word == "" || len([]rune(word)) > 40 {
			continue
		}
		list := &st.Include
		if strings.HasPrefix(a, "-") {
			list = &st.Exclude
		}
		if !slices.Contains(*list, word) && len(*list) < 20 {
			*list = append(*list, word)
			changed = true
		}
	}
	return changed
}

// parseHHMM accepts "7:30", "07:30" and Arabic-Indic digits.
func parseHHMM(s string) (string, bool) {
	t, err := time.Parse("15:04", arabic.Normalize(strings.TrimSpace(s)))
	if err != nil {
		return "", false
	}
	return t.Format("15:04"), true
}

// Wants reports whether an item passes a chat's keyword filters. Words
// match on normalised, light-stemmed Arabic (and lower-cased Latin), as
// whole terms of the title or summary; users never supply patterns.
func Wants(st storage.Settings, it feeds.Item) bool {
	if len(st.Include) == 0 && len(st.Exclude) == 0 {
		return true
	}
	terms := map[string]bool{}
	for _, term := range arabic.Terms(it.Title + "\n" + it.Summary) {
		terms[term] = true
	}
	has := func(word string) bool {
		ws := arabic.Terms(word)
		if len(ws) == 0 {
			// A filter word the stop list drops ("ذهب" is also the verb
			// "went") still means itself here.
			for _, f := range strings.Fields(arabic.Normalize(word)) {
				if st := arabic.Stem(f); st != "" {
					ws = append(ws, st)
				}
			}
		}
		if len(ws) == 0 {
			return false
		}
		for _, w := range ws {
			if !terms[w] {
				return false
			}
		}
		return true
	}
	for _, w := range st.Exclude {
		if has(w) {
			return false
		}
	}
	if len(st.Include) == 0 {
		return true
	}
	return slices.ContainsFunc(st.Include, has)
}

// NextSend says when a chat with these settings may next receive cards, at
// or after now: now for instant delivery outside quiet hours; otherwise the
// next digest time (the top of the hour, the daily time, the end of the
// quiet hours). digest reports whether what waits then goes out as one
// digest rather than as cards.
func NextSend(st storage.Settings, loc *time.Location, now time.Time) (at time.Time, digest bool) {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	at = now
	switch st.Mode {
	case ModeHourly:
		at = local.Truncate(time.Hour)
		if at.Before(local) {
			at = at.Add(time.Hour)
		}
		digest = true
	case ModeDaily:
		hm, ok := parseHHMM(st.DailyAt)
		if !ok {
			hm = "07:00"
		}
		at = atClock(local, hm)
		if at.Before(local) {
			at = atClock(local.AddDate(0, 0, 1), hm)
		}
		digest = true
	}
	if end, quiet := quietUntil(st, at.In(loc)); quiet {
		at, digest = end, true
	}
	return at, digest
}

// quietUntil reports whether t falls in the quiet hours and when they end.
func quietUntil(st storage.Settings, t time.Time) (time.Time, bool) {
	from, ok1 := parseHHMM(st.QuietFrom)
	to, ok2 := parseHHMM(st.QuietTo)
	if !ok1 || !ok2 || from == to {
		return time.Time{}, false
	}
	start, end := atClock(t, from), atClock(t, to)
	if from < to { // e.g. 13:00–15:00 the same day
		return end, !t.Before(start) && t.Before(end)
	}
	// Over midnight, e.g. 22:00–07:00.
	if !t.Before(start) {
		return atClock(t.AddDate(0, 0, 1), to), true
	}
	if t.Before(end) {
		return end, true
	}
	return time.Time{}, false
}

// atClock is t's day at the clock time hm ("15:04"), in t's location.
func atClock(t time.Time, hm string) time.Time {
	c, _ := time.Parse("15:04", hm)
	return time.Date(t.Year(), t.Month(), t.Day(), c.Hour(), c.Minute(), 0, 0, t.Location())
}

// settingsCommand answers "/settings [name value]".
func (b *Bot) settingsCommand(ctx context.Context, chat storage.Chat, args []string, lang string, reply func(string, [][]Button) error) error {
	if len(args) >= 1 {
		name, value := args[0], strings.Join(args[1:], " ")
		changed, problem := b.applySetting(chat, name, value)
		if problem != "" {
			return reply(problem, nil)
		}
		if err := b.saveSettings(ctx, changed); err != nil {
			return err
		}
		chat = changed
		lang = LangFor(chat.Lang)
	}
	text, buttons := b.settingsMessage(chat, lang)
	return reply(text, buttons)
}

func (b *Bot) saveSettings(ctx context.Context, chat storage.Chat) error {
	if err := b.store.SaveChat(ctx, chat); err != nil {
		return err
	}
	return b.store.SetSettings(ctx, chat.ID, chat.Settings)
}

// settingsText holds the settings screen's words.
type settingsText struct {
	Header, Language, Mode, Quiet, TimeZone, Previews, Silent, Filters string
	Instant, Hourly, Daily, On, Off, Usage, Invalid, FilterSaved       string
}

var settingsAr = settingsText{
	Header: "<b>الإعدادات</b>", Language: "اللغة", Mode: "طريقة الإرسال", Quiet: "ساعات الهدوء", TimeZone: "المنطقة الزمنية",
	Previews: "معاينة الروابط", Silent: "بلا صوت", Filters: "تصفية بالكلمات",
	Instant: "فوراً", Hourly: "ملخص كل ساعة", Daily: "ملخص يومي", On: "نعم", Off: "لا",
	Usage: "لتغيير موعد الملخص اليومي: /settings daily 07:30\n" +
		"لساعات الهدوء: /settings quiet 22:00-07:00\n" +
		"للمنطقة الزمنية: /settings tz Asia/Amman\n" +
		"للتصفية: /filter +اقتصاد -رياضة (أو /filter مسح)",
	Invalid:     "قيمة غير صحيحة. أرسل /settings لرؤية الطريقة.",
	FilterSaved: "التصفية الآن: %s",
}

var settingsEn = settingsText{
	Header: "<b>Settings</b>", Language: "Language", Mode: "Delivery", Quiet: "Quiet hours", TimeZone: "Time zone",
	Previews: "Link previews", Silent: "Silent", Filters: "Keyword filters",
	Instant: "Instant", Hourly: "Hourly digest", Daily: "Daily digest", On: "on", Off: "off",
	Usage: "Daily digest time: /settings daily 07:30\n" +
		"Quiet hours: /settings quiet 22:00-07:00\n" +
		"Time zone: /settings tz Asia/Amman\n" +
		"Filters: /filter +economy -sport (or /filter clear)",
	Invalid:     "That value is not valid. Send /settings to see how.",
	FilterSaved: "Filters now: %s",
}

func settingsTexts(lang string) *settingsText { return pick(lang, &settingsAr, &settingsEn) }

// settingsCallback applies a settings button and redraws the screen.
func (b *Bot) settingsCallback(ctx context.Context, cb *Callback, chat storage.Chat, code, lang string) error {
	admin, err := b.isAdmin(ctx, cb.Chat, cb.From, 0)
	if err != nil {
		return err
	}
	if !admin {
		return b.sender.AnswerCallback(ctx, cb.ID, texts(lang).AdminsOnly)
	}
	name, value, _ := strings.Cut(code, ":")
	changed, problem := b.applySetting(chat, name, value)
	if problem != "" {
		return b.sender.AnswerCallback(ctx, cb.ID, problem)
	}
	if err := b.saveSettings(ctx, changed); err != nil {
		return err
	}
	if err := b.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	text, buttons := b.settingsMessage(changed, changed.Lang)
	return b.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons})
}
