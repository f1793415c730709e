package deliver

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// BenchmarkPacerFanOut is 8 senders taking the slots of a 1,000/s rate
// (Redis books them), each send answered at once: the pacer's part of a
// fan-out at a paid broadcast's rate. Wall time per send is the rate's
// (about 1ms); what it measures is the process's CPU per send
// (cpu-µs/send), even (every send at its own slot: the pacer never
// bunches) against the pacer as it is (it bunches the sends of a grid,
// about a booking's 50, once their answers show room for it, bunchCalm
// after the start; the share of slots booked bunched is reported). Run it with -benchtime=3000x
// or so: every send waits for its slot.
func BenchmarkPacerFanOut(b *testing.B) {
	for _, bc := range []struct {
		name  string
		bunch bool
	}{{"even", false}, {"bunching", true}} {
		b.Run(bc.name, func(b *testing.B) {
			p := NewPacer(storagetest.New(b), 1000)
			p.room.may = bc.bunch
			ctx := context.Background()
			if err := p.Take(ctx, 1); err != nil { // connect, load the script
				b.Fatal(err)
			}
			const senders = 8
			next := make(chan int64)
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := telegramtest.ProcessCPU()
			for range senders {
				wg.Go(func() {
					for chat := range next {
						if err := p.Take(ctx, chat); err != nil {
							b.Error(err)
							return
						}
						if err := p.Answered(ctx, chat, time.Now()); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			for i := range b.N {
				next <- int64(i%200 + 1)
			}
			close(next)
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64((telegramtest.ProcessCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/send")
			_, _, bunched := p.Stats()
			b.ReportMetric(100*float64(bunched)/float64(b.N), "%bunched")
		})
	}
}
