package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/storage"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

// policyStore is a fake store that logs the writes the error policy makes;
// a method the policy should not call panics (the embedded nil Store).
type policyStore struct {
	Store
	mu    sync.Mutex
	calls []string
}

func (s *policyStore) log(format string, args ...any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf(format, args...))
	return nil
}

func (s *policyStore) Ack(_ context.Context, ds ...storage.Delivery) error {
	return s.log("ack %d", len(ds))
}
func (s *policyStore) ForgetChat(_ context.Context, id int64) error { return s.log("forget %d", id) }
func (s *policyStore) MigrateChat(_ context.Context, from, to int64) error {
	return s.log("migrate %d→%d", from, to)
}
func (s *policyStore) Enqueue(_ context.Context, jobs []storage.Job) error {
	return s.log("enqueue %d for %d", len(jobs), jobs[0].ChatID)
}
func (s *policyStore) PauseChat(_ context.Context, id int64, _ string) error {
	return s.log("pause %d", id)
}
func (s *policyStore) Park(_ context.Context, id int64, until time.Time) error {
	return s.log("park %d", id)
}
func (s *policyStore) DeadLetter(_ context.Context, d storage.Delivery, _ string) error {
	return s.log("dead-letter %s", d.ItemID)
}
func (s *policyStore) DeliveredMany(_ context.Context, sent []storage.Sent) error {
	for _, x := range sent {
		s.log("sent %s as %d", x.ItemID, x.MessageID)
	}
	return nil
}

func testMetrics() Metrics {
	vec := func() *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x"}, []string{"l"})
	}
	one := func() prometheus.Counter { return prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}) }
	return Metrics{Sends: vec(), SendTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x"}),
		Backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"}), DeadJobs: one(), Fallbacks: vec(),
		Claimed: one(), GlobalParks: one(), Outages: one(), SentAhead: one(), Paused: one(), Resumed: one()}
}

// TestSettle: Telegram's answer to a card, applied with a fake store: what
// the engine writes, and when the chat is served next.
func TestSettle(t *testing.T) {
	now := time.Now() // skipAhead's time is the wall clock's
	for _, c := range []struct {
		name    string
		err     error
		attempt int // the job's attempts before this one
		batch   int // the chat's own jobs in the message (0: only an item owed ahead)
		calls   []string
		done    int
		dropAll bool
		retry   bool
	}{
		{name: "sent", batch: 2, calls: []string{"sent a as -7", "sent b as -7"}, done: 2},
		{name: "one card sent", batch: 1, calls: []string{"sent a as 7"}, done: 1},
		{name: "429", err: &tg.RateLimitError{RetryAfter: 3 * time.Second}, batch: 1, calls: []string{"park 5"}, retry: true},
		{name: "chat gone", err: tg.ErrChatGone, batch: 1, calls: []string{"forget 5", "ack 3"}, dropAll: true},
		{name: "migrated", err: &tg.MigratedError{To: -100}, batch: 1,
			calls: []string{"migrate 5→-100", "enqueue 3 for -100", "ack 3"}, dropAll: true},
		{name: "cannot post", err: tg.ErrCannotPost, batch: 1, calls: []string{"pause 5", "ack 3"}, dropAll: true},
		{name: "rejected", err: fmt.Errorf("%w: bad button", tg.ErrRejected), batch: 2,
			calls: []string{"dead-letter a", "dead-letter b"}, done: 2},
		{name: "5xx, attempts left", err: errors.New("502"), batch: 1, retry: true},
		{name: "5xx, last attempt", err: errors.New("502"), attempt: 4, batch: 1, calls: []string{"dead-letter a"}, done: 1},
		{name: "5xx, item owed ahead", err: errors.New("502"), batch: 0, retry: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &policyStore{}
			e := &Engine{cfg: Config{MaxAttempts: 5, Now: func() time.Time { return now }}, store: st,
				log: slog.New(slog.DiscardHandler), metrics: testMetrics(), dl: newDeliveryState(st, 30)}
			jobs := []storage.Delivery{
				{Job: storage.Job{ChatID: 5, ItemID: "a", Attempt: c.attempt}},
				{Job: storage.Job{ChatID: 5, ItemID: "b"}},
				{Job: storage.Job{ChatID: 5, ItemID: "c"}},
			}
			batch := jobs[:c.batch]
			pending := batch
			if c.batch == 0 {
				pending = []storage.Delivery{{Lane: "l", Job: storage.Job{ChatID: 5, ItemID: "owed"}}}
			}
			rec := newRecorder(e)
			out := e.settle(t.Context(), 5, jobs, batch, pending, sentNews{ID: 7}, c.err, rec)
			rec.close()
			if diff := cmp.Diff(c.calls, st.calls); diff != "" {
				t.Errorf("store writes (-want +got):\n%s", diff)
			}
			if out.done != c.done || out.dropAll != c.dropAll || out.retryAt.After(now) != c.retry {
				t.Errorf("outcome %+v, want done %d dropAll %v retry later %v", out, c.done, c.dropAll, c.retry)
			}
			if c.batch == 0 && c.err != nil && e.dl.aheadAllowed(5) {
				t.Error("a failed item owed ahead left the chat taking items ahead")
			}
			if strings.HasPrefix(c.name, "5xx, attempts") && jobs[0].Attempt != c.attempt+1 {
				t.Errorf("attempt %d after a failed send, want %d", jobs[0].Attempt, c.attempt+1)
			}
		})
	}
}
