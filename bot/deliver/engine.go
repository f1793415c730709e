package deliver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/internal/lru"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/lease"
)

// Delivery tuning. The streams are read in batches; a replica holds at most
// Config.Backlog jobs so a huge fan-out stays in Redis, not in memory.
const (
	readBatch = 256
	// readBlock is how long a reader waits on the streams while jobs come;
	// once a second of reads found none it waits until the next balance
	// turn, at most idleReadBlock: the read wakes the moment a job arrives
	// either way, and the longer wait spares an idle replica all but one
	// read per turn (with the default shard lease, one read in 2.5 s
	// instead of one a second). A blocked XREADGROUP cannot be cancelled
	// (go-redis honours deadlines, not cancellation), so idleReadBlock
	// bounds how long a shutdown waits for the reader.
	readBlock      = 250 * time.Millisecond
	idleReadBlock  = 3 * time.Second
	idleAfterReads = 4
	DefaultBacklog = 5000
	maxDigestSize  = 12
	// lanesEvery is how often a busy replica reads the list of open lanes
	// (an idle one reads it only with each shard turn, in the same round
	// trip, every ShardLease/4, just before a read that waits until the
	// next turn: a new lane then waits at most that long for its first
	// read, a small share of a fan-out big enough for a lane), and
	// closeLanesEvery how often it closes the drained ones (none while the
	// list it read holds no lane); a lane stays open at least laneMinAge,
	// so one still being filled is not closed.
	lanesEvery      = time.Second
	closeLanesEvery = 30 * time.Second
	laneMinAge      = time.Minute
	// maxPullAhead bounds the older lanes one send looks into.
	maxPullAhead = 8
	// maxRetryWait caps the back-off between sends of a failing job.
	maxRetryWait = 30 * time.Second
	// sendTimeout bounds one send and the writes that settle it.
	sendTimeout = 30 * time.Second
	// flushBatch bounds the sent records written in one round trip, and
	// flushLinger is how long a record waits at most for others, or for a
	// check's round trip to carry it: a crash in that window resends
	// those few, as it would a send in flight.
	flushBatch  = 1024
	flushLinger = 10 * time.Millisecond
)

// deliveryState is what a replica's senders share beyond the store: the
// bot-wide pacer and the caches of items and rendered cards.
type deliveryState struct {
	pacer *Pacer
	items *lru.Cache[string, feeds.Item]
	cards *lru.Cache[cardKey, card.Message]
	zones *lru.Cache[string, *time.Location] // chats' time zones, loaded once each
	// refused holds, by chat and items, the simpler form a refused
	// message had reached when its send failed otherwise (a 429, a 5xx):
	// the retry starts there (sendNews).
	refused *lru.Cache[string, card.Message]
	// outage parks delivery while Telegram fails for every chat.
	outage Outage

	mu    sync.Mutex
	lanes []storage.Lane // open lanes, oldest first, as last read
	// noAhead holds chats whose items owed ahead failed to send: until the
	// time given they get their own jobs first.
	noAhead map[int64]time.Time
}

func (d *deliveryState) skipAhead(chatID int64, until time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.noAhead == nil {
		d.noAhead = map[int64]time.Time{}
	}
	for id, t := range d.noAhead {
		if time.Now().After(t) {
			delete(d.noAhead, id)
		}
	}
	d.noAhead[chatID] = until
}

func (d *deliveryState) aheadAllowed(chatID int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.noAhead[chatID]
	return !ok || time.Now().After(t)
}

func (d *deliveryState) setLanes(l []storage.Lane) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lanes = l
}

func (d *deliveryState) openLanes() []storage.Lane {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lanes
}

// cardKey is what a rendered card depends on besides the item.
type cardKey struct{ item, lang, tz string }

func newDeliveryState(store SlotStore, globalRate float64) *deliveryState {
	return &deliveryState{
		pacer:   NewPacer(store, globalRate),
		items:   lru.New[string, feeds.Item](1024),
		cards:   lru.New[cardKey, card.Message](4096),
		zones:   lru.New[string, *time.Location](256),
		refused: lru.New[string, card.Message](1024),
	}
}

// RunDelivery consumes the delivery stream as consumer until ctx ends:
// one reader fills a per-chat scheduler, cfg.Workers senders drain it, and
// one writer records what was sent, many sends per round trip.
// Each chat is served by one sender at a time, so its items keep their
// order, and a chat waiting for its limit never blocks another chat.
func (e *Engine) RunDelivery(ctx context.Context, consumer string) error {
	if err := e.store.EnsureGroup(ctx); err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	w := &sendRun{rec: newRecorder(e), chk: NewChecker(e.store)}
	w.chk.records = w.rec
	s := newScheduler(e.now)
	// A job sent but not yet recorded is still pending in Redis: a claim
	// that returns it (Reclaim) must not queue it for a second send.
	s.skip = w.rec.pending
	w.owns = s.owns
	ahead := checkAhead(e.cfg.Limits.GlobalPerSecond, e.cfg.Workers)
	var wg sync.WaitGroup
	for range e.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ts := s.nextMany(ctx, ahead, e.cfg.Workers)
				if ts == nil {
					return
				}
				e.serveChats(ctx, ts, w, func(t taken, out outcome) { s.done(t.q, t.jobs, out) })
				e.metrics.Backlog.Set(float64(s.len()))
			}
		}()
	}
	err := e.readJobs(ctx, consumer, s, w.rec)
	// Sends in flight may take a while to finish: the shards stay this
	// replica's until they are recorded, then go to the others at once.
	// (Shard turns, not a lease.Lead loop: see readJobs.)
	keep, stopKeeping := context.WithCancel(context.WithoutCancel(ctx))
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		for Sleep(keep, e.cfg.ShardLease/4) {
			if _, _, err := e.store.BalanceShards(keep, consumer, e.cfg.ShardLease, storage.ShardTurn{}); err != nil && keep.Err() == nil {
				e.log.Warn("keep delivery shards while stopping", "error", err)
			}
		}
	}()
	wg.Wait()
	w.rec.close() // every send made is recorded before RunDelivery returns
	stopKeeping()
	<-kept
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if lerr := e.store.LeaveShards(lctx, consumer); lerr != nil {
		e.log.Warn("hand shards over", "error", lerr)
	}
	return err
}

