package bot

import (
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
		"hourly waits for the hour": {storage.Settings{Mode: ModeHourly}, at(10, 5), at(11, 0), true},
		"hourly on the hour":        {storage.Settings{Mode: ModeHourly}, at(11, 0), at(11, 0), true},
		"daily later today":         {storage.Settings{Mode: ModeDaily, DailyAt: "18:30"}, at(10, 5), at(18, 30), true},
		"daily tomorrow":            {storage.Settings{Mode: ModeDaily, DailyAt: "07:00"}, at(10, 5), at(7, 0).AddDate(0, 0, 1), true},
		"quiet over midnight, evening": {storage.Settings{QuietFrom: "22:00", QuietTo: "07:00"}, at(23, 10),
			at(7, 0).AddDate(0, 0, 1), true},
		"quiet over midnight, early": {storage.Settings{QuietFrom: "22:00", QuietTo: "07:00"}, at(3, 0), at(7, 0), true},
		"outside quiet hours":        {storage.Settings{QuietFrom: "22:00", QuietTo: "07:00"}, at(12, 0), at(12, 0), false},
		"quiet within a day":         {storage.Settings{QuietFrom: "13:00", QuietTo: "15:00"}, at(14, 0), at(15, 0), true},
		"hourly slot inside quiet":   {storage.Settings{Mode: ModeHourly, QuietFrom: "22:00", QuietTo: "07:00"}, at(21, 30), at(7, 0).AddDate(0, 0, 1), true},
		"daily time inside quiet":    {storage.Settings{Mode: ModeDaily, DailyAt: "06:00", QuietFrom: "22:00", QuietTo: "07:00"}, at(10, 0), at(7, 0).AddDate(0, 0, 1), true},
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

func TestApplySetting(t *testing.T) {
	b := &Bot{cfg: Config{Location: amman(t)}}
	chat := storage.Chat{ID: 1, Lang: "ar"}
	steps := []struct{ name, value, problem string }{
		{"mode", "hourly", ""}, {"daily", "٠٦:٤٥", ""}, {"quiet", "22:00-07:00", ""}, {"quiet", "", ""},
		{"tz", "Africa/Cairo", ""}, {"tz", "Mars/Olympus", "x"}, {"prev", "", ""}, {"silent", "", ""}, {"lang", "en", ""},
		{"quiet", "25:00-07:00", "x"}, {"bogus", "", "x"},
	}
	for _, s := range steps {
		next, problem := b.applySetting(chat, s.name, s.value)
		if (problem != "") != (s.problem != "") {
			t.Fatalf("applySetting(%s, %q) problem = %q", s.name, s.value, problem)
		}
		chat = next
	}
	st := chat.Settings
	if st.Mode != ModeDaily || st.DailyAt != "06:45" || st.QuietFrom != "23:00" || st.QuietTo != "06:00" ||
		!st.Previews || !st.Silent || chat.TZ != "Africa/Cairo" || chat.Lang != "en" {
		t.Errorf("after the steps: %+v", chat)
	}
}
