package chat

import (
	"strings"

	"github.com/akhbar/akhbar/bot/card"
)

// Command is one entry of the bot's command menu (setMyCommands).
type Command struct{ Name, Description string }

// Commands lists the command menu in a language.
func Commands(lang string) []Command {
	t := card.Texts(lang)
	return []Command{
		{"start", t.CmdStart}, {"sources", t.CmdSrc}, {"subscribe", t.CmdSub},
		{"unsubscribe", t.CmdUnsub}, {"latest", t.CmdLatest}, {"search", t.CmdSearch}, {"settings", t.CmdSettings}, {"filter", t.CmdFilter},
		{"help", t.CmdHelp}, {"stop", t.CmdStop},
	}
}

// ParseCommand splits "/cmd@bot args" into its name and arguments. It
// reports false for plain text and for commands addressed to another bot
// than username ("" takes every command).
func ParseCommand(text, username string) (cmd string, args []string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", nil, false
	}
	fields := strings.Fields(text)
	cmd = strings.ToLower(strings.TrimPrefix(fields[0], "/"))
	if at := strings.IndexByte(cmd, '@'); at >= 0 {
		if username != "" && !strings.EqualFold(cmd[at+1:], username) {
			return "", nil, false
		}
		cmd = cmd[:at]
	}
	return cmd, fields[1:], true
}
