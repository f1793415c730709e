package deliver

import (
	"context"
	"errors"
	"time"

	"github.com/akhbar/akhbar/storage"
)

// The checks before a send, written once here for the delivery workers (a
// card or a digest of cards, an edit, a broadcast) and for replies (pace):
// the chat's own state as CheckSend read it (ChatReady; replies ask the
// chat's limit with Allow instead), then the gate (Gate.Clear): the
// bot-wide slot, the shard's owner, Telegram's outage.

// Why a gate held a send back (the slot's own error otherwise).
var (
	errNotOwned = errors.New("chat's shard not this replica's")
	errParked   = errors.New("delivery parked: Telegram is down")
)

// SlotTaker hands out slots of the bot-wide rate (the pacer).
type SlotTaker interface {
	Take(ctx context.Context, chatID int64) error
	Unused(chatID int64)
}

// Admitter lets sends through while Telegram fails for every chat (the
// outage tracker).
type Admitter interface {
	Admit(now time.Time) (probe bool, retryAt time.Time, ok bool)
}

// Gate is the sequence a send passes after its chat's limit: the
// bot-wide slot, then the checks its kind of send needs.
type Gate struct {
	Slots SlotTaker
	// Owns reports whether the chat's shard is surely this replica's now.
	// Delivery checks it after the slot, since the lease may go unsure or
	// the shard be handed over while a send waits for it; nil for replies
	// and digests, which belong to no shard (a reply answers whoever
	// wrote, the digest sender holds a lease of its own).
	Owns func(chatID int64) bool
	// Outage admits one probe at a time while Telegram is down. Delivery
	// has it: a failure there would spend a job's attempt. Nil for
	// replies and digests: someone is waiting for a reply now, and their
	// failures spend no attempt nor tell the tracker (Engine.afterSend).
	Outage Admitter
	Now    func() time.Time
}

// Clear waits for the send's slot and reports whether it may go, in this
// order: the slot, then the shard, then the outage (the slot's wait is
// when the lease may change hands or Telegram go down). When the send may
// not go, err says why and retryAt is when to look again: start (the
// serve's start: at once) when the slot could not be had or the shard is
// no longer this replica's, the outage's time when Telegram is down. A
// slot taken for a send not made because the shard changed hands goes to
// the next send (Pacer.Unused); one held back by the outage is not given
// back (delivery is parked then, and the slot's time passes while every
// sender waits). probe: the send is the outage's probe, to report to
// Outage.Observe (Engine.afterSend).
func (g Gate) Clear(ctx context.Context, chatID int64, start time.Time) (probe bool, retryAt time.Time, err error) {
	if err := g.Slots.Take(ctx, chatID); err != nil {
		return false, start, err
	}
	if g.Owns != nil && !g.Owns(chatID) {
		// The shard's lease went unsure while this send waited for its
		// slot (a pause, Redis out of reach), or the shard is being handed
		// to a replica that joined: another replica may own the chat now.
		// The job stays for whoever owns it, the slot for the next send.
		g.Slots.Unused(chatID)
		return false, start, errNotOwned
	}
	if g.Outage == nil {
		return false, time.Time{}, nil
	}
	probe, until, ok := g.Outage.Admit(g.Now())
	if !ok {
		return false, until, errParked // another send probes Telegram
	}
	return probe, time.Time{}, nil
}

// ChatReady is what a chat's own state, as CheckSend read it, says of a
// send, before the gate: paused (the bot may not post there; each kind of
// send settles its job its own way: a card's jobs wait for a resume, an
// edit is dropped, a broadcast counts a failure), wait until retryAt (a
// 429's park, then the chat's limit), or go (the limit's token is taken).
func ChatReady(sc storage.SendCheck, now time.Time) (paused bool, retryAt time.Time, ok bool) {
	switch {
	case !sc.Chat.Paused.IsZero():
		return true, time.Time{}, false
	case now.Before(sc.ParkedUntil):
		return false, sc.ParkedUntil, false
	case sc.Wait > 0:
		return false, now.Add(sc.Wait), false
	}
	return false, time.Time{}, true
}
