// Package prefs holds a chat's delivery rules and how its settings change:
// which items it wants (keyword filters), when it may next receive them
// (instant, hourly or daily digests, quiet hours), whether breaking news
// goes at once, and what a settings button or "/settings name value" does
// to a chat. It is pure: no store, no Telegram, no clock of its own (the
// caller passes now), so every decision is tested in memory.
package prefs

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// Delivery modes a chat can choose (storage.Settings.Mode; "" is Instant).
const (
	Instant = "instant"
	Hourly  = "hourly"
	Daily   = "daily"
)

// DefaultDailyAt is the daily digest's time when a chat has not set one.
const DefaultDailyAt = "07:00"

// TimeZones are the zones the settings button cycles through; any IANA
// zone can be set with "/settings tz Area/City". A function, not a
// variable, so no caller can change the cycle.
func TimeZones() []string {
	return []string{"Asia/Amman", "Asia/Riyadh", "Africa/Cairo", "Asia/Dubai", "Asia/Baghdad",
		"Asia/Beirut", "Africa/Casablanca", "Africa/Tunis", "Europe/London", "UTC"}
}

// quietPresets are the quiet-hours choices the settings button cycles
// through: off, then three nights.
func quietPresets() [][2]string {
	return [][2]string{{"", ""}, {"22:00", "07:00"}, {"23:00", "06:00"}, {"00:00", "08:00"}}
}

// ErrInvalid is Apply's answer to a setting it does not know or a value it
// cannot read; the caller tells the person how to write it.
var ErrInvalid = errors.New("invalid setting")

// Apply changes one setting of a chat, from a settings button (name and
// value after "set:") or from "/settings <name> <value>", and returns the
// changed chat. defaultTZ is the bot's zone, where a chat without one of
// its own starts the time-zone cycle. A value it cannot read leaves the
// chat as it was and returns ErrInvalid.
func Apply(chat storage.Chat, name, value, defaultTZ string) (storage.Chat, error) {
	st := &chat.Settings
	switch name {
	case "lang":
		if value != "ar" && value != "en" {
			return chat, ErrInvalid
		}
		chat.Lang = value
	case "mode":
		switch value {
		case Instant, Hourly:
			st.Mode = value
		case Daily:
			st.Mode = value
			if st.DailyAt == "" {
				st.DailyAt = DefaultDailyAt
			}
		default:
			if hm, ok := ParseClock(value); ok { // "/settings mode 07:30" = daily at 07:30
				st.Mode, st.DailyAt = Daily, hm
			} else {
				return chat, ErrInvalid
			}
		}
	case "daily":
		hm, ok := ParseClock(value)
		if !ok {
			return chat, ErrInvalid
		}
		st.Mode, st.DailyAt = Daily, hm
	case "quiet":
		switch {
		case value == "": // the button cycles through presets
			presets := quietPresets()
			i := slices.IndexFunc(presets, func(p [2]string) bool { return p[0] == st.QuietFrom && p[1] == st.QuietTo })
			next := presets[(i+1)%len(presets)]
			st.QuietFrom, st.QuietTo = next[0], next[1]
		case value == "off":
			st.QuietFrom, st.QuietTo = "", ""
		default:
			from, to, ok := strings.Cut(value, "-")
			f, ok1 := ParseClock(from)
			tt, ok2 := ParseClock(to)
			if !ok || !ok1 || !ok2 || f == tt {
				return chat, ErrInvalid
			}
			st.QuietFrom, st.QuietTo = f, tt
		}
	case "tz":
		if value == "" {
			cur := chat.TZ
			if cur == "" {
				cur = defaultTZ
			}
			zones := TimeZones()
			i := slices.Index(zones, cur)
			chat.TZ = zones[(i+1)%len(zones)]
		} else if _, err := time.LoadLocation(value); err != nil || value == "Local" {
			return chat, ErrInvalid
		} else {
			chat.TZ = value
		}
	case "prev":
		st.Previews = !st.Previews
	case "silent":
		st.Silent = !st.Silent
	case "breaking": // at once and aloud, or like the rest
		st.BreakingWaits = !st.BreakingWaits
	default:
		return chat, ErrInvalid
	}
	return chat, nil
}

// Filter limits: a word longer than maxFilterRunes is left out, and a list
// keeps at most maxFilterWords.
const (
	maxFilterRunes = 40
	maxFilterWords = 20
)

// ApplyFilter changes the keyword filters from "/filter +word -word" or
// "/filter clear" (also «مسح») and reports whether they changed. A word is
// cleaned as shown text is (card.Sanitize).
func ApplyFilter(st *storage.Settings, args []string) bool {
	if len(args) == 1 && (args[0] == "clear" || args[0] == "مسح") {
		st.Include, st.Exclude = nil, nil
		return true
	}
	changed := false
	for _, a := range args {
		word := strings.TrimLeft(a, "+-")
		word = strings.TrimSpace(card.Sanitize(word))
		if word == "" || len([]rune(word)) > maxFilterRunes {
			continue
		}
		list := &st.Include
		if strings.HasPrefix(a, "-") {
			list = &st.Exclude
		}
		if !slices.Contains(*list, word) && len(*list) < maxFilterWords {
			*list = append(*list, word)
			changed = true
		}
	}
	return changed
}

// FilterSummary writes a chat's filters as /filter takes them: "+w -w".
func FilterSummary(st storage.Settings) string {
	var parts []string
	for _, w := range st.Include {
		parts = append(parts, "+"+w)
	}
	for _, w := range st.Exclude {
		parts = append(parts, "-"+w)
	}
	return strings.Join(parts, " ")
}

// ParseClock reads a clock time as "15:04": it accepts "7:30", "07:30" and
// Arabic-Indic digits.
func ParseClock(s string) (string, bool) {
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

// BreakingNow reports whether a chat gets an item at once and with sound
// whatever its digest mode, quiet hours and silence: breaking news, unless
// the chat lets it wait like the rest.
func BreakingNow(it feeds.Item, st storage.Settings) bool {
	return it.Breaking && !st.BreakingWaits
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
	case Hourly:
		at = local.Truncate(time.Hour)
		if at.Before(local) {
			at = at.Add(time.Hour)
		}
		digest = true
	case Daily:
		hm, ok := ParseClock(st.DailyAt)
		if !ok {
			hm = DefaultDailyAt
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
	if st.QuietFrom == "" || st.QuietTo == "" {
		// No quiet hours, the common case: asked before every send, and
		// a failed time.Parse allocates its error.
		return time.Time{}, false
	}
	from, ok1 := ParseClock(st.QuietFrom)
	to, ok2 := ParseClock(st.QuietTo)
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

// Plan is what a chat's settings make of items about to be sent to it, by
// their indexes: Keep goes now, Dropped fails its keyword filters, Held
// waits for the digest at At.
type Plan struct {
	Keep, Dropped, Held []int
	At                  time.Time
}

// PlanFor applies a chat's settings (loc is its time zone) to items about
// to be sent at now: items its filters reject are dropped; when its mode
// or quiet hours say "later" the rest are held for its next digest, except
// breaking news, which goes at once unless the chat lets it wait.
func PlanFor(st storage.Settings, loc *time.Location, items []feeds.Item, now time.Time) Plan {
	var p Plan
	p.At, _ = NextSend(st, loc, now)
	for i, it := range items {
		switch {
		case !Wants(st, it):
			p.Dropped = append(p.Dropped, i)
		case !p.At.After(now) || BreakingNow(it, st):
			p.Keep = append(p.Keep, i)
		default:
			p.Held = append(p.Held, i)
		}
	}
	return p
}
