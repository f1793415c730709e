package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// Delivery tuning. The stream is read in batches; a replica holds at most
// maxBacklog jobs so a huge fan-out stays in Redis, not in memory.
const (
	readBatch     = 256
	readBlock     = time.Second
	maxBacklog    = 20000
	claimEvery    = 30 * time.Second
	claimMinIdle  = 5 * time.Minute
	maxDigestSize = 12
)

// RunDelivery consumes the delivery stream as consumer until ctx ends:
// one reader fills a per-chat scheduler, cfg.Workers senders drain it.
// Each chat is served by one sender at a time, so its items keep their
// order, and a chat waiting for its limit never blocks another chat.
func (b *Bot) RunDelivery(ctx context.Context, consumer string) error {
	if err := b.store.EnsureGroup(ctx); err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	s := newScheduler(b.now)
	var wg sync.WaitGroup
	for range b.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				q, jobs := s.next(ctx)
				if q == nil {
					return
				}
				s.done(q, jobs, b.serveChat(ctx, q.id, jobs))
				b.metrics.Backlog.Set(float64(s.len()))
			}
		}()
	}
	err := b.readJobs(ctx, consumer, s)
	wg.Wait()
	return err
}

// readJobs moves jobs from the stream into the scheduler, and periodically
// claims jobs a dead replica left pending.
func (b *Bot) readJobs(ctx context.Context, consumer string, s *scheduler) error {
	lastClaim := time.Time{}
	for ctx.Err() == nil {
		if s.len() >= maxBacklog {
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		if time.Since(lastClaim) > claimEvery {
			lastClaim = time.Now()
			claimed, err := b.store.ClaimStale(ctx, consumer, claimMinIdle, readBatch)
			if err != nil && ctx.Err() == nil {
				b.log.Warn("claim stale deliveries", "error", err)
			}
			s.add(claimed...)
		}
		ds, err := b.store.ReadJobs(ctx, consumer, readBatch, readBlock)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			b.log.Warn("read deliveries", "error", err)
			sleep(ctx, time.Second)
			continue
		}
		s.add(ds...)
		b.metrics.Backlog.Set(float64(s.len()))
	}
	return nil
}

// outcome is what serving a chat did to its queue.
type outcome struct {
	done    int       // jobs finished (sent, acked, dead-lettered) from the front
	dropAll bool      // the chat is gone or moved: every queued job was settled
	retryAt time.Time // zero: the chat may be served again right away (limits permitting)
}

// serveChat sends the next message a chat is owed: one card, or one digest
// when more than DigestThreshold items wait.
func (b *Bot) serveChat(ctx context.Context, chatID int64, jobs []storage.Delivery) outcome {
	now := b.now()
	if until, err := b.store.ParkedUntil(ctx, chatID); err == nil && now.Before(until) {
		return outcome{retryAt: until}
	}
	if wait, err := b.store.Allow(ctx, chatKey(chatID), b.chatLimit(chatID)); err != nil {
		b.log.Warn("chat limit", "chat_id", chatID, "error", err)
		return outcome{retryAt: now.Add(time.Second)}
	} else if wait > 0 {
		return outcome{retryAt: now.Add(wait)}
	}

	batch := jobs[:1]
	if len(jobs) > b.cfg.DigestThreshold {
		batch = jobs[:min(len(jobs), maxDigestSize)]
	}
	// Settle jobs that need no send: sent before a crash, or expired items.
	var items []feeds.Item
	var pending []storage.Delivery
	for _, d := range batch {
		sent, err := b.store.WasSent(ctx, chatID, d.ItemID)
		if err != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
		it, ierr := b.store.Item(ctx, d.ItemID)
		if sent || errors.Is(ierr, storage.ErrNotFound) {
			if err := b.store.Ack(ctx, d.StreamID); err != nil {
				return outcome{retryAt: now.Add(time.Second)}
			}
			if sent {
				b.metrics.Sends.WithLabelValues("duplicate").Inc()
			}
			continue
		}
		if ierr != nil {
			return outcome{retryAt: now.Add(time.Second)}
		}
		items = append(items, it)
		pending = append(pending, d)
	}
	if len(pending) == 0 {
		return outcome{done: len(batch)}
	}
	if err := b.waitGlobal(ctx); err != nil {
		return outcome{retryAt: now}
	}
	chat, _ := b.store.Chat(ctx, chatID) // zero Chat → defaults
	var m Message
	if len(items) == 1 {
		m = b.card(items[0], chat).Render()
	} else {
		m = b.digest(items, chat)
	}
	m.ChatID = chatID
	msgID, err := b.send(ctx, m)
	if errors.Is(err, ErrRejected) && len(items) == 1 {
		// Our rendering bug: never retry the same HTML. Count it and let
		// the reader have the news as plain text.
		b.metrics.Fallbacks.Inc()
		b.log.Error("card rejected, sending plain text", "chat_id", chatID, "item_id", items[0].ID, "error", err)
		plain := b.card(items[0], chat).RenderPlain()
		plain.ChatID = chatID
		msgID, err = b.send(ctx, plain)
	}
	return b.settle(ctx, chatID, jobs, batch, pending, msgID, err)
}

