package bot

import "github.com/akhbar/akhbar/bot/chat"

// The callback table is the conversation's (chat.Kind): a card's share
// button encodes with it, so the wire strings stay spelled in one place.
const (
	cbShareOpen = chat.KindShareOpen
	cbShareBack = chat.KindShareBack
)

func callbackData(k chat.Kind, parts ...string) string { return chat.CallbackData(k, parts...) }
