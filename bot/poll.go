package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// pollStore is what a poll reads and writes: the source's state and seen
// set, items, subscribers and the delivery jobs; storage.Store implements
// it.
type pollStore interface {
	Enqueue(ctx context.Context, jobs []storage.Job) error
	MarkSeen(ctx context.Context, sourceID string, ids []string, now time.Time) error
	MarkSeenPartial(ctx context.Context, sourceID string, ids []string, now time.Time) error
	SaveItem(ctx context.Context, it feeds.Item) error
	SetSourceState(ctx context.Context, sourceID string, st storage.SourceState) error
	SourceState(ctx context.Context, sourceID string) (storage.SourceState, error)
	Subscribers(ctx context.Context, targets []string) ([]int64, error)
	Unseen(ctx context.Context, sourceID string, ids []string) ([]string, bool, error)
}

// maxBackoff caps how long a failing source waits between polls.
const maxBackoff = 6 * time.Hour

// pollChunk is how many new items a poll handles between writes of its
// progress (MarkSeenPartial), and a cut poll writes what it finished of
// its last chunk: a poll cut short by its deadline or a Redis error keeps
// the items it saved, and the next poll goes on from there instead of
// starting over.
const pollChunk = 50

// markTimeout bounds the write of a cut poll's progress.
const markTimeout = 5 * time.Second

// firstSightWindow bounds how old an item found at first sight may be and
// still be pushed: a source that failed for weeks before its first good
// fetch would otherwise push weeks-old items, published after the first
// attempt, as news. A day still covers a source down for a night.
const firstSightWindow = 24 * time.Hour

// PollResult says what one poll did, for logs and tests.
type PollResult struct {
	NotModified bool
	FirstSight  bool
	Items       int // items handled: the newest feeds.MaxItems of the feed
	Dropped     int // older items beyond feeds.MaxItems, not handled
	New         int // items fanned out
	History     int // items saved at first sight and pushed to no chat
	Jobs        int // delivery jobs enqueued
	Edited      int // items the source edited whose cards are being updated
	Skipped     bool
}

