package storage_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		steps := []struct {
			sub    bool
			chat   int64
			target string
			want   bool
		}{
			{true, 1, "s:almamlaka", true},
			{true, 1, "s:almamlaka", false}, // already
			{true, 1, "t:سياسة", true},
			{true, 2, "t:سياسة", true},
			{true, -1001234567890, "t:سياسة", true},
			{true, 3, "s:other", true},
			{false, 3, "s:other", true},
			{false, 3, "s:other", false}, // already gone
			{false, 1, "s:never", false},
		}
		for i, st := range steps {
			var got bool
			var err error
			if st.sub {
				got, err = s.Subscribe(ctx, st.chat, st.target)
			} else {
				got, err = s.Unsubscribe(ctx, st.chat, st.target)
			}
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if got != st.want {
				t.Fatalf("step %d (%+v): got %v", i, st, got)
			}
		}
		subs, err := s.Subscriptions(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"s:almamlaka", "t:سياسة"}, subs); diff != "" {
			t.Fatalf("Subscriptions mismatch (-want +got):\n%s", diff)
		}
		tests := map[string]struct {
			targets []string
			want    []int64
		}{
			"one":     {[]string{"s:almamlaka"}, []int64{1}},
			"union":   {[]string{"s:almamlaka", "t:سياسة"}, []int64{-1001234567890, 1, 2}},
			"removed": {[]string{"s:other"}, nil},
			"none":    {nil, nil},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				got, err := s.Subscribers(ctx, tc.targets)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Fatalf("Subscribers mismatch (-want +got):\n%s", diff)
				}
			})
		}
		for _, bad := range []string{"", "s:", "x:y", "almamlaka"} {
			if _, err := s.Subscribe(ctx, 1, bad); !errors.Is(err, storage.ErrBadTarget) {
				t.Fatalf("Subscribe(%q) err=%v, want ErrBadTarget", bad, err)
			}
		}
	})
}

func TestSubscribeConcurrent(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		const chats, targets = 20, 4
		var wg sync.WaitGroup
		added := make([]int, chats)
		for c := range chats {
			wg.Go(func() {
				// Every chat subscribes to every target twice, racing itself
				// and the others; exactly one of each pair is "new".
				for r := range 2 * targets {
					ok, err := s.Subscribe(ctx, int64(c), "t:"+itoa(r%targets))
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						added[c]++
					}
				}
			})
		}
		wg.Wait()
		for c, n := range added {
			if n != targets {
				t.Fatalf("chat %d: %d new subscriptions, want %d", c, n, targets)
			}
		}
		all := make([]string, targets)
		for i := range all {
			all[i] = "t:" + itoa(i)
		}
		got, err := s.Subscribers(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != chats {
			t.Fatalf("Subscribers=%d chats, want %d", len(got), chats)
		}
	})
}

func TestChats(t *testing.T) {
	t.Parallel()
	now := t0
	opts := storage.Options{Now: func() time.Time { return now }}
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		if _, err := s.Chat(ctx, 5); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Chat(absent) err=%v, want ErrNotFound", err)
		}
		c := storage.Chat{ID: 5, Kind: "private", Title: "سارة", Username: "sara", Lang: "ar", TZ: "Asia/Amman"}
		if err := s.SaveChat(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := s.Chat(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		want := c
		want.Created = t0
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Fatalf("Chat mismatch (-want +got):\n%s", diff)
		}
		// An update keeps Created, even when it carries its own.
		c.Lang, c.Created = "en", t0.Add(time.Hour)
		if err := s.SaveChat(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Chat(ctx, 5)
		want.Lang = "en"
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Fatalf("updated Chat mismatch (-want +got):\n%s", diff)
		}
		// A new chat with Created set keeps it.
		if err := s.SaveChat(ctx, storage.Chat{ID: -7, Kind: "group", Created: t0.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Chat(ctx, -7); !got.Created.Equal(t0.Add(-time.Hour)) {
			t.Fatalf("Created=%v, want the given time", got.Created)
		}
		if n, err := s.ChatCount(ctx); err != nil || n != 2 {
			t.Fatalf("ChatCount=%d, %v; want 2", n, err)
		}
	}, opts)
}

