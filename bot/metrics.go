package bot

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/akhbar/akhbar/bot/deliver"
)

// Metrics are the bot's Prometheus series. They are registered on the
// registry the program passes in, never on the global default.
type Metrics struct {
	Polls     *prometheus.CounterVec // result: ok, not_modified, error, skipped
	NewItems  *prometheus.CounterVec // source
	Jobs      prometheus.Counter     // delivery jobs enqueued
	Sends     *prometheus.CounterVec // result: ok, digest, edited, edit_failed, rate_limited, chat_gone, migrated, rejected, cannot_post, paused (settled unsent), error, filtered, duplicate (sent before a crash or ahead of its lane)
	SendTime  prometheus.Histogram
	Updates   *prometheus.CounterVec // kind: command, callback, member, other
	Backlog   prometheus.Gauge       // jobs held in this replica's scheduler
	DeadJobs  prometheus.Counter
	Fallbacks *prometheus.CounterVec // step: no_copy, no_buttons, no_photo, plain, inline_bare, inline_empty: simpler forms sent after Telegram refused a message or inline answer
	SameStory prometheus.Counter     // chats not sent an item because they had the same story from another source
	// Claimed counts jobs taken over from another replica or taken back
	// after being left pending; GlobalParks counts 429s taken for Telegram's
	// bulk limit (every replica paused).
	Claimed     prometheus.Counter
	GlobalParks prometheus.Counter
	// Outages counts the times delivery parked because Telegram failed
	// for every chat at once (5xx, timeouts): see outage.
	Outages prometheus.Counter
	// SentAhead counts items of a big fan-out's lane sent to a chat before
	// its own newer jobs, to keep its order.
	SentAhead prometheus.Counter
	// Paused counts chats paused because the bot may not post there;
	// Resumed, those a member-status update let it post to again.
	Paused, Resumed prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Polls:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_polls_total", Help: "Source polls by result."}, []string{"result"}),
		NewItems: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_new_items_total", Help: "New items found, by source."}, []string{"source"}),
		Jobs:     prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_delivery_jobs_total", Help: "Delivery jobs enqueued."}),
		Sends:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_sends_total", Help: "Telegram sends by result."}, []string{"result"}),
		SendTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "akhbar_send_seconds", Help: "Time of one Telegram send.", Buckets: prometheus.DefBuckets}),
		Updates:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_updates_total", Help: "Telegram updates handled, by kind."}, []string{"kind"}),
		Backlog:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "akhbar_delivery_backlog", Help: "Delivery jobs held in this replica's scheduler."}),
		DeadJobs: prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_dead_letters_total", Help: "Jobs moved to the dead-letter stream."}),
		Fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akhbar_fallbacks_total",
			Help: "Simpler forms of a message sent after Telegram refused it, by step: no_copy, no_buttons, no_photo, plain (a rendering bug, or a chat that takes no photos)."}, []string{"step"}),
		Paused:      prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_chats_paused_total", Help: "Chats whose subscriptions were paused because the bot may not post there (no rights, deactivated, topic closed)."}),
		Resumed:     prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_chats_resumed_total", Help: "Paused chats resumed by a member-status update that lets the bot post again."}),
		Claimed:     prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_delivery_claimed_total", Help: "Delivery jobs taken over from another replica (it died or handed its shard over) or taken back after being left pending."}),
		GlobalParks: prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_global_rate_limited_total", Help: "429s taken as Telegram's bulk limit: every replica paused and slowed down."}),
		Outages:     prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_telegram_outages_total", Help: "Times delivery parked because Telegram failed for every chat at once (5xx, timeouts), spending no job's attempts until a probe got an answer."}),
		SentAhead:   prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_delivery_sent_ahead_total", Help: "Items of a big fan-out sent to a chat ahead of their lane, to keep the chat's order."}),
		SameStory:   prometheus.NewCounter(prometheus.CounterOpts{Name: "akhbar_same_story_skips_total", Help: "Cards not sent because the chat already had the same story from another source."}),
	}
	if reg != nil {
		reg.MustRegister(m.Polls, m.NewItems, m.Jobs, m.Sends, m.SendTime, m.Updates, m.Backlog, m.DeadJobs, m.Fallbacks,
			m.Claimed, m.GlobalParks, m.Outages, m.SentAhead, m.SameStory, m.Paused, m.Resumed)
	}
	return m
}

// paceCollector exports, at each scrape, the bot-wide pacer's counts of
// slots (deliver.Pacer.Stats): shifted in the shared window (answered
// late), given up as stale, and booked bunched on a grid. They are read
// only when scraped, so the sends' path pays nothing for them; the load
// scenarios print them, to tell how many sends left in bunches.
type paceCollector struct{ eng *deliver.Engine }

var descPaceSlots = prometheus.NewDesc("akhbar_pace_slots_total",
	"Slots of the bot-wide rate by kind: shifted (answered late, moved in the shared window), given_up (stale before their send could leave), bunched (booked on a grid, leaving together).", []string{"kind"}, nil)

func (c paceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descPaceSlots }

func (c paceCollector) Collect(ch chan<- prometheus.Metric) {
	shifted, gaveUp, bunched := c.eng.PaceStats()
	ch <- prometheus.MustNewConstMetric(descPaceSlots, prometheus.CounterValue, float64(shifted), "shifted")
	ch <- prometheus.MustNewConstMetric(descPaceSlots, prometheus.CounterValue, float64(gaveUp), "given_up")
	ch <- prometheus.MustNewConstMetric(descPaceSlots, prometheus.CounterValue, float64(bunched), "bunched")
}