// PollSource fetches one source and fans out what is new. The order of the
// steps is what makes it crash-safe: new items are saved and fanned out
// before they are marked seen, so a crash in between repeats the fan-out
// (the per-chat sent record absorbs it) instead of losing an item.
//
// On first sight of a source (or after a wiped store) the items already in
// its feed are history: saved and indexed, so /latest, /search and inline
// mode have news to show at once, but pushed to no chat. Only those
// published after the poller first tried the source, within
// firstSightWindow of now (and not in the future) are news, so a source
// that fails for its first minutes does not swallow what it published
// meanwhile; with SendNewestOnFirstSight the newest item is news too.
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
	if st.FirstTry.IsZero() {
		// Recorded before the fetch, so that a poll which fails, or is cut
		// short after it, still counts as the first attempt.
		st.FirstTry = now
		if err := b.store.SetSourceState(ctx, src.ID, st); err != nil {
			return res, fmt.Errorf("poll %s: %w", src.ID, err)
		}
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
	// The validators are stored only once the poll is done: a poll cut
	// short must fetch the whole feed again, not get a 304 for the items
	// it did not reach.
	st.ETag, st.LastModified = fr.Validators.ETag, fr.Validators.LastModified
	res.Items = len(fr.Items)
	if res.Dropped = fr.Total - len(fr.Items); res.Dropped > 0 {
		b.log.Warn("feed holds more items than a poll handles", "source_id", src.ID,
			"items", fr.Total, "handled", len(fr.Items))
	}

	ids := make([]string, len(fr.Items))
	byID := make(map[string]feeds.Item, len(fr.Items))
	sinceFirstTry := make(map[string]bool)
	for i, it := range fr.Items {
		if it.Published.After(st.FirstTry) && it.Published.After(now.Add(-firstSightWindow)) && !it.Published.After(now) {
			// Dated after the first attempt, recent and not in the future:
			// news even at first sight. Undated items never are: their age
			// is unknown.
			sinceFirstTry[it.ID] = true
		}
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
	news := func(it feeds.Item) bool { return true }
	if first {
		newest := ""
		if src.SendNewestOnFirstSight && len(fresh) > 0 {
			newest = fresh[len(fresh)-1].ID
		}
		news = func(it feeds.Item) bool { return sinceFirstTry[it.ID] || it.ID == newest }
	}
	reads := &pollReads{b: b, subs: map[string][]int64{}}
	if slices.ContainsFunc(fresh, news) {
		if reads.recent, err = b.recentForSameStory(ctx); err != nil {
			return res, fmt.Errorf("poll %s: %w", src.ID, err)
		}
	}
	for chunk := range slices.Chunk(fresh, pollChunk) {
		done, err := b.handleChunk(ctx, src, chunk, news, reads, &res)
		if len(done) > 0 {
			// Written even when the chunk was cut short, through a context
			// of its own (the poll's may be past its deadline): however
			// slow each item is, the next poll goes on from here.
			mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
			err = errors.Join(err, b.store.MarkSeenPartial(mctx, src.ID, done, now))
			cancel()
		}
		if err != nil {
			return res, fmt.Errorf("poll %s: %w", src.ID, err)
		}
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

// handleChunk publishes the news and keeps the history among items, in
// order, and returns the ids of those it finished: all of them, or those
// before the first error or the end of ctx. An item during which ctx ended
// is not finished (its search indexing may have been skipped); the next
// poll does it again, which is harmless.
func (b *Bot) handleChunk(ctx context.Context, src feeds.Source, items []feeds.Item, news func(feeds.Item) bool, reads *pollReads, res *PollResult) ([]string, error) {
	done := make([]string, 0, len(items))
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		var (
			jobs   int
			err    error
			isNews = news(it)
		)
		if isNews {
			jobs, err = b.publish(ctx, src, it, reads)
		} else {
			err = b.keepHistory(ctx, src, it)
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return done, err
		}
		if isNews {
			res.New++
			res.Jobs += jobs
		} else {
			res.History++
		}
		done = append(done, it.ID)
	}
	return done, nil
}

// pollReads is what one poll reads once for all its items: the other
// sources' recent items (the same-story candidates) and, per subscription
// target, its subscribers, which the new and edited items of the poll fan
// out to.
type pollReads struct {
	b      *Bot
	recent []feeds.Item
	subs   map[string][]int64 // by target
}

// subscribers returns the chats subscribed to any of targets (targetsOf),
// each target read once per poll.
func (p *pollReads) subscribers(ctx context.Context, targets []string) ([]int64, error) {
	var out []int64
	for _, t := range targets {
		chats, ok := p.subs[t]
		if !ok {
			var err error
			if chats, err = p.b.store.Subscribers(ctx, []string{t}); err != nil {
				return nil, err
			}
			p.subs[t] = chats
		}
		out = append(out, chats...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// save enriches an item, saves it and indexes it for search: what every
// item a poll finds goes through, news or history.
func (b *Bot) save(ctx context.Context, src feeds.Source, it feeds.Item) (feeds.Item, error) {
	it = b.enrich(ctx, src, it)
	if err := b.store.SaveItem(ctx, it); err != nil {
		return it, fmt.Errorf("save %s: %w", it.ID, err)
	}
	b.dl.recent.drop(it.ID) // read again, as saved, by the next comparison
	b.indexForSearch(ctx, it)
	return it, nil
}

// keepHistory saves an item found at a source's first sight that is not
// news: /latest, /search and inline mode show it; no chat is sent it.
func (b *Bot) keepHistory(ctx context.Context, src feeds.Source, it feeds.Item) error {
	it.History = true
	it, err := b.save(ctx, src, it)
	if err != nil {
		return err
	}
	b.log.Debug("history item saved", "source_id", src.ID, "item_id", it.ID, "title", it.Title)
	return nil
}

// publish enriches one new item, saves it and enqueues one delivery job per
// subscribed chat. It returns the number of jobs.
func (b *Bot) publish(ctx context.Context, src feeds.Source, it feeds.Item, reads *pollReads) (int, error) {
	it, err := b.save(ctx, src, it)
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	chats, err := reads.subscribers(ctx, targetsOf(it))
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
	b.log.Info("new item", "source_id", src.ID, "item_id", it.ID, "title", it.Title, "topics", it.Topics, "breaking", it.Breaking, "jobs", len(jobs))
	return len(jobs), nil
}

// enrich turns the feed's content into the card's summary. When the feed
// carries only an excerpt, the article page is fetched and extracted; a
// failure there is logged and the excerpt is used.
//
// It also decides what the item is: breaking news or not (its title then
// loses the mark, which the card shows as 🔴), and which of the source's
// topics it is about (topicPlan).
func (b *Bot) enrich(ctx context.Context, src feeds.Source, it feeds.Item) feeds.Item {
	// The mark first: "عاجل | …" is no site name for CleanTitle to cut.
	it.Breaking, it.Title = breaking(src.Breaking, it.Title, it.Categories)
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
			// The page is a third party's: its image URL is bounded like
			// the feed's own (longer ones are dropped, not cut).
			if it.Image == "" && len(art.Image) <= feeds.MaxURLBytes {
				it.Image = art.Image
			}
		}
	}
	budget := src.SummaryChars
	if budget <= 0 {
		budget = b.cfg.SummaryChars
	}
	it.Summary = strings.Join(arabic.Summarize(it.Title, arabic.DropCaption(text), arabic.Budget{Chars: budget, Sentences: 3}), " ")
	it.Fingerprint, it.BodyFingerprint = arabic.Fingerprints(it.Title, text)
	it.Topics = newTopicPlan(src, b.places).itemTopics(it, it.Title, text)
	it.Content, it.Categories = "", nil
	return it
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
