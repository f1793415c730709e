package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/lease"
	"github.com/prometheus/client_golang/prometheus"
)

// Inbox is the updates inbox shared by the replicas, and the per-user
// rate; storage.Store implements it.
type Inbox interface {
	AllowMany(ctx context.Context, keys []string, l storage.Limit) ([]time.Duration, error)
	ClaimUpdates(ctx context.Context, n int, lease time.Duration) ([]storage.InboxUpdate, error)
	DoneUpdates(ctx context.Context, ids []int64) error
	KeepUpdates(ctx context.Context, us []storage.InboxUpdate, lease time.Duration) ([]int64, error)
	ReleaseUpdates(ctx context.Context, ids []int64) error
	RenewUpdates(ctx context.Context, ids []int64, lease time.Duration) error
}

// Telegram's placeholder senders: a message from an anonymous group admin
// comes from GroupAnonymousBot, one a person posts as their channel from
// Channel_Bot, each with the real sender in sender_chat. Keyed on the
// placeholder, every anonymous admin of every group would share one
// bucket.
const (
	anonymousAdminID = 1087968824
	channelSenderID  = 136817688
)

// SenderKey is whom a per-person limit counts: the sender chat for a
// message sent on behalf of a chat (an anonymous admin, a channel, someone
// posting as their channel), else the user. Chat ids of groups and
// channels are negative, users' positive: the two never meet.
func SenderKey(from tg.User, senderChat int64) int64 {
	if senderChat != 0 || from.ID == anonymousAdminID || from.ID == channelSenderID {
		return senderChat
	}
	return from.ID
}

// DispatchOptions tune how updates wait to be handled. Zero fields take the
// defaults noted on each.
type DispatchOptions struct {
	// Workers is how many updates are handled at once, each of a
	// different chat (default 32).
	Workers int
	// QueuePerChat bounds the updates waiting in one chat (default 8).
	// Past it the newest is dropped: the earlier ones are what the person
	// is waiting for. A member-status change or a migration is never
	// dropped; it takes the place of the chat's oldest waiting message.
	QueuePerChat int
	// MaxHeld bounds the updates this replica holds, waiting or being
	// handled (default 1,000; a batch larger than it is taken alone);
	// Accept waits for room, so Telegram keeps the rest.
	MaxHeld int
	// UserRate is how many commands and button presses one sender may
	// make (default 8 per 10 s, in a burst or spread out); beyond it they
	// are dropped without a reply. Burst 0 means Rate. They are counted as
	// they arrive (Accept), a batch's in one round trip, and those over the
	// rate are never written to the inbox.
	UserRate storage.Limit
	// Lease is how long an update held by this replica stays its own
	// without renewal (default 20 s): after a crash, another replica (or
	// this one restarted) takes it over when the lease ends.
	Lease time.Duration
}

// DefaultDispatchOptions is the one table of the dispatcher's defaults,
// which withDefaults and cmd/akhbar's configuration both take. UserRate's
// Burst is left 0: it follows the rate given.
func DefaultDispatchOptions() DispatchOptions {
	return DispatchOptions{
		Workers: 32, QueuePerChat: 8, MaxHeld: 1000,
		UserRate: storage.Limit{Rate: 8, Period: 10 * time.Second},
		Lease:    20 * time.Second,
	}
}

func (o DispatchOptions) withDefaults() DispatchOptions {
	def := DefaultDispatchOptions()
	if o.Workers <= 0 {
		o.Workers = def.Workers
	}
	if o.QueuePerChat <= 0 {
		o.QueuePerChat = def.QueuePerChat
	}
	if o.MaxHeld <= 0 {
		o.MaxHeld = def.MaxHeld
	}
	if o.UserRate.Rate <= 0 {
		o.UserRate.Rate = def.UserRate.Rate
	}
	if o.UserRate.Period <= 0 {
		o.UserRate.Period = def.UserRate.Period
	}
	if o.UserRate.Burst <= 0 {
		o.UserRate.Burst = o.UserRate.Rate
	}
	if o.Lease <= 0 {
		o.Lease = def.Lease
	}
	return o
}

