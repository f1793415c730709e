package chat

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/storage"
)

// settingsStore is a chat's settings; storage.Store implements it.
type settingsStore interface {
	SaveChat(ctx context.Context, c storage.Chat) error
	SetSettings(ctx context.Context, chatID int64, st storage.Settings) error
}

// zoneNames are the names /settings shows for the zones it offers, in
// Arabic and English; other zones show their city as IANA spells it.
var zoneNames = map[string][2]string{
	"Asia/Amman": {"عمّان", "Amman"}, "Asia/Riyadh": {"الرياض", "Riyadh"}, "Africa/Cairo": {"القاهرة", "Cairo"},
	"Asia/Dubai": {"دبي", "Dubai"}, "Asia/Baghdad": {"بغداد", "Baghdad"}, "Asia/Beirut": {"بيروت", "Beirut"},
	"Africa/Casablanca": {"الدار البيضاء", "Casablanca"}, "Africa/Tunis": {"تونس", "Tunis"},
	"Europe/London": {"لندن", "London"}, "UTC": {"التوقيت العالمي", ""},
}

// zoneLabel names a time zone for a reader of lang, with its offset from
// UTC at now: «عمّان (UTC+3)», "Amman (UTC+3)".
func zoneLabel(tz string, loc *time.Location, now time.Time, lang string) string {
	name := tz
	if n, ok := zoneNames[tz]; ok {
		name = n[0]
		if !card.RTL(lang) {
			name = n[1]
		}
	} else if i := strings.LastIndexByte(tz, '/'); i >= 0 {
		name = strings.ReplaceAll(tz[i+1:], "_", " ")
	}
	_, off := now.In(loc).Zone()
	utc := "UTC"
	if off != 0 {
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		utc += sign + strconv.Itoa(off/3600)
		if m := off % 3600 / 60; m != 0 {
			utc += fmt.Sprintf(":%02d", m)
		}
	}
	if name == "" {
		return utc // UTC in English: its name is its offset
	}
	return card.Embed(lang, name) + " (" + utc + ")"
}

// settingsMessage shows a chat's settings with a button
// per setting; pressing one changes it and redraws the message.
func (h *turn) settingsMessage(chat storage.Chat, lang string) (string, [][]tg.Button) {
	st := chat.Settings
	t := settingsTexts(lang)
	mode := st.Mode
	if mode == "" {
		mode = prefs.Instant
	}
	tz := chat.TZ
	if tz == "" {
		tz = h.cfg.Location.String()
	}
	zone := zoneLabel(tz, h.out.Location(chat.TZ), h.now(), lang)
	quiet := t.QuietOff
	if st.QuietFrom != "" {
		quiet = st.QuietFrom + "–" + st.QuietTo
	}
	previews, notify, bell := t.PreviewsOff, t.Sound, "🔔"
	if st.Previews {
		previews = t.PreviewsOn
	}
	if st.Silent {
		notify, bell = t.Silent, "🔕"
	}
	modeName := map[string]string{prefs.Instant: t.Instant, prefs.Hourly: t.Hourly, prefs.Daily: fmt.Sprintf(t.DailyAt, cmp.Or(st.DailyAt, prefs.DefaultDailyAt))}[mode]
	var sb strings.Builder
	sb.WriteString(t.Header + "\n\n")
	langName := "العربية"
	if chat.Lang == "en" {
		langName = "English"
	}
	line := func(label, value string) { sb.WriteString(label + ": " + card.Escape(card.Embed(lang, value)) + "\n") }
	line(t.Language, langName)
	line(t.Mode, modeName)
	line(t.Quiet, quiet)
	line(t.TimeZone, zone)
	line(t.Previews, previews)
	line(t.Notifications, notify)
	bt := card.BreakingTexts(lang)
	breakingWhen := bt.Now
	if st.BreakingWaits {
		breakingWhen = bt.Waits
	}
	line(bt.Setting, breakingWhen)
	if len(st.Include)+len(st.Exclude) > 0 {
		line(t.Filters, prefs.FilterSummary(st))
	}
	sb.WriteString("\n" + t.Usage)
	check := func(ok bool, s string) string {
		if ok {
			return "✅ " + s
		}
		return s
	}
	rows := [][]tg.Button{
		{{Text: check(chat.Lang != "en", "العربية"), CallbackData: CallbackData(KindSet, "lang", "ar")}, {Text: check(chat.Lang == "en", "English"), CallbackData: CallbackData(KindSet, "lang", "en")}},
		{{Text: check(mode == prefs.Instant, t.Instant), CallbackData: CallbackData(KindSet, "mode", prefs.Instant)},
			{Text: check(mode == prefs.Hourly, t.Hourly), CallbackData: CallbackData(KindSet, "mode", prefs.Hourly)},
			{Text: check(mode == prefs.Daily, t.Daily), CallbackData: CallbackData(KindSet, "mode", prefs.Daily)}},
		{{Text: "🌙 " + t.Quiet + ": " + card.Embed(lang, quiet), CallbackData: CallbackData(KindSet, "quiet")}, {Text: card.LineMark(lang) + "🕒 " + zone, CallbackData: CallbackData(KindSet, "tz")}},
		{{Text: "🔗 " + t.Previews + ": " + previews, CallbackData: CallbackData(KindSet, "prev")}, {Text: bell + " " + t.Notifications + ": " + notify, CallbackData: CallbackData(KindSet, "silent")}},
		{{Text: "🔴 " + bt.Setting + ": " + breakingWhen, CallbackData: CallbackData(KindSet, "breaking")}},
	}
	return sb.String(), rows
}