func TestForgetChat(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.SaveChat(ctx, storage.Chat{ID: 1, Kind: "private"}))
		must(t, s.SaveChat(ctx, storage.Chat{ID: 2, Kind: "private"}))
		for _, tg := range []string{"s:a", "t:b"} {
			subscribe(t, s, 1, tg)
			subscribe(t, s, 2, tg)
		}
		must(t, s.Delivered(ctx, storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "i"}}, 77, t0))
		must(t, s.ForgetChat(ctx, 1))

		if _, err := s.Chat(ctx, 1); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("forgotten chat still there: %v", err)
		}
		if subs, _ := s.Subscriptions(ctx, 1); len(subs) != 0 {
			t.Fatalf("forgotten chat's subscriptions: %q", subs)
		}
		got, err := s.Subscribers(ctx, []string{"s:a", "t:b"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{2}, got); diff != "" {
			t.Fatalf("fan-out index mismatch (-want +got):\n%s", diff)
		}
		if sent, _ := s.WasSent(ctx, 1, "i"); sent {
			t.Fatalf("forgotten chat's sent record kept")
		}
		if n, _ := s.ChatCount(ctx); n != 1 {
			t.Fatalf("ChatCount=%d, want 1", n)
		}
		// Forgetting an unknown chat is fine.
		must(t, s.ForgetChat(ctx, 999))
	})
}

func TestMigrateChat(t *testing.T) {
	t.Parallel()
	const from, to = -4001, -1004001
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.SaveChat(ctx, storage.Chat{ID: from, Kind: "group", Title: "أخبار", Lang: "ar", TZ: "Asia/Riyadh", Created: t0}))
		subscribe(t, s, from, "s:a")
		subscribe(t, s, from, "t:b")
		subscribe(t, s, 9, "t:b")
		must(t, s.Delivered(ctx, storage.Delivery{Job: storage.Job{ChatID: from, ItemID: "i1"}}, 11, t0))
		must(t, s.Delivered(ctx, storage.Delivery{Job: storage.Job{ChatID: from, ItemID: "i2"}}, 12, t0))

		for run := range 2 { // idempotent
			must(t, s.MigrateChat(ctx, from, to))

			got, err := s.Chat(ctx, to)
			if err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			want := storage.Chat{ID: to, Kind: "supergroup", Title: "أخبار", Lang: "ar", TZ: "Asia/Riyadh", Created: t0}
			if diff := cmp.Diff(want, got, timeEqual); diff != "" {
				t.Fatalf("run %d: migrated chat mismatch (-want +got):\n%s", run, diff)
			}
			if _, err := s.Chat(ctx, from); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("run %d: old chat kept: %v", run, err)
			}
			subs, _ := s.Subscriptions(ctx, to)
			if diff := cmp.Diff([]string{"s:a", "t:b"}, subs); diff != "" {
				t.Fatalf("run %d: subscriptions mismatch (-want +got):\n%s", run, diff)
			}
			if subs, _ := s.Subscriptions(ctx, from); len(subs) != 0 {
				t.Fatalf("run %d: old chat keeps %q", run, subs)
			}
			fan, _ := s.Subscribers(ctx, []string{"t:b"})
			if diff := cmp.Diff([]int64{to, 9}, fan); diff != "" {
				t.Fatalf("run %d: fan-out mismatch (-want +got):\n%s", run, diff)
			}
			for id, msg := range map[string]int{"i1": 11, "i2": 12} {
				if sent, _ := s.WasSent(ctx, to, id); !sent {
					t.Fatalf("run %d: %s not marked sent in the new chat", run, id)
				}
				if got, err := s.SentMessage(ctx, to, id); err != nil || got != msg {
					t.Fatalf("run %d: SentMessage(%s)=%d, %v; want %d", run, id, got, err, msg)
				}
				if sent, _ := s.WasSent(ctx, from, id); sent {
					t.Fatalf("run %d: old chat keeps sent record %s", run, id)
				}
			}
			if n, _ := s.ChatCount(ctx); n != 1 {
				t.Fatalf("run %d: ChatCount=%d, want 1", run, n)
			}
		}
	})
}

