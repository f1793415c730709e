package chat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/deliver"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// linkStore is the link cards cache, its fetch lease and the per-user rate;
// storage.Store implements it.
type linkStore interface {
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	Allow(ctx context.Context, key string, l storage.Limit) (time.Duration, error)
	CacheLink(ctx context.Context, url string, c storage.LinkCard, ttl time.Duration) error
	CachedLink(ctx context.Context, url string) (storage.LinkCard, error)
	ReleaseLease(ctx context.Context, name, owner string) error
}

// Link answering tuning.
const (
	// linkTimeout bounds fetching and reading one page a user sent.
	linkTimeout = 20 * time.Second
	// linkCacheTTL is how long a link's card is reused for the same
	// canonical URL; failureCacheTTL how long a page that could not be read
	// is not tried again; transientFailureTTL the same for failures that may
	// pass (timeouts, HTTP errors, DNS), long enough for concurrent requests
	// of the same link to share the answer.
	linkCacheTTL        = 6 * time.Hour
	failureCacheTTL     = 10 * time.Minute
	transientFailureTTL = 30 * time.Second
	// linksPerMinute is how many new links one user may have fetched per
	// minute, across replicas: each costs a fetch and an extraction.
	linksPerMinute = 6
	// minLinkText is the least cleaned text, in characters, a page needs
	// to count as an article: a news item's first paragraph is longer.
	minLinkText = 80
	// LinkMaxBytes is the page size limit of the default link fetcher.
	LinkMaxBytes = 2 << 20
)

// Bounds of a link card, applied before it is cached: a page is written by
// whoever sent the link, and a cached card lives for linkCacheTTL.
const (
	maxLinkTitle   = 300  // characters
	maxLinkSite    = 100  // characters
	maxLinkSummary = 1000 // characters, whatever SummaryChars says
	maxLinkURL     = 2048 // bytes, for the link itself and its image
)

// Kinds of link failure, cached with the URL and mapped to a sentence.
const (
	failPrivate  = "private"
	failScheme   = "scheme"
	failTooLarge = "too_large"
	failNotHTML  = "not_html"
	failTimeout  = "timeout"
	failNoText   = "no_text"
	failStatus   = "status"
	failNoHost   = "no_host"
	failPort     = "port"
	failLong     = "too_long" // the link itself is over maxLinkURL
	failOther    = "other"
)

// NewLinkFetcher is the fetcher for links people send, built from
// LinkFetcherOptions. New uses it when Config.LinkFetcher is nil; cmd/akhbar
// may pass one with its tg.User-Agent and extra ports.
func NewLinkFetcher(userAgent string, extraPorts ...int) *feeds.Fetcher {
	return feeds.NewFetcher(LinkFetcherOptions(userAgent, extraPorts...))
}

// LinkFetcherOptions are the options of the fetcher for links people send.
// Pages are read with Fetcher.Article, so the SSRF guard is always on (no
// loopback, private, link-local or other non-public address, checked at
// dial time, so redirects and DNS rebinding are covered too). Only ports 80
// and 443 are reached, plus extraPorts (8080 and 8443 are the usual ones an
// operator may allow), so a link cannot probe other services of a public
// host; pages are capped at LinkMaxBytes and linkTimeout.
func LinkFetcherOptions(userAgent string, extraPorts ...int) feeds.FetcherOptions {
	return feeds.FetcherOptions{UserAgent: userAgent, Timeout: linkTimeout, MaxBytes: LinkMaxBytes,
		Ports: append([]int{80, 443}, extraPorts...)}
}

// linkRE finds http(s) links in a message. It stops at spaces, quotes,
// angle brackets and Arabic quotation marks, which end a link in text.
var linkRE = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'«»]+`)

// findLink returns the first http(s) link in text, without trailing
// punctuation (Latin or Arabic) or an unbalanced closing bracket, or "".
// Control and bidi characters are removed first, so a hidden override
// cannot be smuggled into the URL; a "user:password@" is dropped.
func findLink(text string) string {
	link := linkRE.FindString(card.Sanitize(text))
	for link != "" {
		trimmed := strings.TrimRight(link, ".,;:!?،؛؟…")
		if strings.HasSuffix(trimmed, ")") && strings.Count(trimmed, "(") < strings.Count(trimmed, ")") {
			trimmed = trimmed[:len(trimmed)-1]
		}
		if trimmed == link {
			break
		}
		link = trimmed
	}
	link = withoutUserinfo(link)
	if u, err := url.Parse(link); err != nil || u.Host == "" {
		return ""
	}
	return link
}

