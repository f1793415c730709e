package deliver

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// globalKey is the schedule of the bot-wide rate, shared by every replica;
// its Redis keys carry it as their hash tag ({global}), so the script that
// books slots runs on Redis Cluster.
const globalKey = "global"

// Global 429 policy: a 429 that looks like Telegram's bulk limit parks the
// whole bot (every replica) for its retry_after and slows the bot-wide rate
// by slowFactor more for slowFor.
const (
	slowFactor = 0.8
	slowFor    = time.Minute
	minSlow    = 0.1
)

// Telegram judges the bulk limit when each send arrives: at most the rate
// in any 1,000 ms. Sends that leave evenly spaced do not arrive so: a send
// that left late (a worker woke late, the machine was busy) or took longer
// on the way (network delay, a busy server) arrives bunched with the ones
// a second after it, and "30 in 1,000 ms" becomes 31. What the bot knows
// for sure is that a send arrived before its answer came back. So the
// pacer
//   - books slots at PaceShare of the configured rate, on Redis's clock, so
//     any rate's worth of consecutive slots spans 1/PaceShare of a second
//     (20 ms more at 98%): room for sends answered up to WindowGuard after
//     their slot;
//   - keeps, in Redis, a window of the slots: at most the rate in any
//     second plus WindowGuard, counting a send answered more than
//     WindowGuard after its slot at the time of its answer
//     (storage.Shift), so the slots booked a second later keep a whole
//     second from its arrival, whenever that was. Any rate's worth of
//     sends then arrives at least a second after the one before them,
//     however the network and the machine delay them (as long as an answer
//     comes before the slots a window later are booked: most of a second);
//   - never uses a slot more than staleSlot late (the process was paused):
//     it is given up, and counted in the window at its time, which errs on
//     the safe side. A send that late is answered too late to be shifted
//     before the slots a second on are booked (a booking reaches two
//     batches ahead: a quarter of the window at most, from 4/s up).
const (
	PaceShare   = 0.98
	WindowGuard = 20 * time.Millisecond
	staleSlot   = 250 * time.Millisecond
)

// Sends a millisecond apart (a paid broadcast's 1,000/s) cost the most CPU
// of a fan-out when each leaves at its own slot: each wakes the process
// from sleep on its own (issue 14's load scenario: a naive bot paced
// evenly at 980/s used 3.4× the CPU of the same rate in bunches of 50).
// So, at a rate whose slots are at most bunchGap apart (from about
// 200/s), the pacer books slots on a grid (storage.Pace.Grid, gridFor):
// the slots of each grid share the time of its start, its sends leave
// together, and the shared window counts them then, so it keeps its span.
// A grid holds about a booking's worth of slots (50 at 1,000/s, 15 at
// 300/s: about 50 ms), so the process wakes once a booking, not once a
// few slots.
//
// A bunched slot's time is the start of its grid, up to a grid before
// its interval's time, and its send needs a sender free then, with the
// rest of its bunch, and an answer among a bunch's: it is answered later
// after its slot than an even one would be, and an answer later than
// WindowGuard after its slot is shifted in the window, which slows the
// rate. So the pacer bunches only while that has room
// (headroom): while every recent send left and was answered within
// bunchLimit of its slot, counting an even slot's answer bunchCost later
// (what leaving with a bunch adds: its senders free at once, its requests
// served together). Sends answered later than that (a slow network, a
// busy machine, too few senders for a bunch) turn it back to even slots
// from the next booking on, before the answers come late enough to be
// shifted.
const (
	bunchGap = 5 * time.Millisecond
	// bunchLimit leaves 5 ms of WindowGuard for the answers to the slots
	// booked before the pacer turned back to even ones (two bookings at
	// most).
	bunchLimit = WindowGuard - 5*time.Millisecond
	// bunchCalm is how long every answer must have had room before
	// bunching (again), and bunchIdle how long without answers forgets
	// it (the next fan-out starts even).
	bunchCalm = 250 * time.Millisecond
	bunchIdle = time.Second
	// bunchCost is what an even slot's answer counts more, for what
	// leaving with a bunch would add to it, so even sends answered within
	// 10 ms of their slots (bunchLimit - bunchCost) start bunching. A
	// bunched slot's answer counts as it is.
	bunchCost = 5 * time.Millisecond
)

