package bot

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

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

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
	failOther    = "other"
)

// NewLinkFetcher is the fetcher for links people send: the SSRF guard is
// always on (no loopback, private, link-local or other non-public address,
// checked at dial time, so redirects and DNS rebinding are covered too),
// pages are capped at LinkMaxBytes and linkTimeout. New uses it when
// Config.LinkFetcher is nil; cmd/akhbar may pass one with its User-Agent,
// but never one with AllowPrivate, even in local mode.
func NewLinkFetcher(userAgent string) *feeds.Fetcher {
	return feeds.NewFetcher(feeds.FetcherOptions{UserAgent: userAgent, Timeout: linkTimeout, MaxBytes: LinkMaxBytes})
}

// linkRE finds http(s) links in a message. It stops at spaces, quotes,
// angle brackets and Arabic quotation marks, which end a link in text.
var linkRE = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'«»]+`)

// findLink returns the first http(s) link in text, without trailing
// punctuation (Latin or Arabic) or an unbalanced closing bracket, or "".
// Control and bidi characters are removed first, so a hidden override
// cannot be smuggled into the URL.
func findLink(text string) string {
	link := linkRE.FindString(sanitize(text))
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
	if u, err := url.Parse(link); err != nil || u.Host == "" {
		return ""
	}
	return link
}

// mentions reports whether text names the bot as @username, as a whole
// name: "@akhbar_bot2" is another bot.
func (b *Bot) mentions(text string) bool {
	if b.cfg.BotUsername == "" {
		return false
	}
	text, at := strings.ToLower(text), "@"+strings.ToLower(b.cfg.BotUsername)
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
func (b *Bot) handleLink(ctx context.Context, m *InMessage) error {
	switch m.Chat.Type {
	case "private":
	case "group", "supergroup":
		if !b.mentions(m.Text) {
			return nil
		}
	default:
		return nil
	}
	link := findLink(m.Text)
	if link == "" {
		return nil
	}
	return b.answerLink(ctx, m, link)
}

// answerLink fetches, extracts and summarises the page at link and sends
// its card, or a sentence saying why it could not.
func (b *Bot) answerLink(ctx context.Context, m *InMessage, link string) error {
	chat, err := b.rememberChat(ctx, m.Chat, m.From)
	if err != nil {
		return fmt.Errorf("link: %w", err)
	}
	lang := chatLang(m, chat)
	t := askTexts(lang)
	say := func(text string) error {
		return b.reply(ctx, Message{ChatID: m.Chat.ID, Text: t.Dir + esc(text), HTML: true, DisablePreview: true})
	}
	canonical := feeds.CanonicalURL(link)
	lc, err := b.store.CachedLink(ctx, canonical)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		who := m.From.ID
		if who == 0 {
			who = m.SenderChat
		}
		if who != 0 {
			key := "link:" + strconv.FormatInt(who, 10)
			wait, err := b.store.Allow(ctx, key, storage.Limit{Rate: linksPerMinute, Burst: linksPerMinute, Period: time.Minute})
			if err != nil {
				return fmt.Errorf("link: %w", err)
			}
			if wait > 0 {
				return say(t.LinkSlowDown)
			}
		}
		if lc, err = b.fetchLink(ctx, canonical); err != nil {
			return fmt.Errorf("link: %w", err)
		}
	case err != nil:
		return fmt.Errorf("link: %w", err)
	}
	if lc.Failure != "" {
		return say(t.LinkFailed[lc.Failure])
	}
	card := Card{Item: lc.Item, SourceName: lc.Site, Loc: b.location(chat.TZ), Lang: lang}.Render()
	card.ChatID = m.Chat.ID
	return b.reply(ctx, card)
}

// fetchLink reads the page at canonical once across replicas: a request
// that finds the page uncached takes a short lease on it and reads it;
// one that finds the lease taken waits for the card to appear in the
// cache, and reads the page itself if the lease comes free without one
// (the holder crashed) or the wait runs out. Every outcome is cached, the
// transient failures only briefly, so waiters always see the holder's.
func (b *Bot) fetchLink(ctx context.Context, canonical string) (storage.LinkCard, error) {
	sum := sha256.Sum256([]byte(canonical))
	lease, owner := "link:"+hex.EncodeToString(sum[:16]), strconv.FormatUint(rand.Uint64(), 36)
	deadline := time.Now().Add(linkTimeout + 5*time.Second)
	for {
		got, err := b.store.AcquireLease(ctx, lease, owner, linkTimeout+5*time.Second)
		if err != nil {
			return storage.LinkCard{}, err
		}
		if got {
			defer func() {
				if err := b.store.ReleaseLease(context.WithoutCancel(ctx), lease, owner); err != nil {
					b.log.Warn("release link lease", "error", err)
				}
			}()
		}
		// Checked again under the lease too: the previous holder may have
		// cached the card between our first look and our taking the lease.
		lc, err := b.store.CachedLink(ctx, canonical)
		if err == nil {
			return lc, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return storage.LinkCard{}, err
		}
		if got || time.Now().After(deadline) {
			break // read it ourselves
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return storage.LinkCard{}, ctx.Err()
		}
	}
	lc := b.readLink(ctx, canonical)
	ttl := linkCacheTTL
	switch lc.Failure {
	case "":
	case failTimeout, failStatus, failNoHost, failOther:
		ttl = transientFailureTTL
	default:
		ttl = failureCacheTTL
	}
	if err := b.store.CacheLink(ctx, canonical, lc, ttl); err != nil {
		b.log.Warn("cache link", "error", err)
	}
	return lc, nil
}

// readLink makes a card's item of the page at link: its title, an
// extractive summary of its cleaned text, its image and date. Failures
// come back as LinkCard.Failure, and are logged.
func (b *Bot) readLink(ctx context.Context, link string) storage.LinkCard {
	ctx, cancel := context.WithTimeout(ctx, linkTimeout)
	defer cancel()
	art, err := b.cfg.LinkFetcher.Article(ctx, link)
	if err != nil {
		kind := linkFailure(err)
		b.log.Info("link not readable", "kind", kind, "error", err)
		return storage.LinkCard{Failure: kind}
	}
	title := arabic.CleanTitle(art.Title)
	text := arabic.Clean(art.Text)
	if utf8.RuneCountInString(text) < minLinkText {
		// A menu or a cookie banner is not an article.
		return storage.LinkCard{Failure: failNoText}
	}
	summary := strings.Join(arabic.Summarize(title, text, arabic.Budget{Chars: b.cfg.SummaryChars, Sentences: 3}), " ")
	it := feeds.Item{
		ID:        feeds.ItemID("", link, title, art.Published),
		Link:      link,
		Title:     title,
		Summary:   summary,
		Image:     art.Image,
		Published: art.Published,
	}
	it.Fingerprint, it.BodyFingerprint = arabic.Fingerprints(title, text)
	return storage.LinkCard{Item: it, Site: siteName(art.SiteName, link)}
}

// siteName is what the card names as the source: the page's own site name,
// else its host without "www.".
func siteName(name, link string) string {
	if name = oneLine(name); name != "" {
		return name
	}
	if u, err := url.Parse(link); err == nil {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	return link
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
