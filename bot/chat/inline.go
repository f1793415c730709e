package chat

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// inlineStore is what inline answers read; storage.Store implements it.
type inlineStore interface {
	Chat(ctx context.Context, id int64) (storage.Chat, error)
	Item(ctx context.Context, id string) (feeds.Item, error)
	Latest(ctx context.Context, scope string, n int) ([]feeds.Item, error)
}

// Inline mode tuning.
const (
	// inlinePage is the number of results per answer (Telegram allows 50;
	// 20 cards of HTML keep an answer well under a megabyte).
	inlinePage = 20
	// inlineCacheTime is how long Telegram may reuse an answer for the same
	// query: short, so new items show up within half a minute.
	inlineCacheTime = 30
	// maxInlineTitle and maxInlineDescription bound what the result list
	// shows; the inserted card carries the full text.
	maxInlineTitle       = 120
	maxInlineDescription = 160
)

// InlineAnswerer answers inline queries. bot/telegram's Client implements
// it; it is asserted from the Sender so the Sender interface, which fakes
// in other tests implement, does not grow.
type InlineAnswerer interface {
	AnswerInline(ctx context.Context, queryID string, a tg.InlineAnswer) error
}

// handleInline answers "@bot words" with matching recent items, and an
// empty query with the latest items, each inserting the full card. Results
// page through next_offset, a plain result offset. Nothing is filtered by
// the user's settings, so is_personal is false and Telegram may serve the
// answer to everyone typing the same query for inlineCacheTime. The card's
// labels follow the asking user's language (userLang: the one chosen in
// their private chat with the bot, else their Telegram's), so within those 30 seconds an
// English speaker may get the Arabic labels (or the reverse); the news
// itself is the same.
func (h *turn) handleInline(ctx context.Context, q *tg.InlineQuery) error {
	answerer, ok := h.sender.(InlineAnswerer)
	if !ok {
		return errors.New("inline query: the sender cannot answer inline queries")
	}
	offset, err := strconv.Atoi(q.Offset)
	if err != nil || offset < 0 || offset >= maxSearchResults {
		offset = 0
	}
	lang, err := h.userLang(ctx, q.From)
	if err != nil {
		return fmt.Errorf("inline query: %w", err)
	}
	items, more, err := h.inlineItems(ctx, parseQuery(q.Query), offset)
	if err != nil {
		return fmt.Errorf("inline query: %w", err)
	}
	a := tg.InlineAnswer{CacheTime: inlineCacheTime, Results: h.inlineResults(items, lang)}
	if more {
		a.NextOffset = strconv.Itoa(offset + inlinePage)
	}
	err = answerer.AnswerInline(ctx, q.ID, a)
	if !errors.Is(err, tg.ErrRejected) || len(a.Results) == 0 {
		return err
	}
	// Refused for a rule the checks do not know: the same answer would be
	// refused again, so a simpler one goes once, as a refused card falls
	// back at once.
	fb, step := simplerInline(a)
	h.metrics.Fallbacks.WithLabelValues(step).Inc()
	h.log.Warn("inline answer refused, answering a simpler one", "fallback", step, "results", len(fb.Results), "error", err)
	if ferr := answerer.AnswerInline(ctx, q.ID, fb); ferr != nil {
		return fmt.Errorf("inline query: %w", errors.Join(err, ferr))
	}
	return nil
}

// inlineFallbackCacheTime is how long Telegram may reuse a fallback
// answer: briefly, so the next query gets the full answer again.
const inlineFallbackCacheTime = 5

// simplerInline is the answer to send once Telegram refused a: its
// results without their optional parts (buttons, URL, thumbnail), the
// parts its unknown rules most likely refuse; when they had none, no
// results at all, which Telegram takes. It never equals a. step names it
// for the fallbacks metric.
func simplerInline(a tg.InlineAnswer) (fb tg.InlineAnswer, step string) {
	fb = tg.InlineAnswer{CacheTime: inlineFallbackCacheTime, IsPersonal: a.IsPersonal}
	bare := make([]tg.InlineResult, len(a.Results))
	stripped := false
	for i, r := range a.Results {
		stripped = stripped || len(r.Buttons) > 0 || r.URL != "" || r.Thumbnail != ""
		bare[i] = tg.InlineResult{ID: r.ID, Title: r.Title, Description: r.Description, Text: r.Text}
	}
	if !stripped {
		return fb, "inline_empty"
	}
	fb.Results, fb.NextOffset = bare, a.NextOffset
	return fb, "inline_bare"
}