// withoutUserinfo drops the "user:password@" of a link's authority, keeping
// the rest byte for byte: the bot never sends credentials a stranger put in
// a link (Go's client would make them an Authorization header), and a card
// never shows them.
func withoutUserinfo(link string) string {
	scheme, rest, ok := strings.Cut(link, "://")
	if !ok {
		return link
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return link
	}
	return scheme + "://" + rest[at+1:]
}

// mentions reports whether text names the bot as @username, as a whole
// name: "@akhbar_bot2" is another bot.
func (h *turn) mentions(text string) bool {
	if h.cfg.BotUsername == "" {
		return false
	}
	text, at := strings.ToLower(text), "@"+strings.ToLower(h.cfg.BotUsername)
	for i := strings.Index(text, at); i >= 0; {
		end := i + len(at)
		if end == len(text) || !isUsernameByte(text[end]) {
			return true
		}
		next := strings.Index(text[end:], at)
		if next < 0 {
			break
		}
		i = end + next
	}
	return false
}

func isUsernameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
}

// handleLink answers a message carrying a link: in a private chat any
// link, in a group only when the message mentions the bot, never in a
// channel; other messages are left alone.
func (h *turn) handleLink(ctx context.Context, m *tg.InMessage) error {
	switch m.Chat.Type {
	case "private":
	case "group", "supergroup":
		if !h.mentions(m.Text) {
			return nil
		}
	default:
		return nil
	}
	link := findLink(m.Text)
	if link == "" {
		return nil
	}
	return h.answerLink(ctx, m, link)
}

// answerLink fetches, extracts and summarises the page at link and sends
// its card, or a sentence saying why it could not.
func (h *turn) answerLink(ctx context.Context, m *tg.InMessage, link string) error {
	saved, err := h.rememberChat(ctx, m.Chat, m.From)
	if err != nil {
		return fmt.Errorf("link: %w", err)
	}
	lang := chatLang(m, saved)
	t := askTexts(lang)
	say := func(text string) error {
		return h.out.Reply(ctx, tg.Message{ChatID: m.Chat.ID, Text: t.Dir + card.Escape(text), HTML: true, DisablePreview: true})
	}
	canonical := feeds.CanonicalURL(link)
	if len(canonical) > maxLinkURL {
		return say(t.linkFailed(failLong))
	}
	lc, err := h.store.CachedLink(ctx, canonical)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if who := SenderKey(m.From, m.SenderChat); who != 0 {
			key := "link:" + strconv.FormatInt(who, 10)
			wait, err := h.store.Allow(ctx, key, storage.Limit{Rate: linksPerMinute, Burst: linksPerMinute, Period: time.Minute})
			if err != nil {
				return fmt.Errorf("link: %w", err)
			}
			if wait > 0 {
				return say(t.LinkSlowDown)
			}
		}
		if lc, err = h.fetchLink(ctx, canonical); err != nil {
			return fmt.Errorf("link: %w", err)
		}
	case err != nil:
		return fmt.Errorf("link: %w", err)
	}
	if lc.Failure != "" {
		return say(t.linkFailed(lc.Failure))
	}
	// The source line names the link's host, never what the page calls
	// itself: a page whose og:site_name is "المملكة" must not pass for the
	// newsroom's own card.
	msg := card.Card{Item: lc.Item, SourceName: linkSite(lc.Item.Link), Loc: h.out.Location(saved.TZ), Lang: lang}.Render()
	msg.ChatID = m.Chat.ID
	return h.out.Reply(ctx, msg)
}

