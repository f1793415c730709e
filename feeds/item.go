// Package feeds fetches and parses news sources and holds the domain nouns
// every other package shares: Source and Item.
package feeds

import "time"

// Source is one news source from the config.
type Source struct {
	ID       string   // short stable id, [a-z0-9_-], used in keys and callbacks
	Name     string   // display name, usually Arabic (e.g. "المملكة")
	URL      string   // feed URL
	Topics   []string // topic names (e.g. "سياسة")
	Schedule string   // robfig/cron spec, e.g. "*/2 * * * *" or "@every 90s"
	// SendNewestOnFirstSight sends the newest item when the source is seen
	// for the first time (or after a wiped store); everything else already in
	// the feed is recorded as seen and never sent.
	SendNewestOnFirstSight bool
	// SummaryChars is the card summary budget in characters (0 = default).
	SummaryChars int
	// AllowPrivate lets the fetcher reach loopback/private addresses. Only
	// for local mode and tests; user-supplied links never get this.
	AllowPrivate bool
}

// Item is one news item as parsed from a feed and enriched for cards.
type Item struct {
	ID        string    // hex SHA-256 of GUID, else canonical link, else title+date
	SourceID  string    // Source.ID
	GUID      string    // feed GUID as given (may be empty)
	Link      string    // canonical article URL
	Title     string    // plain text title
	Content   string    // raw HTML or text from the feed (description/content); not stored
	Summary   string    // plain-text extractive summary for the card
	Image     string    // image URL when the feed has one
	Published time.Time // publication time (feed's, else first-seen time)
	Topics    []string  // copied from the Source
	// Fingerprint is a 64-bit SimHash of the normalised title and text,
	// and BodyFingerprint of the text alone (arabic.BodyFingerprint), for
	// same-story detection across sources (0 = unknown or too short).
	Fingerprint     uint64
	BodyFingerprint uint64
}
