package chat

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// searchStore is the search index and the queries behind its page buttons;
// storage.Store implements it.
type searchStore interface {
	Chat(ctx context.Context, id int64) (storage.Chat, error)
	IndexSearch(ctx context.Context, id string, published time.Time, terms []string) error
	Items(ctx context.Context, ids []string) ([]feeds.Item, error)
	SaveSearchQuery(ctx context.Context, token, query string) error
	Search(ctx context.Context, terms []string, since time.Time, limit int) ([]string, error)
	SearchQuery(ctx context.Context, token string) (string, error)
}

// Search tuning.
const (
	// searchWindow is how far back /search and inline mode look.
	searchWindow = 7 * 24 * time.Hour
	// searchPage is the number of results on one /search page.
	searchPage = 5
	// maxSearchResults bounds one search (pages of /search and inline
	// mode together): enough for a week of one story.
	maxSearchResults = 100
	// maxQueryRunes bounds the text a query is read from; Telegram sends
	// inline queries of up to 256 characters, /search text can be 4096.
	maxQueryRunes = 256
	// maxQueryShown bounds the query quoted back to the user.
	maxQueryShown = 60
	// maxQueryTerms is the most words a query matches on; a longer query
	// is rarely more precise and each term costs a Redis command.
	maxQueryTerms = 8
)

// askText holds the sentences of the search, inline and link flows in one
// language; Arabic first, as in card.Text.
type askText struct {
	// Dir starts a sentence: a right-to-left mark in Arabic, so a sentence
	// that opens with a quoted Latin query still reads right to left, and
	// a left-to-right mark in English, whose sentences an RLM would turn
	// around.
	Dir           string
	SearchHow     string
	SearchNone    string // %s = query
	SearchHeader  string // %s = query, %d–%d of %s
	SearchExpired string
	OpenCard      string
	ItemGone      string
	// LinkFailed says why a page that was read gives no card, by
	// linkFailure kind; every other failure (refused, timed out, no such
	// host, an HTTP error) gets the one LinkUnreadable, so the answers do
	// not tell a prober which addresses and ports answer.
	LinkFailed     map[string]string
	LinkUnreadable string
	LinkSlowDown   string
}

// linkFailed is the sentence for a link failure of kind.
func (t *askText) linkFailed(kind string) string {
	if s, ok := t.LinkFailed[kind]; ok {
		return s
	}
	return t.LinkUnreadable
}

var arAsk = askText{
	Dir: card.RLM,
	SearchHow: "تُكتب كلمات البحث بعد الأمر، مثل:\n" + card.RLM + card.Cmd("/search") + " أسعار الذهب\n" +
		"أبحث في أخبار آخر 7 أيام عمّا يحوي كل الكلمات.",
	SearchNone:    "لم أجد في أخبار آخر 7 أيام ما يحوي «%s».",
	SearchHeader:  "🔎 <b>نتائج البحث عن «%s»</b> (%d–%d من %s)",
	SearchExpired: "انتهت صلاحية هذا البحث؛ يمكن إعادته بالأمر " + card.Cmd("/search") + ".",
	OpenCard:      "عرض الخبر",
	ItemGone:      "لم يعد هذا الخبر متاحاً؛ ربما مضى عليه وقت طويل. آخر الأخبار في " + card.Cmd("/latest") + ".",
	LinkFailed: map[string]string{
		failTooLarge: "الصفحة أكبر من أن أقرأها.",
		failNotHTML:  "هذا الرابط ليس صفحة ويب أستطيع قراءتها (ربما صورة أو ملف).",
		failNoText:   "لم أجد نص خبر في هذه الصفحة.",
	},
	LinkUnreadable: "لم أستطع قراءة هذه الصفحة؛ ربما الرابط خاطئ أو الموقع لا يستجيب الآن. يمكن المحاولة لاحقاً.",
	LinkSlowDown:   "وصلتني روابط كثيرة في وقت قصير. يمكن المحاولة من جديد بعد دقيقة.",
}

