package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// Command is one entry of the bot's command menu (setMyCommands).
type Command struct{ Name, Description string }

// Commands lists the command menu in a language.
func Commands(lang string) []Command {
	t := texts(lang)
	return []Command{
		{"start", t.CmdStart}, {"sources", t.CmdSrc}, {"subscribe", t.CmdSub},
		{"unsubscribe", t.CmdUnsub}, {"latest", t.CmdLatest}, {"search", t.CmdSearch}, {"settings", t.CmdSettings}, {"filter", t.CmdFilter},
		{"help", t.CmdHelp}, {"stop", t.CmdStop},
	}
}

// parseCommand splits "/cmd@bot args" into its name and arguments. It
// reports false for plain text and for commands addressed to another bot.
func (b *Bot) parseCommand(text string) (cmd string, args []string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", nil, false
	}
	fields := strings.Fields(text)
	cmd = strings.ToLower(strings.TrimPrefix(fields[0], "/"))
	if at := strings.IndexByte(cmd, '@'); at >= 0 {
		if b.cfg.BotUsername != "" && !strings.EqualFold(cmd[at+1:], b.cfg.BotUsername) {
			return "", nil, false
		}
		cmd = cmd[:at]
	}
	return cmd, fields[1:], true
}

// chatLang is the language to answer a message in (see replyLang).
func chatLang(m *InMessage, c storage.Chat) string { return replyLang(m.From.LanguageCode, c) }

// replyLang is the language to answer a user in: theirs (userLang, their
// Telegram language code), falling back to the chat's stored language.
func replyLang(userLang string, c storage.Chat) string {
	if userLang != "" {
		return LangFor(userLang)
	}
	if c.Lang != "" {
		return c.Lang
	}
	return "ar"
}

func (b *Bot) handleMessage(ctx context.Context, m *InMessage) error {
	cmd, args, ok := b.parseCommand(m.Text)
	if !ok {
		return b.handleText(ctx, m)
	}
	chat, err := b.rememberChat(ctx, m.Chat, m.From)
	if err != nil {
		return err
	}
	lang := chatLang(m, chat)
	t := texts(lang)
	reply := func(text string, buttons [][]Button) error {
		return b.reply(ctx, Message{ChatID: m.Chat.ID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true})
	}
	if m.Chat.Type == "private" && (cmd == "subscribe" || cmd == "unsubscribe") && len(args) > 0 && strings.HasPrefix(args[0], "@") {
		return b.manageChannel(ctx, m, cmd, args, lang, reply)
	}
	changes := map[string]bool{"subscribe": true, "unsubscribe": true, "stop": true, "settings": len(args) > 0, "filter": true}
	if changes[cmd] || (cmd == "start" && len(args) > 0 && strings.HasPrefix(args[0], "s_")) {
		admin, err := b.isAdmin(ctx, m.Chat, m.From, m.SenderChat)
		if err != nil {
			return err
		}
		if !admin {
			return reply(t.AdminsOnly, nil)
		}
	}

	switch cmd {
	case "start":
		if len(args) > 0 && strings.HasPrefix(args[0], "i_") { // a shared item's link: t.me/<bot>?start=i_<id>
			return b.itemDeepLink(ctx, chat, strings.TrimPrefix(args[0], "i_"), lang)
		}
		if len(args) > 0 && strings.HasPrefix(args[0], "s_") {
			if src, ok := b.sources[strings.TrimPrefix(args[0], "s_")]; ok {
				return b.subscribeReply(ctx, m.Chat.ID, lang, SourceTarget(src.ID), reply)
			}
		}
		return reply(fmt.Sprintf(t.Welcome, esc(b.cfg.BotName)), b.mainMenu(lang))
	case "help":
		return reply(t.Help, b.mainMenu(lang))
	case "sources":
		text, buttons, err := b.sourcesPage(ctx, m.Chat.ID, lang, 0)
		if err != nil {
			return err
		}
		return reply(text, buttons)
	case "subscribe":
		if len(args) == 0 {
			text, buttons, err := b.sourcesPage(ctx, m.Chat.ID, lang, 0)
			if err != nil {
				return err
			}
			return reply(t.SubscribeHow+"\n\n"+text, buttons)
		}
		target, name := b.resolveTarget(strings.Join(args, " "))
		if target == "" {
			return reply(fmt.Sprintf(t.UnknownTarget, esc(name)), nil)
		}
		return b.subscribeReply(ctx, m.Chat.ID, lang, target, reply)
	case "unsubscribe":
		if len(args) == 0 {
			subs, err := b.store.Subscriptions(ctx, m.Chat.ID)
			if err != nil {
				return err
			}
			if len(subs) == 0 {
				return reply(t.NoSubs, nil)
			}
			var rows [][]Button
			for _, s := range subs {
				rows = append(rows, []Button{{Text: "✖️ " + b.targetName(s), CallbackData: b.callbackFor("u", s)}})
			}
			return reply(t.UnsubscribeHow, rows)
		}
		target, name := b.resolveTarget(strings.Join(args, " "))
		if target == "" {
			return reply(fmt.Sprintf(t.UnknownTarget, esc(name)), nil)
		}
		removed, err := b.store.Unsubscribe(ctx, m.Chat.ID, target)
		if err != nil {
			return err
		}
		if !removed {
			return reply(fmt.Sprintf(t.NotSubscribed, esc(b.targetName(target))), nil)
		}
		return reply(fmt.Sprintf(t.Unsubscribed, esc(b.targetName(target))), nil)
	case "latest":
		text, buttons, err := b.latest(ctx, args, chat, lang)
		if err != nil {
			return err
		}
		return reply(text, buttons)
	case "search":
		return b.searchCommand(ctx, m, chat, args, lang)
	case "settings":
		return b.settingsCommand(ctx, chat, args, lang, reply)
	case "filter":
		if len(args) == 0 || !applyFilter(&chat.Settings, args) {
			return reply(settingsTexts(lang).Usage, nil)
		}
		if err := b.saveSettings(ctx, chat); err != nil {
			return err
		}
		return reply(fmt.Sprintf(settingsTexts(lang).FilterSaved, esc(filterSummary(chat.Settings))), nil)
	case "stop":
		if err := b.store.ForgetChat(ctx, m.Chat.ID); err != nil {
			return err
		}
		return reply(t.Stopped, nil)
	}
	if m.Chat.Type == "private" {
		return reply(t.Unknown, nil)
	}
	return nil
}

