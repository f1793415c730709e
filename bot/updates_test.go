package bot_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/bot/telegramtest/display"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// updating reports the -update flag: rewrite the goldens.
func updating() bool { return *update }

// transcript drives the bot with updates and writes down every message and
// callback answer it produces, as a reviewer would read a chat.
type transcript struct {
	t       *testing.T
	h       *harness
	b       strings.Builder
	seen    int
	answers int
}

func (tr *transcript) do(who string, u bot.Update) {
	tr.t.Helper()
	switch {
	case u.Message != nil:
		fmt.Fprintf(&tr.b, "> %s in %s %d: %s\n", who, u.Message.Chat.Type, u.Message.Chat.ID, u.Message.Text)
	case u.Callback != nil:
		fmt.Fprintf(&tr.b, "> %s presses [%s] in %d\n", who, u.Callback.Data, u.Callback.Chat.ID)
	case u.MyChatMember != nil:
		fmt.Fprintf(&tr.b, "> %s: bot %s → %s in %s %d\n", who, u.MyChatMember.OldStatus, u.MyChatMember.NewStatus, u.MyChatMember.Chat.Type, u.MyChatMember.Chat.ID)
	}
	if err := tr.h.bot.HandleUpdate(context.Background(), u); err != nil {
		fmt.Fprintf(&tr.b, "! error: %v\n", err)
	}
	for _, m := range tr.h.tg.SentSince(tr.seen) {
		verb := "<"
		if m.Edited {
			verb = "✎"
		}
		fmt.Fprintf(&tr.b, "%s %d:\n%s\n", verb, m.ChatID, indent(m.ParsedText))
		lang := tr.lang(m.ChatID, u)
		tr.check(m.ParsedText, lang)
		for _, row := range tr.buttons(m.ReplyMarkup) {
			for _, label := range row {
				tr.checkLabel(label, lang)
			}
		}
		tr.seen++
	}
	answers := tr.h.tg.CallbackAnswers()
	for _, a := range answers[tr.answers:] {
		if a.URL != "" {
			fmt.Fprintf(&tr.b, "< opens: %s\n", a.URL)
			continue
		}
		fmt.Fprintf(&tr.b, "< toast: %q\n", a.Text)
		tr.checkLabel(a.Text, tr.lang(0, u))
	}
	tr.answers = len(answers)
	tr.b.WriteString("\n")
}

// lang is the language a message to chatID (0: the answer to a button)
// should be in: the chat's, which wins over the sender's, or the sender's
// when the chat is not (or no longer) known.
func (tr *transcript) lang(chatID int64, u bot.Update) string {
	var code string
	switch {
	case u.Message != nil:
		code = u.Message.From.LanguageCode
		if chatID == 0 {
			chatID = u.Message.Chat.ID
		}
	case u.Callback != nil:
		code = u.Callback.From.LanguageCode
		if chatID == 0 {
			chatID = u.Callback.Chat.ID
		}
	case u.MyChatMember != nil:
		code = u.MyChatMember.From.LanguageCode
	case u.InlineQuery != nil:
		code = u.InlineQuery.From.LanguageCode
	}
	if c, err := tr.h.store.Chat(context.Background(), chatID); err == nil && c.Lang != "" {
		return c.Lang
	}
	return card.LangFor(code)
}

// check fails the test for every line of a message that a reader of lang
// would not read as written (display.Check).
func (tr *transcript) check(text, lang string) {
	tr.t.Helper()
	for _, p := range display.Check(text, lang) {
		tr.t.Errorf("%s message would not read as written: %s", lang, p)
	}
}

// checkLabel is check for a button label or a toast.
func (tr *transcript) checkLabel(text, lang string) {
	tr.t.Helper()
	for _, p := range display.CheckLabel(text, lang) {
		tr.t.Errorf("%s label would not read as written: %s", lang, p)
	}
}