// readJobs moves jobs from the streams into the scheduler.
//
// Every ShardLease/4 it takes this replica's turn at sharing the shards of
// chats (BalanceShards), on the clock's multiples of ShardLease/4
// (lease.Next: the first turn after a start may come sooner, none later),
// where an idle replica's other periodic work comes due too, so that it
// wakes once for all of it. A shard it gains brings the jobs its last
// owner left (ClaimShard). A shard beyond its fair share is drained first: its
// chats are no longer handed out, and once none of them has a send in
// flight the shard is given back, so it changes hands with nothing in
// flight. The scheduler serves a chat, and a sender sends, only while the
// lease of its shard is sure (half the lease time after the last renewal),
// and the streams are read only then too: a replica back from a pause or
// cut off from Redis never sends, nor takes, what another now owns. Every
// ShardLease the jobs of its shards left pending too long, by anyone, are
// taken back (Reclaim), so a lost ack or a read made while unsure never
// strands a job.
//
// The shards are not kept with lease.Lead: a turn is more than renewing a
// lease. It takes and gives back shards for a fair share among the live
// replicas, what it returns decides which chats the scheduler serves and
// until when (half the lease after the turn began), and a replica that
// cannot renew keeps running and only stops reading and sending, instead
// of ending its work and giving everything back.
func (e *Engine) readJobs(ctx context.Context, consumer string, s *scheduler, rec *recorder) error {
	r := &reader{e: e, consumer: consumer, s: s, rec: rec, ttl: e.cfg.ShardLease}
	for ctx.Err() == nil {
		if !time.Now().Before(r.turnDue()) {
			r.balance(ctx)
		}
		if time.Since(r.lastBalance) >= r.ttl/2 {
			// Not surely ours: read nothing until a renewal says what is.
			Sleep(ctx, min(100*time.Millisecond, r.ttl/8))
			continue
		}
		if !time.Now().Before(r.sweepDue()) {
			r.sweep(ctx) // the turn could not sweep (see balance)
		}
		r.refreshLanes(ctx)
		if !r.read(ctx) {
			break
		}
	}
	return nil
}

// reader is readJobs' state between its turns.
type reader struct {
	e        *Engine
	consumer string
	s        *scheduler
	rec      *recorder
	ttl      time.Duration
	// owned are the shards this replica serves, draining those beyond its
	// fair share being emptied to be given back.
	owned, draining                              []int
	lastBalance, lastSweep, lastLanes, lastClose time.Time
	empty                                        int // reads in a row that found nothing
}

// idle reports whether the last reads found nothing: the reader then
// waits longer on the streams, and reads the lanes less often.
func (r *reader) idle() bool { return r.empty >= idleAfterReads }

// turnDue is when the next shard turn is due: ttl/4 after the last one
// began, or sooner, on the clock's multiples of ttl/4 (lease.Next).
func (r *reader) turnDue() time.Time { return lease.Next(r.lastBalance, r.ttl/4) }

// sweepDue is when the next sweep is due: ttl after the last, or sooner,
// on the clock's multiples of ttl, which are turns' (a sweep counted from
// the end of the last one would wait for the turn after, 5/4 ttl apart).
func (r *reader) sweepDue() time.Time { return lease.Next(r.lastSweep, r.ttl) }

// balance takes this replica's turn at sharing the shards: it gives back
// the drained shards once their sends are recorded, takes its share, and
// claims the jobs the last owner of a shard it gained left.
func (r *reader) balance(ctx context.Context) {
	e, s, ttl := r.e, r.s, r.ttl
	start := time.Now()
	var give []int
	for _, k := range r.draining {
		if !s.busyIn(k) {
			give = append(give, k)
		}
	}
	// Their chats can no longer be served here: once the sends
	// made are recorded, nothing of them is in flight.
	if len(give) > 0 {
		sctx, cancel := context.WithTimeout(ctx, ttl/4)
		if err := r.rec.sync(sctx); err != nil {
			give = nil // try again next turn
		}
		cancel()
	}
	// The turn reads the open lanes and, when due, sweeps the shards in the
	// same round trip (TakeTurn). It sweeps the shards held before the
	// turn, so only while they are surely still this replica's; otherwise
	// readJobs sweeps after the turn, as a round trip of its own.
	turn := storage.ShardTurn{Take: true, Give: give, Lanes: true}
	sweep := !start.Before(r.sweepDue()) && len(r.owned) > 0 && time.Since(r.lastBalance) < ttl/2
	if sweep {
		turn.Sweep = storage.Sweep{Shards: r.owned, Lanes: laneIDs(e.dl.openLanes()), MinIdle: 2 * ttl, Count: e.cfg.Backlog}
	}
	t, err := e.store.TakeTurn(ctx, r.consumer, ttl, turn)
	if sweep {
		serr := t.SweepErr
		if ctx.Err() != nil {
			serr = nil // shutting down
		}
		r.swept(t.Reclaimed, serr)
	}
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("renew delivery shards", "error", err)
		}
		return
	}
	got, share := t.Owned, t.Share
	r.lastBalance = start
	r.lastLanes = start
	e.dl.setLanes(t.Lanes)
	// The highest shards beyond the share drain, to be given back.
	r.draining = nil
	if len(got) > share {
		r.draining = slices.Clone(got[share:])
		got = got[:share]
	}
	s.own(got, start.Add(ttl/2))
	for _, k := range got {
		if slices.Contains(r.owned, k) {
			continue
		}
		claimed, err := e.store.ClaimShard(ctx, r.consumer, k)
		if err != nil {
			e.log.Warn("take over shard", "shard", k, "error", err)
			continue // Reclaim brings them later
		}
		if len(claimed) > 0 {
			e.log.Info("took over deliveries of another replica", "shard", k, "jobs", len(claimed))
			e.metrics.Claimed.Add(float64(len(claimed)))
		}
		s.add(claimed...)
	}
	if !slices.Equal(r.owned, got) {
		e.log.Info("delivery shards", "owned", got, "draining", r.draining)
	}
	r.owned = got
}

