package poll

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// editWindow is how long after publication a publisher's edit of an item
// still updates the cards already sent.
const editWindow = 48 * time.Hour

// contentHash identifies what a feed says about an item, to notice edits.
func contentHash(it feeds.Item) string {
	h := sha256.Sum256([]byte(it.Title + "\x00" + it.Content + "\x00" + it.Link + "\x00" + it.Image))
	return hex.EncodeToString(h[:8])
}

// noticeEdits compares the feed's items with the hashes stored at the last
// poll and re-publishes the ones a publisher changed (seen before, changed
// since, published within editWindow). It stores the current hashes.
func (p *Poller) noticeEdits(ctx context.Context, src feeds.Source, items []feeds.Item, isNew map[string]bool, first bool, now time.Time, reads *pollReads) (int, error) {
	ids := make([]string, len(items))
	current := make(map[string]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
		current[it.ID] = contentHash(it)
	}
	stored, err := p.store.ItemHashes(ctx, src.ID, ids)
	if err != nil {
		return 0, err
	}
	edited, changed := 0, len(items) == 0
	for i, it := range items {
		if stored[i] != current[it.ID] {
			changed = true // a new, edited or first-seen item: the stored hashes need rewriting
		}
		if first || isNew[it.ID] || stored[i] == "" || stored[i] == current[it.ID] || now.Sub(it.Published) > editWindow {
			continue
		}
		n, err := p.republishEdit(ctx, src, it, reads)
		if err != nil {
			return edited, err
		}
		if n > 0 {
			edited++
		}
	}
	if !changed {
		return edited, nil // nothing new or edited; items that left the feed are forgotten at the next change
	}
	return edited, p.store.SetItemHashes(ctx, src.ID, current)
}

// republishEdit saves the edited item and queues an edit of its card for
// every chat the item reaches; delivery edits only the chats that got it.
// It returns the number of edit jobs (0 when the card would not change).
func (p *Poller) republishEdit(ctx context.Context, src feeds.Source, it feeds.Item, reads *pollReads) (int, error) {
	old, err := p.store.Item(ctx, it.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil // expired: no card left to edit
	}
	if err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	it = p.Enrich(ctx, src, it)
	it.Published = old.Published // an edit keeps the item's place in /latest
	it.History = old.History
	if it.Title == old.Title && it.Summary == old.Summary && it.Link == old.Link && it.Image == old.Image {
		return 0, nil
	}
	if err := p.store.SaveItem(ctx, it); err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	p.recent.Drop(it.ID) // same-story detection reads the edit
	p.index.Index(ctx, it)
	if it.History {
		return 0, nil // no chat was sent it: no card to edit
	}
	// The chats that got the card followed the item's old topics; those
	// of its new ones are asked too, and delivery (bot's serveEdit) skips
	// any that did not.
	chats, err := reads.subscribers(ctx, append(targetsOf(old), targetsOf(it)...))
	if err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	jobs := make([]storage.Job, len(chats))
	for i, c := range chats {
		jobs[i] = storage.Job{ChatID: c, ItemID: it.ID, Edit: true}
	}
	if err := p.store.Enqueue(ctx, jobs); err != nil {
		return 0, fmt.Errorf("edit %s: %w", it.ID, err)
	}
	p.log.Info("item edited by its source", "source_id", src.ID, "item_id", it.ID, "title", it.Title, "jobs", len(jobs))
	return len(jobs), nil
}
