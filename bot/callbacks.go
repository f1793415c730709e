package bot

import "github.com/akhbar/akhbar/bot/chat"

// The callback table is the conversation's (chat.Kind); these names keep
// the code still in bot reading as before while the conversation moves
// (issue 11). The delivery's share button encodes with the same table.
type cbKind = chat.Kind

const (
	cbUnknown   = chat.KindUnknown
	cbMenu      = chat.KindMenu
	cbPage      = chat.KindPage
	cbSet       = chat.KindSet
	cbStop      = chat.KindStop
	cbLatest    = chat.KindLatest
	cbToggle    = chat.KindToggle
	cbUnsub     = chat.KindUnsub
	cbShareOpen = chat.KindShareOpen
	cbShareBack = chat.KindShareBack
	cbSearch    = chat.KindSearch
	cbOperator  = chat.KindOperator
)

func callbackData(k cbKind, parts ...string) string { return chat.CallbackData(k, parts...) }

func pageCallback(page int) string { return chat.PageCallback(page) }

func latestPageCallback(scopeCode string, n, offset int) string {
	return chat.LatestPageCallback(scopeCode, n, offset)
}

func decodeCallback(data string) (cbKind, string) { return chat.DecodeCallback(data) }
