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
// one sender at a time, earliest-ready first. A chat that must wait (its
// limit, a 429, a retry) goes back with a later ready time and does not
// hold up any other chat.
type scheduler struct {
	now   func() time.Time
	mu    sync.Mutex
	chats map[int64]*chatQueue
	held  map[string]bool // stream ids in the scheduler, so a re-claimed job is not queued twice
	ready readyHeap
	size  int
	wake  chan struct{}
}

type chatQueue struct {
	id      int64
	jobs    []storage.Delivery
	readyAt time.Time
	busy    bool
	index   int // in the heap, -1 when not there
}

func newScheduler(now func() time.Time) *scheduler {
	return &scheduler{now: now, chats: map[int64]*chatQueue{}, held: map[string]bool{}, wake: make(chan struct{}, 1)}
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
		if !q.busy && q.index < 0 {
			heap.Push(&s.ready, q)
		}
	}
	s.mu.Unlock()
	s.signal()
}

func (s *scheduler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next blocks until a chat is ready and returns it with a snapshot of its
// jobs, or nil when ctx ends.
func (s *scheduler) next(ctx context.Context) (*chatQueue, []storage.Delivery) {
	for {
		s.mu.Lock()
		wait := time.Hour
		if len(s.ready) > 0 {
			top := s.ready[0]
			if d := top.readyAt.Sub(s.now()); d > 0 {
				wait = d
			} else {
				heap.Pop(&s.ready)
				top.busy = true
				jobs := slices.Clone(top.jobs)
				more := len(s.ready) > 0
				s.mu.Unlock()
				if more {
					s.signal() // let another sender look at the next chat
				}
				return top, jobs
			}
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
		heap.Push(&s.ready, q)
	}
	s.mu.Unlock()
	s.signal()
}

// readyHeap orders chats by the time they may be served.
type readyHeap []*chatQueue

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h readyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *readyHeap) Push(x any) {
	q := x.(*chatQueue)
	q.index = len(*h)
	*h = append(*h, q)
}
func (h *readyHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	q.index = -1
	*h = old[:len(old)-1]
	return q
}