// settle applies Telegram's answer to the jobs: the error policy of
// ../shared/TELEGRAM.md in one place.
func (b *Bot) settle(ctx context.Context, chatID int64, jobs, batch, pending []storage.Delivery, msgID int, err error) outcome {
	now := b.now()
	var rl *RateLimitError
	var mig *MigratedError
	switch {
	case err == nil:
		for _, d := range pending {
			if derr := b.store.Delivered(ctx, d, msgID, now); derr != nil {
				b.log.Error("record delivery", "chat_id", chatID, "item_id", d.ItemID, "error", derr)
			}
		}
		b.metrics.Sends.WithLabelValues("ok").Inc()
		return outcome{done: len(batch)}
	case errors.As(err, &rl):
		b.metrics.Sends.WithLabelValues("rate_limited").Inc()
		until := now.Add(rl.RetryAfter)
		if perr := b.store.Park(ctx, chatID, until); perr != nil {
			b.log.Error("park chat", "chat_id", chatID, "error", perr)
		}
		b.log.Warn("rate limited", "chat_id", chatID, "retry_after", rl.RetryAfter)
		return outcome{retryAt: until}
	case errors.Is(err, ErrChatGone):
		b.metrics.Sends.WithLabelValues("chat_gone").Inc()
		b.log.Info("chat gone, dropping its subscriptions", "chat_id", chatID, "error", err)
		if ferr := b.store.ForgetChat(ctx, chatID); ferr != nil {
			b.log.Error("forget chat", "chat_id", chatID, "error", ferr)
			return outcome{retryAt: now.Add(time.Second)}
		}
		b.ackAll(ctx, jobs)
		return outcome{dropAll: true}
	case errors.As(err, &mig):
		b.metrics.Sends.WithLabelValues("migrated").Inc()
		b.log.Info("chat migrated", "chat_id", chatID, "to_chat_id", mig.To)
		if merr := b.store.MigrateChat(ctx, chatID, mig.To); merr != nil {
			b.log.Error("migrate chat", "chat_id", chatID, "error", merr)
			return outcome{retryAt: now.Add(time.Second)}
		}
		moved := make([]storage.Job, len(jobs))
		for i, d := range jobs {
			moved[i] = storage.Job{ChatID: mig.To, ItemID: d.ItemID}
		}
		if eerr := b.store.Enqueue(ctx, moved); eerr != nil {
			b.log.Error("re-enqueue migrated jobs", "chat_id", mig.To, "error", eerr)
			return outcome{retryAt: now.Add(time.Second)}
		}
		b.ackAll(ctx, jobs)
		return outcome{dropAll: true}
	case errors.Is(err, ErrRejected):
		b.metrics.Sends.WithLabelValues("rejected").Inc()
		b.deadLetter(ctx, pending, err)
		return outcome{done: len(batch)}
	default:
		b.metrics.Sends.WithLabelValues("error").Inc()
		d := &jobs[0]
		d.Attempt++
		if d.Attempt >= b.cfg.MaxAttempts {
			b.deadLetter(ctx, pending, err)
			return outcome{done: len(batch)}
		}
		wait := time.Duration(float64(time.Second<<d.Attempt) * (0.5 + rand.Float64()))
		b.log.Warn("send failed, will retry", "chat_id", chatID, "attempt", d.Attempt, "retry_in", wait, "error", err)
		return outcome{retryAt: now.Add(wait)}
	}
}

