package chat

import (
	"slices"

	"github.com/akhbar/akhbar/feeds"
)

// Lineup is the bot's sources as configured at one moment, and what is
// derived from them: looked up by id, and the topics in config order. It
// never changes once made: a reload swaps the whole lineup at once
// (bot.SetSources), so an update handled while it happens sees either the
// old sources or the new ones, never half of each (turn reads it once).
type Lineup struct {
	list   []feeds.Source
	byID   map[string]feeds.Source
	topics []string // in config order, deduplicated
}

// NewLineup makes the lineup of srcs, in their order.
func NewLineup(srcs []feeds.Source) *Lineup {
	c := &Lineup{list: slices.Clone(srcs), byID: make(map[string]feeds.Source, len(srcs))}
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

// Sources returns the lineup's sources, in config order.
func (c *Lineup) Sources() []feeds.Source { return slices.Clone(c.list) }

// Source is the source of an id.
func (c *Lineup) Source(id string) (feeds.Source, bool) {
	s, ok := c.byID[id]
	return s, ok
}

// SourceName is a source's name for cards and lists, its id when it has
// none or left the config.
func (c *Lineup) SourceName(id string) string {
	if s, ok := c.byID[id]; ok && s.Name != "" {
		return s.Name
	}
	return id
}
