package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/google/go-cmp/cmp"
)

// fakeClock is a settable clock for the scheduler.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func job(chat int64, item string, seq int) storage.Delivery {
	return storage.Delivery{StreamID: fmt.Sprintf("%d-%d", seq, chat), Job: storage.Job{ChatID: chat, ItemID: item}}
}

func mustNext(t *testing.T, s *scheduler) (*chatQueue, []storage.Delivery) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	q, jobs := s.next(ctx)
	if q == nil {
		t.Fatal("no chat ready")
	}
	return q, jobs
}

// TestSchedulerIsFairAcrossItems: a small fan-out queued behind a big one
// is served alongside it, not after it.
func TestSchedulerIsFairAcrossItems(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	s := newScheduler(clock.now, 0)
	seq := 0
	for c := int64(1); c <= 1000; c++ {
		seq++
		s.add(job(c, "big", seq))
	}
	for c := int64(2001); c <= 2003; c++ {
		seq++
		s.add(job(c, "small", seq))
	}
	var order []string
	for range 6 {
		q, jobs := mustNext(t, s)
		order = append(order, jobs[0].ItemID)
		s.done(q, jobs, outcome{done: 1})
	}
	if diff := cmp.Diff([]string{"big", "small", "big", "small", "big", "small"}, order); diff != "" {
		t.Errorf("service order mismatch (-want +got):\n%s", diff)
	}
	if got, want := s.len(), 1000-3; got != want {
		t.Errorf("len=%d, want %d", got, want)
	}
}

// TestSchedulerKeepsChatOrderAndWaits: a chat's jobs come in stream order,
// and a chat told to wait is not handed out before its time while other
// chats are.
func TestSchedulerKeepsChatOrderAndWaits(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	s := newScheduler(clock.now, 0)
	s.add(job(1, "a", 1), job(1, "b", 2), job(2, "a", 3))
	q, jobs := mustNext(t, s)
	if q.id != 1 || len(jobs) != 2 || jobs[0].ItemID != "a" || jobs[1].ItemID != "b" {
		t.Fatalf("first = chat %d %v, want chat 1 with a, b", q.id, jobs)
	}
	s.done(q, jobs, outcome{done: 1, retryAt: clock.now().Add(time.Second)})
	q2, jobs2 := mustNext(t, s)
	if q2.id != 2 {
		t.Fatalf("while chat 1 waits got chat %d, want 2", q2.id)
	}
	s.done(q2, jobs2, outcome{done: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if q, _ := s.next(ctx); q != nil {
		t.Fatalf("chat %d handed out before its time", q.id)
	}
	cancel()
	clock.advance(time.Second)
	q, jobs = mustNext(t, s)
	if q.id != 1 || len(jobs) != 1 || jobs[0].ItemID != "b" {
		t.Fatalf("after the wait got chat %d %v, want chat 1 with b", q.id, jobs)
	}
	// A re-claimed job already held is not queued twice.
	s.add(jobs[0])
	if got := s.len(); got != 1 {
		t.Errorf("len=%d after re-adding a held job, want 1", got)
	}
	s.done(q, jobs, outcome{dropAll: true})
	if got := s.len(); got != 0 {
		t.Errorf("len=%d after dropAll, want 0", got)
	}
}

// FuzzScheduler drives the scheduler with random adds, services and
// waits: it never loses, repeats or reorders a chat's jobs, and its size
// always matches what it holds.
func FuzzScheduler(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0x10, 0x21, 0x32, 0x80, 0x81, 0xc0, 0x11, 0x82, 0xf0, 0x83})
	f.Fuzz(func(t *testing.T, ops []byte) {
		clock := &fakeClock{t: time.Unix(1e9, 0)}
		s := newScheduler(clock.now, 0)
		done, cancel := context.WithCancel(context.Background())
		cancel()                      // next never blocks: it hands out a ready chat or nil
		added := map[int64][]string{} // stream ids per chat, in add order
		served := map[int64][]string{}
		held := 0
		for i, op := range ops {
			switch op >> 6 {
			case 0, 1: // add a job for chat op%4 with item op%3
				chat := int64(op % 4)
				d := storage.Delivery{StreamID: fmt.Sprintf("%d-0", i), Job: storage.Job{ChatID: chat, ItemID: fmt.Sprintf("i%d", op%3)}}
				s.add(d)
				added[chat] = append(added[chat], d.StreamID)
				held++
			case 2: // serve a chat: done 0, 1 or 2 jobs, maybe wait
				q, jobs := s.next(done)
				if q == nil {
					continue
				}
				n := min(int(op%3), len(jobs))
				for _, d := range jobs[:n] {
					served[q.id] = append(served[q.id], d.StreamID)
				}
				var retry time.Time
				if op&4 != 0 {
					retry = clock.now().Add(time.Second)
				}
				s.done(q, jobs, outcome{done: n, retryAt: retry})
				held -= n
			case 3: // time passes
				clock.advance(time.Duration(op%8) * 300 * time.Millisecond)
			}
			if got := s.len(); got != held {
				t.Fatalf("op %d: len %d, want %d", i, got, held)
			}
		}
		for chat, ids := range served {
			if diff := cmp.Diff(added[chat][:len(ids)], ids); diff != "" {
				t.Fatalf("chat %d served out of order (-want +got):\n%s", chat, diff)
			}
		}
	})
}

