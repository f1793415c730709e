package deliver

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// fakeSlots is a pacer in memory: take answers err, and the calls are
// logged in order with the gate's other steps.
type fakeSlots struct {
	err   error
	steps *[]string
	given []int64 // chats whose slot was given back
}

func (f *fakeSlots) Take(_ context.Context, chatID int64) error {
	*f.steps = append(*f.steps, "take")
	return f.err
}

func (f *fakeSlots) Unused(chatID int64) {
	*f.steps = append(*f.steps, "unused")
	f.given = append(f.given, chatID)
}

// loggedOutage logs admit calls before passing them to a real outage.
type loggedOutage struct {
	o     *Outage
	steps *[]string
}

func (l loggedOutage) Admit(now time.Time) (bool, time.Time, bool) {
	*l.steps = append(*l.steps, "admit")
	return l.o.Admit(now)
}

// TestSendGate: what the pre-send sequence decides, given the slot's
// answer, the shard's owner and Telegram's state, for a delivery send (a
// card, an edit, a broadcast) and for a reply, without Redis.
func TestSendGate(t *testing.T) {
	const chatID = 42
	start := time.Unix(1_000_000, 0)
	now := start.Add(300 * time.Millisecond) // after the slot's wait
	errSlot := errors.New("redis: connection refused")
	up := func() *Outage { return &Outage{} }
	down := func() *Outage { // down, the probe due in 2 s
		return &Outage{down: true, since: now.Add(-time.Second), wait: OutageFirstWait, probeAt: now.Add(2 * time.Second)}
	}
	probeDue := func() *Outage {
		return &Outage{down: true, since: now.Add(-time.Minute), wait: OutageFirstWait, probeAt: now.Add(-time.Millisecond)}
	}
	probing := func() *Outage {
		o := probeDue()
		o.probing = true
		return o
	}
	tests := []struct {
		name     string
		reply    bool // the reply gate: no shard, no outage gate
		slotErr  error
		owned    bool
		outage   func() *Outage
		wantErr  error
		wantAt   time.Time
		probe    bool
		steps    []string
		givenBck bool
	}{
		{name: "delivery goes", owned: true, outage: up,
			steps: []string{"take", "owns", "admit"}},
		{name: "slot error", slotErr: errSlot, owned: true, outage: up,
			wantErr: errSlot, wantAt: start, steps: []string{"take"}},
		{name: "slot error while not owned", slotErr: context.Canceled, owned: false, outage: up,
			wantErr: context.Canceled, wantAt: start, steps: []string{"take"}},
		{name: "shard moved while waiting", owned: false, outage: up,
			wantErr: errNotOwned, wantAt: start, steps: []string{"take", "owns", "unused"}, givenBck: true},
		{name: "shard moved, Telegram down", owned: false, outage: down,
			wantErr: errNotOwned, wantAt: start, steps: []string{"take", "owns", "unused"}, givenBck: true},
		{name: "Telegram down, probe not due", owned: true, outage: down,
			wantErr: errParked, wantAt: now.Add(2 * time.Second), steps: []string{"take", "owns", "admit"}},
		{name: "Telegram down, a probe in flight", owned: true, outage: probing,
			wantErr: errParked, wantAt: now.Add(outageProbeWait), steps: []string{"take", "owns", "admit"}},
		{name: "Telegram down, this send probes", owned: true, outage: probeDue,
			probe: true, steps: []string{"take", "owns", "admit"}},
		{name: "reply goes", reply: true, outage: up, steps: []string{"take"}},
		{name: "reply while Telegram is down", reply: true, outage: down, steps: []string{"take"}},
		{name: "reply, slot error", reply: true, slotErr: errSlot, outage: up,
			wantErr: errSlot, wantAt: start, steps: []string{"take"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var steps []string
			slots := &fakeSlots{err: tc.slotErr, steps: &steps}
			o := tc.outage()
			g := Gate{Slots: slots, Now: func() time.Time { return now }}
			if !tc.reply {
				g.Owns = func(id int64) bool {
					steps = append(steps, "owns")
					if id != chatID {
						t.Errorf("owns(%d), want owns(%d)", id, chatID)
					}
					return tc.owned
				}
				g.Outage = loggedOutage{o: o, steps: &steps}
			}
			probe, at, err := g.Clear(context.Background(), chatID, start)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("err %v, want %v", err, tc.wantErr)
			}
			if !at.Equal(tc.wantAt) {
				t.Errorf("retryAt %v, want %v", at, tc.wantAt)
			}
			if probe != tc.probe {
				t.Errorf("probe %v, want %v", probe, tc.probe)
			}
			if !slices.Equal(steps, tc.steps) {
				t.Errorf("steps %v, want %v", steps, tc.steps)
			}
			if want := map[bool][]int64{true: {chatID}}[tc.givenBck]; !slices.Equal(slots.given, want) {
				t.Errorf("slots given back for %v, want %v", slots.given, want)
			}
		})
	}
}

