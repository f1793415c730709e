package bot

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
	held  map[string]bool // stream ids in the scheduler, so a re-claimed job is not queued twice
	wait  waitHeap        // chats not ready yet, by readyAt
	ready map[string]*readyList
	ring  []string // items with ready chats, served round-robin
	turn  int      // next index in ring
	size  int
	wake  chan struct{}
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
	return &scheduler{now: now, chats: map[int64]*chatQueue{}, held: map[string]bool{},
		ready: map[string]*readyList{}, wake: make(chan struct{}, 1)}
}

func (s *scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size
}

// heldIDs lists the stream ids of every job held, so the reader can keep
// them from going idle in Redis.
func (s *scheduler) heldIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.held))
	for id := range s.held {
		ids = append(ids, id)
	}
	return ids
}

func (s *scheduler) add(ds ...storage.Delivery) {
	if len(ds) == 0 {
		return
	}
	s.mu.Lock()
	for _, d := range ds {
		if s.held[d.StreamID] {
			continue
		}
		s.held[d.StreamID] = true
		q := s.chats[d.ChatID]
		if q == nil {
			q = &chatQueue{id: d.ChatID, index: -1}
			s.chats[d.ChatID] = q
		}
		q.jobs = append(q.jobs, d)
		s.size++
		if !q.busy && !q.queued {
			s.enqueueLocked(q)
		}
	}
	s.mu.Unlock()
	s.signal()
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
	for {
		s.mu.Lock()
		if q := s.popReadyLocked(); q != nil {
			q.busy = true
			jobs := slices.Clone(q.jobs)
			more := len(s.ring) > 0
			s.mu.Unlock()
			if more {
				s.signal() // let another sender look at the next chat
			}
			return q, jobs
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
			return nil, nil
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// done applies a sender's outcome to the chat it was given.
func (s *scheduler) done(q *chatQueue, jobs []storage.Delivery, out outcome) {
	s.mu.Lock()
	n := out.done
	if out.dropAll {
		n = len(jobs)
	}
	n = min(n, len(q.jobs))
	for _, d := range q.jobs[:n] {
		delete(s.held, d.StreamID)
	}
	if n == 0 && len(jobs) > 0 && len(q.jobs) > 0 {
		q.jobs[0].Attempt = jobs[0].Attempt // a failed send counts against the job
	}
	q.jobs = q.jobs[n:]
	s.size -= n
	q.busy = false
	q.readyAt = out.retryAt
	if len(q.jobs) == 0 {
		delete(s.chats, q.id)
	} else {
		s.enqueueLocked(q)
	}
	s.mu.Unlock()
	s.signal()
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