// gridFor is the grid the slots of pace, booked count at a time, bunch
// on, or 0 when they are too far apart (bunchGap) to share one: about
// count intervals, so a booking's slots leave in one bunch or two, made
// a whole fraction of the Span (on Redis's µs, to within a µs per grid),
// so slots whose Window of intervals reaches the Span still reach it moved
// back to their grids' starts: the window holds none back, and the rate is
// kept (storage.Pace).
func gridFor(pace storage.Pace, count int) time.Duration {
	interval, span := pace.Interval.Microseconds(), pace.Span.Microseconds()
	if pace.Interval > bunchGap || interval <= 0 {
		return 0
	}
	grids := max(1, int64(math.Round(float64(span)/float64(int64(count)*interval))))
	return time.Duration(span/grids) * time.Microsecond
}

// headroom tells whether the next booking's slots may bunch, from how
// late after their slots recent sends left and were answered.
type headroom struct {
	may   bool      // the rate's slots are close enough to bunch (gridFor)
	since time.Time // every send since had room (zero: none yet)
	good  int       // answers since
	last  time.Time // latest answer
	need  int       // answers since, at least, before bunching
}

// observe records a send that left (answered false) or was answered at at,
// in slot: how late after the slot, and whether that is in room for a
// bunched slot (an even slot's lateness counts bunchCost more).
func (h *headroom) observe(at time.Time, slot storage.Slot, answered bool) {
	if answered {
		if at.Sub(h.last) > bunchIdle {
			h.since = time.Time{}
		}
		h.last = at
	}
	late := at.Sub(slot.At)
	if slot.Grid == 0 {
		late += bunchCost
	}
	switch {
	case late > bunchLimit:
		h.since, h.good = at, 0
		return
	case h.since.IsZero():
		h.since, h.good = at, 0
	}
	if answered {
		h.good++
	}
}

// bunch reports whether slots booked at now may bunch: every send for
// bunchCalm had room, and they were enough and recent.
func (h *headroom) bunch(now time.Time) bool {
	return h.may && !h.since.IsZero() && now.Sub(h.since) >= bunchCalm && h.good >= h.need &&
		now.Sub(h.last) <= bunchIdle
}

// SlotStore books and gives back slots of the bot-wide schedule shared by
// the replicas, and parks it after a bulk 429; storage.Store implements it.
type SlotStore interface {
	HoldMany(ctx context.Context, key string, pace storage.Pace, count int, pushes ...storage.Push) (storage.Hold, error)
	Shift(ctx context.Context, key string, slot storage.Slot, at time.Time) error
	ParkGlobal(ctx context.Context, until time.Time, factor float64, slowFor time.Duration) error
}

// Pacer hands out the slots of the bot-wide rate. It books them from Redis
// in batches (storage.HoldMany): a batch of n slots is n consecutive slots
// of the shared schedule, so the replicas together keep the rate, and
// each send waits for its own slot instead of asking Redis. A batch is
// about 50ms of sending, booked at most one batch ahead, so a replica that
// stops sending wastes little.
type Pacer struct {
	store      SlotStore
	rate       float64       // per second, as configured
	n          int           // slots per booking
	staleAfter time.Duration // staleSlot, but for tests

	book sync.Mutex // one booking at a time

	mu    sync.Mutex
	slots []storage.Slot // booked, in the schedule's order
	// sending holds the slots handed out, per chat, until the send's
	// answer (answered); a slot whose send never came is dropped after
	// forgetSlot.
	sending map[int64][]storage.Slot
	// pushes wait for the next booking to carry them (push).
	pushes []storage.Push
	slow   float64   // factor from the last booking
	parked time.Time // a global 429 runs out then

	// room decides whether a booking's slots bunch.
	room headroom
	// wakes release the senders waiting for a bunch's time, one timer
	// per time (sleepUntil).
	wakes map[time.Time]chan struct{}

	// shifted and gaveUp count the slots shifted in the window and those
	// given up as stale, bunched those booked on a grid, for the load
	// scenario's report.
	shifted, gaveUp, bunched atomic.Int64

	// window counts recent sends and 429s to tell a bulk-limit 429 (most
	// sends refused) from per-chat ones.
	winStart       time.Time
	sends, limited int
}

func NewPacer(store SlotStore, rate float64) *Pacer {
	n := min(max(int(math.Ceil(rate/20)), 1), 64)
	p := &Pacer{store: store, rate: rate, n: n, staleAfter: staleSlot, slow: 1,
		sending: make(map[int64][]storage.Slot), wakes: make(map[time.Time]chan struct{}),
		// Two bookings' worth of answers before bunching.
		room: headroom{need: 2 * n}}
	p.room.may = gridFor(p.pace(), n) > 0
	return p
}

