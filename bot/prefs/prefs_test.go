package prefs

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

func TestNextSend(t *testing.T) {
	loc := amman(t) // UTC+3
	at := func(h, m int) time.Time { return time.Date(2026, 11, 28, h, m, 0, 0, loc) }
	tests := map[string]struct {
		st         storage.Settings
		now        time.Time
		want       time.Time
		wantDigest bool
	}{
		"instant":                   {storage.Settings{}, at(10, 5), at(10, 5), false},
		"hourly waits for the hour": {storage.Settings{Mode: Hourly}, at(10, 5), at(11, 0), true},
		"hourly on the hour":        {storage.Settings{Mode: Hourly}, at(11, 0), at(11, 0), true},
		"daily later today":         {storage.Settings{Mode: Daily, DailyAt: "18:30"}, at(10, 5), at(18, 30), true},
		"daily tomorrow":            {storage.Settings{Mode: Daily, DailyAt: "07:00"}, at(10, 5), at(7, 0).AddDate(0, 0, 1), true},
		"quiet over midnight, evening": {storage.Settings{QuietFrom: "22:00", QuietTo: "07:00"}, at(23, 10),
			at(7, 0).AddDate(0, 0, 1), true},
		"quiet over midnight, early": {storage.Settings{QuietFrom: "22:00", QuietTo: "07:00"}, at(3, 0), at(7, 0), true},
		"outside quiet hours":        {storage.Settings{QuietFrom: "22:00", QuietTo: "07:00"}, at(12, 0), at(12, 0), false},
		"quiet within a day":         {storage.Settings{QuietFrom: "13:00", QuietTo: "15:00"}, at(14, 0), at(15, 0), true},
		"hourly slot inside quiet":   {storage.Settings{Mode: Hourly, QuietFrom: "22:00", QuietTo: "07:00"}, at(21, 30), at(7, 0).AddDate(0, 0, 1), true},
		"daily time inside quiet":    {storage.Settings{Mode: Daily, DailyAt: "06:00", QuietFrom: "22:00", QuietTo: "07:00"}, at(10, 0), at(7, 0).AddDate(0, 0, 1), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, digest := NextSend(tc.st, loc, tc.now.UTC())
			if !got.Equal(tc.want) || digest != tc.wantDigest {
				t.Errorf("NextSend = %v, %v; want %v, %v", got.In(loc), digest, tc.want, tc.wantDigest)
			}
		})
	}
}

func TestWantsMatchesNormalisedArabic(t *testing.T) {
	it := feeds.Item{Title: "ارتفاع أسعار الذهب في الأسواق", Summary: "قال الاقتصاديون إن الأسعار ستستقر."}
	tests := map[string]struct {
		st   storage.Settings
		want bool
	}{
		"no filters":                 {storage.Settings{}, true},
		"include matches with al-":   {storage.Settings{Include: []string{"ذهب"}}, true},
		"include with hamza variant": {storage.Settings{Include: []string{"اسعار"}}, true},
		"include misses":             {storage.Settings{Include: []string{"رياضة"}}, false},
		"exclude wins":               {storage.Settings{Include: []string{"ذهب"}, Exclude: []string{"الأسواق"}}, false},
		"exclude misses":             {storage.Settings{Exclude: []string{"كرة"}}, true},
		"regexp is just text":        {storage.Settings{Include: []string{".*"}}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Wants(tc.st, it); got != tc.want {
				t.Errorf("Wants = %v, want %v", got, tc.want)
			}
		})
	}
}

