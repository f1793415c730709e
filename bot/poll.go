package bot

import (
	"context"
	"time"

	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/feeds"
)

// PollResult says what one poll did, for logs and tests.
type PollResult = poll.Result

// PollSource fetches one source and fans out what is new (poll.Poller.Poll,
// which says how). It stays on the Bot, which wires the poller with the
// store, the search index and the catalog, so that cmd/akhbar's scheduler
// and the scenario tests poll and deliver through one value.
func (b *Bot) PollSource(ctx context.Context, src feeds.Source, interval time.Duration) (PollResult, error) {
	return b.poller.Poll(ctx, src, interval)
}

// SourceTarget and TopicTarget name subscription targets in the store
// (poll.SourceTarget, poll.TopicTarget).
func SourceTarget(id string) string   { return poll.SourceTarget(id) }
func TopicTarget(topic string) string { return poll.TopicTarget(topic) }

// BreakingTarget is the subscription to breaking news of every source.
const BreakingTarget = poll.BreakingTarget

// pollSide is what a poll asks of the rest of the bot: to add the items it
// saves to the search index (poll.Indexer), and whether a source is still
// configured (poll.Catalog).
type pollSide struct{ b *Bot }

func (s pollSide) Index(ctx context.Context, it feeds.Item) { s.b.chat.Index(ctx, it) }

func (s pollSide) HasSource(id string) bool {
	_, ok := s.b.cat().Source(id)
	return ok
}
