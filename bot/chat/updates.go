package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// chatStore is a chat's record, its subscriptions and its admins;
// storage.Store implements it.
type chatStore interface {
	CacheAdmin(ctx context.Context, chatID, userID int64, isAdmin bool, ttl time.Duration) error
	CachedAdmin(ctx context.Context, chatID, userID int64) (isAdmin, ok bool, err error)
	Chat(ctx context.Context, id int64) (storage.Chat, error)
	ForgetChat(ctx context.Context, id int64) error
	Latest(ctx context.Context, scope string, n int) ([]feeds.Item, error)
	SaveChat(ctx context.Context, c storage.Chat) error
	Subscribe(ctx context.Context, chatID int64, target string) (bool, error)
	Subscriptions(ctx context.Context, chatID int64) ([]string, error)
	Unsubscribe(ctx context.Context, chatID int64, target string) (bool, error)
}

// chatLang is the language to answer a message in (see replyLang).
func chatLang(m *tg.InMessage, c storage.Chat) string { return replyLang(m.From.LanguageCode, c) }

// replyLang is the language to answer a user in: the chat's (chosen in
// /settings, or taken from the first user who wrote), which wins over the
// user's own Telegram language (userLang), so the replies and the cards of
// a chat are in one language; the user's when the chat has none.
func replyLang(userLang string, c storage.Chat) string {
	if c.Lang != "" {
		return c.Lang
	}
	return card.LangFor(userLang)
}

func (h *turn) handleMessage(ctx context.Context, m *tg.InMessage) error {
	if m.Document != nil && h.isOperator(m.Chat, m.From) {
		// The operator's private chat: its language, as /export's.
		lang, err := h.userLang(ctx, m.From)
		if err != nil {
			return err
		}
		return h.ImportOPML(ctx, m, lang)
	}
	cmd, args, ok := ParseCommand(m.Text, h.cfg.BotUsername)
	if !ok {
		return h.handleText(ctx, m)
	}
	chat, err := h.rememberChat(ctx, m.Chat, m.From)
	if err != nil {
		return err
	}
	lang := chatLang(m, chat)
	t := card.Texts(lang)
	// The chat's record was read above (rememberChat): the reply's pause
	// check takes it instead of a second read.
	reply := func(text string, buttons [][]tg.Button) error {
		return h.out.ReplyIn(ctx, replyMessage(m.Chat.ID, text, buttons), chat)
	}
	if handled, err := h.operatorCommand(ctx, m, cmd, lang); handled {
		return err
	}
	if m.Chat.Type == "private" && (cmd == "subscribe" || cmd == "unsubscribe") && len(args) > 0 && strings.HasPrefix(args[0], "@") {
		return h.manageChannel(ctx, m, cmd, args, lang, reply)
	}
	// What a member who is not an admin may not do in a group, and what
	// they are told.
	refusal := map[string]string{"subscribe": t.AdminsOnly, "unsubscribe": t.AdminsOnly, "stop": t.AdminsOnly,
		"settings": t.AdminsOnlySettings, "filter": t.AdminsOnlySettings}[cmd]
	if cmd == "start" && len(args) > 0 && strings.HasPrefix(args[0], "s_") {
		refusal = t.AdminsOnly
	}
	if refusal != "" {
		admin, err := h.isAdmin(ctx, m.Chat, m.From, m.SenderChat)
		if err != nil {
			return err
		}
		if !admin {
			return reply(refusal, nil)
		}
	}

	return h.command(ctx, m, chat, cmd, args, lang, reply)
}

// replyMessage is a command's reply: HTML, no link preview.
func replyMessage(chatID int64, text string, buttons [][]tg.Button) tg.Message {
	return tg.Message{ChatID: chatID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true}
}

