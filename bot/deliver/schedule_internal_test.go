package deliver

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
	s := newScheduler(clock.now)
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
	s := newScheduler(clock.now)
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
		s := newScheduler(clock.now)
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
	s := newScheduler(clock.now)
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

// TestSchedulerServesOnlyOwnedShards: once the reader says which shards
// this replica owns, the chats of the others are dropped, and no chat is
// handed out after the lease is no longer sure, until the next renewal.
func TestSchedulerServesOnlyOwnedShards(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	s := newScheduler(clock.now)
	s.add(job(1, "a", 1), job(2, "a", 2), job(2, "b", 3), job(17, "a", 4))
	s.own([]int{storage.ShardOf(1)}, time.Now().Add(50*time.Millisecond))
	if s.len() != 2 {
		t.Fatalf("len=%d after shard %d went elsewhere, want chats 1 and 17's jobs", s.len(), storage.ShardOf(2))
	}
	q, jobs := mustNext(t, s)
	s.done(q, jobs, outcome{done: 1})
	time.Sleep(60 * time.Millisecond) // the lease is no longer sure
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	if q, _ := s.next(ctx); q != nil {
		t.Fatalf("chat %d handed out past the lease", q.id)
	}
	cancel()
	s.own([]int{storage.ShardOf(1)}, time.Now().Add(time.Minute))
	clock.advance(unsureRecheck)
	q, _ = mustNext(t, s)
	// The shard goes while the chat is served: its other jobs go with it.
	s.add(job(q.id, "b", 9))
	s.own(nil, time.Now().Add(time.Minute))
	s.done(q, []storage.Delivery{q.jobs[0]}, outcome{done: 1})
	if s.len() != 0 {
		t.Fatalf("len=%d after the last shard went, want 0", s.len())
	}
}

// TestSchedulerTakesManyOnlyWhenOthersHaveEnough: a sender takes more
// than one ready chat only while every other sender still finds one, and
// a chat taken is not handed out again until done.
func TestSchedulerTakesManyOnlyWhenOthersHaveEnough(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	s := newScheduler(clock.now)
	for c := int64(1); c <= 20; c++ {
		s.add(job(c, "item", int(c)))
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	var sizes []int
	seen := map[int64]bool{}
	for range 5 {
		ts := s.nextMany(ctx, 4, 16)
		sizes = append(sizes, len(ts))
		for _, tk := range ts {
			if seen[tk.q.id] {
				t.Fatalf("chat %d handed out twice", tk.q.id)
			}
			seen[tk.q.id] = true
			if len(tk.jobs) != 1 || tk.jobs[0].ChatID != tk.q.id {
				t.Fatalf("chat %d taken with jobs %v", tk.q.id, tk.jobs)
			}
		}
	}
	// 20 ready for 16 senders: the first takes 4 (16 left), the rest one
	// each.
	if want := []int{4, 1, 1, 1, 1}; !cmp.Equal(sizes, want) {
		t.Errorf("chats per take %v, want %v", sizes, want)
	}
	// A lone sender takes up to most at once.
	s2 := newScheduler(clock.now)
	for c := int64(1); c <= 3; c++ {
		s2.add(job(c, "item", int(c)))
	}
	if ts := s2.nextMany(ctx, 4, 1); len(ts) != 3 {
		t.Errorf("a lone sender took %d of 3 ready chats, want 3", len(ts))
	}
}