// Dispatcher hands updates to a Handler with no batch barrier: each chat has
// a queue of its own, served in order by one worker at a time, and the
// chats take turns at the workers. A reply waiting for its chat's limit
// holds only that chat; a flood fills only its own queue, which is bounded;
// one person's commands past their rate are dropped.
//
// When is an update safe? Accept writes it to the store's inbox before it
// returns, and only then does the caller confirm it to Telegram (the next
// getUpdates' offset, a webhook's 200). It leaves the inbox once handled or
// dropped. A crash in between leaves it there, leased to the dead replica;
// when the lease ends another replica handles it. So no update is lost
// (as when the whole batch was handled before the next getUpdates), and
// the only repeats are updates whose handling was under way at the crash,
// or had ended less than doneLinger before it (flushDone).
type Dispatcher struct {
	h     Handler
	inbox Inbox
	log   *slog.Logger
	opts  DispatchOptions
	m     dispatchMetrics

	mu       sync.Mutex
	work     *sync.Cond             // a chat became ready, or the dispatcher stops
	queues   map[int64]*updateQueue // chats with updates held
	ready    []int64                // chats with updates waiting and none being handled, in turn
	held     map[int64]bool         // ids of the updates held (waiting or being handled)
	room     chan struct{}          // closed when an update is let go
	stopping bool
	stats    DispatchStats
	handling int // updates being handled now
	// verdicts holds the rate's verdict (true: over) for updates whose
	// sender's token was taken by an Accept that then failed to keep
	// them: the batch comes again (telegram.Poll asks for it again, a
	// webhook's 503 is sent again) and must not take a second token.
	verdicts map[int64]bool
	finished []int64 // updates handled, to be removed from the inbox (flushDone)
	// finishedWake wakes flushDone: an update was handled.
	finishedWake chan struct{}
}

// Handled updates leave the inbox together: flushDone removes them in one
// round trip, waiting up to doneLinger while other updates are being
// handled (their ids join the batch), or until doneBatch are waiting. A
// replica with nothing else under way removes an update at once. A crash
// in the wait leaves those updates in the inbox, to be handled again after
// their lease, as a crash during their handling would.
const (
	doneLinger = 20 * time.Millisecond
	doneBatch  = 500
)

type updateQueue struct {
	waiting []tg.Update
	busy    bool // one of its updates is being handled
}

// DispatchStats is what a Dispatcher holds and has done (the metrics
// carry the same for operators).
type DispatchStats struct {
	Held       int   // updates held: waiting or being handled
	Chats      int   // chats with updates held
	MaxWaiting int   // the longest chat queue now
	Handled    int64 // updates handed to the bot
	QueueFull  int64 // dropped: their chat's queue was full
	UserRate   int64 // dropped: their sender was over the rate
	Recovered  int64 // taken over from the inbox after another holder's lease ended
}

type dispatchMetrics struct {
	dropped   *prometheus.CounterVec
	held      prometheus.Gauge
	recovered prometheus.Counter
}

// Handler answers the updates a Dispatcher hands it: bot.Bot, which
// hands them to its Conversation.
type Handler interface {
	HandleUpdate(ctx context.Context, u tg.Update) error
	// IsCommand reports whether text is a command to this bot, which
	// counts against its sender's rate.
	IsCommand(text string) bool
}