// fetchLink reads the page at canonical once across replicas: a request
// that finds the page uncached takes a short lease on it and reads it;
// one that finds the lease taken waits for the card to appear in the
// cache, and reads the page itself if the lease comes free without one
// (the holder crashed) or the wait runs out. Every outcome is cached, the
// transient failures only briefly, so waiters always see the holder's.
func (h *turn) fetchLink(ctx context.Context, canonical string) (storage.LinkCard, error) {
	sum := sha256.Sum256([]byte(canonical))
	lease, owner := "link:"+hex.EncodeToString(sum[:16]), strconv.FormatUint(rand.Uint64(), 36)
	deadline := time.Now().Add(linkTimeout + 5*time.Second)
	for {
		got, err := h.store.AcquireLease(ctx, lease, owner, linkTimeout+5*time.Second)
		if err != nil {
			return storage.LinkCard{}, err
		}
		if got {
			defer func() {
				if err := h.store.ReleaseLease(context.WithoutCancel(ctx), lease, owner); err != nil {
					h.log.Warn("release link lease", "error", err)
				}
			}()
		}
		// Checked again under the lease too: the previous holder may have
		// cached the card between our first look and our taking the lease.
		lc, err := h.store.CachedLink(ctx, canonical)
		if err == nil {
			return lc, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return storage.LinkCard{}, err
		}
		if got || time.Now().After(deadline) {
			break // read it ourselves
		}
		if !deliver.Sleep(ctx, 100*time.Millisecond) {
			return storage.LinkCard{}, ctx.Err()
		}
	}
	lc := h.readLink(ctx, canonical)
	ttl := linkCacheTTL
	switch lc.Failure {
	case "":
	case failTimeout, failStatus, failNoHost, failOther:
		ttl = transientFailureTTL
	default:
		ttl = failureCacheTTL
	}
	// A card over the store's size limit is still answered, just not
	// cached; readLink's caps keep real pages well under it.
	if err := h.store.CacheLink(ctx, canonical, lc, ttl); err != nil {
		h.log.Warn("cache link", "error", err)
	}
	return lc, nil
}

// readLink makes a card's item of the page at link: its title, an
// extractive summary of its cleaned text, its image and date. Failures
// come back as LinkCard.Failure, and are logged.
func (h *turn) readLink(ctx context.Context, link string) storage.LinkCard {
	ctx, cancel := context.WithTimeout(ctx, linkTimeout)
	defer cancel()
	art, err := h.cfg.LinkFetcher.Article(ctx, link)
	if err != nil {
		kind := linkFailure(err)
		h.log.Info("link not readable", "kind", kind, "error", err)
		return storage.LinkCard{Failure: kind}
	}
	// Every field is capped before it is cached: the page's author chose
	// them, and a 2 MB <title> would otherwise live in Redis for hours.
	title := card.Truncate(arabic.CleanTitle(art.Title), maxLinkTitle)
	text := arabic.Clean(art.Text)
	if utf8.RuneCountInString(text) < minLinkText {
		// A menu or a cookie banner is not an article.
		return storage.LinkCard{Failure: failNoText}
	}
	budget := min(h.cfg.SummaryChars, maxLinkSummary)
	summary := strings.Join(arabic.Summarize(title, text, arabic.Budget{Chars: budget, Sentences: 3}), " ")
	image := art.Image
	if len(image) > maxLinkURL {
		image = ""
	}
	it := feeds.Item{
		ID:        feeds.ItemID("", link, title, art.Published),
		Link:      link,
		Title:     title,
		Summary:   card.Truncate(summary, maxLinkSummary),
		Image:     image,
		Published: art.Published,
	}
	it.Fingerprint, it.BodyFingerprint = arabic.Fingerprints(title, text)
	return storage.LinkCard{Item: it, Site: linkSite(link)}
}

// linkSite is what a link's card names as its source: the link's host
// (feeds.Host: without "www.", in ASCII), at most maxLinkSite characters.
func linkSite(link string) string {
	return card.Truncate(feeds.Host(link), maxLinkSite)
}

// linkFailure names why a page could not be read.
func linkFailure(err error) string {
	var ne net.Error
	var dns *net.DNSError
	var se *feeds.StatusError
	switch {
	case errors.Is(err, feeds.ErrPrivateAddress):
		return failPrivate
	case errors.Is(err, feeds.ErrScheme):
		return failScheme
	case errors.Is(err, feeds.ErrPort):
		return failPort
	case errors.Is(err, feeds.ErrTooLarge):
		return failTooLarge
	case errors.Is(err, feeds.ErrNotHTML):
		return failNotHTML
	case errors.Is(err, feeds.ErrNoArticle):
		return failNoText
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return failTimeout
	case errors.As(err, &dns) && dns.IsNotFound:
		return failNoHost
	case errors.As(err, &se):
		return failStatus
	}
	return failOther
}
