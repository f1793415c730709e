package card

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
)

// Limits the bot keeps its inline keyboards within. Telegram documents
// copy_text (1–256 characters) and callback_data (1–64 bytes) but no size
// for a button's URL or a whole keyboard ("reply markup is too long" has
// been seen at about 10 KB). The fake Telegram refuses a URL over 2,048
// bytes and a keyboard over 4,096 bytes of JSON; the bot stays well under
// both, so a card never depends on where exactly Telegram draws the line.
const (
	maxCopyText      = 256
	maxCallbackData  = 64
	maxButtonURL     = 1024 // bytes
	maxKeyboardBytes = 3072 // bytes of reply_markup JSON, as KeyboardJSON writes it
)

// KeyboardJSON is the reply_markup of an inline keyboard as the Bot API
// takes it; the adapter sends exactly this (the library's button type
// predates copy_text), so the bot measures keyboards with it. "&" and "<"
// are written as themselves: a share URL has several, and \u0026 would cost
// six bytes of the keyboard's budget for each.
func KeyboardJSON(rows [][]Button) string {
	return string(AppendKeyboardJSON(nil, rows))
}

// FitKeyboard returns rows without the buttons Telegram would refuse (a
// URL it does not take or longer than maxButtonURL, copy text or callback
// data out of bounds, no label), then drops buttons from the end until the
// keyboard's JSON is within maxKeyboardBytes. One bad button costs that
// button, never the message. Cards are built to fit; this is the guarantee
// for whatever reaches it.
func FitKeyboard(rows [][]Button) [][]Button {
	var out [][]Button
	for _, row := range rows {
		var kept []Button
		for _, b := range row {
			if validButton(b) {
				kept = append(kept, b)
			}
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	for len(out) > 0 && len(KeyboardJSON(out)) > maxKeyboardBytes {
		last := len(out) - 1
		if out[last] = out[last][:len(out[last])-1]; len(out[last]) == 0 {
			out = out[:last]
		}
	}
	return out
}

// validButton reports whether Telegram takes b: a label and exactly one
// action within its limits.
func validButton(b Button) bool {
	actions := 0
	for _, set := range []bool{b.URL != "", b.CallbackData != "", b.CopyText != "", b.SwitchInline != ""} {
		if set {
			actions++
		}
	}
	switch {
	case strings.TrimSpace(b.Text) == "" || actions != 1:
		return false
	case b.URL != "":
		return ButtonURL(b.URL)
	case b.CallbackData != "":
		return len(b.CallbackData) <= maxCallbackData
	case b.CopyText != "":
		return utf8.RuneCountInString(b.CopyText) <= maxCopyText
	}
	return true
}

// ButtonURL reports whether Telegram takes u as a button's URL, read from
// its link check (tdlib LinkManager::check_link): an explicit http(s)
// scheme, a host with a dot (or an IPv6 literal) in the host alphabet, a
// port in range, no spaces or control characters; and within maxButtonURL
// bytes. Raw UTF-8 after the host is fine, so an IRI passes.
func ButtonURL(u string) bool {
	if u == "" || len(u) > maxButtonURL || strings.IndexFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return false
	}
	if _, err := url.Parse(u); err != nil {
		return false
	}
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return false
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	host := authority
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
		host = authority[:i]
		if port, err := strconv.Atoi(authority[i+1:]); err != nil || port < 1 || port > 65535 {
			return false
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		ip, err := netip.ParseAddr(host[1 : len(host)-1])
		return err == nil && ip.Is6()
	}
	if !strings.Contains(host, ".") || host == "." {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= utf8.RuneSelf, 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte(".-_!$,~*'();&+=", c) >= 0:
		case c == '%' && i+2 < len(host) && isHex(host[i+1]) && isHex(host[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

// ArticleURL is the address an item's buttons open: its link when it is a
// button URL Telegram takes, else the shorter address the feed gives for
// the same article, else the link as an IRI (the same address with its
// non-ASCII letters unescaped, a third as long); "" when none is.
func ArticleURL(it feeds.Item) string {
	for _, u := range []string{it.Link, it.ShortLink, feeds.IRI(it.Link)} {
		if IsHTTPURL(u) && ButtonURL(u) {
			return u
		}
	}
	return ""
}

// copyText is what the copy button copies: the link when it fits
// copy_text's 256 characters, else the shorter address the feed gives,
// else the link as an IRI; "" when none fits, and the card has no copy
// button. An Arabic link is often 300–400 characters percent-encoded and
// under 150 as an IRI.
func copyText(it feeds.Item) string {
	for _, u := range []string{it.Link, it.ShortLink, feeds.IRI(it.Link), feeds.IRI(it.ShortLink)} {
		if n := utf8.RuneCountInString(u); n > 0 && n <= maxCopyText && IsHTTPURL(u) {
			return u
		}
	}
	return ""
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
