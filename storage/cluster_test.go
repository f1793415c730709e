package storage_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// multiKeyRecorder records the key sets of every multi-key command, Lua
// script and MULTI block a client sends.
type multiKeyRecorder struct {
	mu   sync.Mutex
	sets [][]string
}

func (r *multiKeyRecorder) add(ks []string) {
	if len(ks) < 2 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sets = append(r.sets, ks)
}

func (r *multiKeyRecorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *multiKeyRecorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.add(storagetest.CommandKeys(cmd.Args()))
		return next(ctx, cmd)
	}
}

func (r *multiKeyRecorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var tx []string
		for _, cmd := range cmds {
			ks := storagetest.CommandKeys(cmd.Args())
			r.add(ks)
			if cmds[0].Name() == "multi" {
				tx = append(tx, ks...)
			}
		}
		r.add(tx)
		return next(ctx, cmds)
	}
}

// TestClusterKeyRule runs every operation that touches several keys at once
// and checks that each such key set lies in one Redis Cluster hash slot
// (storagetest's hook checks this on every test too; this test also proves
// the operations were seen, so it cannot pass vacuously).
func TestClusterKeyRule(t *testing.T) {
	t.Parallel()
	s := storagetest.Miniredis(t)
	rec := &multiKeyRecorder{}
	s.Client().AddHook(rec)
	ctx := t.Context()
	p := s.Options().Prefix

	must(t, s.MarkSeen(ctx, "src1", []string{"a"}, time.Now()))
	if _, err := s.AcquireLease(ctx, "poll:src1", "r1", time.Second); err != nil {
		t.Fatal(err)
	}
	must(t, s.ReleaseLease(ctx, "poll:src1", "r1"))
	if _, err := s.TakePoll(ctx, "src1", 1_700_000_000, "r1", time.Second, time.Second); err != nil {
		t.Fatal(err)
	}
	must(t, s.EnsureGroup(ctx))
	must(t, s.Enqueue(ctx, []storage.Job{{ChatID: 1, ItemID: "a"}, {ChatID: 1, ItemID: "b"}, {ChatID: 1, ItemID: "c"}}))
	ds, err := s.ReadJobs(ctx, "w", 3, 0)
	if err != nil || len(ds) != 3 {
		t.Fatalf("ReadJobs=%v, %v", ds, err)
	}
	must(t, s.DeadLetter(ctx, ds[1], "x"))
	must(t, s.Ack(ctx, ds[2]))
	must(t, s.TrimSent(ctx, 1, time.Now()))
	if _, err := s.Allow(ctx, "global", storage.Limit{Rate: 1, Period: time.Second}); err != nil {
		t.Fatal(err)
	}

	wantSets := map[string][]string{
		"MarkSeen":   {p + "src:{src1}:seen", p + "src:{src1}:state"},
		"DeadLetter": {p + "{deliveries}:dead", p + "{deliveries}:1"},
		"TrimSent":   {p + "sent:{1}", p + "sentmsg:{1}"},
		// The poll lock keeps the name of earlier versions' lease.
		"TakePoll": {p + "lease:poll:{" + p + "lease:polling:src1}:1700000000", p + "lease:polling:src1"},
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, ks := range rec.sets {
		if err := storagetest.CrossSlot(ks); err != nil {
			t.Errorf("%v", err)
		}
	}
	for op, want := range wantSets {
		found := false
		for _, ks := range rec.sets {
			if containsAll(ks, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no multi-key operation on %q recorded", op, want)
		}
	}
	// Keys that share a tag by design.
	pairs := [][2]string{
		{p + "src:{x}:seen", p + "src:{x}:state"},
		{p + "src:{x}:seen", p + "src:{x}:latest"},
		{p + "sent:{-100123}", p + "sentmsg:{-100123}"},
		{p + "chat:{-100123}", p + "chat:{-100123}:subs"},
		{p + "{deliveries}", p + "{deliveries}:dead"},
	}
	for _, pr := range pairs {
		if storagetest.Slot(pr[0]) != storagetest.Slot(pr[1]) {
			t.Errorf("%s and %s in different slots", pr[0], pr[1])
		}
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
