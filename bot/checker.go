package bot

import (
	"context"

	"github.com/akhbar/akhbar/storage"
)

// maxCheckBatch bounds the chats checked in one round trip.
const maxCheckBatch = 128

// checker gathers the senders' pre-send checks into shared round trips:
// while one pipeline is out, the checks that arrive meanwhile queue up and
// go together in the next, so the round trips per message fall as the
// load rises instead of growing with it.
type checker struct {
	store *storage.Store
	ch    chan checkCall
	done  chan struct{}
}

type checkCall struct {
	ctx context.Context
	q   storage.SendQuery
	res chan checkResult
}

type checkResult struct {
	sc  storage.SendCheck
	err error
}

func newChecker(store *storage.Store) *checker {
	c := &checker{store: store, ch: make(chan checkCall), done: make(chan struct{})}
	go c.run()
	return c
}

// check runs q in the next shared round trip.
func (c *checker) check(ctx context.Context, q storage.SendQuery) (storage.SendCheck, error) {
	call := checkCall{ctx: ctx, q: q, res: make(chan checkResult, 1)}
	select {
	case c.ch <- call:
	case <-ctx.Done():
		return storage.SendCheck{}, ctx.Err()
	}
	r := <-call.res // always answered: run never drops a call
	return r.sc, r.err
}

// close stops the checker once no sender calls check any more.
func (c *checker) close() {
	close(c.ch)
	<-c.done
}

func (c *checker) run() {
	defer close(c.done)
	calls := make([]checkCall, 0, maxCheckBatch)
	qs := make([]storage.SendQuery, 0, maxCheckBatch)
	for call := range c.ch {
		calls = append(calls[:0], call)
	fill:
		for len(calls) < maxCheckBatch {
			select {
			case call, ok := <-c.ch:
				if !ok {
					break fill
				}
				calls = append(calls, call)
			default:
				break fill
			}
		}
		// Calls whose sender gave up are answered but not asked about.
		live := calls[:0]
		for _, call := range calls {
			if err := call.ctx.Err(); err != nil {
				call.res <- checkResult{err: err}
				continue
			}
			live = append(live, call)
		}
		if len(live) == 0 {
			continue
		}
		qs = qs[:0]
		for _, call := range live {
			qs = append(qs, call.q)
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
}
