package deliver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/tg"
)

var errBadGateway = errors.New("telegram error 502: Bad Gateway")

// TestOutageParksOnTelegramWideFailures: failures of several chats at once
// park delivery; only one probe goes at a time, after a back-off that
// doubles up to outageMaxWait; Telegram's first answer resumes delivery.
func TestOutageParksOnTelegramWideFailures(t *testing.T) {
	var o Outage
	t0 := time.Unix(1_000_000, 0)
	now := t0
	// Successes just before do not hide it.
	for i := range 200 {
		o.Observe(int64(1000+i), nil, false, now)
	}
	for i := range outageStreak - 1 {
		if v := o.Observe(int64(i%outageMinChats+1), errBadGateway, false, now); v.Parked {
			t.Fatalf("parked after %d failures", i+1)
		}
		now = now.Add(10 * time.Millisecond)
	}
	v := o.Observe(99, errBadGateway, false, now)
	if !v.Parked || !v.WentDown || v.RetryAt != now.Add(OutageFirstWait) {
		t.Fatalf("after %d failures in a row of %d chats: %+v, want parked until %v", outageStreak, outageMinChats, v, now.Add(OutageFirstWait))
	}
	// A send that was in flight fails too: parked, and the back-off is
	// not doubled by it.
	if v := o.Observe(100, errBadGateway, false, now); !v.Parked || v.RetryAt != now.Add(OutageFirstWait) {
		t.Fatalf("a send in flight at the outage: %+v", v)
	}
	if _, _, ok := o.Admit(now); ok {
		t.Fatal("a send admitted before the probe's time")
	}
	// Probes fail: the back-off doubles, then stays at the cap.
	wait := OutageFirstWait
	for range 8 {
		now = now.Add(wait)
		if until, parked := o.ParkedUntil(now); parked {
			t.Fatalf("still parked (until %v) at the probe's time", until)
		}
		probe, _, ok := o.Admit(now)
		if !ok || !probe {
			t.Fatalf("no probe at %v", now.Sub(t0))
		}
		if _, _, ok := o.Admit(now); ok {
			t.Fatal("a second send admitted while the probe is in flight")
		}
		if until, parked := o.ParkedUntil(now); !parked || until != now.Add(outageProbeWait) {
			t.Fatalf("while probing: parked %v until %v", parked, until)
		}
		wait = min(2*wait, outageMaxWait)
		if v := o.Observe(1, errBadGateway, true, now); !v.Parked || v.RetryAt != now.Add(wait) {
			t.Fatalf("failed probe: %+v, want parked for %v", v, wait)
		}
	}
	if wait != outageMaxWait {
		t.Fatalf("back-off reached %v, want the cap %v", wait, outageMaxWait)
	}
	now = now.Add(wait)
	probe, _, ok := o.Admit(now)
	if !ok || !probe {
		t.Fatal("no probe")
	}
	v = o.Observe(1, nil, true, now)
	if v.Parked || !v.CameBack || v.Down <= 0 {
		t.Fatalf("successful probe: %+v", v)
	}
	if probe, _, ok := o.Admit(now); !ok || probe {
		t.Fatalf("after the outage: admitted %v, probe %v", ok, probe)
	}
}

// TestOutageAnswersEndIt: any answer of Telegram's API (a 429, a 400)
// while parked ends the outage: Telegram is up.
func TestOutageAnswersEndIt(t *testing.T) {
	for _, answer := range []error{&tg.RateLimitError{RetryAfter: time.Second}, fmt.Errorf("%w: bad", tg.ErrRejected), tg.ErrChatGone} {
		var o Outage
		now := time.Unix(1_000_000, 0)
		for i := range outageStreak {
			o.Observe(int64(i), errBadGateway, false, now)
		}
		now = now.Add(OutageFirstWait)
		probe, _, _ := o.Admit(now)
		if v := o.Observe(1, answer, probe, now); v.Parked || !v.CameBack {
			t.Errorf("%v while parked: %+v, want delivery resumed", answer, v)
		}
	}
}

// TestOutageNotForOneChatOrScatteredErrors: failures of one chat alone,
// and 10% of sends failing at random among successes, are the jobs'
// errors: they never park delivery.
func TestOutageNotForOneChatOrScatteredErrors(t *testing.T) {
	var o Outage
	now := time.Unix(1_000_000, 0)
	for range 100 {
		if v := o.Observe(7, errBadGateway, false, now); v.Parked {
			t.Fatal("one chat's failures parked delivery")
		}
		now = now.Add(10 * time.Millisecond)
	}
	o = Outage{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 100_000 {
		var err error
		if rng.Float64() < 0.1 {
			err = errBadGateway
		}
		if v := o.Observe(int64(i%500), err, false, now); v.Parked {
			t.Fatalf("parked after send %d with 10%% random failures", i)
		}
		now = now.Add(time.Duration(rng.IntN(40)) * time.Millisecond) // 50 sends/s on average
	}
}
