package deliver

import (
	"context"
	"errors"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/storage"
)

// serveBroadcast sends a chat an operator's broadcast: the delivery of a
// card without the card. It takes the same checks (the chat's pause, park
// and limit, the sent record), the bot-wide slot, the shard's lease and
// Telegram's error policy (settle) as a card; each chat's result is
// recorded once for the progress.
func (e *Engine) serveBroadcast(ctx context.Context, chatID int64, jobs []storage.Delivery, run *sendRun) outcome {
	now := e.now()
	d := jobs[0]
	id, _ := storage.BroadcastOf(d.ItemID)
	ack := func() outcome {
		if err := e.store.Ack(ctx, d); err != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
		return outcome{done: 1}
	}
	bc, err := e.store.Broadcast(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && bc.State != storage.BroadcastSending):
		return ack() // expired: nothing left to send
	case err != nil:
		return outcome{retryAt: now.Add(time.Second)}
	}
	q := e.checkQuery(chatID)
	q.ItemIDs = []string{d.ItemID}
	sc, err := run.chk.Check(ctx, q)
	paused, retryAt, ok := e.ready(ctx, chatID, sc, err, now)
	switch {
	case paused:
		e.broadcastResult(ctx, id, chatID, false)
		return e.skipPaused(ctx, jobs)
	case !ok:
		return outcome{retryAt: retryAt}
	case sc.Sent[0]:
		e.metrics.Sends.WithLabelValues("duplicate").Inc()
		out := ack()
		e.broadcastResult(ctx, id, chatID, true) // sent before a crash
		return out
	}
	probe, retryAt, err := e.deliveryGate(run).Clear(ctx, chatID, now)
	if err != nil {
		return outcome{retryAt: retryAt}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	m := e.forChat(card.Message{ChatID: chatID, Text: bc.Text, DisablePreview: true}, sc.Chat)
	at := e.now()
	msgID, err := e.send(ctx, m, time.Time{})
	if out, parked := e.afterSend(chatID, err, probe); parked {
		return out
	}
	out := e.settle(ctx, chatID, jobs, jobs[:1], jobs[:1], sentNews{Message: m, ID: msgID, At: at}, err, run.rec)
	var mig *tg.MigratedError
	switch {
	case err == nil:
		out.retryAt = at.Add(q.Limit.Period / time.Duration(q.Limit.Rate))
		e.broadcastResult(ctx, id, chatID, true)
	case errors.As(err, &mig):
		// The job moved to the supergroup, whose result counts instead.
	case out.done > 0 || out.dropAll:
		e.broadcastResult(ctx, id, chatID, false)
	}
	return out
}

// broadcastResult records a chat's result of a broadcast, for its
// progress (the operator's, Config.BroadcastResult).
func (e *Engine) broadcastResult(ctx context.Context, id string, chatID int64, ok bool) {
	if e.cfg.BroadcastResult != nil {
		e.cfg.BroadcastResult(ctx, id, chatID, ok)
	}
}

// isBroadcast reports whether a delivery job's item is a broadcast, not a
// card: it is served alone, never in a digest nor ahead of a lane.
func isBroadcast(itemID string) bool {
	_, ok := storage.BroadcastOf(itemID)
	return ok
}
