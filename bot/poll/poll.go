// Package poll is akhbar's poll use case: the flow of one item from its
// source's feed to the delivery stream. A poll fetches a source (a
// conditional GET), finds the items it has not seen, enriches them
// (article text, summary, fingerprints, breaking news, topics), saves and
// indexes them, and fans each out as one delivery job per subscribed chat,
// skipping the chats that already had the same story from another source.
// It notices the items a publisher edited and queues edits of their cards.
// Delivering the jobs is package bot's; locking a source for one tick is
// the caller's (cmd/akhbar's pollOnce, through storage.TakePoll).
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/akhbar/akhbar/bot/internal/lru"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what a poll needs of the shared store (storage.Store in
// production).
type Store interface {
	// A source's poll state: validators, failures and back-off, first attempt.
	SourceState(ctx context.Context, sourceID string) (storage.SourceState, error)
	SetSourceState(ctx context.Context, sourceID string, st storage.SourceState) error

	// What a source showed before: its seen set (new or not, first sight)
	// and the content hashes that tell a publisher's edits.
	Unseen(ctx context.Context, sourceID string, ids []string) (unseen []string, first bool, err error)
	MarkSeen(ctx context.Context, sourceID string, ids []string, now time.Time) error
	MarkSeenPartial(ctx context.Context, sourceID string, ids []string, now time.Time) error
	ItemHashes(ctx context.Context, sourceID string, ids []string) ([]string, error)
	SetItemHashes(ctx context.Context, sourceID string, hashes map[string]string) error

	// Items: saved, and read back (the old version of an edited item, the
	// recent items of every source for same-story detection).
	SaveItem(ctx context.Context, it feeds.Item) error
	Item(ctx context.Context, id string) (feeds.Item, error)
	Items(ctx context.Context, ids []string) ([]feeds.Item, error)
	LatestIDs(ctx context.Context, scope string, n int) ([]string, error)
	Latest(ctx context.Context, scope string, n int) ([]feeds.Item, error)

	// Fan-out: the chats that follow a target, and their delivery jobs.
	Subscribers(ctx context.Context, targets []string) ([]int64, error)
	Enqueue(ctx context.Context, jobs []storage.Job) error
}

// Fetcher reads feeds and article pages: feeds.Fetcher.
type Fetcher interface {
	FetchFeed(ctx context.Context, src feeds.Source, v feeds.Validators) (*feeds.FeedResult, error)
	Article(ctx context.Context, pageURL string) (*feeds.Article, error)
}

// Indexer adds a saved item to the search index. What an item is found by
// is the search side's to say, so a poll only hands it the item; a failure
// is the indexer's to log, as the item must still be delivered.
type Indexer interface {
	Index(ctx context.Context, it feeds.Item)
}

// Catalog says which sources the configuration has now: an item of a
// source that left it covers no chat for same-story detection.
type Catalog interface {
	HasSource(id string) bool
}

// Metrics are the series a poll counts in. They are registered, with
// their names and labels, by whoever makes them (bot.Metrics).
type Metrics struct {
	Polls     *prometheus.CounterVec // result: ok, not_modified, error, skipped
	NewItems  *prometheus.CounterVec // source
	Jobs      prometheus.Counter     // delivery jobs enqueued
	SameStory prometheus.Counter     // chats not sent an item: they had the same story from another source
}

// Config is the part of the configuration a poll needs.
type Config struct {
	SummaryChars int // card summary budget of a source that sets none
	// FullTextBelow is the length of feed text under which the article
	// page is fetched and extracted.
	FullTextBelow int
	// NoArticleFetch never fetches article pages (local mode).
	NoArticleFetch bool
	Now            func() time.Time // nil: time.Now
	Log            *slog.Logger     // nil: discarded
	Metrics        Metrics
}

// Poller polls sources for one replica.
type Poller struct {
	cfg     Config
	store   Store
	fetcher Fetcher
	index   Indexer
	catalog Catalog
	log     *slog.Logger
	metrics Metrics
	// places finds the countries an item names (topics); read only.
	places *arabic.PlaceMatcher
	// recent holds the items same-story detection compares new ones
	// with, as read from the store, for recentFresh (recentForSameStory).
	recent *lru.Cache[string, recentItem]
}

// New wires a Poller.
func New(cfg Config, store Store, fetcher Fetcher, index Indexer, catalog Catalog) *Poller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Poller{
		cfg: cfg, store: store, fetcher: fetcher, index: index, catalog: catalog,
		log: cfg.Log, metrics: cfg.Metrics,
		places: arabic.NewPlaceMatcher(),
		recent: lru.New[string, recentItem](2 * sameStoryRecent),
	}
}

func (p *Poller) now() time.Time { return p.cfg.Now() }

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