// sweep takes back the jobs of this replica's shards left pending too
// long, by anyone.
func (r *reader) sweep(ctx context.Context) {
	back, err := r.e.store.Reclaim(ctx, r.consumer, r.owned, 2*r.ttl, r.e.cfg.Backlog)
	if ctx.Err() != nil {
		err = nil
	}
	r.swept(back, err)
}

// swept takes in what a sweep took back (Reclaim, or a turn's).
func (r *reader) swept(back []storage.Delivery, err error) {
	e := r.e
	r.lastSweep = time.Now()
	if err != nil {
		e.log.Warn("take back stranded deliveries", "error", err)
	}
	if n := r.s.add(back...); n > 0 {
		e.log.Info("took back deliveries left pending", "jobs", n)
		e.metrics.Claimed.Add(float64(n))
	}
}

// laneIDs are the ids of lanes.
func laneIDs(lanes []storage.Lane) []string {
	ids := make([]string, len(lanes))
	for i, l := range lanes {
		ids[i] = l.ID
	}
	return ids
}

// refreshLanes reads the list of open lanes when due, and now and then
// closes the drained ones.
func (r *reader) refreshLanes(ctx context.Context) {
	e := r.e
	if time.Since(r.lastClose) > closeLanesEvery {
		r.lastClose = time.Now()
		// The list read is at most a turn old: a lane missing from it was
		// opened since, too recently to close.
		if len(e.dl.openLanes()) > 0 {
			if _, err := e.store.CloseDrainedLanes(ctx, laneMinAge); err != nil && ctx.Err() == nil {
				e.log.Warn("close drained lanes", "error", err)
			}
		}
	}
	// An idle replica reads the lanes with its turns only.
	if r.idle() || time.Since(r.lastLanes) <= lanesEvery {
		return
	}
	r.lastLanes = time.Now()
	if lanes, err := e.store.Lanes(ctx); err == nil {
		e.dl.setLanes(lanes)
	} else if ctx.Err() == nil {
		e.log.Warn("read lanes", "error", err)
	}
}

// read reads the next jobs of the owned shards and the open lanes into
// the scheduler, as much as the backlog leaves room for; false once ctx
// ends.
func (r *reader) read(ctx context.Context) bool {
	e, s, ttl := r.e, r.s, r.ttl
	// The lanes' jobs fill at most Backlog; the shared streams' small
	// fan-outs are read as long as they alone leave room, so a replica
	// full of a big fan-out still picks up the next small one at once.
	all, lanes := s.sizes()
	if all-lanes >= e.cfg.Backlog {
		Sleep(ctx, 100*time.Millisecond)
		return true
	}
	if len(r.owned) == 0 {
		// Every shard is another replica's: nothing to read until a
		// turn gives this one some.
		Sleep(ctx, min(readBlock, ttl/4))
		return true
	}
	count := max(16, readBatch/len(r.owned))
	var laneIDs []string
	if all < e.cfg.Backlog {
		for _, l := range e.dl.openLanes() {
			laneIDs = append(laneIDs, l.ID)
		}
	}
	// The wait ends by the next balance turn, so the lease stays sure.
	block := min(readBlock, ttl/4)
	if r.idle() {
		block = max(min(idleReadBlock, time.Until(r.turnDue())), block)
	}
	ds, err := e.store.ReadShards(ctx, r.consumer, r.owned, laneIDs, count, block)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		e.log.Warn("read deliveries", "error", err)
		Sleep(ctx, time.Second)
		return true
	}
	if len(ds) == 0 {
		r.empty++
	} else {
		r.empty = 0
	}
	s.add(ds...)
	e.metrics.Backlog.Set(float64(s.len()))
	return true
}

// outcome is what serving a chat did to its queue.
type outcome struct {
	done    int       // jobs finished (sent, acked, dead-lettered) from the front
	dropAll bool      // the chat is gone or moved: every queued job was settled
	retryAt time.Time // zero: the chat may be served again right away (limits permitting)
}

// maxCheckAhead is how many ready chats a sender takes at most at once,
// their pre-send checks made in one round trip (scheduler.nextMany), and
// checkAheadHold how long at most the last of them may wait behind the
// others' sends: a chat taken waits for the sends before it, each a slot
// of the rate shared by every sender.
const (
	maxCheckAhead  = 8
	checkAheadHold = 100 * time.Millisecond
)

// checkAhead is how many ready chats a sender takes at once at the given
// rate with workers senders: as many as the senders' sends within
// checkAheadHold, so only a fast rate (a fan-out at hundreds a second)
// batches its checks, and a chat of a small fan-out that becomes ready
// while every sender holds a big one's waits at most about that long more;
// at Telegram's 30/s a sender takes one chat at a time as before.
func checkAhead(rate float64, workers int) int {
	return min(maxCheckAhead, 1+int(rate*checkAheadHold.Seconds()/float64(max(workers, 1))))
}

// serveChats serves the chats a sender took (nextMany) one after the
// other, telling done each one's outcome as it is known. The cards' chats
// are checked together, in one round trip, before the first is sent: the
// check of each is still its own (its park, a token of its limit, its sent
// records, its settings), made while no other sender may serve it, and
// each send still waits for its own bot-wide slot and passes its own gate.
// Edits and broadcasts are served alone, first.
func (e *Engine) serveChats(ctx context.Context, ts []taken, run *sendRun, done func(t taken, out outcome)) {
	plans := make([]*cardPlan, len(ts))
	qs := make([]storage.SendQuery, 0, len(ts))
	for i, t := range ts {
		if out, alone := e.serveAlone(ctx, t.q.id, t.jobs, run); alone {
			done(t, out)
			continue
		}
		plans[i] = e.planCards(t.q.id, t.jobs)
		qs = append(qs, plans[i].query)
	}
	if len(qs) == 0 {
		return
	}
	scs, err := run.chk.CheckMany(ctx, qs)
	k := 0
	for i, t := range ts {
		if plans[i] == nil {
			continue
		}
		var sc storage.SendCheck
		if err == nil {
			sc = scs[k]
		}
		k++
		done(t, e.serveCards(ctx, t.q.id, t.jobs, plans[i], sc, err, run))
	}
}

