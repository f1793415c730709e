package storage_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// noScriptCounter counts the commands that answered NOSCRIPT in the
// pipelines a client sends, so a test knows Redis lost a script when it
// ran: on the Redis the package's tests share, another test's pipeline
// may load every script again between a test's flush and its pipeline.
type noScriptCounter struct{ n atomic.Int64 }

func (c *noScriptCounter) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (c *noScriptCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (c *noScriptCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, cmd := range cmds {
			if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
				c.n.Add(1)
			}
		}
		return err
	}
}

// withLostScripts runs try after emptying Redis's script cache but for
// the chat limits' script (as a replica reloading them one by one, or a
// cluster node that lost some in a failover, leaves it), until a command
// of try's answered NOSCRIPT (five times at most: another test sharing
// the Redis may load the scripts again in between). try gets a fresh
// number each time, for its keys.
func withLostScripts(t *testing.T, s *storage.Store, try func(n int)) {
	t.Helper()
	ctx := t.Context()
	c := &noScriptCounter{}
	s.Client().AddHook(c)
	for n := range 5 {
		must(t, s.Client().ScriptFlush(ctx).Err())
		must(t, storage.LoadGCRAOnly(ctx, s))
		c.n.Store(0)
		try(n)
		if t.Failed() || c.n.Load() > 0 {
			return
		}
	}
	t.Fatal("no command answered NOSCRIPT in 5 tries: the test checked nothing")
}

// TestPipelineNoScriptRunsWritesOnce: a pipeline whose scripts Redis
// partly lost runs each write that answered once, a plain one (INCR)
// before the failed script as a script (the GCRA, which takes a token)
// after it; the failed one runs after the reload.
//
// Not parallel: the flush empties the script cache of every test sharing
// the Redis (see TestScriptsSurviveAFlush).
func TestPipelineNoScriptRunsWritesOnce(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		lim := storage.Limit{Rate: 2, Burst: 2, Period: time.Hour}
		withLostScripts(t, s, func(n int) {
			chat, key := int64(100+n), "chat:"+itoa(n)
			counter := s.Options().Prefix + "n:{" + itoa(n) + "}"
			sent := []storage.Sent{{Delivery: storage.Delivery{Job: storage.Job{ChatID: chat, ItemID: "a"}}, MessageID: 9, At: time.Now()}}
			var incr *redis.IntCmd
			var rate *redis.Cmd
			_, err := storage.Pipelined(ctx, s, func(p redis.Pipeliner) error {
				incr = p.Incr(ctx, counter)
				storage.QueueDelivered(ctx, s, p, sent) // NOSCRIPT
				rate = storage.QueueGCRA(ctx, s, p, key, lim)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if v, err := incr.Result(); err != nil || v != 1 {
				t.Errorf("INCR answered %d, %v; want 1", v, err)
			}
			if v, err := s.Client().Get(ctx, counter).Int(); err != nil || v != 1 {
				t.Errorf("counter %d, %v; want 1: the INCR ran again", v, err)
			}
			if v, err := rate.Slice(); err != nil || len(v) == 0 || v[0] != int64(1) {
				t.Errorf("GCRA answered %v, %v; want a token", v, err)
			}
			if ok, err := s.WasSent(ctx, chat, "a"); err != nil || !ok {
				t.Errorf("WasSent = %v, %v; want the record written after the reload", ok, err)
			}
			// The burst holds two tokens: the pipeline took one.
			if wait, err := s.Allow(ctx, key, lim); err != nil || wait != 0 {
				t.Errorf("Allow waits %v (%v), want the burst's second token: the GCRA ran again", wait, err)
			}
		})
	})
}

// TestPipelineNoScriptReadsInOrder: after a partial NOSCRIPT, each read
// answers as it would have had Redis known every script: one queued after
// a script that failed sees the script's write (it runs again after it),
// and one queued before a write that ran (a plain INCR) keeps its answer
// from before the write.
func TestPipelineNoScriptReadsInOrder(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := s.Options().Prefix
		withLostScripts(t, s, func(n int) {
			chat := int64(200 + n)
			tag := "{" + itoa(int(chat)) + "}"
			sentKey, msgKey, counter := p+"sent:"+tag, p+"sentmsg:"+tag, p+"n:"+tag
			sent := []storage.Sent{{Delivery: storage.Delivery{Job: storage.Job{ChatID: chat, ItemID: "a"}}, MessageID: 9, At: time.Now()}}
			var countBefore, countAfter, msg *redis.StringCmd
			var before, after *redis.FloatSliceCmd
			_, err := storage.Pipelined(ctx, s, func(pl redis.Pipeliner) error {
				countBefore = pl.Get(ctx, counter)
				pl.Incr(ctx, counter)
				before = pl.ZMScore(ctx, sentKey, "a")
				storage.QueueDelivered(ctx, s, pl, sent) // NOSCRIPT
				after = pl.ZMScore(ctx, sentKey, "a")
				msg = pl.HGet(ctx, msgKey, "a")
				countAfter = pl.Get(ctx, counter)
				return nil
			})
			if err != nil && err != redis.Nil {
				t.Fatal(err)
			}
			if v, err := countBefore.Result(); err != redis.Nil {
				t.Errorf("read before the INCR: %q, %v; want nil, the answer from before it", v, err)
			}
			if v, err := before.Result(); err != nil || len(v) != 1 || v[0] != 0 {
				t.Errorf("read before the record: %v, %v; want [0], not sent yet", v, err)
			}
			if v, err := after.Result(); err != nil || len(v) != 1 || v[0] == 0 {
				t.Errorf("read after the record: %v, %v; want its score", v, err)
			}
			if v, err := msg.Result(); err != nil || v != "9:text" {
				t.Errorf("sent message read after the record: %q, %v; want 9:text", v, err)
			}
			if v, err := countAfter.Result(); err != nil || v != "1" {
				t.Errorf("read after the INCR: %q, %v; want 1", v, err)
			}
		})
	})
}

