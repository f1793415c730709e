// Package feeds fetches and parses news sources and holds the domain nouns
// every other package shares: Source and Item.
package feeds

import "time"

// Source is one news source from the config.
type Source struct {
	ID   string // short stable id, [a-z0-9_-], used in keys and callbacks
	Name string // display name, usually Arabic (e.g. "المملكة")
	URL  string // feed URL
	// Topics are the topics (e.g. "سياسة") the source's items may take:
	// each item takes those it is about (bot/poll: itemTopics), not all of them.
	Topics []string
	// Categories maps the feed's own categories (RSS <category>, Atom
	// term or label, JSON Feed tags) to topics, beyond the names a topic
	// is known by anyway (arabic.SubjectOf); keys compare as
	// arabic.NameKey. Each value is one of Topics.
	Categories map[string]string
	// Keywords gives a topic the words that mark its items (محليات:
	// الأردن, البلقاء), found in an item's title and first lines; a
	// country's name stands for all its names, demonyms and cities.
	Keywords map[string][]string
	// Breaking says how the source marks breaking news.
	Breaking BreakingRule
	Schedule string // robfig/cron spec, e.g. "*/2 * * * *" or "@every 90s"
	// SendNewestOnFirstSight sends the newest item when the source is seen
	// for the first time (or after a wiped store). Either way, items
	// published after the bot first tried the source are sent, and the rest
	// of what the feed holds is saved as history (Item.History) and never
	// sent.
	SendNewestOnFirstSight bool
	// SummaryChars is the card summary budget in characters (0 = default).
	SummaryChars int
	// AllowPrivate lets the fetcher reach loopback/private addresses for
	// this source's feed URL only (a feed on the operator's network, local
	// mode, tests). The article pages its items link to, and links users
	// send, are always guarded.
	AllowPrivate bool
}

// Item is one news item as parsed from a feed and enriched for cards.
type Item struct {
	ID       string // hex SHA-256 of GUID, else canonical link, else title+date
	SourceID string // Source.ID
	GUID     string // feed GUID as given (may be empty)
	Link     string // canonical article URL
	// ShortLink is a shorter URL of the same article that the feed gives
	// (a permalink guid on the same site), "" when it gives none.
	ShortLink string
	Title     string    // plain text title
	Content   string    // raw HTML or text from the feed (description/content); not stored
	Summary   string    // plain-text extractive summary for the card
	Image     string    // image URL when the feed has one
	Published time.Time // publication time (feed's, else first-seen time)
	// Topics are the item's topics: those of its source's topics it is
	// about (set by the bot when it enriches the item).
	Topics []string
	// Categories are the feed's own categories of the item (RSS
	// <category> and dc:subject, Atom term and label, JSON Feed tags),
	// plain text, as given; not stored.
	Categories []string
	// Breaking marks breaking news: the source marked the item urgent
	// (bot/poll: breaking).
	Breaking bool
	// Fingerprint is a 64-bit SimHash of the normalised title and text,
	// and BodyFingerprint of the text alone (arabic.BodyFingerprint), for
	// same-story detection across sources (0 = unknown or too short).
	Fingerprint     uint64
	BodyFingerprint uint64
	// History marks an item that was already in the feed when the bot
	// first saw its source (or after a wiped store): saved for /latest,
	// search and inline mode, but pushed to no chat, so no chat has seen
	// it and it is nobody's same-story twin.
	History bool
}

// BreakingRule is how a source marks breaking news. The zero value uses
// the bot's defaults (a title that starts with "عاجل" or "Breaking", a
// feed category named so).
type BreakingRule struct {
	// Off: the source never carries breaking news (its titles may start
	// with "عاجل" for other reasons).
	Off bool
	// Patterns are title prefixes that mark breaking news, such as
	// "عاجل" or "خبر عاجل"; they replace the defaults. A title matches
	// when it starts with one (normalised, after any emoji, bracket or
	// dash) followed by a separator such as ":", "|", "-" or a bracket.
	Patterns []string
	// Categories are feed categories that mark breaking news; they
	// replace the defaults.
	Categories []string
}