// serveAlone serves what is not a card: nothing while Telegram is down,
// an edit, a broadcast. alone is false for cards (planCards, serveCards).
func (e *Engine) serveAlone(ctx context.Context, chatID int64, jobs []storage.Delivery, run *sendRun) (out outcome, alone bool) {
	if until, parked := e.dl.outage.ParkedUntil(e.now()); parked {
		return outcome{retryAt: until}, true // Telegram is down: not even a Redis round trip
	}
	if jobs[0].Edit {
		return e.serveEdit(ctx, chatID, jobs[0], run), true
	}
	if isBroadcast(jobs[0].ItemID) {
		return e.serveBroadcast(ctx, chatID, jobs, run), true
	}
	return outcome{}, false
}

// cardPlan is what a chat's cards need checked before they go: the jobs a
// digest could take, the lanes' items owed ahead, the items looked up.
type cardPlan struct {
	ahead []storage.Lane
	batch []storage.Delivery
	known map[string]feeds.Item
	lim   storage.Limit
	query storage.SendQuery
}

// planCards works out which of a chat's jobs its next message may carry
// and what its pre-send check asks: one card, or one digest when more
// than DigestThreshold items wait.
func (e *Engine) planCards(chatID int64, jobs []storage.Delivery) *cardPlan {
	// Older items of other streams this chat is owed go first: a lane
	// read later than this chat's job still published before it.
	ahead := e.lanesAhead(jobs)
	// One card, or a digest of the new items waiting (edits go one by one).
	// With lanes to look into, every job a digest could take is checked,
	// since the items owed ahead may tip the chat into a digest.
	batch := digestCandidates(jobs, e.cfg.DigestThreshold, len(ahead) > 0)
	ids := make([]string, len(batch), len(batch)+len(ahead))
	var fetch, laneIDs []string
	for i, d := range batch {
		ids[i] = d.ItemID
	}
	for _, l := range ahead {
		ids = append(ids, l.ItemID)
		laneIDs = append(laneIDs, l.ID)
	}
	// The items this serve uses, looked up once: the shared cache may drop
	// one meanwhile, and an item missing here means it expired.
	known := make(map[string]feeds.Item, len(ids))
	for _, id := range ids {
		if it, ok := e.dl.items.Get(id); ok {
			known[id] = it
		} else if !slices.Contains(fetch, id) {
			fetch = append(fetch, id)
		}
	}
	q := e.checkQuery(chatID)
	q.ItemIDs, q.Fetch, q.Lanes = ids, fetch, laneIDs
	return &cardPlan{ahead: ahead, batch: batch, known: known, lim: q.Limit, query: q}
}

// serveCards sends the next message a chat is owed, as planned, after its
// check (sc, or the round trip's err): the bot-wide slot comes from the
// pacer; the sent record is written by the recorder, batched with other
// senders'.
func (e *Engine) serveCards(ctx context.Context, chatID int64, jobs []storage.Delivery, p *cardPlan, sc storage.SendCheck, err error, run *sendRun) outcome {
	now := e.now()
	ahead, batch, known, lim := p.ahead, p.batch, p.known, p.lim
	switch paused, retryAt, ok := e.ready(ctx, chatID, sc, err, now); {
	case paused:
		return e.skipPaused(ctx, jobs)
	case !ok:
		return outcome{retryAt: retryAt}
	}
	for id, it := range sc.Items {
		e.dl.items.Put(id, it)
		known[id] = it
	}
	// The lanes' items still owed to the chat, and not sent already (a
	// sent record is written before the lane's list is updated).
	var owed []storage.Delivery
	for j, l := range ahead {
		if _, ok := known[l.ItemID]; ok && sc.Owed[j] && !sc.Sent[len(batch)+j] {
			owed = append(owed, storage.Delivery{Lane: l.ID, Job: storage.Job{ChatID: chatID, ItemID: l.ItemID}})
		}
	}
	nOwed, nBatch := messageShape(len(owed), len(batch), len(jobs), e.cfg.DigestThreshold)
	owed, batch, sentFlags := owed[:nOwed], batch[:nBatch], sc.Sent[:nBatch]
	if len(owed) == 0 {
		batch, sentFlags = breakingApart(batch, sentFlags, known)
	}
	if len(owed) > 0 {
		e.metrics.SentAhead.Add(float64(len(owed)))
	}
	items, pending, ok := e.toSend(ctx, sc.Chat, owed, batch, sentFlags, known, now)
	if !ok {
		return outcome{retryAt: now.Add(time.Second)}
	}
	if len(pending) == 0 {
		return outcome{done: len(batch)}
	}
	probe, retryAt, err := e.deliveryGate(run).Clear(ctx, chatID, now)
	if err != nil {
		return outcome{retryAt: retryAt}
	}
	// Past its slot a send is committed: a shutdown lets it finish and be
	// recorded rather than leave Telegram's answer unknown (a resend later).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	sent, err := e.sendNews(ctx, chatID, items, sc.Chat, sc.Held)
	if out, parked := e.afterSend(chatID, err, probe); parked {
		return out
	}
	out := e.settle(ctx, chatID, jobs, batch, pending, sent, err, run.rec)
	if err == nil {
		// The chat's next message waits a full interval after this one
		// left, however long this one waited for its bot-wide slot.
		out.retryAt = sent.At.Add(lim.Period / time.Duration(lim.Rate))
	}
	return out
}

