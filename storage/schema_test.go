package storage_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestKeySchema runs every writing operation once and compares the keys
// left in Redis (names without the prefix, and types) with
// testdata/keys.golden. Key names are a stored format: renaming one
// silently orphans the data of every running deployment, so a change here
// must be deliberate (go test -run TestKeySchema -update).
func TestKeySchema(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		now := time.Now()
		must(t, s.SetSourceState(ctx, "src1", storage.SourceState{ETag: "e"}))
		must(t, s.MarkSeen(ctx, "src1", []string{"i1"}, now))
		must(t, s.SaveItem(ctx, item("i1", "src1", now, "سياسة")))
		subscribe(t, s, 7, "s:src1")
		subscribe(t, s, 7, "t:سياسة")
		breaking := item("i3", "src1", now)
		breaking.Breaking = true
		must(t, s.SaveItem(ctx, breaking))
		subscribe(t, s, 7, storage.BreakingAll)
		must(t, s.SaveChat(ctx, storage.Chat{ID: 7, Kind: "private"}))
		must(t, s.EnsureGroup(ctx))
		must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 7, ItemID: "i1"}, {ChatID: 7, ItemID: "i2"}}))
		ds, _ := s.ReadJobs(ctx, "w", 2, 0)
		must(t, s.Delivered(ctx, ds[0], 100, now))
		must(t, s.DeadLetter(ctx, ds[1], "x"))
		// A big fan-out opens a lane; a replica takes its shards.
		var big []storage.Job
		for c := range int64(storage.DefaultBulkFanout + 1) {
			big = append(big, storage.Job{ChatID: c, ItemID: "big"})
		}
		must(t, s.Enqueue(ctx, big))
		if _, _, err := s.BalanceShards(ctx, "r1", time.Minute, storage.ShardTurn{Take: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcquireLease(ctx, "poll:src1", "r1", time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakePoll(ctx, "src1", 1_700_000_000, "r1", time.Minute, time.Minute); err != nil {
			t.Fatal(err)
		}
		must(t, s.Park(ctx, 7, now.Add(time.Hour)))
		must(t, s.PauseChat(ctx, 7, "Bad Request: have no rights to send a message"))
		must(t, s.SetUpdateOffset(ctx, 1))
		must(t, s.CacheAdmin(ctx, -100, 7, true, time.Minute))
		// An hour: the key outlives the listing below, even on a loaded machine.
		if _, err := s.Allow(ctx, "chat:7", storage.Limit{Rate: 1, Period: time.Hour}); err != nil {
			t.Fatal(err)
		}
		// The bot-wide rate's schedule, booked an hour ahead so it outlives
		// the listing.
		if _, err := s.HoldMany(ctx, "global", storage.Pace{Interval: time.Hour, Window: 30, Span: time.Hour, Ahead: time.Hour}, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.KeepUpdates(ctx, []storage.InboxUpdate{{ID: 1, Data: "{}"}}, time.Minute); err != nil {
			t.Fatal(err)
		}
		// An operator's broadcast, and a day's counters.
		bc, err := s.CreateBroadcast(ctx, storage.Broadcast{Text: "x", By: 7})
		must(t, err)
		if _, err := s.StartBroadcast(ctx, bc, 2, 7, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BroadcastResult(ctx, bc, 7, true, time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BroadcastResult(ctx, bc, 8, false, time.Second); err != nil {
			t.Fatal(err)
		}
		must(t, s.CountDaily(ctx, "2026-11-28", "rate_limited"))

		p := s.Options().Prefix
		// Every key lives under the prefix (a prefix-scoped ACL allows
		// nothing else): a key naming the prefix anywhere else, like
		// redis_rate's "rate:<prefix>…", is a key in the wrong place.
		ks, err := storagetest.Keys(ctx, s.Client(), "*"+p+"*")
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, k := range ks {
			if !strings.HasPrefix(k, p) {
				t.Errorf("key %q is outside the prefix %q", k, p)
				continue
			}
			typ, err := s.Client().Type(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, strings.ReplaceAll(k, p, "<prefix>")+" "+typ)
		}
		slices.Sort(lines)
		got := strings.Join(lines, "\n") + "\n"

		golden := filepath.Join("testdata", "keys.golden")
		if *update && strings.HasSuffix(t.Name(), "/miniredis") {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Fatalf("key schema mismatch (-want +got):\n%s", diff)
		}
	})
}