func (b *Bot) deadLetter(ctx context.Context, ds []storage.Delivery, cause error) {
	for _, d := range ds {
		b.metrics.DeadJobs.Inc()
		b.log.Error("delivery dead-lettered", "chat_id", d.ChatID, "item_id", d.ItemID, "attempt", d.Attempt, "error", cause)
		if err := b.store.DeadLetter(ctx, d, cause.Error()); err != nil {
			b.log.Error("dead-letter", "chat_id", d.ChatID, "error", err)
		}
	}
}

func (b *Bot) ackAll(ctx context.Context, ds []storage.Delivery) {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.StreamID
	}
	if err := b.store.Ack(ctx, ids...); err != nil {
		b.log.Error("ack", "error", err)
	}
}

func (b *Bot) send(ctx context.Context, m Message) (int, error) {
	start := time.Now()
	id, err := b.sender.Send(ctx, m)
	b.metrics.SendTime.Observe(time.Since(start).Seconds())
	return id, err
}

// waitGlobal takes one token of the bot-wide rate, shared by every replica.
func (b *Bot) waitGlobal(ctx context.Context) error {
	l := storage.Limit{Rate: int(b.cfg.Limits.GlobalPerSecond), Burst: 1, Period: time.Second}
	if l.Rate < 1 {
		l.Rate = 1
	}
	for {
		wait, err := b.store.Allow(ctx, "global", l)
		if err != nil {
			return err
		}
		if wait <= 0 {
			return nil
		}
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// chatKey names a chat's limiter, shared by cards and replies.
func chatKey(chatID int64) string { return "chat:" + strconv.FormatInt(chatID, 10) }

// chatLimit is the pace for one chat: private chats by the second, groups
// and channels (negative ids) by the minute.
func (b *Bot) chatLimit(chatID int64) storage.Limit {
	if chatID < 0 {
		return storage.Limit{Rate: max(1, int(b.cfg.Limits.GroupPerMinute)), Burst: 1, Period: time.Minute}
	}
	return storage.Limit{Rate: max(1, int(b.cfg.Limits.PrivatePerSecond)), Burst: 1, Period: time.Second}
}

// card renders an item for a chat, in the chat's language and time zone.
func (b *Bot) card(it feeds.Item, chat storage.Chat) Card {
	return Card{Item: it, SourceName: b.sourceName(it.SourceID), Loc: b.location(chat.TZ), Lang: chat.Lang}
}

func (b *Bot) sourceName(id string) string {
	if s, ok := b.sources[id]; ok && s.Name != "" {
		return s.Name
	}
	return id
}

// location resolves a chat's time zone, falling back to the bot's.
func (b *Bot) location(tz string) *time.Location {
	if tz == "" {
		return b.cfg.Location
	}
	if loc, err := time.LoadLocation(tz); err == nil {
		return loc
	}
	return b.cfg.Location
}

// digest is one message standing for several cards: linked titles with
// their source, so a chat that fell behind is not flooded.
func (b *Bot) digest(items []feeds.Item, chat storage.Chat) Message {
	t := texts(chat.Lang)
	var sb strings.Builder
	sb.WriteString(rlm + fmt.Sprintf(t.Digest, len(items)) + "\n")
	for _, it := range items {
		title := esc(truncateRunes(oneLine(it.Title), 200))
		if httpURL(it.Link) {
			title = `<a href="` + attrEscaper.Replace(it.Link) + `">` + title + "</a>"
		}
		sb.WriteString("\n" + rlm + "• " + title + " — " + esc(truncateRunes(oneLine(b.sourceName(it.SourceID)), 60)))
	}
	return Message{Text: sb.String(), HTML: true, DisablePreview: true}
}

// sleep waits d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