// inlineItems is one page of results: a search when the query has words
// to search for, else the latest items.
func (h *turn) inlineItems(ctx context.Context, q searchQuery, offset int) ([]feeds.Item, bool, error) {
	if len(q.Terms) > 0 {
		items, total, err := h.searchItems(ctx, q, offset, inlinePage)
		return items, offset+inlinePage < total, err
	}
	items, err := h.store.Latest(ctx, "", offset+inlinePage+1)
	if err != nil {
		return nil, false, err
	}
	if offset >= len(items) {
		return nil, false, nil
	}
	items = items[offset:]
	more := len(items) > inlinePage && offset+inlinePage < maxSearchResults
	return items[:min(len(items), inlinePage)], more, nil
}

// inlineResults makes the results for items, checked one by one: Telegram
// refuses a whole answer for one result it does not take, so such a
// result is fixed (an optional URL, thumbnail or button dropped) or left
// out, and the others are answered.
func (h *turn) inlineResults(items []feeds.Item, lang string) []tg.InlineResult {
	out := make([]tg.InlineResult, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		r, ok := checkInlineResult(h.inlineResult(it, lang))
		if !ok {
			h.log.Warn("inline result left out: Telegram would refuse it", "item_id", it.ID)
			continue
		}
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		out = append(out, r)
	}
	return out
}

// checkInlineResult applies Telegram's rules for one article result: an
// id of 1–64 bytes, a title, a message of 1–4096 characters once parsed,
// buttons it takes. What is optional and wrong (the URL, the thumbnail, a
// button) is dropped; without the rest the result is refused (ok false).
func checkInlineResult(r tg.InlineResult) (tg.InlineResult, bool) {
	if n := visibleLength(r.Text); r.ID == "" || len(r.ID) > 64 || strings.TrimSpace(r.Title) == "" || n == 0 || n > card.MaxMessageChars {
		return r, false
	}
	if r.URL != "" && !card.ButtonURL(r.URL) {
		r.URL = ""
	}
	if r.Thumbnail != "" && !card.ButtonURL(r.Thumbnail) {
		r.Thumbnail = ""
	}
	r.Buttons = card.FitKeyboard(r.Buttons)
	return r, true
}

// visibleLength is the length in characters Telegram counts for the bot's
// own HTML: tags and leading white space (which Telegram trims) do not
// count, an entity (&amp;) counts one. It is not a parser; it reads only
// what esc and the renderers write, and errs long on trailing space.
func visibleLength(html string) int {
	n, inTag, inEntity := 0, false, false
	for _, r := range html {
		switch {
		case inTag:
			inTag = r != '>'
		case r == '<':
			inTag = true
		case inEntity:
			inEntity = r != ';'
		case r == '&':
			inEntity = true
			n++
		case !unicode.IsSpace(r) || n > 0:
			n++
		}
	}
	return n
}

// inlineResult makes an item's inline result: the card as the message,
// its title and the start of its summary in the list.
func (h *turn) inlineResult(it feeds.Item, lang string) tg.InlineResult {
	msg := card.Card{Item: it, SourceName: h.sourceName(it.SourceID), Loc: h.cfg.Location, Lang: lang}.Render()
	// The list shows each line on its own: the title in its script's
	// direction, the source and summary in the summary's (the summary
	// is the longer), with the source marked so it keeps its place.
	desc := card.OneLine(h.sourceName(it.SourceID))
	if s := card.OneLine(it.Summary); s != "" {
		dir := card.TextMark(lang, s)
		descLang := "ar"
		if dir == card.LRM {
			descLang = "en"
		}
		desc = dir + card.Embed(descLang, desc) + " · " + card.MarkSigns(s, dir == card.RLM)
	} else {
		desc = card.TextMark(lang, desc) + desc
	}
	r := tg.InlineResult{
		ID:          inlineResultID(it.ID),
		Title:       card.Truncate(card.OneLine(it.Title), maxInlineTitle),
		Description: card.Truncate(desc, maxInlineDescription),
		Text:        msg.Text,
		Buttons:     msg.Buttons,
	}
	if r.Title == "" {
		r.Title = card.Truncate(card.OneLine(h.sourceName(it.SourceID)), maxInlineTitle)
	}
	r.URL = card.ArticleURL(it)
	if card.IsHTTPURL(it.Image) {
		r.Thumbnail = it.Image
	}
	r.Title = card.FeedText(lang, r.Title)
	return r
}