// toSend is what of a chat's next message goes: the items owed ahead
// and the batch's, less the jobs that need no send (sent before a crash
// or ahead of their lane, expired items), which are acked, and less what
// the chat's own choices drop or hold for a digest (holdIfWaiting). ok is
// false when an ack or a hold failed: the chat is served again later.
func (e *Engine) toSend(ctx context.Context, chat storage.Chat, owed, batch []storage.Delivery, sentFlags []bool, known map[string]feeds.Item, now time.Time) (items []feeds.Item, pending []storage.Delivery, ok bool) {
	// Settle jobs that need no send: sent before a crash or ahead of their
	// lane, or expired items.
	var settled []storage.Delivery
	for _, d := range owed {
		items = append(items, known[d.ItemID])
		pending = append(pending, d)
	}
	for i, d := range batch {
		it, ok := known[d.ItemID]
		if sentFlags[i] || !ok {
			settled = append(settled, d)
			// Counted, so that the program's own accounts say where
			// every job went (issue 14's load scenario checks them).
			if sentFlags[i] {
				e.metrics.Sends.WithLabelValues("duplicate").Inc()
			} else {
				e.metrics.Sends.WithLabelValues("expired").Inc()
			}
			continue
		}
		items = append(items, it)
		pending = append(pending, d)
	}
	if len(settled) > 0 {
		if err := e.store.Ack(ctx, settled...); err != nil {
			return nil, nil, false
		}
	}
	if len(pending) > 0 {
		// The chat's own choices: keyword filters drop items, digest modes
		// and quiet hours hold them in Redis for a later digest.
		kept, dropped, held, err := e.holdIfWaiting(ctx, chat, items, now)
		if err != nil {
			return nil, nil, false
		}
		if len(dropped)+len(held) > 0 {
			var ack, keptPending []storage.Delivery
			settled := map[int]bool{}
			for _, i := range dropped {
				settled[i] = true
				e.metrics.Sends.WithLabelValues("filtered").Inc()
			}
			for _, i := range held {
				settled[i] = true
			}
			for i, d := range pending {
				if settled[i] {
					ack = append(ack, d)
				} else {
					keptPending = append(keptPending, d)
				}
			}
			if err := e.store.Ack(ctx, ack...); err != nil {
				return nil, nil, false
			}
			items, pending = kept, keptPending
		}
	}
	return items, pending, true
}

