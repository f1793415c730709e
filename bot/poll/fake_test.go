package poll

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// memStore is an in-memory Store that keeps its state the way
// storage.Store keeps it in Redis, as far as a poll can tell: a source's
// first try is written once, first sight lasts until a full MarkSeen, a
// missing item is storage.ErrNotFound, Items skips missing items and
// Latest drops them from the index. Only the all-sources scope ("") of
// the latest index is kept: it is the one a poll reads.
type memStore struct {
	mu        sync.Mutex
	states    map[string]storage.SourceState
	seen      map[string]map[string]time.Time // source → item id → last seen
	baseline  map[string]bool
	hashes    map[string]map[string]string // source → item id → content hash
	items     map[string]feeds.Item
	latest    map[string]time.Time // item id → published
	subs      map[string][]int64   // target → chats
	jobs      []storage.Job
	itemReads int // items read by Items and Latest: what the recent cache saves
}

func newMemStore() *memStore {
	return &memStore{states: map[string]storage.SourceState{}, seen: map[string]map[string]time.Time{},
		baseline: map[string]bool{}, hashes: map[string]map[string]string{}, items: map[string]feeds.Item{},
		latest: map[string]time.Time{}, subs: map[string][]int64{}}
}

func (m *memStore) SourceState(_ context.Context, id string) (storage.SourceState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[id], nil
}

func (m *memStore) SetSourceState(_ context.Context, id string, st storage.SourceState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.states[id]; !old.FirstTry.IsZero() {
		st.FirstTry = old.FirstTry // written once, as storage's HSETNX
	}
	m.states[id] = st
	return nil
}

func (m *memStore) Unseen(_ context.Context, src string, ids []string) ([]string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, id := range ids {
		if _, ok := m.seen[src][id]; !ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, !m.baseline[src], nil
}

func (m *memStore) markSeen(src string, ids []string, now time.Time) {
	if m.seen[src] == nil {
		m.seen[src] = map[string]time.Time{}
	}
	for _, id := range ids {
		m.seen[src][id] = now
	}
}

func (m *memStore) MarkSeen(_ context.Context, src string, ids []string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.markSeen(src, ids, now)
	m.baseline[src] = true
	return nil
}

func (m *memStore) MarkSeenPartial(_ context.Context, src string, ids []string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.markSeen(src, ids, now)
	return nil
}

func (m *memStore) ItemHashes(_ context.Context, src string, ids []string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = m.hashes[src][id]
	}
	return out, nil
}

func (m *memStore) SetItemHashes(_ context.Context, src string, h map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hashes[src] = maps.Clone(h)
	return nil
}

func (m *memStore) SaveItem(_ context.Context, it feeds.Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[it.ID] = it
	m.latest[it.ID] = it.Published
	return nil
}

func (m *memStore) Item(_ context.Context, id string) (feeds.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[id]
	if !ok {
		return feeds.Item{}, fmt.Errorf("item %s: %w", id, storage.ErrNotFound)
	}
	return it, nil
}

func (m *memStore) Items(_ context.Context, ids []string) ([]feeds.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []feeds.Item
	for _, id := range ids {
		if it, ok := m.items[id]; ok {
			out = append(out, it)
		}
	}
	m.itemReads += len(ids)
	return out, nil
}

