package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// maxBackoff caps how long a failing source waits between polls.
const maxBackoff = 6 * time.Hour

// PollResult says what one poll did, for logs and tests.
type PollResult struct {
	NotModified bool
	FirstSight  bool
	Items       int // items in the feed
	New         int // items fanned out
	Jobs        int // delivery jobs enqueued
	Edited      int // items the source edited whose cards are being updated
	Skipped     bool
}

// PollSource fetches one source and fans out what is new. The order of the
// steps is what makes it crash-safe: new items are saved and fanned out
// before they are marked seen, so a crash in between repeats the fan-out
// (the per-chat sent record absorbs it) instead of losing an item.
//
// interval is the source's schedule period; it scales the back-off.
func (b *Bot) PollSource(ctx context.Context, src feeds.Source, interval time.Duration) (PollResult, error) {
	var res PollResult
	now := b.now()
	st, err := b.store.SourceState(ctx, src.ID)
	if err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	if now.Before(st.NextTry) {
		res.Skipped = true
		b.metrics.Polls.WithLabelValues("skipped").Inc()
		return res, nil
	}

	fr, err := b.fetcher.FetchFeed(ctx, src, feeds.Validators{ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		st.Failures++
		st.LastError = err.Error()
		st.LastPoll = now
		st.NextTry = now.Add(backoff(interval, st.Failures, retryAfterOf(err)))
		b.metrics.Polls.WithLabelValues("error").Inc()
		if serr := b.store.SetSourceState(ctx, src.ID, st); serr != nil {
			err = errors.Join(err, serr)
		}
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	st.Failures, st.LastError, st.NextTry, st.LastPoll = 0, "", time.Time{}, now
	if fr.NotModified {
		res.NotModified = true
		b.metrics.Polls.WithLabelValues("not_modified").Inc()
		return res, b.store.SetSourceState(ctx, src.ID, st)
	}
	st.ETag, st.LastModified = fr.Validators.ETag, fr.Validators.LastModified
	res.Items = len(fr.Items)

	ids := make([]string, len(fr.Items))
	byID := make(map[string]feeds.Item, len(fr.Items))
	for i, it := range fr.Items {
		if it.Published.IsZero() || it.Published.After(now) {
			// Undated items (and clocks ahead of ours) are dated when seen.
			it.Published = now
		}
		ids[i] = it.ID
		byID[it.ID] = it
	}
	unseen, first, err := b.store.Unseen(ctx, src.ID, ids)
	if err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	res.FirstSight = first

	var fresh []feeds.Item
	for _, id := range unseen {
		fresh = append(fresh, byID[id])
	}
	// Oldest first, so each chat receives a source's items in publication order.
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].Published.Before(fresh[j].Published) })
	if first {
		// First sight of a source, or a wiped store: everything already in
		// the feed is history. Send nothing old, at most the newest item.
		if src.SendNewestOnFirstSight && len(fresh) > 0 {
			fresh = fresh[len(fresh)-1:]
		} else {
			fresh = nil
		}
	}
	reads := &pollReads{b: b, subs: map[string][]int64{}}
	if len(fresh) > 0 {
		if reads.recent, err = b.recentForSameStory(ctx); err != nil {
			return res, fmt.Errorf("poll %s: %w", src.ID, err)
		}
	}
	for _, it := range fresh {
		n, err := b.publish(ctx, src, it, reads)
		if err != nil {
			return res, fmt.Errorf("poll %s: %w", src.ID, err)
		}
		res.New++
		res.Jobs += n
	}
	isNew := make(map[string]bool, len(unseen))
	for _, id := range unseen {
		isNew[id] = true
	}
	current := make([]feeds.Item, len(ids))
	for i, id := range ids {
		current[i] = byID[id]
	}
	if res.Edited, err = b.noticeEdits(ctx, src, current, isNew, first, now, reads); err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	if err := b.store.MarkSeen(ctx, src.ID, ids, now); err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	b.metrics.Polls.WithLabelValues("ok").Inc()
	if res.New > 0 {
		b.metrics.NewItems.WithLabelValues(src.ID).Add(float64(res.New))
	}
	return res, b.store.SetSourceState(ctx, src.ID, st)
}

// pollReads is what one poll reads once for all its items: the other
// sources' recent items (the same-story candidates) and, per source, its
// subscribers, which every new or edited item of the poll fans out to.
type pollReads struct {
	b      *Bot
	recent []feeds.Item
	subs   map[string][]int64
}