// pace is the schedule for the configured rate, slowed by the last bulk
// 429s. Caller holds mu.
func (p *Pacer) pace() storage.Pace {
	rate := max(p.rate*p.slow, 0.01)
	window := max(1, int(math.Floor(rate)))
	interval := time.Duration(float64(time.Second) / (rate * PaceShare))
	return storage.Pace{
		Interval: interval,
		Window:   window,
		Span:     time.Duration(float64(window)/rate*float64(time.Second)) + WindowGuard,
		Ahead:    time.Duration(p.n) * interval,
	}
}

// booking is the schedule of a booking at now: pace, on its grid
// (gridFor) while the recent sends had room for it. Caller holds mu.
func (p *Pacer) booking(now time.Time) storage.Pace {
	pace := p.pace()
	if p.room.bunch(now) {
		pace.Grid = gridFor(pace, p.n)
	}
	return pace
}

// Take waits for this replica's next slot of the bot-wide rate, for a send
// to chatID. When it returns nil the caller sends at once, and reports the
// answer with Answered.
func (p *Pacer) Take(ctx context.Context, chatID int64) error {
	for {
		now := time.Now()
		p.mu.Lock()
		parked := p.parked
		if len(p.slots) > 0 && !now.Before(parked) {
			sl := p.slots[0]
			p.slots = p.slots[1:]
			p.mu.Unlock()
			ok, err := p.leave(ctx, sl)
			if err != nil {
				return err
			}
			if ok {
				p.handOut(chatID, sl, time.Now())
				return nil
			}
			continue // parked meanwhile, or the slot went stale while waiting
		}
		p.mu.Unlock()
		if now.Before(parked) {
			if !Sleep(ctx, parked.Sub(now)) {
				return ctx.Err()
			}
			continue
		}
		if err := p.refill(ctx); err != nil {
			return err
		}
	}
}

// leave waits until slot and reports whether a send may use it: not when
// a bulk 429 parked the bot meanwhile, nor when it went stale (staleSlot)
// before the send could leave.
func (p *Pacer) leave(ctx context.Context, slot storage.Slot) (bool, error) {
	if d := time.Until(slot.At); d > 0 && !p.sleepUntil(ctx, slot, d) {
		return false, ctx.Err()
	}
	now := time.Now()
	p.mu.Lock()
	parked := now.Before(p.parked)
	p.mu.Unlock()
	if !parked && now.Sub(slot.At) > p.staleAfter {
		p.gaveUp.Add(1)
		return false, nil
	}
	return !parked, nil
}

// sleepUntil waits d, until slot, or less when ctx ends first; it reports
// whether the wait ran out. The senders of a bunch (the slots of a grid
// share their time) wait for one timer, which releases them together,
// instead of one each.
func (p *Pacer) sleepUntil(ctx context.Context, slot storage.Slot, d time.Duration) bool {
	if slot.Grid == 0 {
		return Sleep(ctx, d)
	}
	p.mu.Lock()
	ch, ok := p.wakes[slot.At]
	if !ok {
		ch = make(chan struct{})
		p.wakes[slot.At] = ch
		time.AfterFunc(d, func() {
			p.mu.Lock()
			delete(p.wakes, slot.At)
			p.mu.Unlock()
			close(ch)
		})
	}
	p.mu.Unlock()
	select {
	case <-ctx.Done():
		return false
	case <-ch:
		return true
	}
}

// Unused gives back the slot last handed out for a send to chatID that
// was not made after all (the chat's shard changed hands while it waited):
// the next send takes it, instead of the schedule losing a slot for every
// sender that was waiting with such a chat, which when a replica joins
// mid-fan-out is one per worker (16 slots, half a second at 30/s). A
// slot that went stale meanwhile is left to leave's check.
func (p *Pacer) Unused(chatID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.sending[chatID]
	if len(q) == 0 {
		return
	}
	slot := q[len(q)-1]
	if len(q) == 1 {
		delete(p.sending, chatID)
	} else {
		p.sending[chatID] = q[:len(q)-1]
	}
	p.slots = append([]storage.Slot{slot}, p.slots...)
}

// forgetSlot is how long a slot handed out waits for its send's answer:
// past it, the send was never made (the chat's shard moved meanwhile) or
// it was an edit, which answered does not hear of.
const forgetSlot = 10 * time.Second

// handOut records slot as the send to chatID's, leaving at now: one that
// leaves late after its slot (its sender was busy) tells headroom too.
func (p *Pacer) handOut(chatID int64, slot storage.Slot, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.room.observe(now, slot, false)
	if len(p.sending) > 1024 {
		for id, sl := range p.sending {
			if time.Since(sl[len(sl)-1].At) > forgetSlot {
				delete(p.sending, id)
			}
		}
	}
	p.sending[chatID] = append(p.sending[chatID], slot)
}

