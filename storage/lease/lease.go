// Package lease keeps a named lease among replicas: take it, renew it
// while the work it guards runs, stop that work when the lease could not
// be renewed in time (before it can pass to another replica), and give it
// back at the end. The updates leader, the per-source poll lock (taken by
// storage's TakePoll, then held here) and the digest sender use it; storage.Store implements Store with Redis scripts.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Store takes, extends and gives back named leases; storage.Store is one.
type Store interface {
	// AcquireLease takes name for owner for ttl when it is free, or
	// extends it when owner holds it, and says whether owner holds it.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// ReleaseLease gives name up if owner still holds it.
	ReleaseLease(ctx context.Context, name, owner string) error
}

// Spec is one lease and its timing.
type Spec struct {
	Name, Owner string
	// TTL is how long the lease outlives its last renewal: how long a
	// replica that died holds up the others.
	TTL time.Duration
	// Renew is the most time from the start of one renewal to the next
	// (at once when one took longer; after a failed one, at most half the
	// time left before Stop). The first comes Renew after Take or Hold,
	// the following ones on the clock's multiples of Renew (Next), which
	// may be sooner.
	Renew time.Duration
	// Stop bounds the time without a renewal, counted from the start of
	// the last one that succeeded (the store extended the lease no sooner,
	// however late its answer came): past it the work's context ends, and
	// a renewal still trying is cut off there. It must be under TTL, so the
	// work stops while the lease is still surely its own, TTL - Stop before
	// it can pass.
	Stop time.Duration
	// ReleaseTimeout bounds giving the lease back (default Renew).
	ReleaseTimeout time.Duration
}

func (s Spec) check() error {
	switch {
	case s.Name == "" || s.Owner == "":
		return fmt.Errorf("lease %q: want a name and an owner", s.Name)
	case s.Renew <= 0 || s.Stop <= s.Renew || s.TTL <= s.Stop:
		return fmt.Errorf("lease %q: want 0 < renew (%v) < stop (%v) < ttl (%v)", s.Name, s.Renew, s.Stop, s.TTL)
	}
	return nil
}

// The causes of a held lease's context ending before Release.
var (
	// ErrLost: a renewal found another owner holding the lease.
	ErrLost = errors.New("lease lost to another owner")
	// ErrNotRenewed: no renewal succeeded for Spec.Stop.
	ErrNotRenewed = errors.New("lease not renewed in time")
	// errReleased ends the context at Release.
	errReleased = errors.New("lease released")
)

// Held is a lease taken and being renewed until Release.
type Held struct {
	store       Store
	spec        Spec
	parent      context.Context
	ctx         context.Context
	cancel      context.CancelCauseFunc
	renewCancel context.CancelFunc // cuts off a renewal in flight at Release
	stop        chan struct{}
	done        chan struct{}
	once        sync.Once
	err         error
}

// Take tries once to take the lease; it returns nil, nil when another
// owner holds it. The held lease's Context derives from ctx and ends
// too when the lease is lost or not renewed for Spec.Stop (its cause says
// which). Renewals do not stop with ctx: work cut short by its deadline
// keeps the lease while it winds up, until Release.
func Take(ctx context.Context, s Store, spec Spec) (*Held, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	start := time.Now()
	ok, err := s.AcquireLease(ctx, spec.Name, spec.Owner, spec.TTL)
	if err != nil || !ok {
		return nil, err
	}
	return hold(ctx, s, spec, start), nil
}

// Hold renews a lease the caller has just taken by other means, for
// Spec.TTL (storage's TakePoll takes a source's poll lock in the same
// script as the tick's lease, one round trip instead of two), as Take
// would have: the first renewal comes Spec.Renew from now.
func Hold(ctx context.Context, s Store, spec Spec) (*Held, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	return hold(ctx, s, spec, time.Now()), nil
}

// hold renews the lease taken at (no later than the store took it).
func hold(ctx context.Context, s Store, spec Spec, taken time.Time) *Held {
	if spec.ReleaseTimeout <= 0 {
		spec.ReleaseTimeout = spec.Renew
	}
	h := &Held{store: s, spec: spec, parent: ctx, stop: make(chan struct{}), done: make(chan struct{})}
	h.ctx, h.cancel = context.WithCancelCause(ctx)
	rctx, rcancel := context.WithCancel(context.WithoutCancel(ctx))
	h.renewCancel = rcancel
	go h.renew(rctx, taken)
	return h
}

