package telegramtest

import (
	"math"
	"time"
)

// window is a sliding-window limit: at most n arrivals in any span. It
// keeps the last n arrival times in a ring, so a chat costs its limit's
// size, not its history.
type window struct {
	times []time.Time // ring of the last n arrivals; len < n until full
	next  int         // index of the oldest once full
}

// check reports whether an arrival at now fits n in any span, and if not
// how long until the oldest of the last n arrivals leaves the window. It
// does not consume. An arrival exactly span after the one n back fits:
// that one has left the window.
func (w *window) check(now time.Time, n int, span time.Duration) (bool, time.Duration) {
	if len(w.times) < n {
		return true, 0
	}
	leaves := w.times[w.next].Add(span)
	if !now.Before(leaves) {
		return true, 0
	}
	return false, leaves.Sub(now)
}

// take records an arrival at now.
func (w *window) take(now time.Time, n int) {
	if len(w.times) < n {
		w.times = append(w.times, now)
		return
	}
	w.times[w.next] = now
	w.next = (w.next + 1) % n
}

// windowOf turns a rate per period into a window: n sends in span, n the
// whole number of sends the rate allows per period (at least 1), so 30/s is
// 30 in any second, 20/min is 20 in any minute and 0.25/s is 1 in any 4 s.
func windowOf(perPeriod float64, period time.Duration) (int, time.Duration) {
	n := max(1, int(math.Floor(perPeriod)))
	return n, time.Duration(float64(n) / perPeriod * float64(period))
}

// gcra is one rate-limit bucket of the lenient limits, kept as the generic
// cell rate algorithm's theoretical arrival time: a send at now fits when
// tat-now is within the tolerance, and then pushes tat one interval on.
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

// buckets is one limit's state in both readings: the strict window and the
// lenient bucket (Options.LenientLimits); only one of them is used by a
// server.
type buckets struct {
	win  window
	gcra gcra
}

// limit is one of Telegram's limits as the fake reads it.
type limit struct {
	n        int           // strict: at most n arrivals in span
	span     time.Duration //
	interval time.Duration // lenient: one per interval, with burst
	burst    int
}

// check reports whether a send at now fits b under l, and if not how long
// until one would.
func (s *Server) check(b *buckets, l limit, now time.Time) (bool, time.Duration) {
	if s.opts.LenientLimits {
		return b.gcra.check(now, l.interval, l.burst, s.opts.Jitter)
	}
	return b.win.check(now, l.n, l.span)
}

func (s *Server) take(b *buckets, l limit, now time.Time) {
	if s.opts.LenientLimits {
		b.gcra.take(now, l.interval)
		return
	}
	b.win.take(now, l.n)
}

// chatLimit is the limit of one chat: per second for a private chat, per
// minute for a group, supergroup or channel (chat id < 0).
func (s *Server) chatLimit(id int64) limit {
	if id < 0 {
		n, span := windowOf(s.opts.GroupPerMinute, time.Minute)
		return limit{n: n, span: span, interval: perSecond(s.opts.GroupPerMinute / 60), burst: s.opts.Burst}
	}
	n, span := windowOf(s.opts.PrivatePerSecond, time.Second)
	return limit{n: n, span: span, interval: perSecond(s.opts.PrivatePerSecond), burst: s.opts.Burst}
}

// bulkLimit is the limit over all chats, or over paid broadcasts.
func (s *Server) bulkLimit(paid bool) limit {
	rate := s.opts.GlobalPerSecond
	if paid {
		rate = s.opts.PaidPerSecond
	}
	n, span := windowOf(rate, time.Second)
	return limit{n: n, span: span, interval: perSecond(rate), burst: s.opts.GlobalBurst}
}

// limitLocked applies the flood limits to a send to cs arriving at now:
// first the chat's limit, then the bulk limit (the paid one for paid
// broadcasts). A 429 parks the chat (or the whole sender, for the bulk
// limit) until its retry_after, so later early sends count as EarlyRetries.
// Only accepted sends count towards the limits.
func (s *Server) limitLocked(cs *chatState, now time.Time, paid bool) *apiError {
	if !s.opts.Limits {
		return nil
	}
	chat := s.chatLimit(cs.chat.ID)
	if ok, wait := s.check(&cs.limit, chat, now); !ok {
		n := retryAfter(wait)
		cs.parkedUntil = now.Add(time.Duration(n) * time.Second)
		s.stats.LimitViolations++
		s.stats.ChatViolations[cs.chat.ID]++
		return tooManyRequests(n)
	}
	bulk, bl := &s.global, s.bulkLimit(paid)
	if paid {
		bulk = &s.paid
	}
	if ok, wait := s.check(bulk, bl, now); !ok {
		n := retryAfter(wait)
		s.globalParkedAt, s.globalParked = now, now.Add(time.Duration(n)*time.Second)
		cs.parkedUntil = s.globalParked // this chat was told to wait, too
		s.stats.LimitViolations++
		s.stats.BulkViolations++
		return tooManyRequests(n)
	}
	s.take(&cs.limit, chat, now)
	s.take(bulk, bl, now)
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
