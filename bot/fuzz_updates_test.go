package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
)

// fuzzBot is a bot over a real store and the fake Telegram, for fuzzing
// what strangers send it. The fake checks every answer as Telegram would
// (HTML entities, lengths, callback data of at most 64 bytes), so a reply
// built from hostile input that Telegram would refuse fails the target.
type fuzzBot struct {
	*harness
	group  bot.Chat
	member bot.User // in group, not an admin
	chats  atomic.Int64
}

// validTargets are the only subscriptions the bot's one source can give.
var validTargets = map[string]bool{"s:almamlaka": true, "t:محليات": true}

func newFuzzBot(f *testing.F) *fuzzBot {
	fast := bot.Limits{PrivatePerSecond: 1e6, GroupPerMinute: 1e8, GlobalPerSecond: 1e6}
	now := func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	h := newHarness(f, bot.Config{BotName: "أخبار", BotUsername: "akhbar_test_bot", BotID: telegramtest.BotID,
		Location: time.UTC, Limits: fast, Now: now}, telegramtest.Options{})
	ctx := context.Background()
	for i, title := range []string{"الأردن يطلق حملة وطنية للتشجير", "ارتفاع أسعار الذهب <محلياً> & عالمياً"} {
		it := feeds.Item{ID: fmt.Sprintf("item%d", i), SourceID: "almamlaka", Title: title,
			Link: fmt.Sprintf("https://www.almamlakatv.com/news/%d", 123+i), Summary: "ملخص.",
			Published: now().Add(-time.Duration(i+1) * time.Hour), Topics: []string{"محليات"}}
		if err := h.store.SaveItem(ctx, it); err != nil {
			f.Fatal(err)
		}
		h.bot.IndexForSearch(ctx, it)
	}
	fb := &fuzzBot{harness: h, group: bot.Chat{ID: -100777, Type: "supergroup", Title: "مجموعة"},
		member: bot.User{ID: 9001, FirstName: "عضو", LanguageCode: "ar"}}
	fb.chats.Store(1_000_000)
	h.tg.SetChatMember(fb.group.ID, fb.member.ID, "member")
	return fb
}

// private is a new private chat and its user, so inputs do not share
// state (subscriptions, filters, rate limits).
func (fb *fuzzBot) private(lang string) (bot.Chat, bot.User) {
	id := fb.chats.Add(1)
	return bot.Chat{ID: id, Type: "private"}, bot.User{ID: id, FirstName: "ضيف", LanguageCode: lang}
}

// checkSubs fails on a subscription no source or topic gives.
func (fb *fuzzBot) checkSubs(t *testing.T, chatID int64) []string {
	t.Helper()
	subs, err := fb.store.Subscriptions(context.Background(), chatID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if !validTargets[s] {
			t.Fatalf("chat %d subscribed to %q, which is no source or topic", chatID, s)
		}
	}
	return subs
}

// FuzzCommand sends "/"+s as a command, in a new private chat (Arabic and
// English) and in a group from a member who is not an admin: the bot
// answers without an error (so Telegram accepted every reply), with at
// most a few messages, subscribes only to what exists, and lets no member
// change the group's subscriptions.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		"start", "help", "sources", "subscribe المملكة", "subscribe@akhbar_test_bot almamlaka", "subscribe #الاقتصاد",
		"unsubscribe محليات", "unsubscribe", "latest 3 almamlaka", "latest ٥ محليات", "latest 99999999999999999999",
		"search الذهب", "search <b>&amp;</b>", "search " + strings.Repeat("ذهب ", 300), "settings", "settings lang en",
		"filter +ذهب -رياضة", "filter " + strings.Repeat("+a ", 100), "stop", "subscribe @channel almamlaka",
		"start s_almamlaka", "start s_nope", "start i_item0", "start i_../../x", "start@other_bot", "START", "s\u202eubscribe",
		"subscribe " + strings.Repeat("م", 4000), "subscribe <i>خبر", "unsubscribe a&b", "latest <x>",
	} {
		f.Add(s)
	}
	fb := newFuzzBot(f)
	f.Fuzz(func(t *testing.T, s string) {
		text := "/" + s
		if !utf8.ValidString(text) || utf8.RuneCountInString(text) > 4096 || strings.TrimSpace(text) != text {
			return // Telegram delivers valid, trimmed UTF-8 of at most 4096 characters
		}
		ctx := context.Background()
		for _, lang := range []string{"ar", "en"} {
			chat, user := fb.private(lang)
			if err := fb.bot.HandleUpdate(ctx, msg(chat, user, text)); err != nil {
				t.Fatalf("%q in a private chat: %v", text, err)
			}
			if n := len(fb.tg.SentTo(chat.ID)); n > 3 {
				t.Fatalf("%q: %d replies", text, n)
			}
			fb.checkSubs(t, chat.ID)
		}
		if err := fb.bot.HandleUpdate(ctx, msg(fb.group, fb.member, text)); err != nil {
			t.Fatalf("%q in a group: %v", text, err)
		}
		if subs := fb.checkSubs(t, fb.group.ID); len(subs) > 0 {
			t.Fatalf("%q from a member who is not an admin subscribed the group to %v", text, subs)
		}
	})
}