// inlineResultID is the item id when it fits Telegram's 64 bytes (item ids
// are 64 hex characters), else a hash of it.
func inlineResultID(id string) string {
	if id != "" && len(id) <= 64 {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// itemStartPrefix starts a /start payload that opens an item's card.
const itemStartPrefix = "i_"

// ItemStartPayload is the deep-link payload that opens an item's card:
// "i_" and the item id's 32 bytes in base64url (43 characters), since a
// payload is at most 64 characters of A-Za-z0-9_- and the hex id is 64 on
// its own. The encoding is lossless, so resolving it needs no lookup table
// and no shortened id can ever name two items. Ids that are not 64 hex
// characters (tests, hand-made items) are used as they are when they fit
// the alphabet; otherwise there is no payload.
func ItemStartPayload(itemID string) string {
	if raw, err := hex.DecodeString(itemID); err == nil && len(raw) == 32 {
		return itemStartPrefix + base64.RawURLEncoding.EncodeToString(raw)
	}
	if len(itemID) > 0 && len(itemID) <= 64-len(itemStartPrefix) && payloadSafe(itemID) {
		return itemStartPrefix + itemID
	}
	return ""
}

// ItemDeepLink is the t.me link that opens an item's card in a private
// chat with the bot, for links shared outside Telegram; "" when the bot's
// username is unknown.
func (c *Conversation) ItemDeepLink(itemID string) string {
	p := ItemStartPayload(itemID)
	if c.cfg.BotUsername == "" || p == "" {
		return ""
	}
	return "https://t.me/" + c.cfg.BotUsername + "?start=" + p
}

func payloadSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// itemIDsOf lists the item ids a payload may stand for: the decoded hex id
// when it is 43 base64url characters, then the payload itself.
func itemIDsOf(payload string) []string {
	payload = strings.TrimPrefix(payload, itemStartPrefix)
	var ids []string
	if len(payload) == 43 {
		if raw, err := base64.RawURLEncoding.DecodeString(payload); err == nil && len(raw) == 32 {
			ids = append(ids, hex.EncodeToString(raw))
		}
	}
	if payload != "" && len(payload) <= 64 && payloadSafe(payload) {
		ids = append(ids, payload)
	}
	return ids
}

// itemDeepLink answers /start i_<payload> by sending that item's card to
// the chat. The /start handler in updates.go calls it with the chat it has
// already read and the payload (with or without its "i_"). An unknown or
// expired item gets a short note.
func (h *turn) itemDeepLink(ctx context.Context, chat storage.Chat, itemID string, lang string) error {
	chatID := chat.ID
	for _, id := range itemIDsOf(itemID) {
		it, err := h.store.Item(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("item deep link: %w", err)
		}
		c := h.card(it, chat)
		c.Lang = lang
		m := c.Render()
		m.ChatID = chatID
		return h.out.Reply(ctx, m)
	}
	return h.out.Reply(ctx, tg.Message{ChatID: chatID, Text: askTexts(lang).ItemGone, HTML: true, DisablePreview: true})
}

// userLang is the language of a user's own answers outside a chat (inline
// mode): the one chosen in their private chat with the bot, which wins
// over their Telegram's, as in every chat; their Telegram's when they
// never wrote to the bot.
func (h *turn) userLang(ctx context.Context, u tg.User) (string, error) {
	c, err := h.store.Chat(ctx, u.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	return replyLang(u.LanguageCode, c), nil
}

// InlineResults are the checked inline results for items in lang, as an
// inline answer carries them: for bot's tests of the real items' cards,
// which read the whole rendering.
func (c *Conversation) InlineResults(items []feeds.Item, lang string) []tg.InlineResult {
	return c.turn().inlineResults(items, lang)
}
