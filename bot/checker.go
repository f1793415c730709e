package bot

import (
	"context"
	"sync"

	"github.com/akhbar/akhbar/storage"
)

// maxCheckBatch bounds the chats checked in one round trip.
const maxCheckBatch = 128

// sendChecker runs many senders' pre-send checks in one round trip
// (storage.Store's CheckSend).
type sendChecker interface {
	CheckSend(ctx context.Context, qs []storage.SendQuery) ([]storage.SendCheck, error)
}

// checker gathers the senders' pre-send checks into shared round trips:
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
type checker struct {
	store sendChecker
	mu    sync.Mutex
	busy  bool         // a sender is making a round trip, or was told to make the next
	queue []*checkCall // checks waiting for the next round trip
}

type checkCall struct {
	ctx context.Context
	q   storage.SendQuery
	res chan checkResult // buffered: the answer never waits for its reader
}

type checkResult struct {
	sc  storage.SendCheck
	err error
	// lead tells a waiting sender to make the next round trip, for its own
	// check and those queued with it, instead of an answer.
	lead bool
}

func newChecker(store sendChecker) *checker { return &checker{store: store} }

// check runs q in the next shared round trip.
func (c *checker) check(ctx context.Context, q storage.SendQuery) (storage.SendCheck, error) {
	if err := ctx.Err(); err != nil {
		return storage.SendCheck{}, err
	}
	call := &checkCall{ctx: ctx, q: q, res: make(chan checkResult, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, call)
	if c.busy {
		c.mu.Unlock()
		r := <-call.res // always answered: a round trip never drops a call
		if !r.lead {
			return r.sc, r.err
		}
	} else {
		c.busy = true
		c.mu.Unlock()
	}
	c.roundTrip()
	r := <-call.res // answered by the round trip just made
	return r.sc, r.err
}

// roundTrip checks the queued calls (the caller's among them) in one
// round trip, then hands the queue to the first call still waiting.
func (c *checker) roundTrip() {
	c.mu.Lock()
	n := min(len(c.queue), maxCheckBatch)
	calls := c.queue[:n:n]
	c.queue = c.queue[n:]
	c.mu.Unlock()

	// Calls whose sender gave up are answered but not asked about.
	live := make([]*checkCall, 0, len(calls))
	for _, call := range calls {
		if err := call.ctx.Err(); err != nil {
			call.res <- checkResult{err: err}
			continue
		}
		live = append(live, call)
	}
	if len(live) > 0 {
		qs := make([]storage.SendQuery, len(live))
		for i, call := range live {
			qs[i] = call.q
		}
		// The first live sender's context bounds the round trip; the
		// others wait for it, as they would for their own.
		scs, err := c.store.CheckSend(live[0].ctx, qs)
		for i, call := range live {
			if err != nil {
				call.res <- checkResult{err: err}
			} else {
				call.res <- checkResult{sc: scs[i]}
			}
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
