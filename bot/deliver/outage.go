package deliver

import (
	"errors"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot/tg"
)

// Telegram-wide outage policy. A job's attempts are for errors of its own
// chat or request. When Telegram itself fails (its front answering 5xx
// for everyone, sends timing out), every send fails whatever it carries:
// spending each job's attempts would dead-letter the whole backlog within
// the half-minute of its back-offs (a 2-minute 502 dead-lettered 10,854
// deliveries). So when outageStreak sends in a row fail so, to at least
// outageMinChats chats, this replica parks its delivery: no job spends an
// attempt, one send at a time probes Telegram after a back-off doubling
// from OutageFirstWait to outageMaxWait, and the first answer from
// Telegram (a success, or any answer of its API: a 429, a 400) resumes
// every sender. A streak, not a share of a window: the successes just
// before an outage began must not hide it, and with 10% of sends failing
// at random a streak of 8 comes once in 10^8 sends.
const (
	outageStreak    = 8
	outageMinChats  = 5
	OutageFirstWait = time.Second
	outageMaxWait   = 15 * time.Second
	// outageProbeWait is how often senders look again while a probe is in
	// flight (it may take a send's whole timeout to fail).
	outageProbeWait = time.Second
)

// Outage tracks whether Telegram answers this replica's sends.
type Outage struct {
	mu sync.Mutex
	// The failures in a row since the last answer, and their chats.
	streak      int
	streakChats map[int64]struct{}

	down    bool
	since   time.Time     // when it went down
	wait    time.Duration // back-off before the next probe
	probeAt time.Time     // when the next probe may go
	probing bool          // a probe is in flight
}

// transient reports whether err is a failure that says nothing about the
// chat or the request: a 5xx, a network error, a timeout, a body that is
// not Telegram's. Any answer of the API itself (a 429, a 400, a 403, a
// migration) is not: Telegram is up.
func transient(err error) bool {
	if err == nil {
		return false // before the errors.As targets, which escape: no allocation per send
	}
	var rl *tg.RateLimitError
	var mig *tg.MigratedError
	return err != nil && !errors.As(err, &rl) && !errors.As(err, &mig) && !errors.Is(err, tg.ErrChatGone) &&
		!errors.Is(err, tg.ErrRejected) && !errors.Is(err, tg.ErrCannotPost) && !errors.Is(err, tg.ErrNoPhotos)
}

// Admit says whether a send may go now. While Telegram is down, one send
// at a time goes, as the probe, once the back-off has passed; the others
// are told when to look again.
func (o *Outage) Admit(now time.Time) (probe bool, retryAt time.Time, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.down:
		return false, time.Time{}, true
	case o.probing:
		return false, now.Add(outageProbeWait), false
	case now.Before(o.probeAt):
		return false, o.probeAt, false
	}
	o.probing = true
	return true, time.Time{}, true
}

// Verdict is what Observe made of a send's result.
type Verdict struct {
	// Parked: the failure is the outage's, not the job's; the job spends
	// no attempt and waits until RetryAt.
	Parked  bool
	RetryAt time.Time
	// WentDown and CameBack mark the changes of state, for the log.
	WentDown, CameBack bool
	Down               time.Duration // how long it lasted, when it came back
}

// Observe records a send's result (probe: it was the probe Admit handed
// out).
func (o *Outage) Observe(chatID int64, err error, probe bool, now time.Time) Verdict {
	o.mu.Lock()
	defer o.mu.Unlock()
	if probe {
		o.probing = false
	}
	if !transient(err) {
		// Telegram answered: whatever was wrong with it is over.
		var v Verdict
		if o.down {
			o.down = false
			v.CameBack, v.Down = true, now.Sub(o.since)
		}
		o.streak = 0
		clear(o.streakChats)
		return v
	}
	switch {
	case o.down && probe:
		o.wait = min(2*o.wait, outageMaxWait)
		o.probeAt = now.Add(o.wait)
		return Verdict{Parked: true, RetryAt: o.probeAt}
	case o.down:
		// A send that left before the outage was noticed.
		return Verdict{Parked: true, RetryAt: later(o.probeAt, now.Add(outageProbeWait))}
	}
	o.streak++
	if o.streakChats == nil {
		o.streakChats = map[int64]struct{}{}
	}
	o.streakChats[chatID] = struct{}{}
	if o.streak >= outageStreak && len(o.streakChats) >= outageMinChats {
		o.down, o.since, o.wait = true, now, OutageFirstWait
		o.probeAt = now.Add(o.wait)
		o.streak = 0
		clear(o.streakChats)
		return Verdict{Parked: true, RetryAt: o.probeAt, WentDown: true}
	}
	return Verdict{}
}

// ParkedUntil is, while delivery is parked and no probe may go yet, when
// to look again: a cheap check before a send's Redis round trip.
func (o *Outage) ParkedUntil(now time.Time) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.down:
		return time.Time{}, false
	case o.probing:
		return now.Add(outageProbeWait), true
	case now.Before(o.probeAt):
		return o.probeAt, true
	}
	return time.Time{}, false
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
