package bot

import (
	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/feeds"
)

// cat is the current catalog (chat.Lineup): the sources as configured,
// looked up by id, and the topics. A reload swaps it whole (SetSources);
// the conversation answers each update from one snapshot of it.
func (b *Bot) cat() *chat.Lineup { return b.catalog.Load() }

// catalogOf is the Bot's catalog as the conversation takes it
// (chat.Catalog), a type of its own so bot.Bot's API does not grow.
type catalogOf struct{ b *Bot }

func (c catalogOf) Lineup() *chat.Lineup { return c.b.cat() }

// SetSources replaces the sources the bot offers people (the /sources menu,
// /subscribe by name, the names on cards) without a restart. Polls in
// flight finish with the source they started with; what they publish
// carries its source id, named from the new catalog. Subscriptions to a
// source that left the config are kept in the store: they come back to
// life if it returns.
func (b *Bot) SetSources(srcs []feeds.Source) { b.catalog.Store(chat.NewLineup(srcs)) }

// Sources returns the sources the bot offers now.
func (b *Bot) Sources() []feeds.Source { return b.cat().Sources() }