// lanesAhead lists the open lanes (cards, not edits) that started before
// the chat's first job was enqueued, whose items the chat's queue does not
// hold: the chat may be owed their items before its own jobs.
func (e *Engine) lanesAhead(jobs []storage.Delivery) []storage.Lane {
	if !e.dl.aheadAllowed(jobs[0].ChatID) {
		return nil
	}
	head := jobs[0].Enqueued()
	var out []storage.Lane
	for _, l := range e.dl.openLanes() {
		if len(out) == maxPullAhead {
			break
		}
		if l.Edit || isBroadcast(l.ItemID) || l.ID == jobs[0].Lane || !l.Start.Before(head) ||
			slices.ContainsFunc(jobs, func(d storage.Delivery) bool { return d.ItemID == l.ItemID }) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// compose is the message that brings items to a chat: one card, or a
// digest of several, with the chat's choices (silent, previews) applied.
// The delivery workers and the digest sender both send it (sendNews).
func (e *Engine) compose(chatID int64, items []feeds.Item, chat storage.Chat) card.Message {
	var m card.Message
	if len(items) == 1 {
		m = e.renderCard(items[0], chat)
	} else {
		m = e.digest(items, chat, true)
	}
	m.ChatID = chatID
	return e.forChat(m, chat)
}

// renderCard renders an item's card for a chat, once per item, language
// and time zone in this replica.
func (e *Engine) renderCard(it feeds.Item, chat storage.Chat) card.Message {
	k := cardKey{it.ID, chat.Lang, chat.TZ}
	if m, ok := e.dl.cards.Get(k); ok {
		return m
	}
	m := e.render.Card(it, chat).Render()
	e.dl.cards.Put(k, m)
	return m
}

// settle applies Telegram's answer to the jobs: the error policy of
// ../shared/TELEGRAM.md in one place.
func (e *Engine) settle(ctx context.Context, chatID int64, jobs, batch, pending []storage.Delivery, sent sentNews, err error, rec *recorder) outcome {
	now := e.now()
	rl := rateLimit(err)
	global := e.dl.pacer.Observe(rl != nil)
	switch judge(sendCard, err) {
	case actSent:
		for _, d := range pending {
			rec.add(storage.Sent{Delivery: d, MessageID: sentMessageID(sent.ID, len(pending)), Photo: sent.Photo != "", At: now})
		}
		e.metrics.Sends.WithLabelValues("ok").Inc()
		return outcome{done: len(batch)}
	case actPark:
		return e.rateLimited(ctx, chatID, rl, global, now)
	case actForget:
		e.metrics.Sends.WithLabelValues("chat_gone").Inc()
		e.log.Info("chat gone, dropping its subscriptions", "chat_id", chatID, "error", err)
		if ferr := e.store.ForgetChat(ctx, chatID); ferr != nil {
			e.log.Error("forget chat", "chat_id", chatID, "error", ferr)
			return outcome{retryAt: now.Add(time.Second)}
		}
		e.ackAll(ctx, jobs)
		return outcome{dropAll: true}
	case actMigrate:
		var mig *tg.MigratedError
		errors.As(err, &mig)
		return e.migrateJobs(ctx, chatID, mig.To, jobs, now)
	case actPause:
		// Retrying cannot help until the chat's admins change something:
		// no attempt is spent, and its other jobs are settled unsent.
		if perr := e.pauseChat(ctx, chatID, err); perr != nil {
			e.log.Error("pause chat", "chat_id", chatID, "error", perr)
			return outcome{retryAt: now.Add(time.Second)}
		}
		e.ackAll(ctx, jobs)
		return outcome{dropAll: true}
	case actGiveUp:
		// Refused in every form sendNews tried: our bug, never retried.
		e.metrics.Sends.WithLabelValues("rejected").Inc()
		e.deadLetter(ctx, pending, err)
		return outcome{done: len(batch)}
	}
	// actRetry: it may pass later.
	e.metrics.Sends.WithLabelValues("error").Inc()
	if len(batch) == 0 {
		// Only an item owed ahead failed: the chat's own job keeps its
		// attempts, and the next turns send its own jobs first for a while.
		e.dl.skipAhead(chatID, now.Add(time.Minute))
		wait := retryWait(1)
		e.log.Warn("send of an item owed ahead failed, will retry", "chat_id", chatID, "retry_in", wait, "error", err)
		return outcome{retryAt: now.Add(wait)}
	}
	d := &jobs[0]
	d.Attempt++
	if d.Attempt >= e.cfg.MaxAttempts {
		e.deadLetter(ctx, pending, err)
		return outcome{done: len(batch)}
	}
	wait := retryWait(d.Attempt)
	e.log.Warn("send failed, will retry", "chat_id", chatID, "attempt", d.Attempt, "retry_in", wait, "error", err)
	return outcome{retryAt: now.Add(wait)}
}

// rateLimit is err's 429, nil when err is none. Its errors.As target
// escapes to the heap, so a send that went (err nil) never declares one.
func rateLimit(err error) *tg.RateLimitError {
	if err == nil {
		return nil
	}
	var rl *tg.RateLimitError
	if errors.As(err, &rl) {
		return rl
	}
	return nil
}

// migrateJobs moves a chat that became a supergroup, and the jobs queued
// for it, to its new id: they are queued again for the new chat and
// settled for the old one.
func (e *Engine) migrateJobs(ctx context.Context, chatID, to int64, jobs []storage.Delivery, now time.Time) outcome {
	e.metrics.Sends.WithLabelValues("migrated").Inc()
	e.log.Info("chat migrated", "chat_id", chatID, "to_chat_id", to)
	if merr := e.store.MigrateChat(ctx, chatID, to); merr != nil {
		e.log.Error("migrate chat", "chat_id", chatID, "error", merr)
		return outcome{retryAt: now.Add(time.Second)}
	}
	moved := make([]storage.Job, len(jobs))
	for i, d := range jobs {
		moved[i] = storage.Job{ChatID: to, ItemID: d.ItemID}
	}
	if eerr := e.store.Enqueue(ctx, moved); eerr != nil {
		e.log.Error("re-enqueue migrated jobs", "chat_id", to, "error", eerr)
		return outcome{retryAt: now.Add(time.Second)}
	}
	e.ackAll(ctx, jobs)
	return outcome{dropAll: true}
}

// afterSend shows a send's result to the outage tracker. When the failure
// is Telegram's, for every chat (parked), the job spends no attempt and
// waits for the outcome's time; otherwise settle applies the result.
func (e *Engine) afterSend(chatID int64, err error, probe bool) (outcome, bool) {
	v := e.dl.outage.Observe(chatID, err, probe, e.now())
	switch {
	case v.WentDown:
		e.metrics.Outages.Inc()
		e.log.Warn("Telegram fails for every chat: delivery parked, probing with back-off, no attempts spent",
			"probe_in", OutageFirstWait, "error", err)
	case v.CameBack:
		e.log.Info("Telegram answers again: delivery resumes", "parked_for", v.Down.Round(time.Millisecond))
	}
	if !v.Parked {
		return outcome{}, false
	}
	e.metrics.Sends.WithLabelValues("outage").Inc()
	return outcome{retryAt: v.RetryAt}, true
}

// rateLimited applies a 429: the chat is parked for its retry_after on
// every replica, and when the 429 is Telegram's bulk limit (it says so, or
// most recent sends got one: global) the whole bot is parked and slowed.
func (e *Engine) rateLimited(ctx context.Context, chatID int64, rl *tg.RateLimitError, global bool, now time.Time) outcome {
	e.metrics.Sends.WithLabelValues("rate_limited").Inc()
	if e.cfg.CountRateLimited != nil {
		e.cfg.CountRateLimited(ctx, now)
	}
	until := now.Add(rl.RetryAfter)
	if perr := e.store.Park(ctx, chatID, until); perr != nil {
		e.log.Error("park chat", "chat_id", chatID, "error", perr)
	}
	if rl.Global || global {
		e.metrics.GlobalParks.Inc()
		e.log.Warn("rate limited bot-wide: parking every replica and slowing down", "retry_after", rl.RetryAfter)
		if perr := e.dl.pacer.Park(ctx, until); perr != nil {
			e.log.Error("park bot", "error", perr)
		}
	} else {
		e.log.Warn("rate limited", "chat_id", chatID, "retry_after", rl.RetryAfter)
	}
	return outcome{retryAt: until}
}

// retryWait is the back-off before a failed job's next send: 1s doubled
// per attempt, at most maxRetryWait, with full ±50% jitter so the chats of
// one Telegram outage do not all come back at once.
func retryWait(attempt int) time.Duration {
	d := maxRetryWait
	if attempt < 10 {
		d = min(time.Second<<(attempt-1), maxRetryWait)
	}
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// sendRun is what the senders of one RunDelivery share.
type sendRun struct {
	rec *recorder
	chk *Checker
	// owns reports whether a chat's shard is surely this replica's now.
	owns func(chatID int64) bool
}

// recorder writes sent records and acks for every sender of a replica,
// as many per round trip as arrive within flushLinger of the first.
//
// The senders hand their sends over in a slice under a lock, not through
// a channel: a channel woke the writer for every send (a goroutine
// hand-off per delivery, issue 14); now only the first send of a batch
// wakes it, and the writer sleeps out the linger while the rest gather.
// Meanwhile the senders' checks take what waits into their own round
// trips (take): under load the writer mostly finds nothing left to write.
type recorder struct {
	e    *Engine
	kick chan struct{} // the first send of a batch, a barrier, or close
	done chan struct{}
	quit chan struct{} // closed when the delivery stops: flush stops waiting for ever

	mu sync.Mutex
	// notFull wakes senders waiting for room (add blocks once
	// maxRecordQueue sends wait: Redis out of reach holds the senders).
	notFull  *sync.Cond
	queue    []storage.Sent
	barriers []chan struct{} // closed once everything queued before them is written
	closed   bool
	// idle: the writer waits for a first send (add wakes it); otherwise
	// it lingers, and a send added after a check took the queue waits
	// for the linger's end like the rest.
	idle bool
	// riding counts the batches taken by checks' round trips and not yet
	// settled; rode signals each settled.
	riding int
	rode   *sync.Cond
	// since is when the oldest send queued was added, and wait how long
	// it waits at most for others (flushLinger, but for tests).
	since time.Time
	wait  time.Duration
	// unflushed counts, by key (keyOf), the sends added and not yet
	// written: their jobs are still pending in Redis, and a claim that
	// returns one must not queue it again.
	unflushed map[jobKey]int
}

// maxRecordQueue bounds the sends waiting to be written.
const maxRecordQueue = 4 * flushBatch

func newRecorder(e *Engine) *recorder {
	r := &recorder{e: e, kick: make(chan struct{}, 1), done: make(chan struct{}), quit: make(chan struct{}),
		unflushed: map[jobKey]int{}, wait: flushLinger}
	r.notFull = sync.NewCond(&r.mu)
	r.rode = sync.NewCond(&r.mu)
	go r.run()
	return r
}

func (r *recorder) add(s storage.Sent) {
	r.mu.Lock()
	for len(r.queue) >= maxRecordQueue && !r.closed {
		r.notFull.Wait()
	}
	r.unflushed[keyOf(s.Delivery)]++
	if len(r.queue) == 0 {
		r.since = time.Now()
	}
	r.queue = append(r.queue, s)
	// The first send of a batch wakes the writer, a full batch ends its
	// linger.
	kick := len(r.queue) == 1 && r.idle || len(r.queue) == flushBatch
	r.mu.Unlock()
	if kick {
		r.wake()
	}
}

func (r *recorder) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// pending reports whether a send of the delivery is added and not yet
// written.
func (r *recorder) pending(d storage.Delivery) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unflushed[keyOf(d)] > 0
}

// take hands the sends waiting, up to flushBatch, to a check's round
// trip (Checker.records). Until settled is told how their write went they
// count as being written: pending still reports them, and a barrier (sync,
// close) waits for them. A failed write puts them back for the writer.
func (r *recorder) take() ([]storage.Sent, func(error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 || r.closed {
		return nil, nil
	}
	n := min(len(r.queue), flushBatch)
	batch := slices.Clone(r.queue[:n])
	r.queue = append(r.queue[:0], r.queue[n:]...)
	r.riding++
	r.notFull.Broadcast()
	return batch, func(err error) {
		if err == nil {
			r.written(batch)
		}
		r.mu.Lock()
		r.riding--
		if err != nil {
			r.queue = append(batch, r.queue...)
			r.since = time.Time{} // written at once
		}
		r.rode.Broadcast()
		r.mu.Unlock()
		if err != nil {
			r.wake()
		}
	}
}

func (r *recorder) written(batch []storage.Sent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range batch {
		k := keyOf(s.Delivery)
		if r.unflushed[k]--; r.unflushed[k] <= 0 {
			delete(r.unflushed, k)
		}
	}
}

// sync returns once every send added before it is written (or its write
// given up on): a shard is handed over only after its sends are recorded,
// or the next owner would find them unrecorded and send them again.
func (r *recorder) sync(ctx context.Context) error {
	synced := make(chan struct{})
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return errors.New("recorder closed")
	}
	r.barriers = append(r.barriers, synced)
	r.mu.Unlock()
	r.wake()
	select {
	case <-synced:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close writes what is left and stops the writer.
func (r *recorder) close() {
	close(r.quit)
	r.mu.Lock()
	r.closed = true
	r.notFull.Broadcast()
	r.mu.Unlock()
	r.wake()
	<-r.done
}

func (r *recorder) run() {
	defer close(r.done)
	var batch []storage.Sent
	for {
		r.mu.Lock()
		work := len(r.queue) > 0 || len(r.barriers) > 0 || r.closed
		urgent := len(r.barriers) > 0 || r.closed || len(r.queue) >= flushBatch
		r.idle = !work
		r.mu.Unlock()
		if !work {
			<-r.kick
			continue
		}
		if !urgent {
			// Let the batch fill: a barrier, a full batch or close ends
			// the wait early (they kick); a kick left from before does not.
			select {
			case <-r.kick:
			default:
			}
			r.linger()
		}
		// With a barrier (or at close) everything queued now is written
		// before the barriers registered by now are released: the sends
		// added before a barrier are in the queue when it is. Otherwise
		// one batch is written, and what came meanwhile lingers for the
		// next unless a full batch waits.
		r.mu.Lock()
		barriers := r.barriers
		r.barriers = nil
		closed := r.closed
		r.mu.Unlock()
		drain := len(barriers) > 0 || closed
		for {
			r.mu.Lock()
			for drain && r.riding > 0 {
				// Sends added before the barrier may be in a check's
				// round trip: it settles them, or puts them back.
				r.rode.Wait()
			}
			n := min(len(r.queue), flushBatch)
			batch = append(batch[:0], r.queue[:n]...)
			r.queue = append(r.queue[:0], r.queue[n:]...)
			left := len(r.queue)
			r.notFull.Broadcast()
			r.mu.Unlock()
			if n > 0 {
				r.flush(batch)
				r.written(batch)
			}
			if left == 0 || !drain && left < flushBatch {
				break
			}
		}
		for _, c := range barriers {
			close(c)
		}
		if closed {
			r.mu.Lock()
			left := len(r.queue)
			r.mu.Unlock()
			if left == 0 {
				return
			}
		}
	}
}

// linger waits until the oldest send queued has waited flushLinger, or a
// barrier, a full batch or close kicks. The checks' round trips take the
// queue meanwhile (take): the wait then runs from the oldest send queued
// since, and ends when none is left.
func (r *recorder) linger() {
	for {
		r.mu.Lock()
		wait := r.wait - time.Since(r.since)
		done := len(r.queue) == 0 || wait <= 0
		r.mu.Unlock()
		if done {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.kick:
			t.Stop()
			return
		}
	}
}

// Recording sent jobs: each write has recordTimeout; a failed one is
// retried after a back-off doubling up to recordMaxWait for as long as the
// delivery runs, and for recordGrace once it stops.
const (
	recordTimeout = 10 * time.Second
	recordMaxWait = 2 * time.Second
	recordGrace   = 30 * time.Second
)

// flush writes a batch, retrying until it is written. A send Telegram took
// whose record is lost is sent again: its job stays pending and comes back
// (Reclaim) with no record to say it went. So a Redis out of reach, even
// for minutes, is waited out; meanwhile the senders wait too (add blocks
// once the queue is full), and the jobs in the queue are not claimed again
// (pending). Only a delivery that stops gives up, recordGrace later.
func (r *recorder) flush(batch []storage.Sent) {
	wait := 200 * time.Millisecond
	quit, giveUp := r.quit, (<-chan time.Time)(nil)
	for attempt := 1; ; attempt++ {
		// Not the delivery context: what was sent must be recorded even
		// while the replica shuts down.
		ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
		err := r.e.store.DeliveredMany(ctx, batch)
		cancel()
		if err == nil {
			if attempt > 1 {
				r.e.log.Info("recorded deliveries after Redis came back", "jobs", len(batch), "attempts", attempt)
			}
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			r.e.log.Warn("record deliveries: will retry", "jobs", len(batch), "attempt", attempt, "error", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-quit:
			quit, giveUp = nil, time.After(recordGrace)
		case <-giveUp:
			t.Stop()
			r.e.log.Error("record deliveries: giving up as delivery stops", "jobs", len(batch), "error", err)
			return
		}
		t.Stop()
		wait = min(2*wait, recordMaxWait)
	}
}

func (e *Engine) deadLetter(ctx context.Context, ds []storage.Delivery, cause error) {
	for _, d := range ds {
		e.metrics.DeadJobs.Inc()
		e.log.Error("delivery dead-lettered", "chat_id", d.ChatID, "item_id", d.ItemID, "attempt", d.Attempt, "error", cause)
		if err := e.store.DeadLetter(ctx, d, cause.Error()); err != nil {
			e.log.Error("dead-letter", "chat_id", d.ChatID, "error", err)
		}
	}
}

func (e *Engine) ackAll(ctx context.Context, ds []storage.Delivery) {
	if err := e.store.Ack(ctx, ds...); err != nil {
		e.log.Error("ack", "error", err)
	}
}

// held is what the chat's pre-send check learned of its bucket
// (storage.SendCheck.Held), zero when there was none (replies, digests,
// broadcasts: their tokens come from Allow).
func (e *Engine) send(ctx context.Context, m card.Message, held time.Time) (int, error) {
	start := time.Now()
	id, err := e.sender.Send(ctx, m)
	end := time.Now()
	e.metrics.SendTime.Observe(end.Sub(start).Seconds())
	if perr := e.dl.pacer.Answered(ctx, m.ChatID, end); perr != nil {
		e.log.Warn("pace: count a late send in the window", "chat_id", m.ChatID, "error", perr)
	}
	// The chat's token was taken before the send waited for its slot of
	// the bot-wide rate: its next send keeps an interval from this one's
	// answer (less the guard the limit's margin has), not from the token.
	// The push goes with the pacer's next booking, a batch later at most:
	// the chat's next send is an interval away. A push the bucket already
	// holds (the send was answered soon after its check) is not made.
	if push := (storage.Push{Key: chatKey(m.ChatID), Limit: e.chatLimit(m.ChatID), At: end.Add(-WindowGuard)}); push.Moves(held) {
		e.dl.pacer.Push(push)
	}
	return id, err
}

// waitGlobal waits for this replica's next slot of the bot-wide rate,
// shared by every replica (cards and replies alike), for a send to chatID
// (send tells the pacer of its answer). A send's first form takes its slot
// through a gate (Gate.Clear); the simpler forms a refusal steps down
// to (sendNews, pacedSend) take theirs here: the send was cleared, and
// Telegram's refusal says it is up.
func (e *Engine) waitGlobal(ctx context.Context, chatID int64) error {
	return e.dl.pacer.Take(ctx, chatID)
}

// chatKey names a chat's limiter, shared by cards and replies.
func chatKey(chatID int64) string { return "chat:" + strconv.FormatInt(chatID, 10) }

// chatLimit is the pace for one chat: private chats by the second, groups
// and channels (negative ids) by the minute, at paceShare of the rate, so
// two sends to a chat that leave a whole interval apart still arrive far
// enough apart when the first took longer on its way.
func (e *Engine) chatLimit(chatID int64) storage.Limit {
	if chatID < 0 {
		return storage.Limit{Rate: max(1, int(e.cfg.Limits.GroupPerMinute)), Burst: 1, Period: sharePeriod(time.Minute)}
	}
	return storage.Limit{Rate: max(1, int(e.cfg.Limits.PrivatePerSecond)), Burst: 1, Period: sharePeriod(time.Second)}
}

// sharePeriod stretches a limit's period so its rate is paceShare of it.
func sharePeriod(d time.Duration) time.Duration {
	return time.Duration(float64(d) / PaceShare)
}

// location resolves a chat's time zone, falling back to the bot's. It is
// asked on every send to a chat with a zone of its own; time.LoadLocation
// reads the zone database each time, so each zone is loaded once.
func (e *Engine) Location(tz string) *time.Location {
	if tz == "" {
		return e.cfg.Location
	}
	if loc, ok := e.dl.zones.Get(tz); ok {
		return loc
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = e.cfg.Location
	}
	e.dl.zones.Put(tz, loc)
	return loc
}

// digest is one message standing for several cards (card.Digest), with
// the sources named from the bot's catalog.
func (e *Engine) digest(items []feeds.Item, chat storage.Chat, html bool) card.Message {
	return card.Digest(items, chat.Lang, e.render.SourceName, html)
}

// sentMessageID is what the sent record keeps for an item: the message id
// of its card, or the negated id of a digest that listed it, so an edit
// never turns a digest into one card.
func sentMessageID(msgID, itemsInMessage int) int {
	if itemsInMessage > 1 {
		return -msgID
	}
	return msgID
}
