package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/bot/deliver"
	"github.com/akhbar/akhbar/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// broadcastStore is what a broadcast's results, its progress message and
// the progress collector read and record (its sends are the delivery
// engine's, bot/deliver; the operator's views and the draft are the
// conversation's, bot/chat); storage.Store implements it.
type broadcastStore interface {
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	Broadcast(ctx context.Context, id string) (storage.Broadcast, error)
	BroadcastResult(ctx context.Context, id string, chatID int64, ok bool, every time.Duration) (show bool, err error)
	CountDaily(ctx context.Context, day, name string) error
	DeadLetterCount(ctx context.Context) (int64, error)
	Queue(ctx context.Context) (storage.QueueStats, error)
	ReleaseLease(ctx context.Context, name, owner string) error
}

// progressEvery is how often a broadcast's progress message is edited
// while it runs (and once more when every chat has a result), as often as
// the conversation's long actions edit theirs.
const progressEvery = chat.ProgressEvery

// broadcastResult records a chat's result and, every progressEvery and at
// the end, edits the progress message.
func (b *Bot) broadcastResult(ctx context.Context, id string, chatID int64, ok bool) {
	show, err := b.store.BroadcastResult(ctx, id, chatID, ok, progressEvery)
	if err != nil {
		b.log.Warn("record broadcast result", "broadcast", id, "chat_id", chatID, "error", err)
		return
	}
	if show {
		b.showBroadcast(ctx, id)
	}
}

// showBroadcast edits a broadcast's progress message. One replica edits it
// at a time (a lease), with the progress read after taking the lease, so
// the last edit always shows the latest counts, whoever makes it.
func (b *Bot) showBroadcast(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var tok [8]byte
	_, _ = rand.Read(tok[:])
	owner, lease := hex.EncodeToString(tok[:]), "broadcast:"+id+":progress"
	for {
		ok, err := b.store.AcquireLease(ctx, lease, owner, 10*time.Second)
		if err != nil {
			b.log.Warn("broadcast progress lease", "broadcast", id, "error", err)
			return
		}
		if ok {
			break
		}
		if !deliver.Sleep(ctx, 100*time.Millisecond) {
			return
		}
	}
	defer func() {
		if err := b.store.ReleaseLease(context.WithoutCancel(ctx), lease, owner); err != nil {
			b.log.Warn("release broadcast progress lease", "broadcast", id, "error", err)
		}
	}()
	bc, err := b.store.Broadcast(ctx, id)
	if err != nil || bc.MessageID == 0 {
		return
	}
	if err := b.pace(ctx, bc.ChatID); err != nil {
		return
	}
	m := Message{ChatID: bc.ChatID, Text: chat.BroadcastProgress(bc), HTML: true, DisablePreview: true}
	if err := b.sender.Edit(ctx, bc.ChatID, bc.MessageID, m); err != nil {
		b.log.Debug("edit broadcast progress", "broadcast", id, "error", err) // "message is not modified", a deleted message
	}
}

// countRateLimited adds a 429 to today's count, for /stats.
func (b *Bot) countRateLimited(ctx context.Context, now time.Time) {
	if err := b.store.CountDaily(ctx, chat.DayOf(now, b.cfg.Location), chat.DailyRateLimited); err != nil {
		b.log.Warn("count 429", "error", err)
	}
}

// ProgressCollector exports, at each scrape, what the operators see on
// /stats and that no replica's own counters hold: the delivery queue's
// depth and age, the big fan-outs' jobs left, the running broadcasts'
// progress and the dead letters. Every replica reads the same Redis, so a
// dashboard takes max() over them.
func (b *Bot) ProgressCollector() prometheus.Collector { return &progressCollector{b: b} }

type progressCollector struct{ b *Bot }

var (
	descQueueJobs  = prometheus.NewDesc("akhbar_delivery_queue_jobs", "Delivery jobs waiting in Redis, read or not.", nil, nil)
	descQueueAge   = prometheus.NewDesc("akhbar_delivery_queue_oldest_seconds", "Age of the oldest delivery job waiting (0 when none).", nil, nil)
	descLanes      = prometheus.NewDesc("akhbar_fanout_lanes", "Big fan-outs (lanes) open.", nil, nil)
	descLaneJobs   = prometheus.NewDesc("akhbar_fanout_lane_jobs", "Jobs the open lanes of big fan-outs have left.", nil, nil)
	descBroadcasts = prometheus.NewDesc("akhbar_broadcast_chats", "Chats of the broadcasts being sent, by state: total, sent, failed.", []string{"state"}, nil)
	descDead       = prometheus.NewDesc("akhbar_dead_letters", "Dead letters kept.", nil, nil)
)

func (c *progressCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueueJobs, descQueueAge, descLanes, descLaneJobs, descBroadcasts, descDead} {
		ch <- d
	}
}

func (c *progressCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q, err := c.b.store.Queue(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descQueueJobs, err)
		return
	}
	age := 0.0
	if !q.Oldest.IsZero() {
		age = max(0, c.b.now().Sub(q.Oldest).Seconds())
	}
	var laneJobs int64
	for _, l := range q.Lanes {
		laneJobs += l.Jobs
	}
	ch <- prometheus.MustNewConstMetric(descQueueJobs, prometheus.GaugeValue, float64(q.Jobs))
	ch <- prometheus.MustNewConstMetric(descQueueAge, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(descLanes, prometheus.GaugeValue, float64(len(q.Lanes)))
	ch <- prometheus.MustNewConstMetric(descLaneJobs, prometheus.GaugeValue, float64(laneJobs))
	running, err := chat.RunningBroadcasts(ctx, c.b.store)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descBroadcasts, err)
		return
	}
	var total, sent, failed int
	for _, bc := range running {
		total, sent, failed = total+bc.Total, sent+bc.Sent, failed+bc.Failed
	}
	ch <- prometheus.MustNewConstMetric(descBroadcasts, prometheus.GaugeValue, float64(total), "total")
	ch <- prometheus.MustNewConstMetric(descBroadcasts, prometheus.GaugeValue, float64(sent), "sent")
	ch <- prometheus.MustNewConstMetric(descBroadcasts, prometheus.GaugeValue, float64(failed), "failed")
	dead, err := c.b.store.DeadLetterCount(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descDead, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descDead, prometheus.GaugeValue, float64(dead))
}
