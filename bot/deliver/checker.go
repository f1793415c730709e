package deliver

import (
	"context"
	"sync"

	"github.com/akhbar/akhbar/storage"
)

// maxCheckBatch bounds the chats checked in one round trip.
const maxCheckBatch = 128

// SendChecker runs many senders' pre-send checks in one round trip, with
// the sent records waiting to be written (storage.Store's RecordAndCheck).
type SendChecker interface {
	RecordAndCheck(ctx context.Context, sent []storage.Sent, qs []storage.SendQuery) ([]storage.SendCheck, error)
}

// recordSource hands the sends waiting to be recorded to a round trip
// made anyway (the recorder): take returns them, and settled must be told
// how their write went.
type recordSource interface {
	take() (sent []storage.Sent, settled func(err error))
}

// Checker gathers the senders' pre-send checks into shared round trips:
// while one round trip is out, the checks that arrive meanwhile queue up
// and go together in the next, so the round trips per message fall as the
// load rises instead of growing with it.
//
// There is no checker goroutine: a sender that finds no round trip out
// makes it itself, and when it is done hands the queue to the first sender
// waiting, which makes the next. A lone check thus costs no goroutine
// hand-off (a goroutine in between cost two per check, a fifth of the
// delivery's CPU went to waking goroutines); checks that queue cost one,
// their answer.
type Checker struct {
	store SendChecker
	// records, when set, are written in the checks' round trips: under
	// load a check goes every few sends, so the sent records ride along
	// instead of costing a round trip (and the recorder a wake-up) of
	// their own.
	records recordSource
	mu      sync.Mutex
	busy    bool         // a sender is making a round trip, or was told to make the next
	queue   []*checkCall // checks waiting for the next round trip
}

type checkCall struct {
	ctx context.Context
	qs  []storage.SendQuery // one sender's chats, answered together
	res chan checkResult    // buffered: the answer never waits for its reader
}

type checkResult struct {
	scs []storage.SendCheck
	err error
	// lead tells a waiting sender to make the next round trip, for its own
	// check and those queued with it, instead of an answer.
	lead bool
}

func NewChecker(store SendChecker) *Checker { return &Checker{store: store} }

// Check runs q in the next shared round trip.
func (c *Checker) Check(ctx context.Context, q storage.SendQuery) (storage.SendCheck, error) {
	scs, err := c.CheckMany(ctx, []storage.SendQuery{q})
	if err != nil {
		return storage.SendCheck{}, err
	}
	return scs[0], nil
}

// CheckMany runs the checks of several chats one sender is about to serve
// in the next shared round trip, all of them in the same one: a sender
// that takes a few ready chats at once (scheduler.nextMany) pays one round
// trip for them, whatever the rate it sends at. The answers are in the
// order of qs.
func (c *Checker) CheckMany(ctx context.Context, qs []storage.SendQuery) ([]storage.SendCheck, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	call := &checkCall{ctx: ctx, qs: qs, res: make(chan checkResult, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, call)
	if c.busy {
		c.mu.Unlock()
		r := <-call.res // always answered: a round trip never drops a call
		if !r.lead {
			return r.scs, r.err
		}
	} else {
		c.busy = true
		c.mu.Unlock()
	}
	c.roundTrip()
	r := <-call.res // answered by the round trip just made
	return r.scs, r.err
}

// roundTrip checks the queued calls (the caller's among them) in one
// round trip, then hands the queue to the first call still waiting. It
// takes calls while their chats fit in maxCheckBatch, the first whatever
// its size: a sender's chats are never split over round trips.
func (c *Checker) roundTrip() {
	c.mu.Lock()
	n, size := 0, 0
	for n < len(c.queue) && (n == 0 || size+len(c.queue[n].qs) <= maxCheckBatch) {
		size += len(c.queue[n].qs)
		n++
	}
	calls := c.queue[:n:n]
	c.queue = c.queue[n:]
	c.mu.Unlock()

	// Calls whose sender gave up are answered but not asked about.
	live := make([]*checkCall, 0, len(calls))
	qs := make([]storage.SendQuery, 0, size)
	for _, call := range calls {
		if err := call.ctx.Err(); err != nil {
			call.res <- checkResult{err: err}
			continue
		}
		live = append(live, call)
		qs = append(qs, call.qs...)
	}
	if len(live) > 0 {
		// The first live sender's context bounds the round trip; the
		// others wait for it, as they would for their own.
		var sent []storage.Sent
		var settled func(error)
		if c.records != nil {
			sent, settled = c.records.take()
		}
		scs, err := c.store.RecordAndCheck(live[0].ctx, sent, qs)
		if settled != nil {
			settled(err)
		}
		for _, call := range live {
			if err != nil {
				call.res <- checkResult{err: err}
				continue
			}
			call.res <- checkResult{scs: scs[:len(call.qs):len(call.qs)]}
			scs = scs[len(call.qs):]
		}
	}

	c.mu.Lock()
	if len(c.queue) == 0 {
		c.busy = false
		c.mu.Unlock()
		return
	}
	next := c.queue[0]
	c.mu.Unlock()
	next.res <- checkResult{lead: true}
}