// command answers cmd, which handleMessage has let through: the sender may
// give it in this chat.
func (h *turn) command(ctx context.Context, m *tg.InMessage, chat storage.Chat, cmd string, args []string, lang string, reply func(string, [][]tg.Button) error) error {
	t := card.Texts(lang)
	switch cmd {
	case "start":
		if len(args) > 0 && strings.HasPrefix(args[0], "i_") { // a shared item's link: t.me/<bot>?start=i_<id>
			return h.itemDeepLink(ctx, chat, strings.TrimPrefix(args[0], "i_"), lang)
		}
		if len(args) > 0 && strings.HasPrefix(args[0], "s_") {
			if src, ok := h.cat().byID[strings.TrimPrefix(args[0], "s_")]; ok {
				return h.subscribeReply(ctx, chat, m.Chat.ID, lang, poll.SourceTarget(src.ID))
			}
		}
		return reply(h.welcome(m.Chat, lang), h.mainMenu(lang))
	case "help":
		return reply(t.Help, h.mainMenu(lang))
	case "sources":
		text, buttons, err := h.sourcesPage(ctx, m.Chat.ID, lang, 0)
		if err != nil {
			return err
		}
		return reply(text, buttons)
	case "subscribe":
		return h.subscribeCommand(ctx, m, chat, args, lang, reply)
	case "unsubscribe":
		return h.unsubscribeCommand(ctx, m, chat, args, lang, reply)
	case "latest":
		text, buttons, err := h.latest(ctx, args, chat, lang)
		if err != nil {
			return err
		}
		return reply(text, buttons)
	case "search":
		return h.searchCommand(ctx, m, chat, args, lang)
	case "settings":
		return h.settingsCommand(ctx, chat, args, lang, reply)
	case "filter":
		st := settingsTexts(lang)
		if len(args) == 0 || !prefs.ApplyFilter(&chat.Settings, args) {
			return reply(st.FilterHow, nil)
		}
		if err := h.saveSettings(ctx, chat); err != nil {
			return err
		}
		if len(chat.Settings.Include)+len(chat.Settings.Exclude) == 0 {
			return reply(st.FilterCleared, nil)
		}
		return reply(fmt.Sprintf(st.FilterSaved, card.Escape(card.Embed(lang, prefs.FilterSummary(chat.Settings)))), nil)
	case "stop": // asks first: the answer is the stop:yes or stop:no button
		return reply(t.StopAsk, [][]tg.Button{{{Text: t.StopYes, CallbackData: CallbackData(KindStop, "yes")}, {Text: t.StopNo, CallbackData: CallbackData(KindStop, "no")}}})
	}
	if m.Chat.Type == "private" {
		return reply(t.Unknown, nil)
	}
	return nil
}

// subscribeCommand is /subscribe: with no argument the sources menu, else
// the source or topic named. chat is the chat's record, as the turn read
// it.
func (h *turn) subscribeCommand(ctx context.Context, m *tg.InMessage, chat storage.Chat, args []string, lang string, reply func(string, [][]tg.Button) error) error {
	t := card.Texts(lang)
	if len(args) == 0 { // the sources menu, with its one instruction
		text, buttons, err := h.sourcesPage(ctx, m.Chat.ID, lang, 0)
		if err != nil {
			return err
		}
		return reply(text, buttons)
	}
	target, name := h.resolveTarget(strings.Join(args, " "))
	if target == "" {
		return reply(fmt.Sprintf(t.UnknownTarget, card.Escape(card.Embed(lang, name))), nil)
	}
	return h.subscribeReply(ctx, chat, m.Chat.ID, lang, target)
}

// unsubscribeCommand is /unsubscribe: with no argument the list to pick
// from, else the source or topic named. chat is the chat's record, as the
// turn read it.
func (h *turn) unsubscribeCommand(ctx context.Context, m *tg.InMessage, chat storage.Chat, args []string, lang string, reply func(string, [][]tg.Button) error) error {
	t := card.Texts(lang)
	if len(args) == 0 {
		text, buttons, err := h.unsubscribeList(ctx, m.Chat.ID, lang)
		if err != nil {
			return err
		}
		return reply(text, buttons)
	}
	target, name := h.resolveTarget(strings.Join(args, " "))
	if target == "" {
		return reply(fmt.Sprintf(t.UnknownTarget, card.Escape(card.Embed(lang, name))), nil)
	}
	return h.changeReply(ctx, chat, storage.SubChange{ChatID: m.Chat.ID, Target: target, Remove: true}, lang)
}

