package storage_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// roundTrips counts requests to Redis: one per command sent alone, one per
// pipeline or MULTI block (a single-node client sends each in one write).
type roundTrips struct{ n, cmds atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		r.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		r.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

func benchBackends(b *testing.B, body func(b *testing.B, s *storage.Store)) {
	for _, be := range storagetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			body(b, be.New(b, storage.Options{StreamMaxLen: 200_000}))
		})
	}
}

func BenchmarkEnqueue10k(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *storage.Store) {
		ctx := b.Context()
		js := make([]storage.Job, 10_000)
		for i := range js {
			js[i] = storage.Job{ChatID: int64(i), ItemID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
		}
		rt := &roundTrips{}
		s.Client().AddHook(rt)
		n := 0
		for b.Loop() {
			if err := s.Enqueue(ctx, js); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*len(js)), "ns/job")
		b.ReportMetric(float64(rt.n.Load())/float64(n), "roundtrips/op")
	})
}

// BenchmarkReadDeliver measures the worker's Redis work per message: one
// ReadJobs per batch of 100, then Delivered (sent record + ack) per message.
func BenchmarkReadDeliver(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *storage.Store) {
		ctx := b.Context()
		if err := s.EnsureGroup(ctx); err != nil {
			b.Fatal(err)
		}
		const batch = 100
		js := make([]storage.Job, batch)
		rt := &roundTrips{}
		s.Client().AddHook(rt)
		var msgs, trips, cmds int64
		now := time.Now()
		round := 0
		for b.Loop() {
			b.StopTimer()
			for i := range js {
				js[i] = storage.Job{ChatID: int64(i % 10), ItemID: "item-" + itoa(round) + "-" + itoa(i)}
			}
			round++
			if err := s.Enqueue(ctx, js); err != nil {
				b.Fatal(err)
			}
			t0, c0 := rt.n.Load(), rt.cmds.Load()
			b.StartTimer()

			ds, err := s.ReadJobs(ctx, "bench", batch, 0)
			if err != nil || len(ds) != batch {
				b.Fatalf("ReadJobs=%d, %v", len(ds), err)
			}
			for i, d := range ds {
				if err := s.Delivered(ctx, d, i, now); err != nil {
					b.Fatal(err)
				}
			}

			b.StopTimer()
			msgs += batch
			trips += rt.n.Load() - t0
			cmds += rt.cmds.Load() - c0
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(msgs), "ns/msg")
		b.ReportMetric(float64(trips)/float64(msgs), "roundtrips/msg")
		b.ReportMetric(float64(cmds)/float64(msgs), "cmds/msg")
	})
}

func BenchmarkUnseen(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *storage.Store) {
		ctx := b.Context()
		ids := make([]string, 50)
		for i := range ids {
			ids[i] = "id-" + itoa(i)
		}
		if err := s.MarkSeen(ctx, "src", ids[:40], time.Now()); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			u, _, err := s.Unseen(ctx, "src", ids)
			if err != nil || len(u) != 10 {
				b.Fatalf("Unseen=%d, %v", len(u), err)
			}
		}
	})
}

// BenchmarkCheckSend measures the pre-send check of the delivery hot path
// as the load scenario of issue 14 runs it: a batch of chats with their
// settings saved, each asked about one item not yet sent to it, with a
// per-chat limit that always has a token (a chat is asked once per
// period at most). Allocations and Redis commands per chat are the
// figures to watch (-benchmem).
func BenchmarkCheckSend(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *storage.Store) {
		ctx := b.Context()
		const chats = 8
		// Telegram's ids are large: strconv formats those below 100
		// without allocating, which would hide the keys' cost.
		const firstChat = 1_000_000_000
		for i := range chats {
			if err := s.SaveChat(ctx, storage.Chat{ID: int64(firstChat + i), Kind: "private", Lang: "ar"}); err != nil {
				b.Fatal(err)
			}
		}
		rt := &roundTrips{}
		s.Client().AddHook(rt)
		qs := make([]storage.SendQuery, chats)
		// A new bucket name per round: the check always finds a token.
		round := 0
		for b.Loop() {
			round++
			for i := range qs {
				qs[i] = storage.SendQuery{ChatID: int64(firstChat + i), LimitKey: "bench:" + itoa(round) + ":" + itoa(i),
					Limit: storage.Limit{Rate: 1, Burst: 1, Period: time.Second}, ItemIDs: []string{"item-" + itoa(round)}}
			}
			scs, err := s.CheckSend(ctx, qs)
			if err != nil || len(scs) != chats || scs[0].Wait != 0 || scs[0].Sent[0] || scs[0].Chat.Lang != "ar" {
				b.Fatalf("CheckSend = %+v, %v", scs, err)
			}
		}
		b.ReportMetric(float64(rt.cmds.Load())/float64(round*chats), "cmds/chat")
	})
}

// BenchmarkDeliveredMany measures the recorder's write after sends: a batch
// of sent records with their acks, as the recorder flushes them.
func BenchmarkDeliveredMany(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *storage.Store) {
		ctx := b.Context()
		if err := s.EnsureGroup(ctx); err != nil {
			b.Fatal(err)
		}
		const batch = 32
		js := make([]storage.Job, batch)
		sent := make([]storage.Sent, batch)
		rt := &roundTrips{}
		s.Client().AddHook(rt)
		var cmds int64
		now := time.Now()
		round := 0
		for b.Loop() {
			b.StopTimer()
			for i := range js {
				js[i] = storage.Job{ChatID: int64(1_000_000_000 + i), ItemID: "item-" + itoa(round) + "-" + itoa(i)}
			}
			round++
			if err := s.Enqueue(ctx, js); err != nil {
				b.Fatal(err)
			}
			ds, err := s.ReadJobs(ctx, "bench", batch, 0)
			if err != nil || len(ds) != batch {
				b.Fatalf("ReadJobs=%d, %v", len(ds), err)
			}
			for i, d := range ds {
				sent[i] = storage.Sent{Delivery: d, MessageID: 100_000 + i, At: now}
			}
			c0 := rt.cmds.Load()
			b.StartTimer()

			if err := s.DeliveredMany(ctx, sent); err != nil {
				b.Fatal(err)
			}

			b.StopTimer()
			cmds += rt.cmds.Load() - c0
			b.StartTimer()
		}
		b.ReportMetric(float64(cmds)/float64(round*batch), "cmds/send")
	})
}