// buttons writes a keyboard into the transcript and returns its labels.
func (tr *transcript) buttons(raw json.RawMessage) [][]string {
	var kb struct {
		Rows [][]struct {
			Text         string `json:"text"`
			URL          string `json:"url"`
			CallbackData string `json:"callback_data"`
			CopyText     struct {
				Text string `json:"text"`
			} `json:"copy_text"`
		} `json:"inline_keyboard"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &kb) != nil {
		return nil
	}
	var labels [][]string
	for _, row := range kb.Rows {
		var cells, texts []string
		for _, b := range row {
			texts = append(texts, b.Text)
			action := b.URL + b.CallbackData
			if b.CopyText.Text != "" {
				action = "copy: " + b.CopyText.Text
			}
			cells = append(cells, "["+b.Text+" | "+action+"]")
		}
		tr.b.WriteString("    " + strings.Join(cells, " ") + "\n")
		labels = append(labels, texts)
	}
	return labels
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

func (tr *transcript) golden(name string) {
	tr.t.Helper()
	path := filepath.Join("testdata", name)
	got := tr.b.String()
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tr.t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tr.t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		tr.t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func msg(chat bot.Chat, from bot.User, text string) bot.Update {
	return bot.Update{Message: &bot.InMessage{ID: 1, Chat: chat, From: from, Text: text}}
}

// press makes a button press the fake knows, so answerCallbackQuery is
// accepted as Telegram would accept it.
func (tr *transcript) press(chat bot.Chat, from bot.User, data string) bot.Update {
	id := tr.h.tg.CallbackQuery(telegramtest.Chat{ID: chat.ID, Type: chat.Type, Title: chat.Title},
		telegramtest.User{ID: from.ID, FirstName: from.FirstName, LanguageCode: from.LanguageCode}, 1, data)
	return bot.Update{Callback: &bot.Callback{ID: id, Chat: chat, From: from, MessageID: 1, Data: data}}
}

func conversationHarness(t *testing.T) *harness {
	// Pacing is the delivery tests' business; here replies go at once.
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	// A fixed clock keeps "the last 7 days" of /search the same whenever the test runs.
	now := func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	h := newHarness(t, bot.Config{BotName: "أخبار", BotUsername: "akhbar_test_bot", BotID: telegramtest.BotID,
		Location: time.UTC, Limits: fast, Now: now}, telegramtest.Options{})
	ctx := context.Background()
	for i, title := range []string{"الأردن يطلق حملة وطنية للتشجير", "ارتفاع أسعار الذهب محلياً"} {
		it := feeds.Item{ID: fmt.Sprintf("item%d", i), SourceID: "almamlaka", Title: title,
			Link: fmt.Sprintf("https://www.almamlakatv.com/news/%d", 123+i), Summary: "ملخص.",
			Published: time.Date(2026, 11, 28, 9+i, 15, 0, 0, time.UTC), Topics: []string{"محليات"}}
		if err := h.store.SaveItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		h.bot.IndexForSearch(ctx, it) // as a poll indexes it
	}
	return h
}

func TestConversationArabic(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	layla := bot.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 101, Type: "private"}
	tr.do("ليلى", msg(dm, layla, "/start"))
	tr.do("ليلى", msg(dm, layla, "/help"))
	tr.do("ليلى", msg(dm, layla, "/sources"))
	tr.do("ليلى", tr.press(dm, layla, "t:s:almamlaka"))
	tr.do("ليلى", tr.press(dm, layla, "t:t0"))
	tr.do("ليلى", msg(dm, layla, "/subscribe"))
	tr.do("ليلى", msg(dm, layla, "/subscribe المملكة"))
	tr.do("ليلى", msg(dm, layla, "/subscribe الرياضة"))
	tr.do("ليلى", msg(dm, layla, "/latest 1"))
	tr.do("ليلى", tr.press(dm, layla, "l::1:1"))
	tr.do("ليلى", tr.press(dm, layla, "l:t0:1:0"))
	tr.do("ليلى", tr.press(dm, layla, "l:s:nosuch:1:0"))
	tr.do("ليلى", msg(dm, layla, "/latest محليات"))
	tr.do("ليلى", msg(dm, layla, "/search الذهب"))
	tr.do("ليلى", msg(dm, layla, "/search"))
	tr.do("ليلى", msg(dm, layla, "/unsubscribe"))
	tr.do("ليلى", tr.press(dm, layla, "u:t0"))
	tr.do("ليلى", tr.press(dm, layla, "u:t0")) // the same button again, pressed before the list redrew
	tr.do("ليلى", msg(dm, layla, "/unsubscribe almamlaka"))
	tr.do("ليلى", msg(dm, layla, "/unsubscribe almamlaka"))
	tr.do("ليلى", msg(dm, layla, "/start s_almamlaka"))
	tr.do("ليلى", msg(dm, layla, "/start i_item0"))
	tr.do("ليلى", msg(dm, layla, "/start i_gone"))
	tr.do("ليلى", msg(dm, layla, "/settings"))
	tr.do("ليلى", tr.press(dm, layla, "set:mode:hourly"))
	tr.do("ليلى", tr.press(dm, layla, "set:quiet"))
	tr.do("ليلى", tr.press(dm, layla, "set:silent"))
	tr.do("ليلى", msg(dm, layla, "/settings daily ٠٦:٤٥"))
	tr.do("ليلى", msg(dm, layla, "/settings tz Asia/Amman"))
	tr.do("ليلى", msg(dm, layla, "/settings tz Mars/Olympus"))
	tr.do("ليلى", msg(dm, layla, "/filter"))
	tr.do("ليلى", msg(dm, layla, "/filter +اقتصاد -رياضة"))
	tr.do("ليلى", msg(dm, layla, "/filter مسح"))
	tr.do("ليلى", msg(dm, layla, "/stop"))
	tr.do("ليلى", tr.press(dm, layla, "stop:no"))
	if subs, _ := h.store.Subscriptions(context.Background(), 101); len(subs) == 0 {
		t.Errorf("/stop cancelled the subscriptions before it was confirmed")
	}
	tr.do("ليلى", msg(dm, layla, "/stop"))
	tr.do("ليلى", tr.press(dm, layla, "stop:yes"))
	tr.do("ليلى", msg(dm, layla, "/غريب"))
	tr.golden("conversation_ar.golden")
	if subs, _ := h.store.Subscriptions(context.Background(), 101); len(subs) != 0 {
		t.Errorf("after /stop the chat keeps %v", subs)
	}
	// The /unsubscribe list is redrawn after a press, and a second press
	// of the same button does not claim to cancel again.
	answers := h.tg.CallbackAnswers()
	var toasts []string
	for _, a := range answers {
		toasts = append(toasts, a.Text)
	}
	if got, want := strings.Join(toasts, " | "), "تم إلغاء الاشتراك في #محليات. | لا يوجد اشتراك في #محليات."; !strings.Contains(got, want) {
		t.Errorf("toasts %q, want %q", got, want)
	}
}

func TestConversationEnglish(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	bob := bot.User{ID: 102, FirstName: "Bob", LanguageCode: "en-GB"}
	dm := bot.Chat{ID: 102, Type: "private"}
	tr.do("Bob", msg(dm, bob, "/start"))
	tr.do("Bob", msg(dm, bob, "/sources"))
	tr.do("Bob", tr.press(dm, bob, "t:s:almamlaka"))
	tr.do("Bob", msg(dm, bob, "/latest 5"))
	tr.do("Bob", msg(dm, bob, "/subscribe nothing-like-this"))
	tr.do("Bob", msg(dm, bob, "/settings"))
	tr.do("Bob", tr.press(dm, bob, "set:lang:en"))
	tr.do("Bob", tr.press(dm, bob, "set:tz"))
	tr.do("Bob", msg(dm, bob, "/stop"))
	tr.do("Bob", tr.press(dm, bob, "stop:yes"))
	tr.golden("conversation_en.golden")
}

// TestChatLanguageWins: the language chosen in /settings is the chat's,
// and every reply follows it, whatever language the sender's Telegram is
// in; the cards too.
func TestChatLanguageWins(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	bob := bot.User{ID: 103, FirstName: "Bob", LanguageCode: "en"}
	dm := bot.Chat{ID: 103, Type: "private"}
	tr.do("Bob", msg(dm, bob, "/settings"))
	tr.do("Bob", tr.press(dm, bob, "set:lang:ar"))
	tr.do("Bob", msg(dm, bob, "/help"))
	tr.do("Bob", tr.press(dm, bob, "t:s:almamlaka"))
	tr.do("Bob", msg(dm, bob, "/latest 1"))
	tr.do("Bob", msg(dm, bob, "/start i_item0"))
	tr.do("Bob", msg(dm, bob, "/settings lang en"))
	tr.do("Bob", msg(dm, bob, "/help"))
	tr.golden("conversation_lang.golden")
	var sent []string // the replies, without the edits
	for _, m := range h.tg.SentTo(103) {
		if !m.Edited {
			sent = append(sent, m.ParsedText)
		}
	}
	for i, want := range map[int]string{1: "الأوامر", 2: "آخر الأخبار", 3: "نوفمبر", 5: "Commands"} {
		if i >= len(sent) || !strings.Contains(sent[i], want) {
			t.Errorf("reply %d does not say %q", i, want)
		}
	}
	if got := h.tg.CallbackAnswers(); len(got) < 2 || got[1].Text != "✅ تم الاشتراك في المملكة." {
		t.Errorf("toasts %+v, want the subscription confirmed in Arabic", got)
	}
}

func TestGroupAdminsOnly(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	ctx := context.Background()
	group := bot.Chat{ID: -1001, Type: "supergroup", Title: "غرفة الأخبار"}
	admin := bot.User{ID: 201, FirstName: "مشرف", LanguageCode: "ar"}
	member := bot.User{ID: 202, FirstName: "عضو", LanguageCode: "ar"}
	h.tg.SetChatMember(group.ID, admin.ID, "administrator")

	tr.do("النظام", bot.Update{MyChatMember: &bot.MemberChange{Chat: group, From: admin, OldStatus: "left", NewStatus: "member"}})
	tr.do("عضو", msg(group, member, "/subscribe almamlaka"))
	tr.do("عضو", tr.press(group, member, "t:s:almamlaka"))
	tr.do("مشرف", msg(group, admin, "/subscribe@akhbar_test_bot almamlaka"))
	tr.do("مشرف", msg(group, admin, "/subscribe@other_bot محليات")) // for another bot: ignored
	// An anonymous admin writes as the group itself.
	anon := bot.Update{Message: &bot.InMessage{ID: 2, Chat: group, From: bot.User{ID: 1087968824, FirstName: "Group"}, SenderChat: group.ID, Text: "/subscribe محليات"}}
	tr.do("مشرف مجهول", anon)
	tr.do("عضو", msg(group, member, "/latest"))
	tr.do("عضو", msg(group, member, "/settings"))
	tr.do("عضو", msg(group, member, "/settings quiet 22:00-07:00"))
	tr.do("عضو", tr.press(group, member, "set:prev"))
	tr.do("عضو", msg(group, member, "/stop"))
	// A member may not answer an admin's /stop question either way.
	tr.do("مشرف", msg(group, admin, "/stop"))
	tr.do("عضو", tr.press(group, member, "stop:no"))
	if got := h.tg.CallbackAnswers(); got[len(got)-1].Text != "في المجموعات لا يغيّر الاشتراكات إلا المشرفون." {
		t.Errorf("a member's answer to /stop's question was answered %q", got[len(got)-1].Text)
	}
	for _, m := range h.tg.SentTo(group.ID)[len(h.tg.SentTo(group.ID))-4 : len(h.tg.SentTo(group.ID))-1] {
		if !strings.Contains(m.ParsedText, "إلا المشرفون") {
			t.Errorf("a member who is not an admin was answered %q", m.ParsedText)
		}
	}
	if got := h.tg.SentTo(group.ID); !strings.Contains(got[len(got)-3].ParsedText, "الإعدادات") {
		t.Errorf("a member's /settings was answered %q, want that only admins change settings", got[len(got)-3].ParsedText)
	}
	subs, _ := h.store.Subscriptions(ctx, group.ID)
	if got := strings.Join(subs, ","); got != "s:almamlaka,t:محليات" {
		t.Errorf("group subscriptions = %s", got)
	}
	tr.do("النظام", bot.Update{MyChatMember: &bot.MemberChange{Chat: group, From: admin, OldStatus: "member", NewStatus: "kicked"}})
	if subs, _ := h.store.Subscriptions(ctx, group.ID); len(subs) != 0 {
		t.Errorf("removed group keeps %v", subs)
	}
	// The member's status was asked once and then cached.
	if n := len(h.tg.Calls("getChatMember")); n != 2 {
		t.Errorf("getChatMember called %d times, want 2 (admin and member, each cached)", n)
	}
	tr.golden("conversation_group.golden")
}

// TestChannelButtonsAreForAdmins: a button under a channel post arrives
// with the channel as its chat and the reader who pressed it as its
// sender. A reader who is not the channel's admin gets an admins-only
// toast that names what the button does (the menus, the subscriptions,
// the settings), and the bot neither posts, edits nor changes anything; the
// channel's owner and the channel's own posts still may.
func TestChannelButtonsAreForAdmins(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	ctx := context.Background()
	channel := bot.Chat{ID: -100777, Type: "channel", Title: "قناة الأخبار"}
	h.tg.AddChat(telegramtest.Chat{ID: channel.ID, Type: channel.Type, Title: channel.Title})
	owner := bot.User{ID: 301, FirstName: "مالكة", LanguageCode: "ar"}
	reader := bot.User{ID: 999, FirstName: "قارئ", LanguageCode: "ar"}
	h.tg.SetChatMember(channel.ID, owner.ID, "creator")
	h.tg.SetChatMember(channel.ID, reader.ID, "member")
	tr.do("owner", bot.Update{MyChatMember: &bot.MemberChange{Chat: channel, From: owner, OldStatus: "left", NewStatus: "administrator"}})
	posts, answers := len(h.tg.SentTo(channel.ID)), len(h.tg.CallbackAnswers())

	presses := []string{"menu:sources", "menu:latest", "menu:help", "p:0", "l::5:5", "t:s:almamlaka", "u:s:almamlaka", "set:silent"}
	for _, data := range presses {
		tr.do("reader", tr.press(channel, reader, data))
	}
	t.Log("\n" + tr.b.String())
	if n := len(h.tg.SentTo(channel.ID)); n != posts {
		t.Errorf("a reader's presses made the bot post or edit %d message(s) in the channel", n-posts)
	}
	got := h.tg.CallbackAnswers()[answers:]
	if len(got) != len(presses) {
		t.Fatalf("%d callback answers for %d presses", len(got), len(presses))
	}
	menus, subs, settings := "في القنوات لا يستخدم هذه الأزرار إلا المشرفون، فما تعرضه يراه كل المتابعين.",
		"في القنوات لا يغيّر الاشتراكات إلا المشرفون.", "في القنوات لا يغيّر الإعدادات إلا المشرفون."
	want := []string{menus, menus, menus, menus, menus, subs, subs, settings}
	for i, a := range got {
		if a.Text != want[i] {
			t.Errorf("press %q answered %q, want %q", presses[i], a.Text, want[i])
		}
	}
	if subs, _ := h.store.Subscriptions(ctx, channel.ID); len(subs) != 0 {
		t.Errorf("a reader (status member) subscribed the channel to %v", subs)
	}
	if c, _ := h.store.Chat(ctx, channel.ID); c.Settings.Silent {
		t.Errorf("a reader changed the channel's settings: %+v", c.Settings)
	}

	tr.do("owner", tr.press(channel, owner, "t:s:almamlaka"))
	post := bot.Update{Message: &bot.InMessage{ID: 5, Chat: channel, SenderChat: channel.ID, Text: "/subscribe محليات"}}
	tr.do("the channel", post)
	if subs, _ := h.store.Subscriptions(ctx, channel.ID); strings.Join(subs, ",") != "s:almamlaka,t:محليات" {
		t.Errorf("channel subscriptions after the owner's press and a channel post = %v\n%s", subs, tr.b.String())
	}
}

func TestMigrationMessageMovesSubscriptions(t *testing.T) {
	h := conversationHarness(t)
	ctx := context.Background()
	h.subscribe(t, -55)
	u := bot.Update{Message: &bot.InMessage{Chat: bot.Chat{ID: -55, Type: "group"}, MigrateTo: -10055}}
	if err := h.bot.HandleUpdate(ctx, u); err != nil {
		t.Fatal(err)
	}
	if subs, _ := h.store.Subscriptions(ctx, -10055); len(subs) != 1 {
		t.Errorf("new id subscriptions = %v", subs)
	}
}

func TestChannelManagedFromPrivateChat(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	ctx := context.Background()
	channel := telegramtest.Chat{ID: -100777, Type: "channel", Title: "قناة الأخبار", Username: "akhbar_channel"}
	h.tg.AddChat(channel)
	owner := bot.User{ID: 301, FirstName: "مالكة القناة", LanguageCode: "ar"}
	stranger := bot.User{ID: 302, FirstName: "غريب", LanguageCode: "ar"}
	h.tg.SetChatMember(channel.ID, owner.ID, "creator")
	dm := func(u bot.User) bot.Chat { return bot.Chat{ID: u.ID, Type: "private"} }

	tr.do("مالكة القناة", msg(dm(owner), owner, "/subscribe @akhbar_channel almamlaka"))
	tr.do("مالكة القناة", msg(dm(owner), owner, "/subscribe @akhbar_channel"))
	tr.do("غريب", msg(dm(stranger), stranger, "/subscribe @akhbar_channel محليات"))
	tr.do("مالكة القناة", msg(dm(owner), owner, "/subscribe @no_such_channel almamlaka"))
	if subs, _ := h.store.Subscriptions(ctx, channel.ID); strings.Join(subs, ",") != "s:almamlaka" {
		t.Errorf("channel subscriptions = %v, want s:almamlaka", subs)
	}
	tr.do("مالكة القناة", msg(dm(owner), owner, "/unsubscribe @akhbar_channel almamlaka"))
	h.tg.SetChatMember(channel.ID, telegramtest.BotID, "member") // the bot lost its admin rights
	tr.do("مالكة القناة", msg(dm(owner), owner, "/subscribe @akhbar_channel almamlaka"))
	if subs, _ := h.store.Subscriptions(ctx, channel.ID); len(subs) != 0 {
		t.Errorf("channel subscriptions = %v, want none", subs)
	}
	tr.golden("conversation_channel.golden")
}

func TestSourcesMenuPages(t *testing.T) {
	ctx := context.Background()
	tg := telegramtest.NewServer(telegramtest.Options{Token: "8:pages"})
	t.Cleanup(tg.Close)
	client, err := telegram.New(ctx, "8:pages", tg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var srcs []feeds.Source
	for i := range 10 {
		srcs = append(srcs, feeds.Source{ID: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("مصدر %d", i+1), URL: "https://news.example/feed", Topics: []string{"سياسة"}})
	}
	store := storagetest.New(t)
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	b := bot.New(bot.Config{Sources: srcs, Limits: fast}, store, nil, client, nil, nil)
	tr := &transcript{t: t, h: &harness{bot: b, store: store, tg: tg}}
	u := bot.User{ID: 9, FirstName: "سارة", LanguageCode: "ar"}
	dm := bot.Chat{ID: 9, Type: "private"}
	tr.do("سارة", msg(dm, u, "/sources"))
	tr.do("سارة", tr.press(dm, u, "p:1"))
	tr.do("سارة", tr.press(dm, u, "t:s:s9"))
	tr.do("سارة", tr.press(dm, u, "p:0"))
	tr.golden("sources_pages.golden")
	if subs, _ := store.Subscriptions(ctx, 9); strings.Join(subs, ",") != "s:s9" {
		t.Errorf("subscriptions = %v", subs)
	}
}

// TestSubscribeWithoutArgumentsOneInstruction: /subscribe alone answers
// with the picker and one line saying how it works, in both languages
// (not that line and a second one listing the topics, which are buttons).
func TestSubscribeWithoutArgumentsOneInstruction(t *testing.T) {
	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			h := conversationHarness(t)
			tr := &transcript{t: t, h: h}
			u := bot.User{ID: 101, FirstName: "ليلى", LanguageCode: lang}
			tr.do("ليلى", msg(bot.Chat{ID: 101, Type: "private"}, u, "/subscribe"))
			sent := h.tg.SentSince(0)
			if len(sent) != 1 {
				t.Fatalf("%d messages, want the picker alone:\n%s", len(sent), tr.b.String())
			}
			if lines := strings.Split(strings.TrimSpace(sent[0].ParsedText), "\n"); len(lines) != 1 || len(sent[0].ReplyMarkup) == 0 {
				t.Errorf("the picker says %d lines, want one instruction above its buttons:\n%s", len(lines), tr.b.String())
			}
		})
	}
}