// subscribeReply subscribes chatID (whose record, as the turn read it, is
// chat) to target and says so (changeReply).
func (h *turn) subscribeReply(ctx context.Context, chat storage.Chat, chatID int64, lang, target string) error {
	return h.changeReply(ctx, chat, storage.SubChange{ChatID: chatID, Target: target}, lang)
}

// changeReply makes ch to a chat whose record, as the turn read it, is
// chat, and says what it did: subscribed or already, unsubscribed or not
// subscribed. The change goes in the round trip of the reply's token
// (ReplyChange), stored before the reply says it was made.
func (h *turn) changeReply(ctx context.Context, chat storage.Chat, ch storage.SubChange, lang string) error {
	t := card.Texts(lang)
	done, same := t.Subscribed, t.AlreadySub
	if ch.Remove {
		done, same = t.Unsubscribed, t.NotSubscribed
	}
	name := card.Escape(h.targetLabel(ch.Target, lang))
	return h.out.ReplyChange(ctx, chat, ch, func(changed bool) tg.Message {
		if !changed {
			return replyMessage(ch.ChatID, fmt.Sprintf(same, name), nil)
		}
		return replyMessage(ch.ChatID, fmt.Sprintf(done, name), nil)
	})
}

// rememberChat records the chat on first contact (and refreshes its title),
// taking the first user's language as the chat's card language.
func (h *turn) rememberChat(ctx context.Context, c tg.Chat, from tg.User) (storage.Chat, error) {
	sc, err := h.store.Chat(ctx, c.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return sc, err
	}
	fresh := errors.Is(err, storage.ErrNotFound)
	if fresh {
		sc = storage.Chat{ID: c.ID, Created: h.now()}
		if from.LanguageCode != "" {
			sc.Lang = card.LangFor(from.LanguageCode)
		}
	}
	if !fresh && sc.Kind == c.Type && sc.Title == c.Title && sc.Username == c.Username {
		return sc, nil
	}
	sc.Kind, sc.Title, sc.Username = c.Type, c.Title, c.Username
	return sc, h.store.SaveChat(ctx, sc)
}

// adminStatus reports whether a getChatMember status is an admin's.
func adminStatus(status string) bool { return status == "creator" || status == "administrator" }

// isAdmin reports whether the sender may change the chat's subscriptions:
// anyone in a private chat, the chat speaking as itself (a channel's
// posts, anonymous admins writing as the group), and members whose status
// is creator or administrator (cached briefly). A user in a channel is
// asked about like one in a group: a button under a channel post is
// pressed by a reader, with the channel as the callback's chat. There is
// no admin of no chat: chat 0 (a callback without a message) and a sender
// chat of 0 never match.
func (h *turn) isAdmin(ctx context.Context, c tg.Chat, from tg.User, senderChat int64) (bool, error) {
	switch {
	case c.ID == 0:
		return false, nil
	case c.Type == "private":
		return true, nil
	case senderChat != 0 && senderChat == c.ID: // a channel's post, or an anonymous admin (shown as GroupAnonymousBot) writing as the group
		return true, nil
	case from.ID == 0:
		return false, nil
	}
	if admin, ok, err := h.store.CachedAdmin(ctx, c.ID, from.ID); err == nil && ok {
		return admin, nil
	}
	status, err := h.sender.ChatMemberStatus(ctx, c.ID, from.ID)
	if err != nil {
		return false, fmt.Errorf("check admin %d in %d: %w", from.ID, c.ID, err)
	}
	admin := adminStatus(status)
	if err := h.store.CacheAdmin(ctx, c.ID, from.ID, admin, h.cfg.AdminTTL); err != nil {
		h.log.Warn("cache admin", "chat_id", c.ID, "error", err)
	}
	return admin, nil
}

// welcome is the greeting for a chat: one reader in a private chat, the
// members (in the plural) of a group or a channel.
func (h *turn) welcome(c tg.Chat, lang string) string {
	t := card.Texts(lang)
	w := t.Welcome
	if c.Type != "private" {
		w = t.WelcomeGroup
	}
	return fmt.Sprintf(w, card.Escape(card.Embed(lang, h.cfg.BotName)))
}