// NewDispatcher makes a Dispatcher handing updates to h, held in inbox
// until handled. reg may be nil.
func NewDispatcher(h Handler, inbox Inbox, log *slog.Logger, opts DispatchOptions, reg prometheus.Registerer) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{
		h: h, inbox: inbox, log: log, opts: opts.withDefaults(),
		queues: map[int64]*updateQueue{}, held: map[int64]bool{}, room: make(chan struct{}),
		finishedWake: make(chan struct{}, 1), verdicts: map[int64]bool{},
		m: dispatchMetrics{
			dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_updates_dropped_total",
				Help: "Updates dropped without a reply, by reason: queue_full (their chat's queue was full) or user_rate (their sender was over the rate)."}, []string{"reason"}),
			held: prometheus.NewGauge(prometheus.GaugeOpts{Name: "akhbar_updates_held",
				Help: "Updates this replica holds, waiting or being handled."}),
			recovered: prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_updates_recovered_total",
				Help: "Updates taken over from the inbox after their holder's lease ended (it crashed or stopped)."}),
		},
	}
	d.work = sync.NewCond(&d.mu)
	if reg != nil {
		reg.MustRegister(d.m.dropped, d.m.held, d.m.recovered)
	}
	return d
}

// ErrStopped is returned by Accept once the dispatcher has stopped.
var ErrStopped = errors.New("dispatcher stopped")

// Accept takes updates to handle. It waits until the dispatcher has room
// for them (or ctx ends), writes the updates to the inbox, queues
// them and returns: the caller may then confirm them to Telegram. An
// error means they were not taken. Updates taken before are skipped.
func (d *Dispatcher) Accept(ctx context.Context, us []tg.Update) error {
	for {
		d.mu.Lock()
		if d.stopping {
			d.mu.Unlock()
			return ErrStopped
		}
		if len(d.held) == 0 || len(d.held)+len(us) <= d.opts.MaxHeld {
			break
		}
		room := d.room
		d.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return fmt.Errorf("accept updates: wait for room: %w", ctx.Err())
		}
	}
	// Updates their chat's queue has no room for are dropped here, before
	// they cost a write: a flood of thousands is taken from Telegram at
	// the speed of getUpdates, so the updates behind it are not kept
	// waiting. (queue drops again if the room went meanwhile.)
	fresh := make([]storage.InboxUpdate, 0, len(us))
	byID := make(map[int64]tg.Update, len(us))
	coming := map[int64]int{}
	full := 0
	for _, u := range us {
		if d.held[u.ID] {
			continue
		}
		k := queueKey(u)
		waiting := coming[k]
		if q := d.queues[k]; q != nil {
			waiting += len(q.waiting)
		}
		if waiting >= d.opts.QueuePerChat && !essential(u) {
			full++
			continue
		}
		coming[k]++
		data, err := json.Marshal(u)
		if err != nil {
			d.mu.Unlock()
			return fmt.Errorf("accept update %d: %w", u.ID, err)
		}
		fresh = append(fresh, storage.InboxUpdate{ID: u.ID, Data: string(data)})
		byID[u.ID] = u
	}
	d.mu.Unlock()
	asked := fresh
	fresh, over, err := d.rate(ctx, fresh, byID)
	if err != nil {
		return fmt.Errorf("accept updates: %w", err)
	}
	added, err := d.inbox.KeepUpdates(ctx, fresh, d.opts.Lease)
	if err != nil {
		return fmt.Errorf("accept updates: %w", err)
	}
	d.mu.Lock()
	for _, u := range asked {
		delete(d.verdicts, u.ID)
	}
	d.stats.UserRate += int64(over)
	d.mu.Unlock()
	if over > 0 {
		d.m.dropped.WithLabelValues("user_rate").Add(float64(over))
	}
	if full > 0 {
		d.mu.Lock()
		d.stats.QueueFull += int64(full)
		d.mu.Unlock()
		d.m.dropped.WithLabelValues("queue_full").Add(float64(full))
	}
	ups := make([]tg.Update, len(added))
	for i, id := range added {
		ups[i] = byID[id]
	}
	d.queue(ctx, ups)
	return nil
}