// applySetting changes one setting from a button (data after "set:") or
// from "/settings <name> <value>" (prefs.Apply). It returns the changed
// chat, or an error text for the user.
func (h *turn) applySetting(chat storage.Chat, name, value string) (storage.Chat, string) {
	changed, err := prefs.Apply(chat, name, value, h.cfg.Location.String())
	if err != nil {
		return chat, settingsTexts(chat.Lang).Invalid
	}
	return changed, ""
}

// settingsCommand answers "/settings [name value]".
func (h *turn) settingsCommand(ctx context.Context, chat storage.Chat, args []string, lang string, reply func(string, [][]tg.Button) error) error {
	if len(args) >= 1 {
		name, value := args[0], strings.Join(args[1:], " ")
		changed, problem := h.applySetting(chat, name, value)
		if problem != "" {
			return reply(problem, nil)
		}
		if err := h.saveSettings(ctx, changed); err != nil {
			return err
		}
		chat = changed
		lang = card.LangFor(chat.Lang)
	}
	text, buttons := h.settingsMessage(chat, lang)
	return reply(text, buttons)
}

func (h *turn) saveSettings(ctx context.Context, chat storage.Chat) error {
	if err := h.store.SaveChat(ctx, chat); err != nil {
		return err
	}
	return h.store.SetSettings(ctx, chat.ID, chat.Settings)
}

// settingsText holds the settings screen's words. Every setting reads as
// its state («الصوت: صامت», «ساعات الهدوء: متوقفة»), never as a yes or no
// to a negative ("بلا صوت: لا"), and its button's icon follows it (🔔/🔕).
type settingsText struct {
	Header, Language, Mode, Quiet, TimeZone, Previews, Notifications, Filters string
	Instant, Hourly, Daily, DailyAt                                           string // DailyAt: %s = "07:00"
	QuietOff, PreviewsOn, PreviewsOff, Sound, Silent                          string
	Usage, Invalid, FilterSaved, FilterCleared, FilterHow                     string
}

var settingsAr = settingsText{
	Header: "<b>الإعدادات</b>", Language: "اللغة", Mode: "طريقة الإرسال", Quiet: "ساعات الهدوء", TimeZone: "المنطقة الزمنية",
	Previews: "معاينة الروابط", Notifications: "الصوت", Filters: "التصفية بالكلمات",
	Instant: "فوراً", Hourly: "نشرة كل ساعة", Daily: "نشرة يومية", DailyAt: "نشرة يومية الساعة %s",
	QuietOff: "متوقفة", PreviewsOn: "مفعّلة", PreviewsOff: "متوقفة", Sound: "مفعّل", Silent: "صامت",
	Usage: "لتغيير موعد النشرة اليومية: " + card.Cmd("/settings daily 07:30") + "\n" +
		"لساعات الهدوء: " + card.Cmd("/settings quiet 22:00-07:00") + "\n" +
		"للمنطقة الزمنية: " + card.Cmd("/settings tz Asia/Amman") + "\n" +
		"للتصفية: " + card.Cmd("/filter") + " +اقتصاد -رياضة (أو " + card.Cmd("/filter") + " مسح)",
	Invalid:       "قيمة غير صحيحة. طريقة كتابتها في " + card.Cmd("/settings") + ".",
	FilterSaved:   "التصفية بالكلمات الآن: %s",
	FilterCleared: "أُلغيت التصفية بالكلمات؛ ستصل كل الأخبار.",
	FilterHow: "تصفية الأخبار بالكلمات: تصل الأخبار التي فيها كلمة بعد + فقط، ولا تصل التي فيها كلمة بعد -:\n" +
		card.RLM + card.Cmd("/filter") + " +اقتصاد -رياضة\n" +
		"ولإلغاء التصفية: " + card.Cmd("/filter") + " مسح",
}

var settingsEn = settingsText{
	Header: "<b>Settings</b>", Language: "Language", Mode: "Delivery", Quiet: "Quiet hours", TimeZone: "Time zone",
	Previews: "Link previews", Notifications: "Sound", Filters: "Keyword filters",
	Instant: "Instant", Hourly: "Hourly digest", Daily: "Daily digest", DailyAt: "Daily digest at %s",
	QuietOff: "off", PreviewsOn: "on", PreviewsOff: "off", Sound: "on", Silent: "muted",
	Usage: "Daily digest time: /settings daily 07:30\n" +
		"Quiet hours: /settings quiet 22:00-07:00\n" +
		"Time zone: /settings tz Asia/Amman\n" +
		"Filters: /filter +economy -sport (or /filter clear)",
	Invalid:       "That value is not valid. How to write it: /settings",
	FilterSaved:   "Keyword filters now: %s",
	FilterCleared: "Keyword filters removed; all the news will come.",
	FilterHow: "Filter the news by keywords: only news with a word after + comes, news with a word after - does not:\n" +
		"/filter +economy -sport\n" +
		"To remove the filters: /filter clear",
}

func settingsTexts(lang string) *settingsText { return card.Pick(lang, &settingsAr, &settingsEn) }

// settingsCallback applies a settings button and redraws the screen.
func (h *turn) settingsCallback(ctx context.Context, cb *tg.Callback, chat storage.Chat, code, lang string) error {
	admin, err := h.isAdmin(ctx, cb.Chat, cb.From, 0)
	if err != nil {
		return err
	}
	if !admin {
		return h.sender.AnswerCallback(ctx, cb.ID, card.Texts(lang).AdminsOnlySettings)
	}
	name, value, _ := strings.Cut(code, ":")
	changed, problem := h.applySetting(chat, name, value)
	if problem != "" {
		return h.sender.AnswerCallback(ctx, cb.ID, problem)
	}
	if err := h.saveSettings(ctx, changed); err != nil {
		return err
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	text, buttons := h.settingsMessage(changed, changed.Lang)
	return h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons})
}
