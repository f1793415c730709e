package bot

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

// recentForSameStory reads the newest items of every source, the
// candidates a new item is compared with.
func (b *Bot) recentForSameStory(ctx context.Context) ([]feeds.Item, error) {
	recent, err := b.store.Latest(ctx, "", sameStoryRecent)
	if err != nil {
		return nil, fmt.Errorf("same story: %w", err)
	}
	return recent, nil
}

// coveredChats returns the chats that were already sent this story: the
// subscribers of every other source that published a near-duplicate
// (arabic.SameStory on the fingerprints, or arabic.SameBody on the body
// fingerprints: the same copy under another headline) within the window, with those
// items. reads holds the candidates (recentForSameStory); items of its own source
// are never its twins. A chat that follows only this source still gets
// the card.
func (b *Bot) coveredChats(ctx context.Context, it feeds.Item, reads *pollReads) (map[int64]bool, []feeds.Item, error) {
	if it.Fingerprint == 0 && it.BodyFingerprint == 0 {
		return nil, nil, nil
	}
	var twins []feeds.Item
	for _, r := range reads.recent {
		if r.ID == it.ID || r.SourceID == it.SourceID {
			continue
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
		src, ok := b.sources[tw.SourceID]
		if !ok {
			continue
		}
		chats, err := reads.subscribers(ctx, src)
		if err != nil {
			return nil, nil, fmt.Errorf("same story for %s: %w", it.ID, err)
		}
		for _, c := range chats {
			covered[c] = true
		}
	}
	return covered, twins, nil
}
