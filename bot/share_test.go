package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/redis/go-redis/v9"
)

// TestShareMenu: a card carries two buttons, «📖 قراءة الخبر» and
// «📤 مشاركة»; pressing «📤 مشاركة» turns the card's keyboard into the share
// menu (Telegram, WhatsApp, X, copy link, back), «↩️ رجوع» turns it back,
// the card's text untouched. A channel's reader, who may press no other
// button there, may share; an item no longer kept says so.
func TestShareMenu(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	layla := bot.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}
	dm := bot.Chat{ID: 101, Type: "private"}
	tr.do("ليلى", msg(dm, layla, "/start i_item0")) // the chat's message 1, which the presses are under
	card := h.tg.SentTo(dm.ID)[0]
	if got := strings.Count(string(card.ReplyMarkup), `"text"`); got != 2 {
		t.Errorf("card has %d buttons, want 2 (read, share): %s", got, card.ReplyMarkup)
	}
	tr.do("ليلى", tr.press(dm, layla, "sh:i_item0"))
	menu := last(h.tg.SentTo(dm.ID))
	for _, want := range []string{"https://t.me/share/url?url=", "https://wa.me/?text=", "https://x.com/intent/post?", `"copy_text":{"text":"https://www.almamlakatv.com/news/123"}`, "sb:i_item0"} {
		if !strings.Contains(string(menu.ReplyMarkup), want) {
			t.Errorf("share menu lacks %s: %s", want, menu.ReplyMarkup)
		}
	}
	if menu.ParsedText != card.ParsedText {
		t.Errorf("the share menu changed the card's text to %q", menu.ParsedText)
	}
	tr.do("ليلى", tr.press(dm, layla, "sb:i_item0"))
	if back := last(h.tg.SentTo(dm.ID)); string(back.ReplyMarkup) != string(card.ReplyMarkup) || back.ParsedText != card.ParsedText {
		t.Errorf("back from the share menu: %s, want the card's keyboard %s", back.ReplyMarkup, card.ReplyMarkup)
	}
	tr.do("ليلى", tr.press(dm, layla, "sh:i_gone"))

	// Under a channel post, a reader who is not an admin shares: the press
	// opens the reader's private chat with the bot on the item's card, and
	// the post's keyboard, every reader's, stays as it is, its edit taking
	// none of the chat's tokens.
	channel := bot.Chat{ID: -100777, Type: "channel", Title: "قناة الأخبار"}
	h.tg.AddChat(telegramtest.Chat{ID: channel.ID, Type: channel.Type, Title: channel.Title})
	reader := bot.User{ID: 999, FirstName: "قارئ", LanguageCode: "ar"}
	h.tg.SetChatMember(channel.ID, reader.ID, "member")
	tr.do("القناة", bot.Update{Message: &bot.InMessage{ID: 5, Chat: channel, SenderChat: channel.ID, Text: "/start i_item1"}})
	group := bot.Chat{ID: -100888, Type: "supergroup", Title: "مجموعة"}
	h.tg.AddChat(telegramtest.Chat{ID: group.ID, Type: group.Type, Title: group.Title})
	if chatTokens(t, h, channel.ID) == "" {
		t.Fatal("the card posted in the channel took no token of its limit: chatTokens reads the wrong key")
	}
	for _, c := range []bot.Chat{channel, group} {
		sent, tokens := len(h.tg.SentTo(c.ID)), chatTokens(t, h, c.ID)
		tr.do("قارئ", tr.press(c, reader, "sh:i_item1"))
		if got := len(h.tg.SentTo(c.ID)); got != sent {
			t.Errorf("a share press in %s %d edited or sent %d messages there", c.Type, c.ID, got-sent)
		}
		if got := chatTokens(t, h, c.ID); got != tokens {
			t.Errorf("a share press in %s %d took a token of the chat's limit: %q, then %q", c.Type, c.ID, tokens, got)
		}
		answers := h.tg.CallbackAnswers()
		if a := answers[len(answers)-1]; a.URL != "https://t.me/akhbar_test_bot?start=i_item1" || a.Text != "" {
			t.Errorf("share press in %s answered %+v, want the item's deep link", c.Type, a)
		}
	}
	// The link opens the private chat with /start and the payload.
	readerDM := bot.Chat{ID: reader.ID, Type: "private"}
	tr.do("قارئ", msg(readerDM, reader, "/start i_item1"))
	tr.do("قارئ", tr.press(readerDM, reader, "sh:i_item1"))
	if got := last(h.tg.SentTo(readerDM.ID)); !strings.Contains(string(got.ReplyMarkup), "sb:i_item1") {
		t.Errorf("the share press in the reader's private chat did not show the share menu: %s", got.ReplyMarkup)
	}
	tr.golden("share.golden")
}

// TestShareInGroupWithoutUsername: with no bot username there is no link
// to the private chat, so a share press in a group says where the story's
// link is, and edits nothing.
func TestShareInGroupWithoutUsername(t *testing.T) {
	h := newHarness(t, bot.Config{BotName: "أخبار", BotID: telegramtest.BotID, Location: time.UTC,
		Limits: bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}}, telegramtest.Options{})
	it := feeds.Item{ID: "item0", SourceID: "almamlaka", Title: "الأردن يطلق حملة وطنية للتشجير",
		Link: "https://www.almamlakatv.com/news/123", Published: time.Date(2026, 11, 28, 9, 15, 0, 0, time.UTC)}
	if err := h.store.SaveItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	tr := &transcript{t: t, h: h}
	group := bot.Chat{ID: -100888, Type: "group", Title: "مجموعة"}
	h.tg.AddChat(telegramtest.Chat{ID: group.ID, Type: group.Type, Title: group.Title})
	reader := bot.User{ID: 999, FirstName: "قارئ", LanguageCode: "ar"}
	tr.do("قارئ", tr.press(group, reader, "sh:i_item0"))
	if got := h.tg.SentTo(group.ID); len(got) != 0 {
		t.Errorf("a share press edited or sent %d messages in the group", len(got))
	}
	answers := h.tg.CallbackAnswers()
	if len(answers) != 1 || answers[0].URL != "" || !strings.Contains(answers[0].Text, "«📖 قراءة الخبر»") {
		t.Errorf("answers %+v, want a toast naming the read button", answers)
	}
}

// chatTokens is the state of a chat's bucket of its sending limit in
// Redis ("" while nothing has taken a token): a press that takes none
// leaves it as it was.
func chatTokens(t *testing.T, h *harness, chatID int64) string {
	t.Helper()
	key := h.store.Options().Prefix + "rl:chat:" + strconv.FormatInt(chatID, 10)
	v, err := h.store.Client().Get(context.Background(), key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	return v
}

// last is the newest record of a chat's messages: an edit is recorded as
// the message after it.
func last(ms []telegramtest.Message) telegramtest.Message {
	if len(ms) == 0 {
		return telegramtest.Message{}
	}
	return ms[len(ms)-1]
}