func amman(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Amman")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestApplySteps runs a chat through a sequence of settings, as a person
// pressing buttons and typing /settings would: a refused value leaves the
// chat as it was and the next step goes on from there.
func TestApplySteps(t *testing.T) {
	chat := storage.Chat{ID: 1, Lang: "ar"}
	steps := []struct {
		name, value string
		invalid     bool
	}{
		{"mode", "hourly", false}, {"daily", "٠٦:٤٥", false}, {"quiet", "22:00-07:00", false}, {"quiet", "", false},
		{"tz", "Africa/Cairo", false}, {"tz", "Mars/Olympus", true}, {"prev", "", false}, {"silent", "", false}, {"lang", "en", false},
		{"quiet", "25:00-07:00", true}, {"bogus", "", true},
	}
	for _, s := range steps {
		next, err := Apply(chat, s.name, s.value, "Asia/Amman")
		if (err != nil) != s.invalid {
			t.Fatalf("Apply(%s, %q) error = %v, want invalid %v", s.name, s.value, err, s.invalid)
		}
		if err != nil && !reflect.DeepEqual(next, chat) {
			t.Fatalf("Apply(%s, %q) refused the value but changed the chat: %+v", s.name, s.value, next)
		}
		chat = next
	}
	st := chat.Settings
	if st.Mode != Daily || st.DailyAt != "06:45" || st.QuietFrom != "23:00" || st.QuietTo != "06:00" ||
		!st.Previews || !st.Silent || chat.TZ != "Africa/Cairo" || chat.Lang != "en" {
		t.Errorf("after the steps: %+v", chat)
	}
}

// TestApply: each setting from one starting chat, what it becomes, and the
// values refused.
func TestApply(t *testing.T) {
	start := storage.Chat{ID: 7, Lang: "ar", Settings: storage.Settings{Mode: Hourly, QuietFrom: "22:00", QuietTo: "07:00"}}
	with := func(f func(c *storage.Chat)) storage.Chat {
		c := start
		f(&c)
		return c
	}
	tests := map[string]struct {
		name, value string
		want        storage.Chat // ignored when invalid
		invalid     bool
	}{
		"lang en":                       {name: "lang", value: "en", want: with(func(c *storage.Chat) { c.Lang = "en" })},
		"lang fr refused":               {name: "lang", value: "fr", invalid: true},
		"mode instant":                  {name: "mode", value: "instant", want: with(func(c *storage.Chat) { c.Settings.Mode = Instant })},
		"mode daily keeps default time": {name: "mode", value: "daily", want: with(func(c *storage.Chat) { c.Settings.Mode, c.Settings.DailyAt = Daily, "07:00" })},
		"mode with a time is daily":     {name: "mode", value: "7:30", want: with(func(c *storage.Chat) { c.Settings.Mode, c.Settings.DailyAt = Daily, "07:30" })},
		"mode weekly refused":           {name: "mode", value: "weekly", invalid: true},
		"daily in Arabic digits":        {name: "daily", value: "١٨:٠٥", want: with(func(c *storage.Chat) { c.Settings.Mode, c.Settings.DailyAt = Daily, "18:05" })},
		"daily 24:00 refused":           {name: "daily", value: "24:00", invalid: true},
		"quiet off":                     {name: "quiet", value: "off", want: with(func(c *storage.Chat) { c.Settings.QuietFrom, c.Settings.QuietTo = "", "" })},
		"quiet range":                   {name: "quiet", value: " 1:00-5:30", want: with(func(c *storage.Chat) { c.Settings.QuietFrom, c.Settings.QuietTo = "01:00", "05:30" })},
		"quiet empty range refused":     {name: "quiet", value: "05:00-05:00", invalid: true},
		"quiet without a dash refused":  {name: "quiet", value: "05:00", invalid: true},
		"tz by name":                    {name: "tz", value: "Asia/Tokyo", want: with(func(c *storage.Chat) { c.TZ = "Asia/Tokyo" })},
		"tz Local refused":              {name: "tz", value: "Local", invalid: true},
		"tz unknown refused":            {name: "tz", value: "Mars/Olympus", invalid: true},
		"previews toggle":               {name: "prev", want: with(func(c *storage.Chat) { c.Settings.Previews = true })},
		"silent toggle":                 {name: "silent", want: with(func(c *storage.Chat) { c.Settings.Silent = true })},
		"breaking toggle":               {name: "breaking", want: with(func(c *storage.Chat) { c.Settings.BreakingWaits = true })},
		"unknown setting refused":       {name: "colour", value: "red", invalid: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Apply(start, tc.name, tc.value, "Asia/Amman")
			if tc.invalid {
				if !errors.Is(err, ErrInvalid) || !reflect.DeepEqual(got, start) {
					t.Fatalf("Apply = %+v, %v; want the chat unchanged and ErrInvalid", got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Apply = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestApplyButtonsCycle: the quiet-hours and time-zone buttons step
// through their choices and come back to the first; a chat in a zone the
// cycle does not list starts it from the top.
func TestApplyButtonsCycle(t *testing.T) {
	chat := storage.Chat{ID: 1}
	var quiet []string
	for range 5 {
		var err error
		if chat, err = Apply(chat, "quiet", "", "UTC"); err != nil {
			t.Fatal(err)
		}
		quiet = append(quiet, chat.Settings.QuietFrom+"-"+chat.Settings.QuietTo)
	}
	if want := []string{"22:00-07:00", "23:00-06:00", "00:00-08:00", "-", "22:00-07:00"}; !reflect.DeepEqual(quiet, want) {
		t.Errorf("quiet button: %q, want %q", quiet, want)
	}
	tests := map[string]struct{ tz, defaultTZ, want string }{
		"no zone starts from the bot's":  {"", "Asia/Amman", "Asia/Riyadh"},
		"the last comes back to the top": {"UTC", "Asia/Amman", "Asia/Amman"},
		"a zone off the cycle":           {"Asia/Tokyo", "Asia/Amman", "Asia/Amman"},
		"a bot zone off the cycle":       {"", "America/New_York", "Asia/Amman"},
	}
	for name, tc := range tests {
		got, err := Apply(storage.Chat{TZ: tc.tz}, "tz", "", tc.defaultTZ)
		if err != nil || got.TZ != tc.want {
			t.Errorf("%s: tz button from %q = %q, %v; want %q", name, tc.tz, got.TZ, err, tc.want)
		}
	}
}

// TestApplyFilter: /filter adds words to the include (+) and exclude (-)
// lists once each, cleaned and bounded, and clears them.
func TestApplyFilter(t *testing.T) {
	long := strings.Repeat("ك", 41)
	full := make([]string, 20)
	for i := range full {
		full[i] = fmt.Sprintf("w%d", i)
	}
	tests := map[string]struct {
		st                   storage.Settings
		args                 []string
		wantInclude, wantExc []string
		wantChanged          bool
	}{
		"plus and minus":       {args: []string{"+اقتصاد", "-رياضة"}, wantInclude: []string{"اقتصاد"}, wantExc: []string{"رياضة"}, wantChanged: true},
		"bare word includes":   {args: []string{"ذهب"}, wantInclude: []string{"ذهب"}, wantChanged: true},
		"repeat is no change":  {st: storage.Settings{Include: []string{"ذهب"}}, args: []string{"+ذهب"}, wantInclude: []string{"ذهب"}},
		"control chars go":     {args: []string{"+\u202eنفط\x00"}, wantInclude: []string{"نفط"}, wantChanged: true},
		"too long is skipped":  {args: []string{"+" + long}},
		"only signs":           {args: []string{"+-", "-"}},
		"full list takes none": {st: storage.Settings{Include: full}, args: []string{"+more"}, wantInclude: full},
		"clear":                {st: storage.Settings{Include: []string{"a"}, Exclude: []string{"b"}}, args: []string{"clear"}, wantChanged: true},
		"clear in Arabic":      {st: storage.Settings{Include: []string{"a"}}, args: []string{"مسح"}, wantChanged: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st := tc.st
			st.Include = slices.Clone(st.Include)
			changed := ApplyFilter(&st, tc.args)
			if changed != tc.wantChanged || !slices.Equal(st.Include, tc.wantInclude) || !slices.Equal(st.Exclude, tc.wantExc) {
				t.Errorf("ApplyFilter = %v, include %q, exclude %q; want %v, %q, %q", changed, st.Include, st.Exclude, tc.wantChanged, tc.wantInclude, tc.wantExc)
			}
		})
	}
	if got := FilterSummary(storage.Settings{Include: []string{"اقتصاد", "نفط"}, Exclude: []string{"رياضة"}}); got != "+اقتصاد +نفط -رياضة" {
		t.Errorf("FilterSummary = %q", got)
	}
}

func TestParseClock(t *testing.T) {
	tests := map[string]struct {
		want string
		ok   bool
	}{
		"07:30": {"07:30", true}, "7:30": {"07:30", true}, " 23:59 ": {"23:59", true}, "٠٧:٠٥": {"07:05", true},
		"24:00": {"", false}, "7.30": {"", false}, "": {"", false}, "noon": {"", false},
	}
	for in, tc := range tests {
		if got, ok := ParseClock(in); got != tc.want || ok != tc.ok {
			t.Errorf("ParseClock(%q) = %q, %v; want %q, %v", in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestQuietUntil: the quiet hours start at their first minute and end at
// their last, over midnight too; an empty or unreadable range is never
// quiet.
func TestQuietUntil(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	night := storage.Settings{QuietFrom: "22:00", QuietTo: "07:00"}
	noon := storage.Settings{QuietFrom: "12:00", QuietTo: "13:30"}
	tests := map[string]struct {
		st        storage.Settings
		at        time.Time
		wantQuiet bool
		wantEnd   time.Time
	}{
		"night, at its start":       {night, day(28, 22, 0), true, day(29, 7, 0)},
		"night, a minute before":    {night, day(28, 21, 59), false, time.Time{}},
		"night, after midnight":     {night, day(29, 0, 30), true, day(29, 7, 0)},
		"night, at its end":         {night, day(29, 7, 0), false, time.Time{}},
		"day range, inside":         {noon, day(28, 13, 29), true, day(28, 13, 30)},
		"day range, at its end":     {noon, day(28, 13, 30), false, time.Time{}},
		"day range, before":         {noon, day(28, 11, 0), false, time.Time{}},
		"empty range":               {storage.Settings{QuietFrom: "05:00", QuietTo: "05:00"}, day(28, 5, 0), false, time.Time{}},
		"unreadable range":          {storage.Settings{QuietFrom: "late", QuietTo: "07:00"}, day(28, 23, 0), false, time.Time{}},
		"only a start is not quiet": {storage.Settings{QuietFrom: "22:00"}, day(28, 23, 0), false, time.Time{}},
	}
	for name, tc := range tests {
		end, quiet := quietUntil(tc.st, tc.at)
		if quiet != tc.wantQuiet || quiet && !end.Equal(tc.wantEnd) { // the end means something only when quiet
			t.Errorf("%s: quietUntil = %v, %v; want %v, %v", name, end, quiet, tc.wantEnd, tc.wantQuiet)
		}
	}
}

// TestNextSendDefaults: no zone is UTC, and a daily time that does not
// read is the default 07:00.
func TestNextSendDefaults(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	if at, digest := NextSend(storage.Settings{Mode: Hourly}, nil, now.Add(time.Minute)); !at.Equal(now.Add(time.Hour)) || !digest {
		t.Errorf("hourly without a zone = %v, %v; want %v, true", at, digest, now.Add(time.Hour))
	}
	if at, _ := NextSend(storage.Settings{Mode: Daily, DailyAt: "soon"}, time.UTC, now); !at.Equal(time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("daily at an unreadable time = %v, want tomorrow 07:00", at)
	}
}

// TestPlanFor: what a chat's settings make of a batch about to be sent:
// filters drop, "later" holds until the next send, breaking news goes at
// once unless the chat lets it wait.
func TestPlanFor(t *testing.T) {
	loc := amman(t)
	now := time.Date(2026, 11, 28, 10, 5, 0, 0, loc)
	items := []feeds.Item{
		{ID: "gold", Title: "ارتفاع أسعار الذهب"},
		{ID: "sport", Title: "فوز المنتخب في كرة القدم"},
		{ID: "quake", Title: "زلزال في الشمال", Breaking: true},
	}
	tests := map[string]struct {
		st                  storage.Settings
		keep, dropped, held []int
		at                  time.Time
	}{
		"instant sends all":          {storage.Settings{}, []int{0, 1, 2}, nil, nil, now},
		"filters drop":               {storage.Settings{Exclude: []string{"كرة"}}, []int{0, 2}, []int{1}, nil, now},
		"include keeps its own":      {storage.Settings{Include: []string{"ذهب"}}, []int{0}, []int{1, 2}, nil, now},
		"hourly holds, not breaking": {storage.Settings{Mode: Hourly}, []int{2}, nil, []int{0, 1}, now.Add(55 * time.Minute)},
		"breaking may wait":          {storage.Settings{Mode: Hourly, BreakingWaits: true}, nil, nil, []int{0, 1, 2}, now.Add(55 * time.Minute)},
		"quiet hours hold":           {storage.Settings{QuietFrom: "09:00", QuietTo: "12:00"}, []int{2}, nil, []int{0, 1}, now.Add(115 * time.Minute)},
		"filtered and held":          {storage.Settings{Mode: Daily, DailyAt: "18:00", Exclude: []string{"ذهب"}}, []int{2}, []int{0}, []int{1}, time.Date(2026, 11, 28, 18, 0, 0, 0, loc)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := PlanFor(tc.st, loc, items, now.UTC())
			if !slices.Equal(p.Keep, tc.keep) || !slices.Equal(p.Dropped, tc.dropped) || !slices.Equal(p.Held, tc.held) || !p.At.Equal(tc.at) {
				t.Errorf("PlanFor = keep %v dropped %v held %v at %v; want %v %v %v at %v", p.Keep, p.Dropped, p.Held, p.At.In(loc),
					tc.keep, tc.dropped, tc.held, tc.at)
			}
		})
	}
}

func TestBreakingNow(t *testing.T) {
	tests := []struct {
		breaking, waits, want bool
	}{{true, false, true}, {true, true, false}, {false, false, false}, {false, true, false}}
	for _, tc := range tests {
		if got := BreakingNow(feeds.Item{Breaking: tc.breaking}, storage.Settings{BreakingWaits: tc.waits}); got != tc.want {
			t.Errorf("BreakingNow(breaking %v, waits %v) = %v", tc.breaking, tc.waits, got)
		}
	}
}