// FuzzCallback presses a button with any callback data Telegram can carry
// (1-64 bytes) under a real message, in a new private chat and in a group
// as a member who is not an admin: the bot answers the press exactly once,
// without an error (every edit or reply accepted), subscribes only to what
// exists, and lets no member change the group's subscriptions.
func FuzzCallback(f *testing.F) {
	for _, s := range []string{
		"menu:sources", "menu:latest", "menu:help", "p:0", "p:1", "p:-1", "p:99999999999999999999",
		"t:s:almamlaka", "t:t0", "t:t1", "t:t-1", "u:s:almamlaka", "u:t0", "t:s:nope", "t:", ":",
		"l::5:0", "l:s:almamlaka:5:5", "l:t0:1:0", "l::0:0", "l::5:-5", "l::5:999999", "l:::::", "l:s:almamlaka:x:y",
		"set:lang:en", "set:lang:xx", "set:digest:hourly", "set:quiet", "set:", "set:tz:Asia/Amman", "set:tz:../../etc",
		"q:1", "i:item0", "\u202et:t0", strings.Repeat("ذ", 32),
	} {
		f.Add(s)
	}
	fb := newFuzzBot(f)
	f.Fuzz(func(t *testing.T, data string) {
		if data == "" || len(data) > 64 || !utf8.ValidString(data) {
			return // Telegram's callback_data: 1-64 bytes
		}
		ctx := context.Background()
		press := func(chat bot.Chat, from bot.User, messageID int) {
			t.Helper()
			before := len(fb.tg.CallbackAnswers())
			id := fb.tg.CallbackQuery(telegramtest.Chat{ID: chat.ID, Type: chat.Type, Title: chat.Title},
				telegramtest.User{ID: from.ID, FirstName: from.FirstName, LanguageCode: from.LanguageCode}, messageID, data)
			u := bot.Update{Callback: &bot.Callback{ID: id, Chat: chat, From: from, MessageID: messageID, Data: data}}
			if err := fb.bot.HandleUpdate(ctx, u); err != nil {
				t.Fatalf("[%s] in chat %d: %v", data, chat.ID, err)
			}
			n := 0
			for _, a := range fb.tg.CallbackAnswers()[before:] {
				if a.QueryID == id {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("[%s] in chat %d answered %d times, want once", data, chat.ID, n)
			}
		}
		for _, lang := range []string{"ar", "en"} {
			chat, user := fb.private(lang)
			if err := fb.bot.HandleUpdate(ctx, msg(chat, user, "/sources")); err != nil {
				t.Fatal(err)
			}
			sent := fb.tg.SentTo(chat.ID)
			press(chat, user, sent[len(sent)-1].MessageID)
			if n := len(fb.tg.SentTo(chat.ID)); n > len(sent)+2 {
				t.Fatalf("[%s]: %d new messages", data, n-len(sent))
			}
			fb.checkSubs(t, chat.ID)
		}
		sent := fb.tg.SentTo(fb.group.ID)
		if len(sent) == 0 { // a message in the group to press under
			if err := fb.bot.HandleUpdate(ctx, msg(fb.group, fb.member, "/help")); err != nil {
				t.Fatal(err)
			}
			sent = fb.tg.SentTo(fb.group.ID)
		}
		press(fb.group, fb.member, sent[0].MessageID)
		if subs := fb.checkSubs(t, fb.group.ID); len(subs) > 0 {
			t.Fatalf("[%s] from a member who is not an admin subscribed the group to %v", data, subs)
		}
	})
}