func (b *Bot) subscribeReply(ctx context.Context, chatID int64, lang, target string, reply func(string, [][]Button) error) error {
	t := texts(lang)
	added, err := b.store.Subscribe(ctx, chatID, target)
	if err != nil {
		return err
	}
	name := esc(b.targetName(target))
	if !added {
		return reply(fmt.Sprintf(t.AlreadySub, name), nil)
	}
	return reply(fmt.Sprintf(t.Subscribed, name), nil)
}

// rememberChat records the chat on first contact (and refreshes its title),
// taking the first user's language as the chat's card language.
func (b *Bot) rememberChat(ctx context.Context, c Chat, from User) (storage.Chat, error) {
	sc, err := b.store.Chat(ctx, c.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return sc, err
	}
	fresh := errors.Is(err, storage.ErrNotFound)
	if fresh {
		sc = storage.Chat{ID: c.ID, Created: b.now()}
		if from.LanguageCode != "" {
			sc.Lang = LangFor(from.LanguageCode)
		}
	}
	if !fresh && sc.Kind == c.Type && sc.Title == c.Title && sc.Username == c.Username {
		return sc, nil
	}
	sc.Kind, sc.Title, sc.Username = c.Type, c.Title, c.Username
	return sc, b.store.SaveChat(ctx, sc)
}

// adminStatus reports whether a getChatMember status is an admin's.
func adminStatus(status string) bool { return status == "creator" || status == "administrator" }

// isAdmin reports whether the sender may change the chat's subscriptions:
// anyone in a private chat, a channel's posts, anonymous admins (who write
// as the group itself), and members whose status is creator or
// administrator (cached briefly).
func (b *Bot) isAdmin(ctx context.Context, c Chat, from User, senderChat int64) (bool, error) {
	switch {
	case c.Type == "private" || c.Type == "channel":
		return true, nil
	case senderChat == c.ID: // an anonymous admin (shown as GroupAnonymousBot) writing as the group
		return true, nil
	case from.ID == 0:
		return false, nil
	}
	if admin, ok, err := b.store.CachedAdmin(ctx, c.ID, from.ID); err == nil && ok {
		return admin, nil
	}
	status, err := b.sender.ChatMemberStatus(ctx, c.ID, from.ID)
	if err != nil {
		return false, fmt.Errorf("check admin %d in %d: %w", from.ID, c.ID, err)
	}
	admin := adminStatus(status)
	if err := b.store.CacheAdmin(ctx, c.ID, from.ID, admin, b.adminTTL); err != nil {
		b.log.Warn("cache admin", "chat_id", c.ID, "error", err)
	}
	return admin, nil
}