// rate takes a token of its sender's rate for each update of us that
// counts (rated), all in one round trip, and returns us without those over
// the rate, which are dropped, and how many those are. An update whose
// token an Accept that failed took already (d.verdicts) keeps that verdict
// without another token. When the store fails they all go on, as their
// handling would fail and say so; an error only when ctx ended.
func (d *Dispatcher) rate(ctx context.Context, us []storage.InboxUpdate, byID map[int64]tg.Update) ([]storage.InboxUpdate, int, error) {
	var keys []string
	var at []int // the index in us of keys[i]'s update
	over := make([]bool, len(us))
	d.mu.Lock()
	for i, u := range us {
		if o, ok := d.verdicts[u.ID]; ok {
			over[i] = o
			continue
		}
		if key, ok := d.rated(byID[u.ID]); ok {
			keys = append(keys, "user:"+strconv.FormatInt(key, 10))
			at = append(at, i)
		}
	}
	d.mu.Unlock()
	if len(keys) > 0 {
		waits, err := d.inbox.AllowMany(ctx, keys, d.opts.UserRate)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, 0, err
		case err != nil:
			d.log.Warn("user rate", "updates", len(keys), "error", err)
		default:
			d.mu.Lock()
			if len(d.verdicts) > maxRated { // batches never asked for again
				clear(d.verdicts)
			}
			for i, w := range waits {
				over[at[i]] = w > 0
				d.verdicts[us[at[i]].ID] = w > 0
			}
			d.mu.Unlock()
		}
	}
	kept := make([]storage.InboxUpdate, 0, len(us))
	for i, u := range us {
		if !over[i] {
			kept = append(kept, u)
		}
	}
	return kept, len(us) - len(kept), nil
}

// maxRated bounds Dispatcher.verdicts: verdicts of batches refused and never
// sent again are forgotten past it.
const maxRated = 10000

// queue puts updates already in the inbox in their chats' queues, and
// removes from the inbox those dropped for a full queue.
func (d *Dispatcher) queue(ctx context.Context, us []tg.Update) {
	var dropped []int64
	d.mu.Lock()
	for _, u := range us {
		if id, ok := d.enqueueLocked(u); ok {
			dropped = append(dropped, id)
		}
	}
	d.m.held.Set(float64(len(d.held)))
	d.mu.Unlock()
	if len(dropped) > 0 {
		d.m.dropped.WithLabelValues("queue_full").Add(float64(len(dropped)))
		d.done(ctx, dropped)
	}
}

// enqueueLocked queues u in its chat, or drops an update when the chat's
// queue is full, returning the dropped one's id.
func (d *Dispatcher) enqueueLocked(u tg.Update) (dropped int64, ok bool) {
	if d.held[u.ID] {
		return 0, false
	}
	k := queueKey(u)
	q := d.queues[k]
	if q == nil {
		q = &updateQueue{}
		d.queues[k] = q
	}
	if len(q.waiting) >= d.opts.QueuePerChat {
		if !essential(u) {
			d.stats.QueueFull++
			return u.ID, true
		}
		for i, w := range q.waiting {
			if !essential(w) {
				q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
				d.letGoLocked(w.ID)
				d.stats.QueueFull++
				dropped, ok = w.ID, true
				break
			}
		}
		// A queue of nothing but state changes takes one more: Telegram
		// sends few of those.
	}
	q.waiting = append(q.waiting, u)
	d.held[u.ID] = true
	if !q.busy && len(q.waiting) == 1 {
		d.ready = append(d.ready, k)
		d.work.Signal()
	}
	return dropped, ok
}

// letGoLocked forgets a held update and wakes those waiting for room.
func (d *Dispatcher) letGoLocked(id int64) {
	delete(d.held, id)
	close(d.room)
	d.room = make(chan struct{})
}

// essential reports whether an update changes what the bot knows about a
// chat (it was added, removed or blocked; the group migrated): never
// dropped, or subscriptions would outlive the chat or miss its new id.
func essential(u tg.Update) bool {
	return u.MyChatMember != nil || (u.Message != nil && u.Message.MigrateTo != 0)
}

