package chat

import (
	"strconv"
	"strings"
)

// Kind is one kind of inline-button callback: the one table of the
// callback wire strings, which the conversation's buttons and the
// delivery's share button (bot) both encode with. Its wire form is the
// kind's prefix, ":", and its argument. The wire strings are kept in
// messages already sent, so a prefix or an argument's encoding never
// changes: buttons pressed after a deploy must still decode.
type Kind int

const (
	KindUnknown   Kind = iota
	KindMenu           // the main menu's buttons: "sources", "latest" or "help"; handleCallback
	KindPage           // a /sources page: its number, from 0; handleCallback
	KindSet            // a settings button: name, or name ":" value; settingsCallback
	KindStop           // /stop's question: "yes" or "no"; stopCallback
	KindLatest         // a /latest page: targetCode ":" n ":" offset; latestCallback
	KindToggle         // subscribe or undo, on /sources: targetCode; handleCallback
	KindUnsub          // remove, on /unsubscribe: targetCode; handleCallback
	KindShareOpen      // a card's «📤 مشاركة», show the share menu: ItemStartPayload; shareCallback
	KindShareBack      // the menu's «↩️ رجوع», back to the card's keyboard: ItemStartPayload; shareCallback
	KindSearch         // a /search page: token ":" offset; searchCallback
	KindOperator       // an operator's view or action (opStats…): its code; operatorCallback

	kinds // the number of kinds, KindUnknown included
)

// String is the kind's wire prefix, the one place it is spelled;
// DecodeCallback and the tests read it. A switch, not a map or an
// array, so the table is no package-level state.
func (k Kind) String() string {
	switch k {
	case KindMenu:
		return "menu"
	case KindPage:
		return "p"
	case KindSet:
		return "set"
	case KindStop:
		return "stop"
	case KindLatest:
		return "l"
	case KindToggle:
		return "t"
	case KindUnsub:
		return "u"
	case KindShareOpen:
		return "sh"
	case KindShareBack:
		return "sb"
	case KindSearch:
		return "q"
	case KindOperator:
		return "op"
	}
	return ""
}

// CallbackData encodes a button's callback: the kind's prefix and its
// argument's parts, each after a ":". An operator's codes carry their own
// separators (opRetry + id), so theirs is one part.
func CallbackData(k Kind, parts ...string) string {
	return k.String() + ":" + strings.Join(parts, ":")
}

// PageCallback encodes a /sources page button.
func PageCallback(page int) string { return CallbackData(KindPage, strconv.Itoa(page)) }

// LatestPageCallback encodes a /latest page button for a scope's code
// (targetCode, "" for every source).
func LatestPageCallback(scopeCode string, n, offset int) string {
	return CallbackData(KindLatest, scopeCode, strconv.Itoa(n), strconv.Itoa(offset))
}

// DecodeCallback names a callback's kind and returns its argument: the
// data after the prefix's ":". Data without a ":" is its prefix alone,
// with an empty argument, as the router always read it; only the search
// and operator routes, which always matched their prefix with its ":",
// need one.
func DecodeCallback(data string) (Kind, string) {
	prefix, arg, found := strings.Cut(data, ":")
	for kind := KindUnknown + 1; kind < kinds; kind++ {
		if kind.String() != prefix {
			continue
		}
		if !found && (kind == KindSearch || kind == KindOperator) {
			return KindUnknown, ""
		}
		return kind, arg
	}
	return KindUnknown, arg
}

// Kinds lists every known kind, in the table's order: for the tests that
// check each is spelled and seen on some screen.
func Kinds() []Kind {
	out := make([]Kind, 0, kinds-1)
	for k := KindUnknown + 1; k < kinds; k++ {
		out = append(out, k)
	}
	return out
}