func (b *Bot) mainMenu(lang string) [][]Button {
	t := texts(lang)
	rows := [][]Button{{
		{Text: t.MenuSources, CallbackData: "menu:sources"},
		{Text: t.MenuLatest, CallbackData: "menu:latest"},
	}, {{Text: t.MenuHelp, CallbackData: "menu:help"}}}
	if b.cfg.BotUsername != "" {
		// Telegram's own link that adds the bot to a group the user picks.
		rows[1] = append(rows[1], Button{Text: t.MenuAddGroup, URL: "https://t.me/" + b.cfg.BotUsername + "?startgroup=start"})
	}
	return rows
}

// sourcesPerPage keeps the menu to one screen; more sources get pages.
const sourcesPerPage = 8

// sourcesPage is one page of the sources menu (every source and topic with
// a ✅ subscribed or ➕ toggle button); the topics show on every page.
func (b *Bot) sourcesPage(ctx context.Context, chatID int64, lang string, page int) (string, [][]Button, error) {
	t := texts(lang)
	if len(b.cfg.Sources) == 0 {
		return t.NoSources, nil, nil
	}
	subs, err := b.store.Subscriptions(ctx, chatID)
	if err != nil {
		return "", nil, err
	}
	has := map[string]bool{}
	for _, s := range subs {
		has[s] = true
	}
	mark := func(target string) string {
		if has[target] {
			return "✅ "
		}
		return "➕ "
	}
	pages := (len(b.cfg.Sources) + sourcesPerPage - 1) / sourcesPerPage
	page = min(max(page, 0), pages-1)
	var rows [][]Button
	for _, s := range b.cfg.Sources[page*sourcesPerPage : min((page+1)*sourcesPerPage, len(b.cfg.Sources))] {
		target := SourceTarget(s.ID)
		rows = append(rows, []Button{{Text: mark(target) + s.Name, CallbackData: b.callbackFor("t", target)}})
	}
	if pages > 1 {
		var nav []Button
		if page > 0 {
			nav = append(nav, Button{Text: "◀", CallbackData: "p:" + strconv.Itoa(page-1)})
		}
		nav = append(nav, Button{Text: fmt.Sprintf("%d/%d", page+1, pages), CallbackData: "p:" + strconv.Itoa(page)})
		if page < pages-1 {
			nav = append(nav, Button{Text: "▶", CallbackData: "p:" + strconv.Itoa(page+1)})
		}
		rows = append(rows, nav)
	}
	var row []Button
	for _, topic := range b.topics {
		target := TopicTarget(topic)
		row = append(row, Button{Text: mark(target) + "#" + topic, CallbackData: b.callbackFor("t", target)})
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	text := t.SourcesHeader
	if len(b.topics) > 0 {
		text += "\n" + t.TopicsHeader + " " + esc(strings.Join(b.topics, "، "))
	}
	return text, rows, nil
}

// pageOf is the sources-menu page a source is on (topics: the first).
func (b *Bot) pageOf(target string) int {
	for i, s := range b.cfg.Sources {
		if SourceTarget(s.ID) == target {
			return i / sourcesPerPage
		}
	}
	return 0
}

// callbackFor encodes a button action on a target in ≤ 64 bytes: sources
// by id, topics by their index, since Arabic topic names can be long.
func (b *Bot) callbackFor(action, target string) string {
	if topic, ok := strings.CutPrefix(target, "t:"); ok {
		for i, tp := range b.topics {
			if tp == topic {
				return action + ":t" + strconv.Itoa(i)
			}
		}
	}
	return action + ":" + target
}

// targetOfCallback reverses callbackFor.
func (b *Bot) targetOfCallback(code string) string {
	if strings.HasPrefix(code, "s:") {
		if _, ok := b.sources[code[2:]]; ok {
			return code
		}
		return ""
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(code, "t")); err == nil && strings.HasPrefix(code, "t") && n >= 0 && n < len(b.topics) {
		return TopicTarget(b.topics[n])
	}
	return ""
}

// resolveTarget finds a source (by id or name) or a topic named by the
// user, matching Arabic with normalisation so "الاقتصاد" finds "اقتصاد"
// and hamza or taa marbuta variants do not matter.
func (b *Bot) resolveTarget(q string) (target, name string) {
	q = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(q), "#"))
	if q == "" {
		return "", q
	}
	nq := normKey(q)
	for _, s := range b.cfg.Sources {
		if strings.EqualFold(s.ID, q) || normKey(s.Name) == nq {
			return SourceTarget(s.ID), s.Name
		}
	}
	for _, t := range b.topics {
		if normKey(t) == nq {
			return TopicTarget(t), t
		}
	}
	return "", q
}

