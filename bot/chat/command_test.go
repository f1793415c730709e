package chat

import (
	"slices"
	"testing"

	"github.com/akhbar/akhbar/bot/tg"
)

func TestParseCommand(t *testing.T) {
	tests := map[string]struct {
		text, username string
		cmd            string
		args           []string
		ok             bool
	}{
		"plain text":                {text: "hello /start", username: "akhbar_bot"},
		"command":                   {text: "/start", username: "akhbar_bot", cmd: "start", args: []string{}, ok: true},
		"arguments":                 {text: "/subscribe  bbc   tech", username: "akhbar_bot", cmd: "subscribe", args: []string{"bbc", "tech"}, ok: true},
		"upper case":                {text: "/LATEST", username: "akhbar_bot", cmd: "latest", args: []string{}, ok: true},
		"addressed to this bot":     {text: "/help@Akhbar_Bot x", username: "akhbar_bot", cmd: "help", args: []string{"x"}, ok: true},
		"addressed to another":      {text: "/help@other_bot", username: "akhbar_bot"},
		"no username known":         {text: "/help@other_bot", cmd: "help", args: []string{}, ok: true},
		"a lone slash is a command": {text: "/", username: "akhbar_bot", cmd: "", args: []string{}, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cmd, args, ok := ParseCommand(tc.text, tc.username)
			if cmd != tc.cmd || ok != tc.ok || !slices.Equal(args, tc.args) {
				t.Fatalf("ParseCommand(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.text, tc.username, cmd, args, ok, tc.cmd, tc.args, tc.ok)
			}
		})
	}
}

func TestSenderKey(t *testing.T) {
	tests := map[string]struct {
		from       tg.User
		senderChat int64
		want       int64
	}{
		"a person":                      {from: tg.User{ID: 42}, want: 42},
		"a person posting as a channel": {from: tg.User{ID: 42}, senderChat: -1001, want: -1001},
		"an anonymous admin":            {from: tg.User{ID: anonymousAdminID}, senderChat: -100, want: -100},
		"the channel placeholder":       {from: tg.User{ID: channelSenderID}, senderChat: -200, want: -200},
		"a placeholder with no chat":    {from: tg.User{ID: anonymousAdminID}, want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := SenderKey(tc.from, tc.senderChat); got != tc.want {
				t.Fatalf("SenderKey(%d, %d) = %d, want %d", tc.from.ID, tc.senderChat, got, tc.want)
			}
		})
	}
}