// Result says what one poll did, for logs and tests.
type Result struct {
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

// Poll fetches one source and fans out what is new. The order of the
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
func (p *Poller) Poll(ctx context.Context, src feeds.Source, interval time.Duration) (Result, error) {
	var res Result
	now := p.now()
	st, due, err := p.sourceState(ctx, src.ID, now)
	if err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	if !due {
		res.Skipped = true
		p.metrics.Polls.WithLabelValues("skipped").Inc()
		return res, nil
	}
	fr, err := p.fetcher.FetchFeed(ctx, src, feeds.Validators{ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, p.failed(ctx, src.ID, st, interval, now, err))
	}
	st.Failures, st.LastError, st.NextTry, st.LastPoll = 0, "", time.Time{}, now
	if fr.NotModified {
		res.NotModified = true
		p.metrics.Polls.WithLabelValues("not_modified").Inc()
		return res, p.store.SetSourceState(ctx, src.ID, st)
	}
	// The validators are stored only once the poll is done: a poll cut
	// short must fetch the whole feed again, not get a 304 for the items
	// it did not reach.
	st.ETag, st.LastModified = fr.Validators.ETag, fr.Validators.LastModified
	res.Items = len(fr.Items)
	if res.Dropped = fr.Total - len(fr.Items); res.Dropped > 0 {
		p.log.Warn("feed holds more items than a poll handles", "source_id", src.ID,
			"items", fr.Total, "handled", len(fr.Items))
	}

	feed := readFeed(fr.Items, st.FirstTry, now)
	unseen, first, err := p.store.Unseen(ctx, src.ID, feed.ids)
	if err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	res.FirstSight = first
	reads, err := p.handleUnseen(ctx, src, feed, unseen, first, now, &res)
	if err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	isNew := make(map[string]bool, len(unseen))
	for _, id := range unseen {
		isNew[id] = true
	}
	if res.Edited, err = p.noticeEdits(ctx, src, feed.items(feed.ids), isNew, first, now, reads); err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	if err := p.store.MarkSeen(ctx, src.ID, feed.ids, now); err != nil {
		return res, fmt.Errorf("poll %s: %w", src.ID, err)
	}
	p.metrics.Polls.WithLabelValues("ok").Inc()
	if res.New > 0 {
		p.metrics.NewItems.WithLabelValues(src.ID).Add(float64(res.New))
	}
	return res, p.store.SetSourceState(ctx, src.ID, st)
}

// sourceState reads a source's poll state and says whether the source is
// due: not while it backs off. A due source's first attempt is recorded
// now if it has none, before the fetch, so that a poll which fails, or is
// cut short after it, still counts as the first attempt.
func (p *Poller) sourceState(ctx context.Context, sourceID string, now time.Time) (storage.SourceState, bool, error) {
	st, err := p.store.SourceState(ctx, sourceID)
	if err != nil || now.Before(st.NextTry) {
		return st, false, err
	}
	if st.FirstTry.IsZero() {
		st.FirstTry = now
		if err := p.store.SetSourceState(ctx, sourceID, st); err != nil {
			return st, false, err
		}
	}
	return st, true, nil
}

// failed records a failed fetch in the source's state: one more failure,
// and the next try after the back-off. It returns err, with the store's
// own error if the state could not be written.
func (p *Poller) failed(ctx context.Context, sourceID string, st storage.SourceState, interval time.Duration, now time.Time, err error) error {
	st.Failures++
	st.LastError = err.Error()
	st.LastPoll = now
	st.NextTry = now.Add(backoff(interval, st.Failures, retryAfterOf(err)))
	p.metrics.Polls.WithLabelValues("error").Inc()
	if serr := p.store.SetSourceState(ctx, sourceID, st); serr != nil {
		err = errors.Join(err, serr)
	}
	return err
}

// polledFeed is a fetched feed's items as a poll handles them.
type polledFeed struct {
	ids  []string // in feed order
	byID map[string]feeds.Item
	// sinceFirstTry holds the items that are news even at first sight.
	sinceFirstTry map[string]bool
}

// readFeed indexes a feed's items, dates the undated (and those dated
// ahead of our clock) now, and finds those published since the source's
// first try.
func readFeed(items []feeds.Item, firstTry, now time.Time) polledFeed {
	f := polledFeed{ids: make([]string, len(items)), byID: make(map[string]feeds.Item, len(items)), sinceFirstTry: map[string]bool{}}
	for i, it := range items {
		if it.Published.After(firstTry) && it.Published.After(now.Add(-firstSightWindow)) && !it.Published.After(now) {
			// Dated after the first attempt, recent and not in the future:
			// news even at first sight. Undated items never are: their age
			// is unknown.
			f.sinceFirstTry[it.ID] = true
		}
		if it.Published.IsZero() || it.Published.After(now) {
			// Undated items (and clocks ahead of ours) are dated when seen.
			it.Published = now
		}
		f.ids[i] = it.ID
		f.byID[it.ID] = it
	}
	return f
}

// items returns the feed's items of ids, in that order.
func (f polledFeed) items(ids []string) []feeds.Item {
	out := make([]feeds.Item, len(ids))
	for i, id := range ids {
		out[i] = f.byID[id]
	}
	return out
}

// handleUnseen publishes the news and keeps the history among the unseen
// items, oldest first, chunk by chunk, writing each chunk's progress. It
// returns what it read for them, which edits read too.
func (p *Poller) handleUnseen(ctx context.Context, src feeds.Source, feed polledFeed, unseen []string, first bool, now time.Time, res *Result) (*pollReads, error) {
	fresh := feed.items(unseen)
	// Oldest first, so each chat receives a source's items in publication order.
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].Published.Before(fresh[j].Published) })
	news := func(it feeds.Item) bool { return true }
	if first {
		newest := ""
		if src.SendNewestOnFirstSight && len(fresh) > 0 {
			newest = fresh[len(fresh)-1].ID
		}
		news = func(it feeds.Item) bool { return feed.sinceFirstTry[it.ID] || it.ID == newest }
	}
	reads := &pollReads{p: p, subs: map[string][]int64{}}
	if slices.ContainsFunc(fresh, news) {
		var err error
		if reads.recent, err = p.recentForSameStory(ctx); err != nil {
			return reads, err
		}
	}
	for chunk := range slices.Chunk(fresh, pollChunk) {
		done, err := p.handleChunk(ctx, src, chunk, news, reads, res)
		if len(done) > 0 {
			// Written even when the chunk was cut short, through a context
			// of its own (the poll's may be past its deadline): however
			// slow each item is, the next poll goes on from here.
			mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
			err = errors.Join(err, p.store.MarkSeenPartial(mctx, src.ID, done, now))
			cancel()
		}
		if err != nil {
			return reads, err
		}
	}
	return reads, nil
}