// normKey normalises a name for matching, ignoring a leading article.
func normKey(s string) string {
	n := arabic.Normalize(strings.ReplaceAll(strings.TrimSpace(s), "_", " "))
	if strings.HasPrefix(n, "ال") && len([]rune(n)) > 4 {
		n = strings.TrimPrefix(n, "ال")
	}
	return n
}

func (b *Bot) targetName(target string) string {
	if id, ok := strings.CutPrefix(target, "s:"); ok {
		return b.sourceName(id)
	}
	return "#" + strings.TrimPrefix(target, "t:")
}

// latest answers /latest [n] [source|topic]: the newest items as one
// compact message with linked titles, and buttons to page through older
// ones.
func (b *Bot) latest(ctx context.Context, args []string, chat storage.Chat, lang string) (string, [][]Button, error) {
	t := texts(lang)
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
		target, name := b.resolveTarget(strings.Join(rest, " "))
		if target == "" {
			return fmt.Sprintf(t.UnknownTarget, esc(name)), nil, nil
		}
		scope = target
	}
	return b.latestPage(ctx, scope, n, 0, chat, lang)
}

// Paging bounds for /latest: a page holds at most maxLatest items and the
// pages reach back at most maxLatestDepth items.
const (
	maxLatest      = 20
	maxLatestDepth = 100
)

func (b *Bot) latestPage(ctx context.Context, scope string, n, offset int, chat storage.Chat, lang string) (string, [][]Button, error) {
	t := texts(lang)
	items, err := b.store.Latest(ctx, scope, min(offset+n+1, maxLatestDepth+1))
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
	var row []Button
	code := b.callbackFor("l", scope) // "l:" for every source
	if offset > 0 {
		row = append(row, Button{Text: t.Newer, CallbackData: fmt.Sprintf("%s:%d:%d", code, n, max(0, offset-n))})
	}
	if offset+n < len(items) && offset+n < maxLatestDepth {
		row = append(row, Button{Text: t.Older, CallbackData: fmt.Sprintf("%s:%d:%d", code, n, offset+n)})
	}
	var buttons [][]Button
	if len(row) > 0 {
		buttons = [][]Button{row}
	}
	return b.latestText(page, chat, lang), buttons, nil
}

// latestCallback turns a page button ("l:<scope>:<n>:<offset>") into an
// edit of the same message.
func (b *Bot) latestCallback(ctx context.Context, cb *Callback, chat storage.Chat, lang, code string) error {
	parts := strings.Split(code, ":")
	if len(parts) < 3 {
		return b.sender.AnswerCallback(ctx, cb.ID, "")
	}
	n, err1 := strconv.Atoi(parts[len(parts)-2])
	offset, err2 := strconv.Atoi(parts[len(parts)-1])
	scopeCode := strings.Join(parts[:len(parts)-2], ":")
	scope := b.targetOfCallback(scopeCode) // "" for every source
	if err1 != nil || err2 != nil || n < 1 || n > maxLatest || offset < 0 || offset > maxLatestDepth || (scopeCode != "" && scope == "") {
		return b.sender.AnswerCallback(ctx, cb.ID, "")
	}
	text, buttons, err := b.latestPage(ctx, scope, n, offset, chat, lang)
	if err != nil {
		return err
	}
	if err := b.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	return b.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true})
}

func (b *Bot) latestText(items []feeds.Item, chat storage.Chat, lang string) string {
	t := texts(lang)
	var sb strings.Builder
	sb.WriteString(rlm + t.LatestHeader + "\n")
	loc := b.location(chat.TZ)
	for _, it := range items {
		sb.WriteString(b.itemLine(it, loc, lang))
	}
	return sb.String()
}