// TestSchedulerOrdersByEnqueueTime: a job of a lane read after a newer job
// of the shared stream still goes first, even while the chat is served.
func TestSchedulerOrdersByEnqueueTime(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	s := newScheduler(clock.now, 0)
	newer := job(1, "newer", 5)
	s.add(newer)
	older := job(1, "older", 3)
	older.Lane = "7"
	s.add(older)
	q, jobs := mustNext(t, s)
	if len(jobs) != 2 || jobs[0].ItemID != "older" || jobs[1].ItemID != "newer" {
		t.Fatalf("jobs %v, want older then newer", jobs)
	}
	// Served one; meanwhile an even older job arrives: the one served is
	// settled by identity, the new one comes next.
	oldest := job(1, "oldest", 1)
	oldest.Lane = "6"
	s.add(oldest)
	s.done(q, jobs, outcome{done: 1})
	_, jobs = mustNext(t, s)
	var got []string
	for _, d := range jobs {
		got = append(got, d.ItemID)
	}
	if diff := cmp.Diff([]string{"oldest", "newer"}, got); diff != "" {
		t.Fatalf("after serving one (-want +got):\n%s", diff)
	}
	if s.len() != 2 {
		t.Errorf("len=%d, want 2", s.len())
	}
}

// TestSchedulerFencesLostAndStaleJobs: jobs another replica claimed are
// dropped on the touch that reports them, and a job not touched for
// staleAfter is not handed out until a touch confirms it is still ours.
func TestSchedulerFencesLostAndStaleJobs(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	s := newScheduler(clock.now, 50*time.Millisecond)
	s.add(job(1, "a", 1), job(2, "a", 2), job(2, "b", 3))
	held := s.heldJobs()
	if len(held) != 3 {
		t.Fatalf("held %v", held)
	}
	s.touched(held, []storage.Delivery{job(2, "a", 2), job(2, "b", 3)}, time.Now())
	if s.len() != 1 {
		t.Fatalf("len=%d after chat 2's jobs were lost, want 1", s.len())
	}
	time.Sleep(60 * time.Millisecond) // chat 1's job goes stale
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	if q, _ := s.next(ctx); q != nil {
		t.Fatalf("stale chat %d handed out", q.id)
	}
	cancel()
	select {
	case <-s.wantsTouch():
	default:
		t.Fatal("no touch asked for")
	}
	s.touched(s.heldJobs(), nil, time.Now())
	clock.advance(staleRecheck)
	q, jobs := mustNext(t, s)
	if q.id != 1 || len(jobs) != 1 {
		t.Fatalf("after the touch got chat %d %v, want chat 1", q.id, jobs)
	}
}
