package storage_test

import (
	"context"
	"testing"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

func TestSettingsRoundTripAndMigrate(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.SaveChat(ctx, storage.Chat{ID: -42, Kind: "group", Lang: "ar"}); err != nil {
			t.Fatal(err)
		}
		want := storage.Settings{Mode: "daily", DailyAt: "07:30", QuietFrom: "22:00", QuietTo: "07:00",
			Previews: true, Silent: true, Include: []string{"اقتصاد", "ذهب"}, Exclude: []string{"رياضة"}, BreakingWaits: true}
		if err := s.SetSettings(ctx, -42, want); err != nil {
			t.Fatal(err)
		}
		// Saving the chat's identity again keeps its settings.
		if err := s.SaveChat(ctx, storage.Chat{ID: -42, Kind: "group", Title: "جديد", Lang: "ar"}); err != nil {
			t.Fatal(err)
		}
		c, err := s.Chat(ctx, -42)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, c.Settings); diff != "" {
			t.Errorf("settings mismatch (-want +got):\n%s", diff)
		}
		if err := s.MigrateChat(ctx, -42, -10042); err != nil {
			t.Fatal(err)
		}
		moved, err := s.Chat(ctx, -10042)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, moved.Settings); diff != "" {
			t.Errorf("migrated settings mismatch (-want +got):\n%s", diff)
		}
		if err := s.SetSettings(ctx, -10042, storage.Settings{}); err != nil {
			t.Fatal(err)
		}
		cleared, _ := s.Chat(ctx, -10042)
		if diff := cmp.Diff(storage.Settings{}, cleared.Settings); diff != "" {
			t.Errorf("cleared settings mismatch (-want +got):\n%s", diff)
		}
	})
}
