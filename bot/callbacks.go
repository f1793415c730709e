package bot

import (
	"strconv"
	"strings"
)

// cbKind is one kind of inline-button callback. Its wire form is the
// kind's prefix, ":", and its argument. The wire strings are kept in
// messages already sent, so a prefix or an argument's encoding never
// changes: buttons pressed after a deploy must still decode.
type cbKind int

const (
	cbUnknown   cbKind = iota
	cbMenu             // the main menu's buttons: "sources", "latest" or "help"; handleCallback
	cbPage             // a /sources page: its number, from 0; handleCallback
	cbSet              // a settings button: name, or name ":" value; settingsCallback
	cbStop             // /stop's question: "yes" or "no"; stopCallback
	cbLatest           // a /latest page: targetCode ":" n ":" offset; latestCallback
	cbToggle           // subscribe or undo, on /sources: targetCode; handleCallback
	cbUnsub            // remove, on /unsubscribe: targetCode; handleCallback
	cbShareOpen        // a card's «📤 مشاركة», show the share menu: ItemStartPayload; shareCallback
	cbShareBack        // the menu's «↩️ رجوع», back to the card's keyboard: ItemStartPayload; shareCallback
	cbSearch           // a /search page: token ":" offset; searchCallback
	cbOperator         // an operator's view or action (opStats…): its code; operatorCallback

	cbKinds // the number of kinds, cbUnknown included
)

// String is the kind's wire prefix, the one place it is spelled;
// decodeCallback and the tests read it. A switch, not a map or an
// array, so the table is no package-level state.
func (k cbKind) String() string {
	switch k {
	case cbMenu:
		return "menu"
	case cbPage:
		return "p"
	case cbSet:
		return "set"
	case cbStop:
		return "stop"
	case cbLatest:
		return "l"
	case cbToggle:
		return "t"
	case cbUnsub:
		return "u"
	case cbShareOpen:
		return "sh"
	case cbShareBack:
		return "sb"
	case cbSearch:
		return "q"
	case cbOperator:
		return "op"
	}
	return ""
}

// callbackData encodes a button's callback: the kind's prefix and its
// argument's parts, each after a ":". An operator's codes carry their own
// separators (opRetry + id), so theirs is one part.
func callbackData(k cbKind, parts ...string) string {
	return k.String() + ":" + strings.Join(parts, ":")
}

// pageCallback encodes a /sources page button.
func pageCallback(page int) string { return callbackData(cbPage, strconv.Itoa(page)) }

// latestPageCallback encodes a /latest page button for a scope's code
// (targetCode, "" for every source).
func latestPageCallback(scopeCode string, n, offset int) string {
	return callbackData(cbLatest, scopeCode, strconv.Itoa(n), strconv.Itoa(offset))
}

// decodeCallback names a callback's kind and returns its argument: the
// data after the prefix's ":". Data without a ":" is its prefix alone,
// with an empty argument, as the router always read it; only the search
// and operator routes, which always matched their prefix with its ":",
// need one.
func decodeCallback(data string) (cbKind, string) {
	prefix, arg, found := strings.Cut(data, ":")
	for kind := cbUnknown + 1; kind < cbKinds; kind++ {
		if kind.String() != prefix {
			continue
		}
		if !found && (kind == cbSearch || kind == cbOperator) {
			return cbUnknown, ""
		}
		return kind, arg
	}
	return cbUnknown, arg
}
