package chat

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// latest answers /latest [n] [source|topic]: the newest items as one
// compact message with linked titles, and buttons to page through older
// ones.
func (h *turn) latest(ctx context.Context, args []string, chat storage.Chat, lang string) (string, [][]tg.Button, error) {
	t := card.Texts(lang)
	n := 5
	var rest []string
	for _, a := range args {
		if v, err := strconv.Atoi(arabic.Normalize(a)); err == nil {
			n = min(max(v, 1), maxLatest)
			continue
		}
		rest = append(rest, a)
	}
	scope := ""
	if len(rest) > 0 {
		target, name := h.resolveTarget(strings.Join(rest, " "))
		if target == "" {
			return fmt.Sprintf(t.UnknownTarget, card.Escape(card.Embed(lang, name))), nil, nil
		}
		scope = target
	}
	return h.latestPage(ctx, scope, n, 0, chat, lang)
}

// Paging bounds for /latest: a page holds at most maxLatest items and the
// pages reach back at most maxLatestDepth items.
const (
	maxLatest      = 20
	maxLatestDepth = 100
)

func (h *turn) latestPage(ctx context.Context, scope string, n, offset int, chat storage.Chat, lang string) (string, [][]tg.Button, error) {
	t := card.Texts(lang)
	items, err := h.store.Latest(ctx, scope, min(offset+n+1, maxLatestDepth+1))
	if err != nil {
		return "", nil, err
	}
	if offset >= len(items) {
		if offset == 0 {
			return t.LatestEmpty, nil, nil
		}
		offset = max(0, len(items)-n)
	}
	page := items[offset:min(offset+n, len(items))]
	// Pages run from the newest: the next page holds older items.
	var prev, next *tg.Button
	code := h.targetCode(scope) // "" for every source: "l::<n>:<offset>"
	if offset > 0 {
		prev = &tg.Button{Text: t.Prev, CallbackData: LatestPageCallback(code, n, max(0, offset-n))}
	}
	if offset+n < len(items) && offset+n < maxLatestDepth {
		next = &tg.Button{Text: t.Next, CallbackData: LatestPageCallback(code, n, offset+n)}
	}
	var buttons [][]tg.Button
	if row := card.PagingRow(lang, prev, nil, next); len(row) > 0 {
		buttons = [][]tg.Button{row}
	}
	return h.latestText(page, chat, lang), buttons, nil
}

// latestCallback turns a page button ("l:<scope>:<n>:<offset>") into an
// edit of the same message.
func (h *turn) latestCallback(ctx context.Context, cb *tg.Callback, chat storage.Chat, lang, code string) error {
	parts := strings.Split(code, ":")
	if len(parts) < 3 {
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	n, err1 := strconv.Atoi(parts[len(parts)-2])
	offset, err2 := strconv.Atoi(parts[len(parts)-1])
	scopeCode := strings.Join(parts[:len(parts)-2], ":")
	scope := h.targetOfCallback(scopeCode) // "" for every source
	if err1 != nil || err2 != nil || n < 1 || n > maxLatest || offset < 0 || offset > maxLatestDepth || (scopeCode != "" && scope == "") {
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	text, buttons, err := h.latestPage(ctx, scope, n, offset, chat, lang)
	if err != nil {
		return err
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	return h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true})
}

func (h *turn) latestText(items []feeds.Item, chat storage.Chat, lang string) string {
	t := card.Texts(lang)
	var sb strings.Builder
	sb.WriteString(card.LineMark(lang) + t.LatestHeader + "\n")
	loc := h.out.Location(chat.TZ)
	for _, it := range items {
		sb.WriteString(card.ItemLine(it, h.sourceName(it.SourceID), loc, lang))
	}
	return sb.String()
}
