package bot

import (
	"context"

	"github.com/akhbar/akhbar/feeds"
)

// IndexForSearch indexes an item the way a poll does, for tests that seed
// items without polling.
func (b *Bot) IndexForSearch(ctx context.Context, it feeds.Item) { b.indexForSearch(ctx, it) }