// handleChunk publishes the news and keeps the history among items, in
// order, and returns the ids of those it finished: all of them, or those
// before the first error or the end of ctx. An item during which ctx ended
// is not finished (its search indexing may have been skipped); the next
// poll does it again, which is harmless.
func (p *Poller) handleChunk(ctx context.Context, src feeds.Source, items []feeds.Item, news func(feeds.Item) bool, reads *pollReads, res *Result) ([]string, error) {
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
			jobs, err = p.publish(ctx, src, it, reads)
		} else {
			err = p.keepHistory(ctx, src, it)
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
	p      *Poller
	recent []feeds.Item
	subs   map[string][]int64 // by target
}

// subscribers returns the chats subscribed to any of targets (targetsOf),
// each target read once per poll.
func (r *pollReads) subscribers(ctx context.Context, targets []string) ([]int64, error) {
	var out []int64
	for _, t := range targets {
		chats, ok := r.subs[t]
		if !ok {
			var err error
			if chats, err = r.p.store.Subscribers(ctx, []string{t}); err != nil {
				return nil, err
			}
			r.subs[t] = chats
		}
		out = append(out, chats...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// save enriches an item, saves it and indexes it for search: what every
// item a poll finds goes through, news or history.
func (p *Poller) save(ctx context.Context, src feeds.Source, it feeds.Item) (feeds.Item, error) {
	it = p.Enrich(ctx, src, it)
	if err := p.store.SaveItem(ctx, it); err != nil {
		return it, fmt.Errorf("save %s: %w", it.ID, err)
	}
	p.recent.Drop(it.ID) // read again, as saved, by the next comparison
	p.index.Index(ctx, it)
	return it, nil
}

// keepHistory saves an item found at a source's first sight that is not
// news: /latest, /search and inline mode show it; no chat is sent it.
func (p *Poller) keepHistory(ctx context.Context, src feeds.Source, it feeds.Item) error {
	it.History = true
	it, err := p.save(ctx, src, it)
	if err != nil {
		return err
	}
	p.log.Debug("history item saved", "source_id", src.ID, "item_id", it.ID, "title", it.Title)
	return nil
}

// publish enriches one new item, saves it and enqueues one delivery job per
// subscribed chat. It returns the number of jobs.
func (p *Poller) publish(ctx context.Context, src feeds.Source, it feeds.Item, reads *pollReads) (int, error) {
	it, err := p.save(ctx, src, it)
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	chats, err := reads.subscribers(ctx, targetsOf(it))
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", it.ID, err)
	}
	covered, twins, err := p.coveredChats(ctx, it, reads)
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
		p.metrics.SameStory.Add(float64(skipped))
		p.log.Info("same story already sent", "item_id", it.ID, "source_id", src.ID,
			"twin_item_id", twins[0].ID, "twin_source_id", twins[0].SourceID, "chats_skipped", skipped)
	}
	if err := p.store.Enqueue(ctx, jobs); err != nil {
		return 0, fmt.Errorf("publish %s: %w", it.ID, err)
	}
	p.metrics.Jobs.Add(float64(len(jobs)))
	p.log.Info("new item", "source_id", src.ID, "item_id", it.ID, "title", it.Title, "topics", it.Topics, "breaking", it.Breaking, "jobs", len(jobs))
	return len(jobs), nil
}

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