// latestIDs is the index newest first (ties by id, as a ZSET's reverse order).
func (m *memStore) latestIDs(scope string, n int) ([]string, error) {
	if scope != "" {
		return nil, fmt.Errorf("memStore keeps only the all-sources index, not %q", scope)
	}
	ids := slices.Collect(maps.Keys(m.latest))
	slices.SortFunc(ids, func(a, b string) int {
		if c := m.latest[b].Compare(m.latest[a]); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	return ids[:min(n, len(ids))], nil
}

func (m *memStore) LatestIDs(_ context.Context, scope string, n int) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latestIDs(scope, n)
}

func (m *memStore) Latest(_ context.Context, scope string, n int) ([]feeds.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id := range m.latest {
		if _, ok := m.items[id]; !ok {
			delete(m.latest, id) // expired: dropped from the index
		}
	}
	ids, err := m.latestIDs(scope, n)
	if err != nil {
		return nil, err
	}
	out := make([]feeds.Item, len(ids))
	for i, id := range ids {
		out[i] = m.items[id]
	}
	m.itemReads += len(ids)
	return out, nil
}

func (m *memStore) Subscribers(_ context.Context, targets []string) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int64
	for _, t := range targets {
		out = append(out, m.subs[t]...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (m *memStore) Enqueue(_ context.Context, jobs []storage.Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.jobs = append(m.jobs, jobs...)
	return nil
}

// subscribe adds chats to a target.
func (m *memStore) subscribe(target string, chats ...int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subs[target] = append(m.subs[target], chats...)
}

// expire forgets an item as its TTL would, leaving it in the index.
func (m *memStore) expire(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, id)
}

// takeJobs returns the jobs enqueued since the last call.
func (m *memStore) takeJobs() []storage.Job {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs
	m.jobs = nil
	return j
}

// memFeeds serves each source's feed from memory: what a test set, or err.
// Like a server with ETags, it answers a conditional fetch that names the
// feed's current version with a 304 (each set is a new version: "v1",
// "v2", …).
type memFeeds struct {
	mu       sync.Mutex
	items    map[string][]feeds.Item // by source id
	versions map[string]int          // by source id: sets so far
	err      error
	articles int // article pages asked for
}

func (f *memFeeds) set(src string, items ...feeds.Item) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.items == nil {
		f.items, f.versions = map[string][]feeds.Item{}, map[string]int{}
	}
	f.items[src] = items
	f.versions[src]++
}

func (f *memFeeds) FetchFeed(_ context.Context, src feeds.Source, v feeds.Validators) (*feeds.FeedResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	etag := fmt.Sprintf("v%d", f.versions[src.ID])
	if v.ETag == etag {
		return &feeds.FeedResult{NotModified: true, Validators: v}, nil
	}
	items := slices.Clone(f.items[src.ID])
	for i := range items {
		items[i].SourceID = src.ID
	}
	return &feeds.FeedResult{Items: items, Total: len(items), Validators: feeds.Validators{ETag: etag}}, nil
}

func (f *memFeeds) Article(context.Context, string) (*feeds.Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.articles++
	return nil, fmt.Errorf("no article pages in tests")
}

// memIndex records the items indexed for search.
type memIndex struct {
	mu  sync.Mutex
	ids []string
}

func (x *memIndex) Index(_ context.Context, it feeds.Item) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ids = append(x.ids, it.ID)
}

// sourceSet is a Catalog of the sources named.
type sourceSet []string

func (s sourceSet) HasSource(id string) bool { return slices.Contains(s, id) }

// testPoller is a Poller over a memStore and memFeeds at the clock's time,
// with unregistered metrics, and the sources named in its catalog.
type testPoller struct {
	*Poller
	store *memStore
	feeds *memFeeds
	index *memIndex
	clock *time.Time
}

func newTestPoller(now time.Time, sources ...string) *testPoller {
	tp := &testPoller{store: newMemStore(), feeds: &memFeeds{}, index: &memIndex{}, clock: &now}
	tp.Poller = New(Config{
		SummaryChars: 400, FullTextBelow: 400, NoArticleFetch: true,
		Now: func() time.Time { return *tp.clock },
		Metrics: Metrics{
			Polls:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "polls"}, []string{"result"}),
			NewItems:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "new_items"}, []string{"source"}),
			Jobs:      prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs"}),
			SameStory: prometheus.NewCounter(prometheus.CounterOpts{Name: "same_story"}),
		},
	}, tp.store, tp.feeds, tp.index, sourceSet(sources))
	return tp
}
