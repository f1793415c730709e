package deliver

import (
	"context"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/google/go-cmp/cmp"
)

// TestSchedulerNextChat: the order in which the scheduler hands chats to
// senders, all in memory: round-robin over the items at the head of the
// ready chats' queues, a chat once at a time, a chat waiting for its
// limit or a retry only once its time has come, and only chats of the
// shards this replica surely owns.
func TestSchedulerNextChat(t *testing.T) {
	type q struct {
		chat int64
		item string
	}
	for _, c := range []struct {
		name  string
		jobs  []q
		wait  map[int64]time.Duration // chats served once, then made to wait this long
		owned []int64                 // when set, only these chats' shards are owned
		want  []int64
	}{
		{name: "one item: in enqueue order",
			jobs: []q{{1, "a"}, {2, "a"}, {3, "a"}}, want: []int64{1, 2, 3}},
		{name: "round-robin over items",
			jobs: []q{{1, "big"}, {2, "big"}, {3, "big"}, {10, "small"}, {11, "small"}},
			want: []int64{1, 10, 2, 11, 3}},
		{name: "a chat's next job is its next item's turn",
			jobs: []q{{1, "a"}, {1, "b"}, {2, "a"}}, want: []int64{1, 1, 2}},
		{name: "a waiting chat goes after the ready ones",
			jobs: []q{{1, "a"}, {1, "b"}, {2, "a"}, {3, "c"}},
			wait: map[int64]time.Duration{1: time.Minute}, want: []int64{1, 3, 2, 1}},
		{name: "only chats of owned shards",
			jobs:  []q{{1, "a"}, {2, "a"}, {17, "a"}},
			owned: []int64{1, 17}, want: []int64{1, 17}},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1e9, 0)}
			s := newScheduler(clock.now)
			for i, j := range c.jobs {
				s.add(job(j.chat, j.item, i+1))
			}
			if c.owned != nil {
				var shards []int
				for _, id := range c.owned {
					shards = append(shards, storage.ShardOf(id))
				}
				s.own(shards, time.Now().Add(time.Minute))
			}
			var got []int64
			served := map[int64]bool{}
			for {
				ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
				q, jobs := s.next(ctx)
				cancel()
				if q == nil {
					if len(c.wait) == 0 || clock.now().After(time.Unix(1e9, 0)) {
						break
					}
					clock.advance(time.Hour) // the waiting chats' time comes
					continue
				}
				got = append(got, q.id)
				out := outcome{done: 1}
				if d, ok := c.wait[q.id]; ok && !served[q.id] {
					out.retryAt = clock.now().Add(d)
				}
				served[q.id] = true
				s.done(q, jobs, out)
			}
			if !cmp.Equal(got, c.want) {
				t.Errorf("chats served %v, want %v", got, c.want)
			}
		})
	}
}