func TestMigrateChatKeepsNewChatsCreated(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		must(t, s.SaveChat(ctx, storage.Chat{ID: 1, Kind: "group", Lang: "ar", Created: t0}))
		must(t, s.SaveChat(ctx, storage.Chat{ID: 2, Kind: "supergroup", Lang: "en", Created: t0.Add(time.Hour)}))
		must(t, s.MigrateChat(ctx, 1, 2))
		got, err := s.Chat(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		// Settings come from the old chat; the new id's record keeps its Created.
		if got.Lang != "ar" || !got.Created.Equal(t0.Add(time.Hour)) {
			t.Fatalf("Chat(2)=%+v, want Lang ar and Created %v", got, t0.Add(time.Hour))
		}
		must(t, s.MigrateChat(ctx, 3, 3)) // same id: nothing to do
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func subscribe(t *testing.T, s *storage.Store, chat int64, target string) {
	t.Helper()
	if ok, err := s.Subscribe(t.Context(), chat, target); err != nil || !ok {
		t.Fatalf("Subscribe(%d, %s)=%v, %v; want true, nil", chat, target, ok, err)
	}
}

// TestChangeSubAndAllow: the change is made in both directions and says
// whether it changed anything, and the token is taken of the bucket named,
// as Allow takes it, in the same call.
func TestChangeSubAndAllow(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		l := storage.Limit{Rate: 1, Burst: 1, Period: time.Minute}
		sub := storage.SubChange{ChatID: 5, Target: "s:almamlaka"}
		unsub := storage.SubChange{ChatID: 5, Target: "s:almamlaka", Remove: true}
		steps := []struct {
			ch          storage.SubChange
			key         string
			wantChanged bool
			wantWait    bool
			wantSubs    int
		}{
			{sub, "chat:5", true, false, 1},
			{sub, "chat:5", false, true, 1}, // already; the bucket's one token is gone
			{unsub, "chat:6", true, false, 0},
			{unsub, "chat:6", false, true, 0}, // already gone
		}
		for i, st := range steps {
			changed, wait, err := s.ChangeSubAndAllow(ctx, st.ch, st.key, l)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if changed != st.wantChanged || (wait > 0) != st.wantWait {
				t.Errorf("step %d: changed %v, wait %v; want changed %v, a wait %v", i, changed, wait, st.wantChanged, st.wantWait)
			}
			subs, err := s.Subscriptions(ctx, 5)
			if err != nil {
				t.Fatal(err)
			}
			fans, err := s.Subscribers(ctx, []string{"s:almamlaka"})
			if err != nil {
				t.Fatal(err)
			}
			if len(subs) != st.wantSubs || len(fans) != st.wantSubs {
				t.Errorf("step %d: subscriptions %v, subscribers %v; want %d of each", i, subs, fans, st.wantSubs)
			}
		}
		if _, _, err := s.ChangeSubAndAllow(ctx, storage.SubChange{ChatID: 5, Target: "bad"}, "chat:7", l); !errors.Is(err, storage.ErrBadTarget) {
			t.Errorf("a bad target: %v, want ErrBadTarget", err)
		}
		if _, _, err := s.ChangeSubAndAllow(ctx, sub, "chat:7", storage.Limit{}); err == nil {
			t.Error("an invalid limit was taken")
		}
		// Neither refusal made its change or took a token.
		if subs, err := s.Subscriptions(ctx, 5); err != nil || len(subs) != 0 {
			t.Errorf("subscriptions %v (%v) after the refusals, want none", subs, err)
		}
		if wait, err := s.Allow(ctx, "chat:7", l); err != nil || wait != 0 {
			t.Errorf("Allow chat:7 = %v, %v; want its token, untaken by the refusals", wait, err)
		}
	})
}

// TestChangeSubAndAllowErrorMayTakeToken: a change that fails in Redis
// (here the chat's set holds a string: WRONGTYPE) does not stop the token
// queued after it, on one Redis or a Cluster, whose nodes get their parts
// at once: the call fails with the token taken, as its comment says.
func TestChangeSubAndAllowErrorMayTakeToken(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		l := storage.Limit{Rate: 1, Burst: 1, Period: time.Hour}
		must(t, s.Client().Set(ctx, storage.ChatSubsKey(s, 41), "not a set", 0).Err())
		if _, _, err := s.ChangeSubAndAllow(ctx, storage.SubChange{ChatID: 41, Target: "s:x"}, "chat:41", l); err == nil {
			t.Fatal("a change into a string key succeeded")
		}
		if wait, err := s.Allow(ctx, "chat:41", l); err != nil || wait == 0 {
			t.Errorf("Allow = %v, %v after the failed change; want a wait: its token was taken", wait, err)
		}
	})
}