// subscribers returns the chats subscribed to src, read once per poll.
func (p *pollReads) subscribers(ctx context.Context, src feeds.Source) ([]int64, error) {
	if chats, ok := p.subs[src.ID]; ok {
		return chats, nil
	}
	chats, err := p.b.store.Subscribers(ctx, targetsOf(src))
	if err != nil {
		return nil, err
	}
	p.subs[src.ID] = chats
	return chats, nil
}

// publish enriches one new item, saves it and enqueues one delivery job per
// subscribed chat. It returns the number of jobs.
func (b *Bot) publish(ctx context.Context, src feeds.Source, it feeds.Item, reads *pollReads) (int, error) {
	it = b.enrich(ctx, src, it)
	if err := b.store.SaveItem(ctx, it); err != nil {
		return 0, fmt.Errorf("publish %s: %w", it.ID, err)
	}
	b.indexForSearch(ctx, it)
	chats, err := reads.subscribers(ctx, src)
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", it.ID, err)
	}
	covered, twins, err := b.coveredChats(ctx, it, reads)
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", it.ID, err)
	}
	jobs := make([]storage.Job, 0, len(chats))
	for _, c := range chats {
		if covered[c] {
			continue
		}
		jobs = append(jobs, storage.Job{ChatID: c, ItemID: it.ID})
	}
	if skipped := len(chats) - len(jobs); skipped > 0 {
		b.metrics.SameStory.Add(float64(skipped))
		b.log.Info("same story already sent", "item_id", it.ID, "source_id", src.ID,
			"twin_item_id", twins[0].ID, "twin_source_id", twins[0].SourceID, "chats_skipped", skipped)
	}
	if err := b.store.Enqueue(ctx, jobs); err != nil {
		return 0, fmt.Errorf("publish %s: %w", it.ID, err)
	}
	b.metrics.Jobs.Add(float64(len(jobs)))
	b.log.Info("new item", "source_id", src.ID, "item_id", it.ID, "title", it.Title, "jobs", len(jobs))
	return len(jobs), nil
}

// enrich turns the feed's content into the card's summary. When the feed
// carries only an excerpt, the article page is fetched and extracted; a
// failure there is logged and the excerpt is used.
func (b *Bot) enrich(ctx context.Context, src feeds.Source, it feeds.Item) feeds.Item {
	it.Title = arabic.CleanTitle(it.Title)
	text := arabic.Clean(arabic.TextFromHTML(it.Content))
	if utf8.RuneCountInString(text) < b.cfg.FullTextBelow && it.Link != "" && !b.cfg.NoArticleFetch {
		actx, cancel := context.WithTimeout(ctx, 20*time.Second)
		art, err := b.fetcher.Article(actx, it.Link)
		cancel()
		switch {
		case err != nil:
			b.log.Warn("article fetch", "source_id", src.ID, "item_id", it.ID, "error", err)
		default:
			if full := arabic.Clean(art.Text); utf8.RuneCountInString(full) > utf8.RuneCountInString(text) {
				text = full
			}
			if it.Image == "" {
				it.Image = art.Image
			}
		}
	}
	budget := src.SummaryChars
	if budget <= 0 {
		budget = b.cfg.SummaryChars
	}
	it.Summary = strings.Join(arabic.Summarize(it.Title, text, arabic.Budget{Chars: budget, Sentences: 3}), " ")
	it.Fingerprint, it.BodyFingerprint = arabic.Fingerprints(it.Title, text)
	if len(it.Topics) == 0 {
		it.Topics = src.Topics
	}
	it.Content = ""
	return it
}

// targetsOf lists the subscription targets an item of src reaches.
func targetsOf(src feeds.Source) []string {
	t := []string{SourceTarget(src.ID)}
	for _, topic := range src.Topics {
		t = append(t, TopicTarget(topic))
	}
	return t
}

// SourceTarget and TopicTarget name subscription targets in the store.
func SourceTarget(id string) string   { return "s:" + id }
func TopicTarget(topic string) string { return "t:" + topic }

// backoff is how long a source that failed n times in a row waits: its
// interval doubled per failure, at least the server's Retry-After, at most
// maxBackoff, with ±20% jitter so failing sources spread out.
func backoff(interval time.Duration, n int, retryAfter time.Duration) time.Duration {
	if interval <= 0 {
		interval = time.Minute
	}
	d := interval
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return max(d, retryAfter)
}

func retryAfterOf(err error) time.Duration {
	var se *feeds.StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}