func (h *turn) mainMenu(lang string) [][]tg.Button {
	t := card.Texts(lang)
	rows := [][]tg.Button{{
		{Text: t.MenuSources, CallbackData: CallbackData(KindMenu, "sources")},
		{Text: t.MenuLatest, CallbackData: CallbackData(KindMenu, "latest")},
	}, {{Text: t.MenuHelp, CallbackData: CallbackData(KindMenu, "help")}}}
	if h.cfg.BotUsername != "" {
		// Telegram's own link that adds the bot to a group the user picks.
		rows[1] = append(rows[1], tg.Button{Text: t.MenuAddGroup, URL: "https://t.me/" + h.cfg.BotUsername + "?startgroup=start"})
	}
	return rows
}

// sourcesPerPage keeps the menu to one screen; more sources get pages.
const sourcesPerPage = 8

// sourcesPage is one page of the sources menu (every source and topic with
// a ✅ subscribed or ➕ toggle button); the topics show on every page.
func (h *turn) sourcesPage(ctx context.Context, chatID int64, lang string, page int) (string, [][]tg.Button, error) {
	t := card.Texts(lang)
	c := h.cat()
	if len(c.list) == 0 {
		return t.NoSources, nil, nil
	}
	subs, err := h.store.Subscriptions(ctx, chatID)
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
	pages := (len(c.list) + sourcesPerPage - 1) / sourcesPerPage
	page = min(max(page, 0), pages-1)
	var rows [][]tg.Button
	for _, s := range c.list[page*sourcesPerPage : min((page+1)*sourcesPerPage, len(c.list))] {
		target := poll.SourceTarget(s.ID)
		rows = append(rows, []tg.Button{{Text: card.LineMark(lang) + mark(target) + h.targetLabel(target, lang), CallbackData: CallbackData(KindToggle, h.targetCode(target))}})
	}
	if pages > 1 {
		var prev, next *tg.Button
		if page > 0 {
			prev = &tg.Button{Text: t.Prev, CallbackData: PageCallback(page - 1)}
		}
		if page < pages-1 {
			next = &tg.Button{Text: t.Next, CallbackData: PageCallback(page + 1)}
		}
		here := tg.Button{Text: fmt.Sprintf(t.Page, page+1, pages), CallbackData: PageCallback(page)}
		rows = append(rows, card.PagingRow(lang, prev, []tg.Button{here}, next))
	}
	var row []tg.Button
	for _, topic := range c.topics {
		target := poll.TopicTarget(topic)
		row = append(row, tg.Button{Text: card.LineMark(lang) + mark(target) + h.targetLabel(target, lang), CallbackData: CallbackData(KindToggle, h.targetCode(target))})
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []tg.Button{{Text: card.LineMark(lang) + mark(poll.BreakingTarget) + card.BreakingTexts(lang).Sources, CallbackData: CallbackData(KindToggle, h.targetCode(poll.BreakingTarget))}})
	// One line of instruction: the topics are the buttons under the
	// sources, so the text does not list them again.
	text := t.SourcesHeader
	return text, rows, nil
}

// unsubscribeList is the /unsubscribe menu: a ✖️ button for each of the
// chat's subscriptions, or the sentence saying it has none.
func (h *turn) unsubscribeList(ctx context.Context, chatID int64, lang string) (string, [][]tg.Button, error) {
	t := card.Texts(lang)
	subs, err := h.store.Subscriptions(ctx, chatID)
	if err != nil {
		return "", nil, err
	}
	if len(subs) == 0 {
		return t.NoSubs, nil, nil
	}
	var rows [][]tg.Button
	for _, s := range subs {
		rows = append(rows, []tg.Button{{Text: card.LineMark(lang) + "✖️ " + h.targetLabel(s, lang), CallbackData: CallbackData(KindUnsub, h.targetCode(s))}})
	}
	return t.UnsubscribeHow, rows, nil
}

// pageOf is the sources-menu page a source is on (topics: the first).
func (h *turn) pageOf(target string) int {
	for i, s := range h.cat().list {
		if poll.SourceTarget(s.ID) == target {
			return i / sourcesPerPage
		}
	}
	return 0
}