// flushAfterLoad empties Redis's script cache once, before the first
// pipeline the client sends after it loaded a script: a flush after
// pipelined loaded the scripts and before it ran the failed commands
// again.
type flushAfterLoad struct {
	loaded, flushed atomic.Bool
	flush           func(ctx context.Context) error
}

func (f *flushAfterLoad) DialHook(next redis.DialHook) redis.DialHook { return next }

func (f *flushAfterLoad) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); len(args) > 1 && cmd.Name() == "script" && args[1] == "load" {
			f.loaded.Store(true)
		}
		return next(ctx, cmd)
	}
}

func (f *flushAfterLoad) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if f.loaded.Load() && !f.flushed.Swap(true) {
			if err := f.flush(ctx); err != nil {
				return err
			}
		}
		return next(ctx, cmds)
	}
}

// TestPipelineNoScriptTwice: when Redis loses the scripts again between
// their reload and the commands' second run (a second flush, a second
// failover), pipelined loads them once more instead of failing the call.
func TestPipelineNoScriptTwice(t *testing.T) {
	t.Parallel()
	for _, b := range []storagetest.Backend{{Name: "miniredis", New: storagetest.Miniredis}, {Name: "cluster", New: storagetest.MiniredisCluster}} {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.New(t) // its own server: the flushes touch no other test
			ctx := t.Context()
			must(t, s.Client().ScriptFlush(ctx).Err())
			// The first pipeline answers NOSCRIPT, the scripts are loaded,
			// and the second (the failed commands' rerun) finds them gone.
			f := &flushAfterLoad{flush: func(ctx context.Context) error { return s.Client().ScriptFlush(ctx).Err() }}
			s.Client().AddHook(f)
			sent := []storage.Sent{{Delivery: storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: "a"}}, MessageID: 9, At: time.Now()}}
			if err := s.DeliveredMany(ctx, sent); err != nil {
				t.Fatalf("DeliveredMany with the scripts lost twice: %v", err)
			}
			if ok, err := s.WasSent(ctx, 1, "a"); err != nil || !ok {
				t.Errorf("WasSent = %v, %v; want the record written", ok, err)
			}
			if !f.flushed.Load() {
				t.Error("no flush between the scripts' load and the rerun: the test checked nothing")
			}
		})
	}
}

// TestPipelineNoScriptReadBeforeLaterWrite: a read queued after a script
// that answered NOSCRIPT and before a write that ran (a plain command, or
// a script Redis knew) on the key it reads runs again after that write,
// and answers as it would not have had Redis known every script: the
// write is not run again, so the read's second answer sees it. No
// pipeline of the package queues such a read today (RecordAndCheck's
// reads after its scripts read no key a later command of it writes); the
// rule in pipelined's comment says a pipeline must not.
func TestPipelineNoScriptReadBeforeLaterWrite(t *testing.T) {
	t.Skip("defect: pipelined runs a read after a failed script again, after the writes queued after it that ran (see pipelined's comment: no pipeline may queue one)")
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := s.Options().Prefix
		withLostScripts(t, s, func(n int) {
			chat := int64(300 + n)
			counter := p + "n:{" + itoa(int(chat)) + "}"
			sent := []storage.Sent{{Delivery: storage.Delivery{Job: storage.Job{ChatID: chat, ItemID: "a"}}, MessageID: 9, At: time.Now()}}
			var read *redis.StringCmd
			_, err := storage.Pipelined(ctx, s, func(pl redis.Pipeliner) error {
				storage.QueueDelivered(ctx, s, pl, sent) // NOSCRIPT
				read = pl.Get(ctx, counter)
				pl.Incr(ctx, counter)
				return nil
			})
			if err != nil && err != redis.Nil {
				t.Fatal(err)
			}
			if v, err := read.Result(); err != redis.Nil {
				t.Errorf("read before the INCR: %q, %v; want nil, the answer from before it", v, err)
			}
		})
	})
}

// TestChangeSubAndAllowNoScript: when Redis lost the GCRA script, the
// subscription queued before it runs once, so it still says it was new
// (a second SADD would answer 0, and the reply would say "already"), and
// the token is taken after the reload.
//
// Not parallel: the flush empties the script cache of every test sharing
// the Redis (see TestScriptsSurviveAFlush).
func TestChangeSubAndAllowNoScript(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		c := &noScriptCounter{}
		s.Client().AddHook(c)
		l := storage.Limit{Rate: 1, Burst: 1, Period: time.Hour}
		for n := range 5 {
			chat := int64(300 + n)
			must(t, s.Client().ScriptFlush(ctx).Err())
			c.n.Store(0)
			changed, wait, err := s.ChangeSubAndAllow(ctx, storage.SubChange{ChatID: chat, Target: "s:x"}, "chat:"+itoa(int(chat)), l)
			if err != nil || !changed || wait != 0 {
				t.Fatalf("ChangeSubAndAllow = %v, %v, %v; want a new subscription and the token", changed, wait, err)
			}
			if wait, err := s.Allow(ctx, "chat:"+itoa(int(chat)), l); err != nil || wait == 0 {
				t.Errorf("Allow = %v, %v; want a wait: the token was taken", wait, err)
			}
			if c.n.Load() > 0 {
				return
			}
		}
		t.Fatal("no command answered NOSCRIPT in 5 tries: the test checked nothing")
	})
}
