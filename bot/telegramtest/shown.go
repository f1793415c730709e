package telegramtest

// ShownText is the text a user sees for a message sent with parse_mode
// HTML: ParseHTML's text after Telegram's cleaning (trailing spaces and
// newlines trimmed, bidi embedding controls and '\r' dropped), as the fake
// records it in Message.ParsedText. `akhbar preview` prints cards with it.
func ShownText(html string) (string, error) {
	text, entities, err := parseHTML(html, true)
	if err != nil {
		return "", err
	}
	text, _ = visibleText(text, entities)
	return text, nil
}
