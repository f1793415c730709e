package bot

import (
	"slices"

	"github.com/akhbar/akhbar/feeds"
)

// catalog is the bot's sources as configured, and what is derived from
// them: looked up by id, and the topics in config order. A reload swaps
// the whole catalog at once (SetSources), so an update handled while it
// happens sees either the old sources or the new ones, never half of each;
// a handler reads b.cat() once and keeps that catalog for its answer.
type catalog struct {
	list   []feeds.Source
	byID   map[string]feeds.Source
	topics []string // in config order, deduplicated
}

func newCatalog(srcs []feeds.Source) *catalog {
	c := &catalog{list: slices.Clone(srcs), byID: make(map[string]feeds.Source, len(srcs))}
	seen := map[string]bool{}
	for _, s := range srcs {
		c.byID[s.ID] = s
		for _, t := range s.Topics {
			if !seen[t] {
				seen[t] = true
				c.topics = append(c.topics, t)
			}
		}
	}
	return c
}

// cat is the current catalog.
func (b *Bot) cat() *catalog { return b.catalog.Load() }

// SetSources replaces the sources the bot offers people (the /sources menu,
// /subscribe by name, the names on cards) without a restart. Polls in
// flight finish with the source they started with; what they publish
// carries its source id, named from the new catalog. Subscriptions to a
// source that left the config are kept in the store: they come back to
// life if it returns.
func (b *Bot) SetSources(srcs []feeds.Source) { b.catalog.Store(newCatalog(srcs)) }

// Sources returns the sources the bot offers now.
func (b *Bot) Sources() []feeds.Source { return slices.Clone(b.cat().list) }
