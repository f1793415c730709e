package deliver

import (
	"context"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/storage"
)

// The gates of package deliver (Gate) as the bot's senders use
// them, wired to this replica's pacer and outage tracker.

// deliveryGate is the gate of the delivery workers' sends: cards, edits
// and broadcasts alike. What differs between them comes before it (what
// their CheckSend asks) and after it (what Telegram's answer does), not in
// it.
func (e *Engine) deliveryGate(run *sendRun) Gate {
	return Gate{Slots: e.dl.pacer, Owns: run.owns, Outage: &e.dl.outage, Now: e.cfg.Now}
}

// replyGate is the gate of replies and digests: the slot alone.
func (e *Engine) replyGate() Gate {
	return Gate{Slots: e.dl.pacer, Now: e.cfg.Now}
}

// The checks before a delivery send (a card or a digest of cards, an
// edit, a broadcast) are one sequence, written once: the chat's query
// (checkQuery) goes in a shared CheckSend round trip (Checker), its answer
// is read by ready, what the kind of send skips (sent already, expired,
// filtered) is settled, and the gate (deliveryGate) gives the bot-wide
// slot. Replies and digests (pace) ask the chat's limit with Allow, then
// pass replyGate.

// checkQuery is the pre-send check of a delivery send to chatID: its
// park and a token of its limit; the caller adds the items whose sent
// records it reads (ItemIDs) or fetches (Fetch).
func (e *Engine) checkQuery(chatID int64) storage.SendQuery {
	return storage.SendQuery{ChatID: chatID, LimitKey: chatKey(chatID), Limit: e.chatLimit(chatID)}
}

// ready reads a delivery send's check (sc, or its round trip's err): the
// chat is paused (each kind of send settles its jobs its own way), must
// wait until retryAt (a failed round trip: a second), or may go on.
func (e *Engine) ready(ctx context.Context, chatID int64, sc storage.SendCheck, err error, now time.Time) (paused bool, retryAt time.Time, ok bool) {
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("check send", "chat_id", chatID, "error", err)
		}
		return false, now.Add(time.Second), false
	}
	return ChatReady(sc, now)
}

// pacedSend sends one message within the chat's and the bot's shared
// limits, waiting for a token as long as ctx allows. Replies use it; the
// delivery workers book their tokens in batches instead. When Telegram
// refuses the message it sends at once the simpler forms a card falls back
// to (without the photo, the copy button, the buttons; see sendNews), each
// in a slot of the bot-wide rate; a reply has no plain-text form of its own.
func (e *Engine) pacedSend(ctx context.Context, m card.Message) (int, error) {
	if err := e.pace(ctx, m.ChatID); err != nil {
		return 0, err
	}
	return e.sendPaced(ctx, m)
}

// replyStore writes a subscription change in the round trip of the
// chat's token for the reply that reports it (PacedSendChange).
type replyStore interface {
	ChangeSubAndAllow(ctx context.Context, ch storage.SubChange, key string, l storage.Limit) (changed bool, wait time.Duration, err error)
}

// pacedSendChange makes ch, then sends reply(changed) to ch's chat as
// pacedSend does, and returns the message sent. The first token of the
// chat's limit is asked in the round trip that writes ch
// (ChangeSubAndAllow): the change is stored before the reply leaves, at
// no round trip of its own. When the token must be waited for, pace asks
// again; the change stays made. An error may leave ch made, unanswered,
// as a failed reply after Subscribe would.
func (e *Engine) pacedSendChange(ctx context.Context, ch storage.SubChange, reply func(changed bool) card.Message) (card.Message, int, error) {
	changed, wait, err := e.store.ChangeSubAndAllow(ctx, ch, chatKey(ch.ChatID), e.chatLimit(ch.ChatID))
	if err != nil {
		return card.Message{}, 0, err
	}
	m := reply(changed)
	if err := e.paceFrom(ctx, m.ChatID, wait); err != nil {
		return m, 0, err
	}
	id, err := e.sendPaced(ctx, m)
	return m, id, err
}

// sendPaced sends m, whose chat's token and bot-wide slot are taken
// (pace), stepping down to a simpler form when Telegram refuses one.
func (e *Engine) sendPaced(ctx context.Context, m card.Message) (int, error) {
	for {
		id, err := e.send(ctx, m, time.Time{})
		if err == nil {
			return id, nil
		}
		next, step := simpler(m, err, nil)
		if step == "" {
			return 0, err
		}
		e.metrics.Fallbacks.WithLabelValues(step).Inc()
		e.log.Warn("reply refused, sending a simpler form", "chat_id", m.ChatID, "fallback", step, "error", err)
		if werr := e.waitGlobal(ctx, m.ChatID); werr != nil {
			return 0, err
		}
		m = next
	}
}

// pace waits for a token of the chat's limit and a slot of the bot-wide
// rate, as long as ctx allows: one send may go.
func (e *Engine) pace(ctx context.Context, chatID int64) error {
	wait, err := e.store.Allow(ctx, chatKey(chatID), e.chatLimit(chatID))
	if err != nil {
		return err
	}
	return e.paceFrom(ctx, chatID, wait)
}

// paceFrom is pace after its first Allow, whose answer is wait (0: the
// token taken): it waits and asks again until a token is taken, then
// takes a slot of the bot-wide rate.
func (e *Engine) paceFrom(ctx context.Context, chatID int64, wait time.Duration) error {
	for wait > 0 {
		if !Sleep(ctx, wait) {
			return ctx.Err()
		}
		var err error
		if wait, err = e.store.Allow(ctx, chatKey(chatID), e.chatLimit(chatID)); err != nil {
			return err
		}
	}
	_, _, err := e.replyGate().Clear(ctx, chatID, e.now())
	return err
}