var enAsk = askText{
	Dir: card.LRM,
	SearchHow: "Write the words to look for after the command, e.g.\n/search gold prices\n" +
		"I look through the last 7 days of news for stories with all the words.",
	SearchNone:    "Nothing in the last 7 days of news has “%s”.",
	SearchHeader:  "🔎 <b>Results for “%s”</b> (%d–%d of %s)",
	SearchExpired: "This search has expired; /search runs it again.",
	OpenCard:      "view story",
	ItemGone:      "This story is no longer available; it may be too old. The latest news: /latest",
	LinkFailed: map[string]string{
		failTooLarge: "That page is too large for me to read.",
		failNotHTML:  "That link is not a web page I can read (perhaps an image or a file).",
		failNoText:   "I found no article text on that page.",
	},
	LinkUnreadable: "I could not read this page; the link may be wrong, or the site not answering now. You can try again later.",
	LinkSlowDown:   "I got many links in a short time. You can try again in a minute.",
}

func askTexts(lang string) *askText { return card.Pick(lang, &arAsk, &enAsk) }

// searchQuery is what a user typed, made safe to show and ready to match.
type searchQuery struct {
	// Text is the query as the user wrote it, one line, without control
	// or bidi characters (which could reorder the reply around it), cut to
	// maxQueryShown characters; not escaped.
	Text string
	// full is the cleaned query up to maxQueryRunes, what paging buttons
	// save and read back.
	full string
	// Terms are the query's distinct search terms (arabic.Terms:
	// normalised, stop words dropped, light stemmed), at most
	// maxQueryTerms, in the order typed. Empty when nothing is searchable.
	Terms []string
}

// parseQuery reads a search query. Hashtags count as words ("#اقتصاد"
// finds items with "اقتصاد"), so topic links typed from a card work.
func parseQuery(s string) searchQuery {
	s = card.OneLine(s)
	if len(s) > 4*maxQueryRunes { // cheap bound before counting runes
		s = strings.ToValidUTF8(s[:4*maxQueryRunes], "")
	}
	s = card.Truncate(s, maxQueryRunes)
	q := searchQuery{Text: card.Truncate(s, maxQueryShown), full: s}
	for _, t := range arabic.Terms(s) {
		if len(q.Terms) == maxQueryTerms {
			break
		}
		if !slices.Contains(q.Terms, t) {
			q.Terms = append(q.Terms, t)
		}
	}
	return q
}

