package telegramtest

import (
	"math"
	"time"
)

// gcra is one rate-limit bucket, kept as the generic cell rate algorithm's
// theoretical arrival time: a send at now fits when tat-now is within the
// tolerance, and then pushes tat one interval on.
type gcra struct{ tat time.Time }

// check reports whether a send at now fits a bucket of this interval and
// burst, forgiving jitter of early arrival, and if not how long until one
// would. It does not consume.
func (g *gcra) check(now time.Time, interval time.Duration, burst int, jitter time.Duration) (bool, time.Duration) {
	tolerance := time.Duration(burst-1)*interval + jitter
	tat := g.tat
	if tat.Before(now) {
		tat = now
	}
	allowAt := tat.Add(-tolerance)
	if now.Before(allowAt) {
		return false, allowAt.Sub(now)
	}
	return true, 0
}

func (g *gcra) take(now time.Time, interval time.Duration) {
	if g.tat.Before(now) {
		g.tat = now
	}
	g.tat = g.tat.Add(interval)
}

// retryAfter is Telegram's retry_after: whole seconds, rounded up, at least 1.
func retryAfter(wait time.Duration) int {
	n := int(math.Ceil(wait.Seconds()))
	if n < 1 {
		n = 1
	}
	return n
}

func perSecond(rate float64) time.Duration {
	return time.Duration(float64(time.Second) / rate)
}

// limitLocked applies the flood limits to a send to cs at now: first the
// chat's bucket, then the bulk bucket (the paid one for paid broadcasts).
// A 429 parks the chat (or the whole sender, for the bulk limit) until its
// retry_after, so later early sends count as EarlyRetries.
func (s *Server) limitLocked(cs *chatState, now time.Time, paid bool) *apiError {
	if !s.opts.Limits {
		return nil
	}
	chatInterval := perSecond(s.opts.PrivatePerSecond)
	if cs.chat.ID < 0 {
		chatInterval = perSecond(s.opts.GroupPerMinute / 60)
	}
	if ok, wait := cs.bucket.check(now, chatInterval, s.opts.Burst, s.opts.Jitter); !ok {
		n := retryAfter(wait)
		cs.parkedUntil = now.Add(time.Duration(n) * time.Second)
		s.stats.LimitViolations++
		return tooManyRequests(n)
	}
	bulk, bulkInterval := &s.global, perSecond(s.opts.GlobalPerSecond)
	if paid {
		bulk, bulkInterval = &s.paid, perSecond(s.opts.PaidPerSecond)
	}
	if ok, wait := bulk.check(now, bulkInterval, s.opts.GlobalBurst, s.opts.Jitter); !ok {
		n := retryAfter(wait)
		s.globalParkedAt, s.globalParked = now, now.Add(time.Duration(n)*time.Second)
		cs.parkedUntil = s.globalParked // this chat was told to wait, too
		s.stats.LimitViolations++
		return tooManyRequests(n)
	}
	cs.bucket.take(now, chatInterval)
	bulk.take(now, bulkInterval)
	return nil
}

// noteEarlyLocked counts a send that ignored an earlier retry_after: any
// send to a chat that was told to wait, and a send to another chat that
// arrives during a bulk 429's wait, once Jitter has passed since that 429
// (sends already in flight when it was answered are not the bot's fault).
func (s *Server) noteEarlyLocked(cs *chatState, now time.Time) {
	switch {
	case now.Before(cs.parkedUntil):
		s.stats.EarlyRetries++
	case now.Before(s.globalParked) && now.Sub(s.globalParkedAt) > s.opts.Jitter:
		s.stats.EarlyGlobalRetries++
	}
}