// Answered reports that the send to chatID in its slot was answered at at
// (whatever the answer: it arrived before). One answered more than
// WindowGuard after its slot is shifted in the shared window to at less
// WindowGuard: the window's span has the guard for it, as for every slot.
func (p *Pacer) Answered(ctx context.Context, chatID int64, at time.Time) error {
	p.mu.Lock()
	q := p.sending[chatID]
	if len(q) == 0 {
		p.mu.Unlock()
		return nil // not paced (an edit's slot was taken elsewhere)
	}
	// The send's slot is the chat's latest: sends to a chat go one at a
	// time, and an older slot was an edit's (Edit does not report here)
	// or was never used, unless it is that recent.
	slot := q[len(q)-1]
	var keep []storage.Slot
	for _, sl := range q[:len(q)-1] {
		if sl.At.After(slot.At.Add(-time.Second)) {
			keep = append(keep, sl)
		}
	}
	if len(keep) == 0 {
		delete(p.sending, chatID)
	} else {
		p.sending[chatID] = keep
	}
	p.room.observe(at, slot, true)
	p.mu.Unlock()
	if at.Sub(slot.At) <= WindowGuard {
		return nil
	}
	p.shifted.Add(1)
	return p.store.Shift(ctx, globalKey, slot, at.Add(-WindowGuard))
}

// refill books a batch unless another sender did meanwhile.
func (p *Pacer) refill(ctx context.Context) error {
	p.book.Lock()
	defer p.book.Unlock()
	for {
		p.mu.Lock()
		if len(p.slots) > 0 {
			p.mu.Unlock()
			return nil
		}
		pace, pushes := p.booking(time.Now()), p.pushes
		p.pushes = nil
		p.mu.Unlock()
		h, err := p.store.HoldMany(ctx, globalKey, pace, p.n, pushes...)
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.slow = h.Slow
		if h.ParkedUntil.After(p.parked) {
			p.parked = h.ParkedUntil
		}
		p.slots = append(p.slots, h.Slots...)
		p.mu.Unlock()
		if pace.Grid > 0 {
			p.bunched.Add(int64(len(h.Slots)))
		}
		if len(h.Slots) > 0 || !h.ParkedUntil.IsZero() {
			return nil // take waits out a park
		}
		if !Sleep(ctx, h.RetryAfter) {
			return ctx.Err()
		}
	}
}

// Push queues a chat's limit to be pushed past a send, with the next
// booking: a batch later at most while the replica sends, well before the
// chat's next send an interval later. An idle replica keeps its pushes
// until its next booking, after that send's check of its chat; but its
// sends hardly waited for their slots, which is what the push makes up
// for. Past maxPushes (bookings failing) the oldest are dropped.
func (p *Pacer) Push(pu storage.Push) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pushes) >= maxPushes {
		p.pushes = p.pushes[1:]
	}
	p.pushes = append(p.pushes, pu)
}

const maxPushes = 4096

// Observe records a send's answer and reports whether a 429 looks like the
// bulk limit: within the last second at least 5 sends were refused and
// they were at least a quarter of the sends. The bot never sends a chat
// faster than its own limit, so per-chat 429s come one at a time (a resend
// after a crash); a bulk limit only a little below the bot's rate refuses
// a share of every second's sends (CI, on a machine too busy to send at the
// configured rate, saw 150 sends answered and 97 refused in 5 s: "most of
// the sends" never held, and the bot never slowed down). A 429 taken for
// the bulk limit by mistake costs a park of its retry_after and a slower
// rate for slowFor.
func (p *Pacer) Observe(limited bool) bool {
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
	return limited && p.limited >= 5 && 4*p.limited >= p.sends
}

// Park stops this replica's sends until until, drops its booked slots and
// tells the other replicas, through Redis, to stop and slow down too. Each
// bulk 429 slows the rate further (by slowFactor, down to minSlow), so a
// bot configured above Telegram's real limit settles below it.
func (p *Pacer) Park(ctx context.Context, until time.Time) error {
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

// Stats counts the slots shifted in the bot-wide window (answered late),
// those given up as stale and those booked bunched, for the load
// scenario's report.
func (p *Pacer) Stats() (shifted, gaveUp, bunched int64) {
	return p.shifted.Load(), p.gaveUp.Load(), p.bunched.Load()
}

// Sleep waits d, or less when ctx ends first; it reports whether the wait
// ran out. The engine's loops use it, and so do bot's links and updates.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