func (b *Bot) handleCallback(ctx context.Context, cb *Callback) error {
	chat, err := b.rememberChat(ctx, cb.Chat, cb.From)
	if err != nil {
		return err
	}
	lang := replyLang(cb.From.LanguageCode, chat)
	t := texts(lang)
	action, code, _ := strings.Cut(cb.Data, ":")
	switch action {
	case "menu":
		var text string
		var buttons [][]Button
		switch code {
		case "sources":
			text, buttons, err = b.sourcesPage(ctx, cb.Chat.ID, lang, 0)
		case "latest":
			text, buttons, err = b.latest(ctx, nil, chat, lang)
		default:
			text, buttons = t.Help, b.mainMenu(lang)
		}
		if err != nil {
			return err
		}
		if err := b.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
			return err
		}
		return b.reply(ctx, Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true})
	case "p":
		page, _ := strconv.Atoi(code)
		text, buttons, err := b.sourcesPage(ctx, cb.Chat.ID, lang, page)
		if err != nil {
			return err
		}
		if err := b.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
			return err
		}
		return b.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons})
	case "set":
		return b.settingsCallback(ctx, cb, chat, code, lang)
	case "l":
		return b.latestCallback(ctx, cb, chat, lang, code)
	case "t", "u":
		target := b.targetOfCallback(code)
		if target == "" {
			return b.sender.AnswerCallback(ctx, cb.ID, "")
		}
		admin, err := b.isAdmin(ctx, cb.Chat, cb.From, 0)
		if err != nil {
			return err
		}
		if !admin {
			return b.sender.AnswerCallback(ctx, cb.ID, t.AdminsOnly)
		}
		// "t" toggles: subscribe, and when already subscribed undo it.
		added := false
		if action == "t" {
			if added, err = b.store.Subscribe(ctx, cb.Chat.ID, target); err != nil {
				return err
			}
		}
		note := fmt.Sprintf(t.Subscribed, b.targetName(target))
		if !added {
			if _, err := b.store.Unsubscribe(ctx, cb.Chat.ID, target); err != nil {
				return err
			}
			note = fmt.Sprintf(t.Unsubscribed, b.targetName(target))
		}
		if err := b.sender.AnswerCallback(ctx, cb.ID, note); err != nil {
			return err
		}
		if action == "u" {
			return nil
		}
		text, buttons, err := b.sourcesPage(ctx, cb.Chat.ID, lang, b.pageOf(target))
		if err != nil {
			return err
		}
		return b.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons})
	}
	return b.sender.AnswerCallback(ctx, cb.ID, "")
}

// handleMemberChange keeps the chat list true: a user who blocks the bot or
// a group that removes it loses its subscriptions at once; a group that
// adds the bot gets a welcome with the menu.
func (b *Bot) handleMemberChange(ctx context.Context, mc *MemberChange) error {
	switch mc.NewStatus {
	case "kicked", "left":
		b.log.Info("bot removed from chat", "chat_id", mc.Chat.ID, "status", mc.NewStatus)
		return b.store.ForgetChat(ctx, mc.Chat.ID)
	case "member", "administrator":
		chat, err := b.rememberChat(ctx, mc.Chat, mc.From)
		if err != nil {
			return err
		}
		if mc.Chat.Type == "private" || mc.OldStatus == "member" || mc.OldStatus == "administrator" {
			return nil // unblocked, or a promotion: nothing to say
		}
		if mc.Chat.Type == "channel" && mc.NewStatus != "administrator" {
			return nil
		}
		lang := LangFor(mc.From.LanguageCode)
		if chat.Lang != "" {
			lang = chat.Lang
		}
		return b.reply(ctx, Message{ChatID: mc.Chat.ID, Text: fmt.Sprintf(texts(lang).Welcome, esc(b.cfg.BotName)), HTML: true, Buttons: b.mainMenu(lang)})
	}
	return nil
}

// maxReplyWait bounds how long an answer to a person may wait for the
// chat's limit or a 429 before it is given up.
const maxReplyWait = 30 * time.Second

// reply sends an answer to a person. It takes the chat's token from the
// same shared limiter as the cards, so replies and deliveries together stay
// within Telegram's limits, and waits out a short 429 once.
func (b *Bot) reply(ctx context.Context, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, maxReplyWait)
	defer cancel()
	for attempt := 0; ; attempt++ {
		_, err := b.pacedSend(ctx, m)
		var rl *RateLimitError
		if errors.As(err, &rl) && attempt == 0 && rl.RetryAfter < maxReplyWait {
			if !sleep(ctx, rl.RetryAfter) {
				return err
			}
			continue
		}
		return err
	}
}