// queueKey is the queue an update waits in: its chat's, so a chat's
// updates are handled in order; for an inline query or a button under an
// inline message (no chat), its user's.
func queueKey(u tg.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.Callback != nil && u.Callback.Chat.ID != 0:
		return u.Callback.Chat.ID
	case u.Callback != nil:
		return u.Callback.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	case u.InlineQuery != nil:
		return u.InlineQuery.From.ID
	}
	return 0
}

// Run handles updates until ctx ends: Workers workers, and a keeper that
// renews the leases of the updates held and takes over those whose holder
// died. When ctx ends it waits for the updates being handled, then gives
// back to the inbox the ones it did not handle, for another replica.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range d.opts.Workers {
		wg.Go(func() { d.worker(ctx) })
	}
	// The handled updates' removal outlives the workers: it removes the
	// last of theirs once they are all done.
	workersDone := make(chan struct{})
	flushed := make(chan struct{})
	go func() { d.flushDone(ctx, workersDone); close(flushed) }()
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		d.stopping = true
		d.work.Broadcast()
		d.mu.Unlock()
	})
	defer stop()
	d.keep(ctx)
	wg.Wait()
	close(workersDone)
	<-flushed

	d.mu.Lock()
	left := make([]int64, 0, len(d.held))
	for id := range d.held {
		left = append(left, id)
	}
	d.mu.Unlock()
	if len(left) > 0 {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.inbox.ReleaseUpdates(rctx, left); err != nil {
			d.log.Warn("give back updates", "updates", len(left), "error", err)
		}
	}
	return nil
}

// keep renews the leases on the updates held, and claims updates whose
// lease ended, at once and then at most every quarter lease, until ctx
// ends: on the clock's multiples of the quarter lease (lease.Next), where
// an idle replica's other periodic work comes due too, so that it wakes
// once for all of them.
//
// It is not a lease.Lead loop: there is no one named lease to take, lose
// or give back, but one deadline per update held, pushed back together
// (RenewUpdates, which names no owner), and the claim of updates whose
// deadline passed, in the same turn.
func (d *Dispatcher) keep(ctx context.Context) {
	every := d.opts.Lease / 4
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		start := time.Now()
		d.mu.Lock()
		ids := make([]int64, 0, len(d.held))
		for id := range d.held {
			ids = append(ids, id)
		}
		room := d.opts.MaxHeld - len(d.held)
		d.mu.Unlock()
		if len(ids) > 0 {
			if err := d.inbox.RenewUpdates(ctx, ids, d.opts.Lease); err != nil && ctx.Err() == nil {
				d.log.Warn("renew update leases", "updates", len(ids), "error", err)
			}
		}
		if room > 0 {
			d.recover(ctx, room)
		}
		t.Reset(time.Until(lease.Next(start, every)))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recover takes over up to n updates whose holder's lease ended.
func (d *Dispatcher) recover(ctx context.Context, n int) {
	claimed, err := d.inbox.ClaimUpdates(ctx, n, d.opts.Lease)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("claim updates", "error", err)
		}
		return
	}
	us := make([]tg.Update, 0, len(claimed))
	var bad []int64
	for _, c := range claimed {
		var u tg.Update
		if err := json.Unmarshal([]byte(c.Data), &u); err != nil {
			d.log.Error("decode update from the inbox", "update_id", c.ID, "error", err)
			bad = append(bad, c.ID)
			continue
		}
		us = append(us, u)
	}
	if len(bad) > 0 {
		d.done(ctx, bad)
	}
	if len(us) == 0 {
		return
	}
	d.mu.Lock()
	d.stats.Recovered += int64(len(us))
	d.mu.Unlock()
	d.m.recovered.Add(float64(len(us)))
	d.log.Info("took over updates", "updates", len(us))
	d.queue(ctx, us)
}

