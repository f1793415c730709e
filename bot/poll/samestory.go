package poll

import (
	"context"
	"fmt"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
)

// Same-story detection: when several sources carry one story, a chat that
// already received it from one of them does not get it again.
const (
	sameStoryWindow = 12 * time.Hour
	sameStoryRecent = 300 // recent items compared with each new one
)

// recentFresh is how long an item read for same-story detection stands in
// for reading it again. Every poll that finds news compares it with the
// newest sameStoryRecent items: read whole each time, that was most of the
// Redis reads of a poll and a third of its allocations (issue 14), though
// between two polls only the few new items differ. An item this replica
// saves (new or edited) is dropped from the cache at once; one edited by
// another replica's poll is seen here within recentFresh.
const recentFresh = 5 * time.Minute

// recentItem is a stored item as read, and when.
type recentItem struct {
	it feeds.Item
	at time.Time
}

// recentForSameStory reads the newest items of every source, the
// candidates a new item is compared with: the index in one read, and only
// the items not read within recentFresh. When one of those expired, Latest
// reads them all, dropping the expired from the index as it does.
func (p *Poller) recentForSameStory(ctx context.Context) ([]feeds.Item, error) {
	ids, err := p.store.LatestIDs(ctx, "", sameStoryRecent)
	if err != nil {
		return nil, fmt.Errorf("same story: %w", err)
	}
	now := p.now()
	out := make([]feeds.Item, len(ids))
	var fetch []string
	var at []int
	for i, id := range ids {
		if r, ok := p.recent.Get(id); ok && !now.Before(r.at) && now.Sub(r.at) < recentFresh {
			out[i] = r.it
			continue
		}
		fetch = append(fetch, id)
		at = append(at, i)
	}
	if len(fetch) == 0 {
		return out, nil
	}
	items, err := p.store.Items(ctx, fetch)
	if err != nil {
		return nil, fmt.Errorf("same story: %w", err)
	}
	if len(items) < len(fetch) {
		recent, err := p.store.Latest(ctx, "", sameStoryRecent)
		if err != nil {
			return nil, fmt.Errorf("same story: %w", err)
		}
		return recent, nil
	}
	for k, it := range items {
		out[at[k]] = it
		p.recent.Put(it.ID, recentItem{it: it, at: now})
	}
	return out, nil
}

// coveredChats returns the chats that were already sent this story: the
// chats reached (targetsOf) by every item of another source that is a near-duplicate
// (arabic.SameStory on the fingerprints, or arabic.SameBody on the body
// fingerprints: the same copy under another headline) within the window, with those
// items. reads holds the candidates (recentForSameStory); items of its own source
// are never its twins. A chat that follows only this source still gets
// the card.
func (p *Poller) coveredChats(ctx context.Context, it feeds.Item, reads *pollReads) (map[int64]bool, []feeds.Item, error) {
	if it.Fingerprint == 0 && it.BodyFingerprint == 0 {
		return nil, nil, nil
	}
	var twins []feeds.Item
	for _, r := range reads.recent {
		if r.ID == it.ID || r.SourceID == it.SourceID || r.History {
			continue // a history item was sent to no chat: it covers none
		}
		if d := it.Published.Sub(r.Published); d > sameStoryWindow || d < -sameStoryWindow {
			continue
		}
		if r.Fingerprint != 0 && it.Fingerprint != 0 && arabic.SameStory(r.Fingerprint, it.Fingerprint) ||
			arabic.SameBody(r.BodyFingerprint, it.BodyFingerprint) {
			twins = append(twins, r)
		}
	}
	if len(twins) == 0 {
		return nil, nil, nil
	}
	covered := map[int64]bool{}
	for _, tw := range twins {
		if !p.catalog.HasSource(tw.SourceID) {
			continue // a source the config no longer has
		}
		chats, err := reads.subscribers(ctx, targetsOf(tw))
		if err != nil {
			return nil, nil, fmt.Errorf("same story for %s: %w", it.ID, err)
		}
		for _, c := range chats {
			covered[c] = true
		}
	}
	return covered, twins, nil
}
