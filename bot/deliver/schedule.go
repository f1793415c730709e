package deliver

import (
	"container/heap"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// scheduler holds this replica's delivery jobs per chat and hands a chat to
// one sender at a time. A chat that must wait (its limit, a 429, a retry)
// sits in a heap by the time it may be served and holds up no other chat.
//
// Chats that may be served now are taken round-robin by the item at the
// head of their queue, so a fan-out to 100,000 chats does not starve the
// few chats waiting for another item: each item in flight gets an equal
// share of the senders. Within a chat, jobs keep their stream order, which
// is publication order.
type scheduler struct {
	now   func() time.Time
	mu    sync.Mutex
	chats map[int64]*chatQueue
	// held is every job in the scheduler by its key, so a re-claimed job
	// is not queued twice.
	held map[jobKey]bool
	// The shards this replica owns and until when that is sure (fenced:
	// set by the reader; unfenced schedulers in tests serve every chat).
	// A chat of a shard not surely owned is not handed out: another
	// replica may own it now and send its jobs.
	fenced     bool
	shards     [storage.Shards]bool
	validUntil time.Time
	// skip, when set, tells add to leave out a job that is settled but
	// whose settlement is not written yet.
	skip   func(storage.Delivery) bool
	wait   waitHeap // chats not ready yet, by readyAt
	ready  map[string]*readyList
	ring   []string // items with ready chats, served round-robin
	nready int      // chats in the ready lists
	turn   int      // next index in ring
	size   int
	lane   int // jobs held from lanes (the rest came from the shared stream)
	wake   chan struct{}
}

type chatQueue struct {
	id      int64
	jobs    []storage.Delivery
	readyAt time.Time
	busy    bool
	queued  bool // in the wait heap or a ready list
	index   int  // in the wait heap, -1 when not there
}

// readyList is the FIFO of ready chats whose next job is one item.
type readyList struct{ chats []*chatQueue }

func newScheduler(now func() time.Time) *scheduler {
	return &scheduler{now: now, chats: map[int64]*chatQueue{}, held: map[jobKey]bool{},
		ready: map[string]*readyList{}, wake: make(chan struct{}, 1)}
}

func (s *scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size
}

// sizes returns the jobs held in all and those held from lanes.
func (s *scheduler) sizes() (all, lanes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size, s.lane
}

// countLocked adjusts the sizes for a job added (+1) or removed (-1).
func (s *scheduler) countLocked(d storage.Delivery, n int) {
	s.size += n
	if d.Lane != "" {
		s.lane += n
	}
}

// own records the shards this replica owns, sure until until, and drops
// the jobs of the shards it no longer owns (a chat being served keeps its
// send in flight and loses the rest when done).
func (s *scheduler) own(shards []int, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fenced = true
	s.shards = [storage.Shards]bool{}
	for _, k := range shards {
		s.shards[k] = true
	}
	s.validUntil = until
	for _, q := range s.chats {
		if !q.busy && !s.shards[storage.ShardOf(q.id)] {
			s.dropLocked(q)
		}
	}
}

// owns reports whether the chat's shard is surely this replica's now.
func (s *scheduler) owns(chatID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ownsLocked(chatID)
}

// busyIn reports whether a chat of the shard has a send in flight.
func (s *scheduler) busyIn(shard int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.chats {
		if q.busy && storage.ShardOf(q.id) == shard {
			return true
		}
	}
	return false
}

// dropLocked forgets an idle chat and every job it holds.
func (s *scheduler) dropLocked(q *chatQueue) {
	for _, d := range q.jobs {
		delete(s.held, keyOf(d))
		s.countLocked(d, -1)
	}
	q.jobs = nil
	s.removeLocked(q)
}

// add queues jobs not held yet and returns how many it queued.
func (s *scheduler) add(ds ...storage.Delivery) int {
	if len(ds) == 0 {
		return 0
	}
	added := 0
	s.mu.Lock()
	for _, d := range ds {
		if s.held[keyOf(d)] || s.skip != nil && s.skip(d) {
			continue
		}
		s.held[keyOf(d)] = true
		q := s.chats[d.ChatID]
		if q == nil {
			q = &chatQueue{id: d.ChatID, index: -1}
			s.chats[d.ChatID] = q
		}
		// In enqueue order: a lane's older job read after a newer one of
		// another stream still goes first.
		at := d.Enqueued()
		i := len(q.jobs)
		for i > 0 && q.jobs[i-1].Enqueued().After(at) {
			i--
		}
		q.jobs = slices.Insert(q.jobs, i, d)
		s.countLocked(d, 1)
		added++
		if !q.busy && !q.queued {
			s.enqueueLocked(q)
		}
	}
	s.mu.Unlock()
	s.signal()
	return added
}

// enqueueLocked puts an idle chat with jobs where it waits its turn.
func (s *scheduler) enqueueLocked(q *chatQueue) {
	q.queued = true
	if q.readyAt.After(s.now()) {
		heap.Push(&s.wait, q)
		return
	}
	item := q.jobs[0].ItemID
	l := s.ready[item]
	if l == nil {
		l = &readyList{}
		s.ready[item] = l
		s.ring = append(s.ring, item)
	}
	l.chats = append(l.chats, q)
	s.nready++
}

func (s *scheduler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// popReadyLocked takes the next ready chat, round-robin over items.
func (s *scheduler) popReadyLocked() *chatQueue {
	now := s.now()
	for len(s.wait) > 0 && !s.wait[0].readyAt.After(now) {
		q := heap.Pop(&s.wait).(*chatQueue)
		q.queued = false
		s.enqueueLocked(q)
	}
	if len(s.ring) == 0 {
		return nil
	}
	if s.turn >= len(s.ring) {
		s.turn = 0
	}
	item := s.ring[s.turn]
	l := s.ready[item]
	q := l.chats[0]
	l.chats[0] = nil
	l.chats = l.chats[1:]
	s.nready--
	if len(l.chats) == 0 {
		delete(s.ready, item)
		s.ring = slices.Delete(s.ring, s.turn, s.turn+1)
	} else {
		s.turn++
	}
	q.queued = false
	return q
}

// next blocks until a chat is ready and returns it with a snapshot of its
// jobs, or nil when ctx ends.
func (s *scheduler) next(ctx context.Context) (*chatQueue, []storage.Delivery) {
	t := s.nextMany(ctx, 1, 1)
	if t == nil {
		return nil, nil
	}
	return t[0].q, t[0].jobs
}

// taken is a chat handed to a sender, with a snapshot of its jobs.
type taken struct {
	q    *chatQueue
	jobs []storage.Delivery
}

// nextMany blocks until a chat is ready and returns it, with up to most-1
// more ready now, each with a snapshot of its jobs; nil when ctx ends. A
// sender serves the chats it took one after the other, their checks made
// in one round trip (Checker.CheckMany). It takes another only while the
// ready chats left are at least senders, one for every other sender: a
// few ready chats are still served in parallel. The caller keeps most to
// what its senders send in a moment (checkAhead), which bounds how long a
// chat of another item, a small fan-out beside a big one, waits behind
// the chats in a sender's hand; the chats taken are round-robin over
// items as ever.
func (s *scheduler) nextMany(ctx context.Context, most, senders int) []taken {
	for {
		s.mu.Lock()
		var out []taken
		for len(out) < most && (len(out) == 0 || s.nready >= senders) {
			q := s.popReadyLocked()
			if q == nil {
				break
			}
			if !s.ownsLocked(q.id) {
				// Not surely ours: wait for the reader's next lease renewal.
				q.readyAt = s.now().Add(unsureRecheck)
				s.enqueueLocked(q)
				if len(out) > 0 {
					break
				}
				continue
			}
			q.busy = true
			out = append(out, taken{q: q, jobs: slices.Clone(q.jobs)})
		}
		if len(out) > 0 {
			more := len(s.ring) > 0
			s.mu.Unlock()
			if more {
				s.signal() // let another sender look at the next chat
			}
			return out
		}
		wait := time.Hour
		if len(s.wait) > 0 {
			wait = s.wait[0].readyAt.Sub(s.now())
		}
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// unsureRecheck is how soon a chat held back for want of a sure lease is
// looked at again.
const unsureRecheck = 200 * time.Millisecond

// ownsLocked reports whether the chat's shard is surely this replica's.
func (s *scheduler) ownsLocked(chatID int64) bool {
	return !s.fenced || (s.shards[storage.ShardOf(chatID)] && time.Now().Before(s.validUntil))
}

// done applies a sender's outcome to the chat it was given: the first
// out.done jobs of the snapshot it served are settled (all of them with
// dropAll), wherever they now sit in the chat's queue.
func (s *scheduler) done(q *chatQueue, jobs []storage.Delivery, out outcome) {
	s.mu.Lock()
	n := min(out.done, len(jobs))
	if out.dropAll {
		n = len(jobs)
	}
	settled := make(map[jobKey]bool, n)
	for _, d := range jobs[:n] {
		settled[keyOf(d)] = true
		delete(s.held, keyOf(d))
	}
	q.jobs = slices.DeleteFunc(q.jobs, func(d storage.Delivery) bool {
		if settled[keyOf(d)] {
			s.countLocked(d, -1)
			return true
		}
		return false
	})
	if n == 0 && len(jobs) > 0 && len(q.jobs) > 0 && keyOf(q.jobs[0]) == keyOf(jobs[0]) {
		q.jobs[0].Attempt = jobs[0].Attempt // a failed send counts against the job
	}
	q.busy = false
	q.readyAt = out.retryAt
	switch {
	case s.fenced && !s.shards[storage.ShardOf(q.id)]:
		s.dropLocked(q) // its shard went to another replica meanwhile
	case len(q.jobs) == 0:
		s.removeLocked(q)
	default:
		s.enqueueLocked(q)
	}
	s.mu.Unlock()
	s.signal()
}

// removeLocked forgets an idle chat with no jobs left, taking it out of
// the wait heap or its ready list if it sits in one.
func (s *scheduler) removeLocked(q *chatQueue) {
	if q.queued {
		if q.index >= 0 {
			heap.Remove(&s.wait, q.index)
		} else {
			for item, l := range s.ready {
				if i := slices.Index(l.chats, q); i >= 0 {
					l.chats = slices.Delete(l.chats, i, i+1)
					s.nready--
					if len(l.chats) == 0 {
						delete(s.ready, item)
						s.ring = slices.DeleteFunc(s.ring, func(it string) bool { return it == item })
					}
					break
				}
			}
		}
		q.queued = false
	}
	delete(s.chats, q.id)
}

// waitHeap orders waiting chats by the time they may be served.
type waitHeap []*chatQueue

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waitHeap) Push(x any) {
	q := x.(*chatQueue)
	q.index = len(*h)
	*h = append(*h, q)
}
func (h *waitHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	q.index = -1
	*h = old[:len(old)-1]
	return q
}

// jobKey names a delivery uniquely across streams, as Delivery.Key does,
// without building a string: the scheduler and the recorder look jobs up
// several times per send.
type jobKey struct {
	lane   string
	shard  int
	stream string
}

func keyOf(d storage.Delivery) jobKey { return jobKey{d.Lane, d.Shard, d.StreamID} }