// handleCallback serves every kind of callback but the operator's and
// search's (route hands those over); code is the callback's argument.
func (h *turn) handleCallback(ctx context.Context, cb *tg.Callback, kind Kind, code string) error {
	// A callback without a message (a button under an inline-mode
	// message, or a forged update) has chat 0; every button acts on its
	// message's chat, so it is answered and refused before any lookup.
	if cb.Chat.ID == 0 {
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	chat, err := h.rememberChat(ctx, cb.Chat, cb.From)
	if err != nil {
		return err
	}
	lang := replyLang(cb.From.LanguageCode, chat)
	t := card.Texts(lang)
	if kind == KindShareOpen || kind == KindShareBack {
		return h.shareCallback(ctx, cb, chat, kind, code, lang)
	}
	if cb.Chat.Type == "channel" {
		// Every button in a channel posts or edits there for all its
		// readers, so only the channel's admins may press one.
		admin, err := h.isAdmin(ctx, cb.Chat, cb.From, 0)
		if err != nil {
			return err
		}
		if !admin {
			return h.sender.AnswerCallback(ctx, cb.ID, adminsOnly(t, kind, cb.Chat.Type))
		}
	}
	switch kind {
	case KindMenu:
		return h.menuCallback(ctx, cb, chat, code, lang)
	case KindPage:
		page, _ := strconv.Atoi(code)
		text, buttons, err := h.sourcesPage(ctx, cb.Chat.ID, lang, page)
		if err != nil {
			return err
		}
		if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
			return err
		}
		return h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons})
	case KindSet:
		return h.settingsCallback(ctx, cb, chat, code, lang)
	case KindStop:
		return h.stopCallback(ctx, cb, code, lang)
	case KindLatest:
		return h.latestCallback(ctx, cb, chat, lang, code)
	case KindToggle, KindUnsub:
		return h.toggleCallback(ctx, cb, kind, code, lang)
	}
	return h.sender.AnswerCallback(ctx, cb.ID, "")
}

// menuCallback answers the main menu's buttons with a new message: the
// sources, the latest news or the help.
func (h *turn) menuCallback(ctx context.Context, cb *tg.Callback, chat storage.Chat, code, lang string) error {
	t := card.Texts(lang)
	var text string
	var buttons [][]tg.Button
	var err error
	switch code {
	case "sources":
		text, buttons, err = h.sourcesPage(ctx, cb.Chat.ID, lang, 0)
	case "latest":
		text, buttons, err = h.latest(ctx, nil, chat, lang)
	default:
		text, buttons = t.Help, h.mainMenu(lang)
	}
	if err != nil {
		return err
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	return h.out.Reply(ctx, tg.Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons, DisablePreview: true})
}

// toggleCallback answers a source or topic button: "t" (the sources menu)
// subscribes, or undoes a subscription; "u" (the /unsubscribe list) only
// removes. Only a group's or channel's admins may press them.
func (h *turn) toggleCallback(ctx context.Context, cb *tg.Callback, kind Kind, code, lang string) error {
	t := card.Texts(lang)
	target := h.targetOfCallback(code)
	if target == "" {
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	admin, err := h.isAdmin(ctx, cb.Chat, cb.From, 0)
	if err != nil {
		return err
	}
	if !admin {
		return h.sender.AnswerCallback(ctx, cb.ID, adminsOnly(t, kind, cb.Chat.Type))
	}
	// "t" toggles: subscribe, and when already subscribed undo it.
	// "u" (the /unsubscribe list) only removes: a second press on a
	// list not yet redrawn says there is nothing to remove.
	added := false
	if kind == KindToggle {
		if added, err = h.store.Subscribe(ctx, cb.Chat.ID, target); err != nil {
			return err
		}
	}
	note := fmt.Sprintf(t.Subscribed, h.targetLabel(target, lang))
	if !added {
		removed, err := h.store.Unsubscribe(ctx, cb.Chat.ID, target)
		if err != nil {
			return err
		}
		note = fmt.Sprintf(t.Unsubscribed, h.targetLabel(target, lang))
		if !removed && kind == KindUnsub {
			note = fmt.Sprintf(t.NotSubscribed, h.targetLabel(target, lang))
		}
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, note); err != nil {
		return err
	}
	var text string
	var buttons [][]tg.Button
	if kind == KindUnsub {
		text, buttons, err = h.unsubscribeList(ctx, cb.Chat.ID, lang)
	} else {
		text, buttons, err = h.sourcesPage(ctx, cb.Chat.ID, lang, h.pageOf(target))
	}
	if err != nil {
		return err
	}
	return h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: text, HTML: true, Buttons: buttons})
}

