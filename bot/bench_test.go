package bot_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/redis/go-redis/v9"
)

// roundTrips counts what a client sends to Redis: one per command, one
// per pipeline (however many commands it carries), while on.
type roundTrips struct{ on, n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if r.on.Load() == 1 {
			r.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if r.on.Load() == 1 {
			r.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// BenchmarkDelivery measures the delivery engine alone, limits off: each
// iteration fans one item out to 2,000 private chats already on the stream
// and runs the delivery until the fake Telegram has them all. It reports
// messages per second from the start of the run to the last message taken
// by the fake, Redis round trips per message (the shutdown's final writes
// of sent records and acks included) and how long the shutdown took.
func BenchmarkDelivery(b *testing.B) {
	const chats = 2000
	for _, workers := range []int{8, 32} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			h := newHarness(b, bot.Config{Workers: workers,
				Limits: bot.Limits{GlobalPerSecond: 1e6, PrivatePerSecond: 1e4, GroupPerMinute: 1e6}},
				telegramtest.Options{NoCallLog: true})
			rt := &roundTrips{}
			h.store.Client().AddHook(rt)
			ctx := context.Background()
			var sent, trips int64
			var busy, stopping time.Duration
			iter := 0
			for b.Loop() {
				iter++
				b.StopTimer()
				it := feeds.Item{ID: fmt.Sprintf("bench-%d", iter), SourceID: h.src.ID, Title: "خبر للقياس",
					Link: "https://news.example/bench", Summary: "ملخص الخبر.", Published: time.Now()}
				if err := h.store.SaveItem(ctx, it); err != nil {
					b.Fatal(err)
				}
				jobs := make([]storage.Job, chats)
				for i := range jobs {
					jobs[i] = storage.Job{ChatID: int64(i + 1), ItemID: it.ID}
				}
				if err := h.store.Enqueue(ctx, jobs); err != nil {
					b.Fatal(err)
				}
				before := h.tg.Stats().Sent
				dctx, cancel := context.WithCancel(ctx)
				done := make(chan struct{})
				b.StartTimer()

				start := time.Now()
				rt.on.Store(1)
				go func() { h.bot.RunDelivery(dctx, "bench"); close(done) }()
				if err := h.tg.WaitSent(ctx, before+chats); err != nil {
					b.Fatal(err)
				}
				busy += time.Since(start)
				stop := time.Now()
				cancel()
				<-done // the recorder has written every sent record
				stopping += time.Since(stop)
				rt.on.Store(0)
				sent += chats
				b.StopTimer()
				if p, err := h.store.Pending(ctx); err != nil || p != 0 {
					b.Fatalf("pending %d, %v after the run", p, err)
				}
				if got := h.tg.Stats().Sent - before; got != chats {
					b.Fatalf("the fake took %d messages for %d chats", got, chats)
				}
				b.StartTimer()
			}
			trips = rt.n.Load()
			b.ReportMetric(float64(sent)/busy.Seconds(), "msgs/s")
			b.ReportMetric(float64(trips)/float64(sent), "roundtrips/msg")
			b.ReportMetric(float64(stopping.Milliseconds())/float64(iter), "ms-shutdown/op")
		})
	}
}
