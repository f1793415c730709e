package storage

import (
	"context"
	"fmt"
	"strings"
)

// Settings are a chat's delivery preferences, kept in the chat's hash
// beside its identity so one read serves a delivery and a migration moves
// them with the chat.
type Settings struct {
	Mode      string   // "" or "instant", "hourly", "daily"
	DailyAt   string   // "HH:MM" in the chat's time zone, for Mode "daily"
	QuietFrom string   // "HH:MM": cards wait from here …
	QuietTo   string   // … to here, then arrive as one digest; both empty = no quiet hours
	Previews  bool     // show link previews under cards
	Silent    bool     // send without a notification sound
	Include   []string // only items matching one of these words (normalised by the bot)
	Exclude   []string // never items matching one of these words
	// BreakingWaits lets breaking news wait like other items (digests,
	// quiet hours, silent cards); by default it comes at once, with sound.
	BreakingWaits bool
}

// Fields of the chat hash that hold Settings.
const (
	fMode          = "mode"
	fDailyAt       = "daily_at"
	fQuiet         = "quiet"
	fPreviews      = "previews"
	fSilent        = "silent"
	fInclude       = "include"
	fExclude       = "exclude"
	fBreakingWaits = "breaking_waits"
	listSep        = "\x1f" // unit separator: cannot appear in a filter word
)

var settingsFields = []string{fMode, fDailyAt, fQuiet, fPreviews, fSilent, fInclude, fExclude, fBreakingWaits}

// SetSettings replaces a chat's settings. The chat must have been saved.
func (s *Store) SetSettings(ctx context.Context, chatID int64, st Settings) error {
	quiet := ""
	if st.QuietFrom != "" && st.QuietTo != "" {
		quiet = st.QuietFrom + "-" + st.QuietTo
	}
	err := s.rdb.HSet(ctx, s.k.chat(chatID),
		fMode, st.Mode, fDailyAt, st.DailyAt, fQuiet, quiet,
		fPreviews, boolField(st.Previews), fSilent, boolField(st.Silent),
		fInclude, strings.Join(st.Include, listSep), fExclude, strings.Join(st.Exclude, listSep),
		fBreakingWaits, boolField(st.BreakingWaits)).Err()
	if err != nil {
		return fmt.Errorf("set settings of chat %d: %w", chatID, err)
	}
	return nil
}

func decodeSettings(m map[string]string) Settings {
	st := Settings{Mode: m[fMode], DailyAt: m[fDailyAt], Previews: m[fPreviews] == "1", Silent: m[fSilent] == "1",
		Include: splitList(m[fInclude]), Exclude: splitList(m[fExclude]), BreakingWaits: m[fBreakingWaits] == "1"}
	st.QuietFrom, st.QuietTo, _ = strings.Cut(m[fQuiet], "-")
	return st
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, listSep)
}