// token names a query in the paging buttons: the first 96 bits of the
// SHA-256 of its terms, base64url (16 characters). Two queries with the
// same terms share a token, and its saved text, harmlessly.
func (q searchQuery) token() string {
	sum := sha256.Sum256([]byte(strings.Join(q.Terms, " ")))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// searchIndexTerms are the terms an item is found by: its title and
// summary, and its topics.
func searchIndexTerms(it feeds.Item) []string {
	text := it.Title + "\n" + it.Summary
	for _, t := range it.Topics {
		text += "\n" + t
	}
	return arabic.Terms(text)
}

// Index adds a saved item to the search index. A poll calls it (through
// bot's pollSide, its poll.Indexer) right after SaveItem; a failure is
// logged, not returned, because the item must still be delivered.
func (c *Conversation) Index(ctx context.Context, it feeds.Item) {
	if err := c.store.IndexSearch(ctx, it.ID, it.Published, searchIndexTerms(it)); err != nil {
		c.log.Warn("index item for search", "item_id", it.ID, "error", err)
	}
}

// searchItems runs a query: the matching items of the last searchWindow,
// newest first, from offset, at most n, and the number of matches.
func (h *turn) searchItems(ctx context.Context, q searchQuery, offset, n int) ([]feeds.Item, int, error) {
	ids, err := h.store.Search(ctx, q.Terms, h.now().Add(-searchWindow), maxSearchResults)
	if err != nil {
		return nil, 0, err
	}
	if offset >= len(ids) {
		return nil, len(ids), nil
	}
	items, err := h.store.Items(ctx, ids[offset:min(offset+n, len(ids))])
	return items, len(ids), err
}

// searchCommand answers /search <words>. The command switch in updates.go
// calls it with the command's arguments, the chat it has already read and
// the reply language.
func (h *turn) searchCommand(ctx context.Context, m *tg.InMessage, chat storage.Chat, args []string, lang string) error {
	q := parseQuery(strings.Join(args, " "))
	reply := tg.Message{ChatID: m.Chat.ID, HTML: true, DisablePreview: true}
	if len(q.Terms) == 0 {
		reply.Text = askTexts(lang).SearchHow
		return h.out.Reply(ctx, reply)
	}
	var err error
	reply.Text, reply.Buttons, err = h.searchResults(ctx, q, 0, chat, lang)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	// The paging buttons carry the query's token: keep the query only
	// when there is a page to turn to.
	if reply.Buttons != nil {
		if err := h.store.SaveSearchQuery(ctx, q.token(), q.full); err != nil {
			return fmt.Errorf("search: %w", err)
		}
	}
	return h.out.Reply(ctx, reply)
}

// searchResults renders one page of a search as a compact list, with
// paging buttons that carry the query's token and the page's offset
// ("q:<token>:<offset>", at most 26 bytes).
func (h *turn) searchResults(ctx context.Context, q searchQuery, offset int, chat storage.Chat, lang string) (string, [][]tg.Button, error) {
	t := askTexts(lang)
	items, total, err := h.searchItems(ctx, q, offset, searchPage)
	if err != nil {
		return "", nil, err
	}
	if len(items) == 0 {
		return t.Dir + fmt.Sprintf(t.SearchNone, card.Escape(card.Embed(lang, q.Text))), nil, nil
	}
	var sb strings.Builder
	shown := strconv.Itoa(total)
	if total >= maxSearchResults {
		shown += "+"
	}
	sb.WriteString(t.Dir + fmt.Sprintf(t.SearchHeader, card.Escape(card.Embed(lang, q.Text)), offset+1, offset+len(items), shown) + "\n")
	loc := h.out.Location(chat.TZ)
	for _, it := range items {
		sb.WriteString(card.ItemLine(it, h.sourceName(it.SourceID), loc, lang))
		if link := h.ItemDeepLink(it.ID); link != "" {
			sb.WriteString(` · <a href="` + card.EscapeAttr(link) + `">` + t.OpenCard + "</a>")
		}
	}
	var prev, next *tg.Button
	tok := q.token()
	if offset > 0 {
		prev = &tg.Button{Text: card.Texts(lang).Prev, CallbackData: CallbackData(KindSearch, tok, strconv.Itoa(max(offset-searchPage, 0)))}
	}
	if n := offset + searchPage; n < total {
		next = &tg.Button{Text: card.Texts(lang).Next, CallbackData: CallbackData(KindSearch, tok, strconv.Itoa(n))}
	}
	var buttons [][]tg.Button
	if row := card.PagingRow(lang, prev, nil, next); len(row) > 0 {
		buttons = [][]tg.Button{row}
	}
	return sb.String(), buttons, nil
}

// searchCallback answers a press of a search paging button by editing the
// results in place. Any replica can: the query is read back from Redis.
// arg is the KindSearch callback's argument: the query's token ":" offset.
func (h *turn) searchCallback(ctx context.Context, cb *tg.Callback, arg string) error {
	if cb.Chat.ID == 0 { // no message to page: see handleCallback
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	chat, err := h.store.Chat(ctx, cb.Chat.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("search page: %w", err)
	}
	lang := replyLang(cb.From.LanguageCode, chat)
	tok, off, ok := strings.Cut(arg, ":")
	offset, perr := strconv.Atoi(off)
	if !ok || perr != nil || offset < 0 || offset >= maxSearchResults {
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	text, err := h.store.SearchQuery(ctx, tok)
	if errors.Is(err, storage.ErrNotFound) {
		return h.sender.AnswerCallback(ctx, cb.ID, askTexts(lang).SearchExpired)
	}
	if err != nil {
		return fmt.Errorf("search page: %w", err)
	}
	q := parseQuery(text)
	body, buttons, err := h.searchResults(ctx, q, offset, chat, lang)
	if err != nil {
		return fmt.Errorf("search page: %w", err)
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	return h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: body, HTML: true, Buttons: buttons, DisablePreview: true})
}
