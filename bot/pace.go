package bot

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// globalKey is the bucket of the bot-wide rate, shared by every replica.
const globalKey = "global"

// Global 429 policy: a 429 that looks like Telegram's bulk limit parks the
// whole bot (every replica) for its retry_after and slows the bot-wide rate
// by slowFactor more for slowFor.
const (
	slowFactor = 0.8
	slowFor    = time.Minute
	minSlow    = 0.1
)

// pacer hands out the slots of the bot-wide rate. It books them from Redis
// in batches (storage.TakeGlobal): a batch of n slots is n consecutive
// intervals of the shared GCRA bucket, so the replicas together never
// exceed the rate, and each send waits for its own slot instead of asking
// Redis. A batch is about 50ms of sending, so a replica that stops sending
// wastes little.
type pacer struct {
	store *storage.Store
	rate  float64 // per second, as configured
	n     int     // slots per booking

	book sync.Mutex // one booking at a time

	// depart serialises this replica's departures through a local mirror
	// of Telegram's bucket (tat), so a sender that woke late cannot be
	// followed by a run of on-time ones that together look like a burst:
	// lateness beyond catchUp intervals is forfeited, not caught up.
	depart chan struct{}
	tat    time.Time

	mu     sync.Mutex
	slots  []time.Time // booked, ascending
	slow   float64     // factor from the last booking
	parked time.Time   // a global 429 runs out then

	// window counts recent sends and 429s to tell a bulk-limit 429 (most
	// sends refused) from per-chat ones.
	winStart       time.Time
	sends, limited int
}

func newPacer(store *storage.Store, rate float64) *pacer {
	n := int(math.Ceil(rate / 20))
	return &pacer{store: store, rate: rate, n: min(max(n, 1), 64), slow: 1, depart: make(chan struct{}, 1)}
}

// limit is the bucket's limit with room for one batch booked ahead of the
// one being sent, so a replica books the next batch before it runs out.
func (p *pacer) limit() (storage.Limit, time.Duration) {
	rate := max(1, int(math.Round(p.rate*p.slow)))
	return storage.Limit{Rate: rate, Burst: 2 * p.n, Period: time.Second}, time.Second / time.Duration(rate)
}

// take waits for this replica's next slot of the bot-wide rate.
func (p *pacer) take(ctx context.Context) error {
	for {
		now := time.Now()
		p.mu.Lock()
		_, interval := p.limit()
		// A slot long past was missed: other replicas may be sending in
		// the slots after it. (leave keeps this replica's own late sends
		// from bunching.)
		stale := now.Add(-max(catchUp*interval, staleSlot))
		i := 0
		for i < len(p.slots) && p.slots[i].Before(stale) {
			i++
		}
		p.slots = p.slots[i:]
		if len(p.slots) > 0 && !now.Before(p.parked) {
			at := p.slots[0]
			p.slots = p.slots[1:]
			p.mu.Unlock()
			ok, err := p.leave(ctx, at, interval)
			if err != nil || ok {
				return err
			}
			continue // the slot went stale while waiting to leave
		}
		parked := p.parked
		p.mu.Unlock()
		if now.Before(parked) {
			if !sleep(ctx, parked.Sub(now)) {
				return ctx.Err()
			}
			continue
		}
		if err := p.refill(ctx); err != nil {
			return err
		}
	}
}

// catchUp is how many intervals a late replica may send early relative to
// its own previous sends: half the bulk bucket's burst, the other half left
// for the jitter between a send leaving and Telegram taking it.
const catchUp = 2

// staleSlot is how late a booked slot may still be used.
const staleSlot = 10 * time.Millisecond

// leave waits until slot, and until the local mirror of the bulk bucket
// lets a send go. It reports false when the slot went stale before the send
// could leave: the process was paused (SIGSTOP, a VM migration) or starved,
// and the other replicas have been sending in the slots since, so a burst
// of this replica's old slots would exceed the bot-wide rate.
func (p *pacer) leave(ctx context.Context, slot time.Time, interval time.Duration) (bool, error) {
	select {
	case p.depart <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-p.depart }()
	at := slot
	if early := p.tat.Add(-catchUp * interval); early.After(at) {
		at = early
	}
	if d := time.Until(at); d > 0 && !sleep(ctx, d) {
		return false, ctx.Err()
	}
	now := time.Now()
	if now.Sub(at) > max(catchUp*interval, staleSlot) {
		return false, nil
	}
	p.tat = later(p.tat, now).Add(interval)
	return true, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// refill books a batch unless another sender did meanwhile.
func (p *pacer) refill(ctx context.Context) error {
	p.book.Lock()
	defer p.book.Unlock()
	p.mu.Lock()
	have := len(p.slots)
	l, interval := p.limit()
	p.mu.Unlock()
	if have > 0 {
		return nil
	}
	for {
		g, err := p.store.TakeGlobal(ctx, globalKey, l, p.n)
		if err != nil {
			return err
		}
		got := time.Now()
		p.mu.Lock()
		p.slow = g.Slow
		if g.ParkedUntil.After(p.parked) {
			p.parked = g.ParkedUntil
		}
		if g.Allowed > 0 {
			end := got.Add(g.ResetAfter)
			for k := range g.Allowed {
				p.slots = append(p.slots, end.Add(-time.Duration(g.Allowed-k)*interval))
			}
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		if !g.ParkedUntil.IsZero() {
			return nil // take waits out the park
		}
		if !sleep(ctx, g.RetryAfter) {
			return ctx.Err()
		}
	}
}

// observe records a send's answer and reports whether a 429 looks like the
// bulk limit: within the last second at least 5 sends were refused and
// they were most of the sends.
func (p *pacer) observe(limited bool) bool {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.winStart) > time.Second {
		p.winStart, p.sends, p.limited = now, 0, 0
	}
	p.sends++
	if limited {
		p.limited++
	}
	return limited && p.limited >= 5 && 2*p.limited > p.sends
}

// park stops this replica's sends until until, drops its booked slots and
// tells the other replicas, through Redis, to stop and slow down too. Each
// bulk 429 slows the rate further (by slowFactor, down to minSlow), so a
// bot configured above Telegram's real limit settles below it.
func (p *pacer) park(ctx context.Context, until time.Time) error {
	p.mu.Lock()
	p.slots = nil
	if until.After(p.parked) {
		p.parked = until
	}
	p.slow = max(p.slow*slowFactor, minSlow)
	slow := p.slow
	p.mu.Unlock()
	return p.store.ParkGlobal(ctx, until, slow, slowFor)
}