// Next is when a loop that last ran at last, and must run again within
// every, runs next: the last multiple of every on the clock (counted from
// Go's zero time, as Time.Truncate) that is after last, which is never
// later than last + every, and is exactly that once the loop runs on a
// multiple. An idle program's cost is its wake-ups, not its round trips:
// the loops that renew leases and take turns (the updates lease every
// 2.5 s, the shard turns every 2.5 s, the inbox's keeper every 5 s, the
// digests every 15 s), each on its own phase, woke it at as many instants;
// on the same clock multiples they come due together and one wake-up
// serves them all. Running early never weakens a bound that says "within
// every": the first run on a multiple comes sooner, none comes later.
//
// The result keeps last's monotonic reading: a jump of the wall clock
// moves the multiples, not the bound, and time.Until of the result is at
// most every after last however the wall clock moves.
func Next(last time.Time, every time.Duration) time.Time {
	due := last.Add(every)
	if every <= 0 {
		return due
	}
	return due.Add(-due.Sub(due.Truncate(every)))
}

// Context is the work's context: it ends when the lease is lost, was not
// renewed in time, or is released.
func (h *Held) Context() context.Context { return h.ctx }

func (h *Held) renew(ctx context.Context, renewed time.Time) {
	defer close(h.done)
	// The first renewal comes a whole Renew after the lease was taken:
	// a poll's lock, held for a few milliseconds, would otherwise be
	// renewed whenever its poll crossed a multiple of Renew. The
	// following ones come on the multiples (Next).
	t := time.NewTimer(h.spec.Renew - time.Since(renewed))
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		deadline := renewed.Add(h.spec.Stop)
		if !time.Now().Before(deadline) {
			h.cancel(fmt.Errorf("%w for %v", ErrNotRenewed, h.spec.Stop))
			return
		}
		rctx, cancel := context.WithDeadline(ctx, deadline)
		start := time.Now()
		ok, err := h.store.AcquireLease(rctx, h.spec.Name, h.spec.Owner, h.spec.TTL)
		cancel()
		next := h.spec.Renew
		switch {
		case err == nil && ok:
			// The lease runs TTL from when the store extended it, at or
			// after start: counted from the answer, a slow one would eat
			// into TTL - Stop.
			// The next renewal comes on the clock's multiples of Renew
			// (Next), with the program's other periodic work.
			renewed = start
			next = time.Until(Next(start, h.spec.Renew))
		case err == nil:
			h.cancel(ErrLost)
			return
		case time.Since(renewed) >= h.spec.Stop:
			h.cancel(fmt.Errorf("%w for %v: %w", ErrNotRenewed, h.spec.Stop, err))
			return
		default:
			// A failed renewal is retried halfway to Stop (not sooner than
			// Renew/4, not later than Stop), not a whole Renew later, which
			// can be past Stop: the pause between renewals can then be
			// long, few round trips while all is well, and a blip of the
			// store still gets another try. At Stop the loop's check ends
			// the work on time.
			left := time.Until(deadline)
			next = min(next, max(left/2, h.spec.Renew/4), left)
		}
		t.Reset(next)
	}
}

// Release stops renewing, ends the Context and gives the lease back
// (bounded by Spec.ReleaseTimeout; a lease not given back expires after
// TTL). It may be called more than once.
func (h *Held) Release() error {
	h.once.Do(func() {
		close(h.stop)
		h.renewCancel()
		<-h.done
		h.cancel(errReleased)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(h.parent), h.spec.ReleaseTimeout)
		defer cancel()
		h.err = h.store.ReleaseLease(ctx, h.spec.Name, h.spec.Owner)
	})
	return h.err
}

// Lost reports why the lease ended before Release (ErrLost or
// ErrNotRenewed), or nil.
func (h *Held) Lost() error {
	if err := context.Cause(h.ctx); errors.Is(err, ErrLost) || errors.Is(err, ErrNotRenewed) {
		return err
	}
	return nil
}

// Lead runs work whenever this owner holds the lease, until ctx ends:
// while another owner holds it (or the store fails) it tries again every
// retry; once taken, work runs with the lease's Context, and the lease is
// given back when work returns, then taken again if it can be. An error
// from work ends Lead with that error. log may be nil.
func Lead(ctx context.Context, s Store, spec Spec, retry time.Duration, log *slog.Logger, work func(ctx context.Context) error) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := spec.check(); err != nil {
		return err
	}
	for ctx.Err() == nil {
		h, err := Take(ctx, s, spec)
		if err != nil && ctx.Err() == nil {
			log.Warn("take lease", "lease", spec.Name, "error", err)
		}
		if h == nil {
			pause(ctx, retry)
			continue
		}
		log.Info("took the lease", "lease", spec.Name, "owner", spec.Owner)
		err = work(h.Context())
		if lost := h.Lost(); lost != nil {
			log.Warn("lost the lease; its work stopped", "lease", spec.Name, "error", lost)
		}
		_ = h.Release() // else it expires after TTL
		if err != nil {
			return err
		}
	}
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