// TestSendGateOneProbe: while Telegram is down, the gate lets one delivery
// send through as the probe and parks the next ones until its answer.
func TestSendGateOneProbe(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	o := &Outage{down: true, since: now.Add(-time.Minute), wait: OutageFirstWait, probeAt: now}
	var steps []string
	g := Gate{Slots: &fakeSlots{steps: &steps}, Owns: func(int64) bool { return true }, Outage: o,
		Now: func() time.Time { return now }}
	probe, _, err := g.Clear(context.Background(), 1, now)
	if err != nil || !probe {
		t.Fatalf("first send: probe %v, err %v; want the probe", probe, err)
	}
	if probe, at, err := g.Clear(context.Background(), 2, now); !errors.Is(err, errParked) || probe || !at.Equal(now.Add(outageProbeWait)) {
		t.Fatalf("second send while the probe is in flight: probe %v, retryAt %v, err %v; want parked until %v",
			probe, at, err, now.Add(outageProbeWait))
	}
	o.Observe(1, nil, true, now) // the probe is answered: Telegram is back
	if probe, _, err := g.Clear(context.Background(), 2, now); err != nil || probe {
		t.Fatalf("after the probe's answer: probe %v, err %v; want a plain send", probe, err)
	}
}

// TestChatReady: what a chat's CheckSend answer says of a send, in the
// order the senders apply it: a paused chat whatever its park and limit,
// then a 429's park, then the chat's limit.
func TestChatReady(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	paused := storage.Chat{Paused: now.Add(-time.Hour)}
	tests := []struct {
		name   string
		sc     storage.SendCheck
		paused bool
		at     time.Time
		ok     bool
	}{
		{name: "go", sc: storage.SendCheck{}, ok: true},
		{name: "park ran out", sc: storage.SendCheck{ParkedUntil: now}, ok: true},
		{name: "park ran out earlier", sc: storage.SendCheck{ParkedUntil: now.Add(-time.Second)}, ok: true},
		{name: "parked", sc: storage.SendCheck{ParkedUntil: now.Add(3 * time.Second)}, at: now.Add(3 * time.Second)},
		{name: "limit", sc: storage.SendCheck{Wait: 700 * time.Millisecond}, at: now.Add(700 * time.Millisecond)},
		{name: "parked beyond the limit's wait", sc: storage.SendCheck{ParkedUntil: now.Add(time.Second), Wait: 5 * time.Second},
			at: now.Add(time.Second)},
		{name: "paused", sc: storage.SendCheck{Chat: paused}, paused: true},
		{name: "paused and parked", sc: storage.SendCheck{Chat: paused, ParkedUntil: now.Add(time.Minute), Wait: time.Second},
			paused: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, at, ok := ChatReady(tc.sc, now)
			if p != tc.paused || !at.Equal(tc.at) || ok != tc.ok {
				t.Errorf("ChatReady = paused %v, retryAt %v, ok %v; want %v, %v, %v", p, at, ok, tc.paused, tc.at, tc.ok)
			}
		})
	}
}
