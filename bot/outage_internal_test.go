package bot

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var errBadGateway = errors.New("telegram error 502: Bad Gateway")

// TestOutageParksOnTelegramWideFailures: failures of several chats at once
// park delivery; only one probe goes at a time, after a back-off that
// doubles up to outageMaxWait; Telegram's first answer resumes delivery.
func TestOutageParksOnTelegramWideFailures(t *testing.T) {
	var o outage
	t0 := time.Unix(1_000_000, 0)
	now := t0
	// Successes just before do not hide it.
	for i := range 200 {
		o.observe(int64(1000+i), nil, false, now)
	}
	for i := range outageStreak - 1 {
		if v := o.observe(int64(i%outageMinChats+1), errBadGateway, false, now); v.parked {
			t.Fatalf("parked after %d failures", i+1)
		}
		now = now.Add(10 * time.Millisecond)
	}
	v := o.observe(99, errBadGateway, false, now)
	if !v.parked || !v.wentDown || v.retryAt != now.Add(outageFirstWait) {
		t.Fatalf("after %d failures in a row of %d chats: %+v, want parked until %v", outageStreak, outageMinChats, v, now.Add(outageFirstWait))
	}
	// A send that was in flight fails too: parked, and the back-off is
	// not doubled by it.
	if v := o.observe(100, errBadGateway, false, now); !v.parked || v.retryAt != now.Add(outageFirstWait) {
		t.Fatalf("a send in flight at the outage: %+v", v)
	}
	if _, _, ok := o.admit(now); ok {
		t.Fatal("a send admitted before the probe's time")
	}
	// Probes fail: the back-off doubles, then stays at the cap.
	wait := outageFirstWait
	for range 8 {
		now = now.Add(wait)
		if until, parked := o.parkedUntil(now); parked {
			t.Fatalf("still parked (until %v) at the probe's time", until)
		}
		probe, _, ok := o.admit(now)
		if !ok || !probe {
			t.Fatalf("no probe at %v", now.Sub(t0))
		}
		if _, _, ok := o.admit(now); ok {
			t.Fatal("a second send admitted while the probe is in flight")
		}
		if until, parked := o.parkedUntil(now); !parked || until != now.Add(outageProbeWait) {
			t.Fatalf("while probing: parked %v until %v", parked, until)
		}
		wait = min(2*wait, outageMaxWait)
		if v := o.observe(1, errBadGateway, true, now); !v.parked || v.retryAt != now.Add(wait) {
			t.Fatalf("failed probe: %+v, want parked for %v", v, wait)
		}
	}
	if wait != outageMaxWait {
		t.Fatalf("back-off reached %v, want the cap %v", wait, outageMaxWait)
	}
	now = now.Add(wait)
	probe, _, ok := o.admit(now)
	if !ok || !probe {
		t.Fatal("no probe")
	}
	v = o.observe(1, nil, true, now)
	if v.parked || !v.cameBack || v.down <= 0 {
		t.Fatalf("successful probe: %+v", v)
	}
	if probe, _, ok := o.admit(now); !ok || probe {
		t.Fatalf("after the outage: admitted %v, probe %v", ok, probe)
	}
}

// TestOutageAnswersEndIt: any answer of Telegram's API (a 429, a 400)
// while parked ends the outage: Telegram is up.
func TestOutageAnswersEndIt(t *testing.T) {
	for _, answer := range []error{&RateLimitError{RetryAfter: time.Second}, fmt.Errorf("%w: bad", ErrRejected), ErrChatGone} {
		var o outage
		now := time.Unix(1_000_000, 0)
		for i := range outageStreak {
			o.observe(int64(i), errBadGateway, false, now)
		}
		now = now.Add(outageFirstWait)
		probe, _, _ := o.admit(now)
		if v := o.observe(1, answer, probe, now); v.parked || !v.cameBack {
			t.Errorf("%v while parked: %+v, want delivery resumed", answer, v)
		}
	}
}

// TestOutageNotForOneChatOrScatteredErrors: failures of one chat alone,
// and 10% of sends failing at random among successes, are the jobs'
// errors: they never park delivery.
func TestOutageNotForOneChatOrScatteredErrors(t *testing.T) {
	var o outage
	now := time.Unix(1_000_000, 0)
	for range 100 {
		if v := o.observe(7, errBadGateway, false, now); v.parked {
			t.Fatal("one chat's failures parked delivery")
		}
		now = now.Add(10 * time.Millisecond)
	}
	o = outage{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 100_000 {
		var err error
		if rng.Float64() < 0.1 {
			err = errBadGateway
		}
		if v := o.observe(int64(i%500), err, false, now); v.parked {
			t.Fatalf("parked after send %d with 10%% random failures", i)
		}
		now = now.Add(time.Duration(rng.IntN(40)) * time.Millisecond) // 50 sends/s on average
	}
}