// stopCallback answers the buttons under /stop's question: "yes" forgets
// the chat, "no" leaves it; either way the question is replaced by what was
// done, so it cannot be answered twice. In a group only an admin answers
// it: a member could otherwise take the question away from the admin who
// asked.
func (h *turn) stopCallback(ctx context.Context, cb *tg.Callback, code, lang string) error {
	t := card.Texts(lang)
	if code == "yes" || code == "no" {
		admin, err := h.isAdmin(ctx, cb.Chat, cb.From, 0)
		if err != nil {
			return err
		}
		if !admin {
			return h.sender.AnswerCallback(ctx, cb.ID, adminsOnly(t, KindStop, cb.Chat.Type))
		}
	}
	var text string
	switch code {
	case "yes":
		if err := h.store.ForgetChat(ctx, cb.Chat.ID); err != nil {
			return err
		}
		text = t.Stopped
	case "no":
		text = t.StopKept
	default:
		return h.sender.AnswerCallback(ctx, cb.ID, "")
	}
	if err := h.sender.AnswerCallback(ctx, cb.ID, ""); err != nil {
		return err
	}
	return h.sender.Edit(ctx, cb.Chat.ID, cb.MessageID, tg.Message{ChatID: cb.Chat.ID, Text: text, HTML: true})
}

// adminsOnly is what a member who is not an admin is told on pressing a
// button of a kind in a group or a channel: that only admins do what the
// button does there.
func adminsOnly(t card.Text, kind Kind, chatType string) string {
	channel := chatType == "channel"
	switch {
	case kind == KindSet && channel:
		return t.AdminsOnlyChanSet
	case kind == KindSet:
		return t.AdminsOnlySettings
	case (kind == KindToggle || kind == KindUnsub || kind == KindStop) && channel:
		return t.AdminsOnlyChan
	case channel: // the menus and pages, which only a channel keeps from its readers
		return t.AdminsOnlyChanMenu
	}
	return t.AdminsOnly
}

// handleMemberChange keeps the chat list true: a user who blocks the bot or
// a group that removes it loses its subscriptions at once; a group that
// adds the bot gets a welcome with the menu.
func (h *turn) handleMemberChange(ctx context.Context, mc *tg.MemberChange) error {
	switch mc.NewStatus {
	case "kicked", "left":
		h.log.Info("bot removed from chat", "chat_id", mc.Chat.ID, "status", mc.NewStatus)
		return h.store.ForgetChat(ctx, mc.Chat.ID)
	case "member", "administrator":
		if err := h.out.ResumeChat(ctx, mc); err != nil {
			return err
		}
		chat, err := h.rememberChat(ctx, mc.Chat, mc.From)
		if err != nil {
			return err
		}
		if mc.Chat.Type == "private" || mc.OldStatus == "member" || mc.OldStatus == "administrator" || mc.OldStatus == "restricted" {
			return nil // unblocked, a promotion, rights given back: nothing to say
		}
		if mc.Chat.Type == "channel" && mc.NewStatus != "administrator" {
			return nil
		}
		lang := replyLang(mc.From.LanguageCode, chat)
		return h.out.Reply(ctx, tg.Message{ChatID: mc.Chat.ID, Text: h.welcome(mc.Chat, lang), HTML: true, Buttons: h.mainMenu(lang)})
	case "restricted":
		// Still restricted, but allowed to send messages again: the
		// rights a pause waited for are back.
		if mc.CanSendMessages {
			return h.out.ResumeChat(ctx, mc)
		}
	}
	return nil
}