// worker handles one update at a time, taking chats in turn.
func (d *Dispatcher) worker(ctx context.Context) {
	for {
		d.mu.Lock()
		for len(d.ready) == 0 && !d.stopping {
			d.work.Wait()
		}
		if d.stopping {
			d.mu.Unlock()
			return
		}
		k := d.ready[0]
		d.ready = d.ready[1:]
		q := d.queues[k]
		u := q.waiting[0]
		q.waiting[0] = tg.Update{}
		q.waiting = q.waiting[1:]
		q.busy = true
		d.handling++
		d.mu.Unlock()

		finished := d.handle(ctx, u)

		d.mu.Lock()
		d.handling--
		q.busy = false
		if len(q.waiting) > 0 {
			d.ready = append(d.ready, k) // to the back: the other chats' turn first
			d.work.Signal()
		} else {
			delete(d.queues, k)
		}
		if finished {
			d.letGoLocked(u.ID)
			d.finished = append(d.finished, u.ID)
		}
		d.m.held.Set(float64(len(d.held)))
		d.mu.Unlock()
		select { // flushDone looks again: one more handled, or one fewer being handled
		case d.finishedWake <- struct{}{}:
		default:
		}
	}
}

// flushDone removes the handled updates from the inbox (see doneLinger),
// until workersDone is closed and it has removed the last.
func (d *Dispatcher) flushDone(ctx context.Context, workersDone <-chan struct{}) {
	var linger *time.Timer
	for {
		d.mu.Lock()
		n, busy := len(d.finished), d.handling
		d.mu.Unlock()
		switch {
		case n == 0:
			if linger != nil {
				linger.Stop()
				linger = nil
			}
			select {
			case <-d.finishedWake:
				continue
			case <-workersDone:
				return
			}
		case n < doneBatch && busy > 0:
			if linger == nil {
				linger = time.NewTimer(doneLinger)
			}
			select {
			case <-d.finishedWake:
				continue
			case <-linger.C:
			case <-workersDone:
			}
		}
		if linger != nil {
			linger.Stop()
			linger = nil
		}
		d.mu.Lock()
		ids := d.finished
		d.finished = nil
		d.mu.Unlock()
		d.done(ctx, ids)
	}
}

// handle hands u to the bot (its sender's rate was taken as it arrived:
// Accept). It reports false when ctx ended before u was handled: u stays
// in the inbox.
func (d *Dispatcher) handle(ctx context.Context, u tg.Update) bool {
	err := d.h.HandleUpdate(ctx, u)
	if err != nil && ctx.Err() != nil {
		return false
	}
	if err != nil {
		d.log.Error("handle update", "update_id", u.ID, "error", err)
	}
	d.mu.Lock()
	d.stats.Handled++
	d.mu.Unlock()
	return true
}

// rated reports whether u counts against its sender's rate (a command to
// this bot, a button press) and the sender's key.
func (d *Dispatcher) rated(u tg.Update) (int64, bool) {
	switch {
	case u.Message != nil && u.Message.MigrateTo == 0:
		if !d.h.IsCommand(u.Message.Text) {
			return 0, false
		}
		k := SenderKey(u.Message.From, u.Message.SenderChat)
		return k, k != 0
	case u.Callback != nil:
		return u.Callback.From.ID, u.Callback.From.ID != 0
	}
	return 0, false
}

// done removes updates from the inbox, even as the dispatcher stops.
func (d *Dispatcher) done(ctx context.Context, ids []int64) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.inbox.DoneUpdates(dctx, ids); err != nil {
		// Left in the inbox, they are handled again after the lease:
		// a repeat, never a loss.
		d.log.Warn("remove handled updates from the inbox", "updates", len(ids), "error", err)
	}
}

// Stats reports what the dispatcher holds and has done.
func (d *Dispatcher) Stats() DispatchStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	s.Held, s.Chats = len(d.held), len(d.queues)
	for _, q := range d.queues {
		s.MaxWaiting = max(s.MaxWaiting, len(q.waiting))
	}
	return s
}
