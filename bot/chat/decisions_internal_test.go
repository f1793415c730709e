package chat

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/bot/tg"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// TestWhoMayChangeSubscriptions: in a private chat anyone subscribes; in
// a group only an admin (asked of Telegram), the group speaking as itself
// (an anonymous admin) or a channel's own post; a member is refused with
// the admins-only sentence and nothing changes. A button under a channel
// post is a reader's press: only the channel's admins may toggle.
func TestWhoMayChangeSubscriptions(t *testing.T) {
	const group, channel, user = -100, -200, 7
	ar := card.Texts("ar")
	for _, tc := range []struct {
		name       string
		chat       tg.Chat
		from       tg.User
		senderChat int64
		status     string // the user's status in the chat, "" = not asked
		allowed    bool
		asked      bool // whether Telegram was asked
	}{
		{"private chat", tg.Chat{ID: user, Type: "private"}, tg.User{ID: user}, 0, "", true, false},
		{"group admin", tg.Chat{ID: group, Type: "supergroup"}, tg.User{ID: user}, 0, "administrator", true, true},
		{"group creator", tg.Chat{ID: group, Type: "group"}, tg.User{ID: user}, 0, "creator", true, true},
		{"group member", tg.Chat{ID: group, Type: "supergroup"}, tg.User{ID: user}, 0, "member", false, true},
		{"restricted member", tg.Chat{ID: group, Type: "supergroup"}, tg.User{ID: user}, 0, "restricted", false, true},
		{"anonymous admin", tg.Chat{ID: group, Type: "supergroup"}, tg.User{ID: 1087968824}, group, "", true, false},
		{"another chat's voice", tg.Chat{ID: group, Type: "supergroup"}, tg.User{ID: 136817688}, -300, "left", false, true},
		{"channel's own post", tg.Chat{ID: channel, Type: "channel"}, tg.User{}, channel, "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, store, sender, out := newTestConversation(0)
			if tc.status != "" {
				sender.status[[2]int64{tc.chat.ID, tc.from.ID}] = tc.status
			}
			m := &tg.InMessage{Chat: tc.chat, From: tc.from, SenderChat: tc.senderChat, Text: "/subscribe s0"}
			if err := c.HandleUpdate(context.Background(), tg.Update{Message: m}); err != nil {
				t.Fatal(err)
			}
			subs, _ := store.Subscriptions(context.Background(), tc.chat.ID)
			if got := slices.Contains(subs, poll.SourceTarget("s0")); got != tc.allowed {
				t.Errorf("subscribed = %v, want %v (reply %q)", got, tc.allowed, out.lastReply())
			}
			if !tc.allowed && out.lastReply() != ar.AdminsOnly {
				t.Errorf("refused with %q, want %q", out.lastReply(), ar.AdminsOnly)
			}
			if (sender.asked > 0) != tc.asked {
				t.Errorf("asked Telegram %d times, want asked = %v", sender.asked, tc.asked)
			}
		})
	}
}

// TestChannelButtonsAreTheAdmins: a toggle under a channel's message is
// refused to a reader with the channel's own sentence, and works for an
// admin; the refusal changes nothing.
func TestChannelButtonsAreTheAdmins(t *testing.T) {
	const channel, reader, admin = -200, 7, 8
	for _, tc := range []struct {
		from    int64
		allowed bool
	}{{reader, false}, {admin, true}} {
		c, store, sender, _ := newTestConversation(0)
		sender.status[[2]int64{channel, reader}] = "member"
		sender.status[[2]int64{channel, admin}] = "administrator"
		cb := &tg.Callback{ID: "cb", Chat: tg.Chat{ID: channel, Type: "channel"}, From: tg.User{ID: tc.from}, MessageID: 3,
			Data: CallbackData(KindToggle, poll.SourceTarget("s0"))}
		if err := c.HandleUpdate(context.Background(), tg.Update{Callback: cb}); err != nil {
			t.Fatal(err)
		}
		subs, _ := store.Subscriptions(context.Background(), channel)
		if got := len(subs) == 1; got != tc.allowed {
			t.Errorf("user %d: subscribed = %v, want %v", tc.from, got, tc.allowed)
		}
		if !tc.allowed && (len(sender.answers) != 1 || sender.answers[0] != card.Texts("ar").AdminsOnlyChan) {
			t.Errorf("reader told %q, want the channel's admins-only sentence", sender.answers)
		}
	}
}

// TestManageChannelFromPrivateChat: "/subscribe @channel source" in a
// private chat subscribes the channel only when both the bot and the user
// are its admins; the bot is asked about first, since it cannot read the
// members of a channel where it is not an admin.
func TestManageChannelFromPrivateChat(t *testing.T) {
	const bot, user, channel = 99, 7, -200
	ch := channelTexts("ar")
	for _, tc := range []struct {
		name          string
		botSt, userSt string
		ref           string
		want          string // the reply's format, before the names
		subscribed    bool
	}{
		{"both admins", "administrator", "creator", "@news", ch.Subscribed, true},
		{"bot not admin", "member", "creator", "@news", ch.BotNotAdmin, false},
		{"user not admin", "administrator", "member", "@news", ch.YouNotAdmin, false},
		{"no such channel", "administrator", "creator", "@nothing", ch.NotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, store, sender, out := newTestConversation(bot)
			sender.chats["@news"] = tg.Chat{ID: channel, Type: "channel", Title: "أخبار"}
			sender.status[[2]int64{channel, bot}] = tc.botSt
			sender.status[[2]int64{channel, user}] = tc.userSt
			m := &tg.InMessage{Chat: tg.Chat{ID: user, Type: "private"}, From: tg.User{ID: user}, Text: "/subscribe " + tc.ref + " s0"}
			if err := c.HandleUpdate(context.Background(), tg.Update{Message: m}); err != nil {
				t.Fatal(err)
			}
			subs, _ := store.Subscriptions(context.Background(), channel)
			if got := len(subs) == 1; got != tc.subscribed {
				t.Errorf("channel subscribed = %v, want %v", got, tc.subscribed)
			}
			if mine, _ := store.Subscriptions(context.Background(), user); len(mine) != 0 {
				t.Errorf("the private chat got subscriptions %q", mine)
			}
			if !matchesFormat(out.lastReply(), tc.want) {
				t.Errorf("reply %q, want one made of %q", out.lastReply(), tc.want)
			}
		})
	}
}

// matchesFormat reports whether s could be format filled in: the text
// before its first verb starts s.
func matchesFormat(s, format string) bool {
	prefix, _, _ := cutVerb(format)
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}

func cutVerb(format string) (before, verb string, ok bool) {
	for i := 0; i+1 < len(format); i++ {
		if format[i] == '%' {
			return format[:i], format[i : i+2], true
		}
	}
	return format, "", false
}

// TestResolveTarget: a source by id or name, a topic with or without its
// article or "#", breaking news by its names; Arabic matched after
// normalisation; anything else is no target.
func TestResolveTarget(t *testing.T) {
	h := &turn{Conversation: &Conversation{}, lineup: NewLineup(testSources)}
	for q, want := range map[string]string{
		"s0":       poll.SourceTarget("s0"),
		"S0":       poll.SourceTarget("s0"),
		"الجزيرة":  poll.SourceTarget("s0"),
		"bbc عربي": poll.SourceTarget("bbc"),
		"اقتصاد":   poll.TopicTarget("اقتصاد"),
		"الاقتصاد": poll.TopicTarget("اقتصاد"),
		"#سياسة":   poll.TopicTarget("سياسة"),
		" رياضة ":  poll.TopicTarget("رياضة"),
		"عاجل":     poll.BreakingTarget,
		"Breaking": poll.BreakingTarget,
		"طقس":      "",
		"":         "",
		"#":        "",
		"s1":       "",
	} {
		if got, _ := h.resolveTarget(q); got != want {
			t.Errorf("resolveTarget(%q) = %q, want %q", q, got, want)
		}
	}
}

// TestTargetCodes: a target's callback code decodes back to it; topics go
// by their index, so a code of a topic or a source the catalog no longer
// has decodes to nothing rather than to another target.
func TestTargetCodes(t *testing.T) {
	h := &turn{Conversation: &Conversation{}, lineup: NewLineup(testSources)}
	for _, target := range []string{poll.SourceTarget("s0"), poll.SourceTarget("bbc"), poll.TopicTarget("سياسة"),
		poll.TopicTarget("اقتصاد"), poll.TopicTarget("رياضة"), poll.BreakingTarget} {
		code := h.targetCode(target)
		if len(code) > 20 {
			t.Errorf("%q: code %q is long", target, code)
		}
		if got := h.targetOfCallback(code); got != target {
			t.Errorf("%q: code %q decodes to %q", target, code, got)
		}
	}
	if got := h.targetCode(poll.TopicTarget("اقتصاد")); got != "t1" {
		t.Errorf("topic code %q, want t1 (its index)", got)
	}
	for _, code := range []string{"t3", "t-1", "t", "tx", "s:gone", "s:", "", "x"} {
		if got := h.targetOfCallback(code); got != "" {
			t.Errorf("targetOfCallback(%q) = %q, want none", code, got)
		}
	}
}

// TestSettingsParsing: "/settings name value" changes one setting and
// saves both the chat and its settings; a value the setting does not take
// is answered with how to write it and saves nothing.
func TestSettingsParsing(t *testing.T) {
	const user = 7
	for _, tc := range []struct {
		args  string
		check func(storage.Chat) error
	}{
		{"mode daily", func(c storage.Chat) error {
			return want(c.Settings.Mode == "daily" && c.Settings.DailyAt != "", "daily mode")
		}},
		{"mode 07:30", func(c storage.Chat) error { return want(c.Settings.DailyAt == "07:30", "daily at 07:30") }},
		{"daily 06:15", func(c storage.Chat) error { return want(c.Settings.DailyAt == "06:15", "daily at 06:15") }},
		{"quiet 22:00-07:00", func(c storage.Chat) error {
			return want(c.Settings.QuietFrom == "22:00" && c.Settings.QuietTo == "07:00", "quiet 22:00–07:00")
		}},
		{"tz Asia/Amman", func(c storage.Chat) error { return want(c.TZ == "Asia/Amman", "Amman") }},
		{"lang en", func(c storage.Chat) error { return want(c.Lang == "en", "English") }},
		{"mode weekly", nil},
		{"quiet 25:00-07:00", nil},
		{"tz Mars/Olympus", nil},
		{"lang fr", nil},
		{"colour blue", nil},
	} {
		t.Run(tc.args, func(t *testing.T) {
			c, store, _, out := newTestConversation(0)
			m := &tg.InMessage{Chat: tg.Chat{ID: user, Type: "private"}, From: tg.User{ID: user}, Text: "/settings " + tc.args}
			if err := c.HandleUpdate(context.Background(), tg.Update{Message: m}); err != nil {
				t.Fatal(err)
			}
			_, saved := store.settings[user]
			if tc.check == nil {
				if saved || out.lastReply() != settingsTexts("ar").Invalid {
					t.Errorf("saved %v, replied %q; want nothing saved and the Invalid sentence", saved, out.lastReply())
				}
				return
			}
			if !saved {
				t.Fatalf("settings not saved; replied %q", out.lastReply())
			}
			if err := tc.check(store.chats[user]); err != nil {
				t.Error(err)
			}
			if !reflect.DeepEqual(store.settings[user], store.chats[user].Settings) {
				t.Errorf("SetSettings got %+v, the chat %+v", store.settings[user], store.chats[user].Settings)
			}
		})
	}
}

func want(ok bool, what string) error {
	if ok {
		return nil
	}
	return fmt.Errorf("want %s", what)
}

// TestSettingsButtonsAreTheAdmins: a member pressing a settings button in
// a group is told only admins change settings, and nothing is saved.
func TestSettingsButtonsAreTheAdmins(t *testing.T) {
	const group, member = -100, 7
	c, store, sender, _ := newTestConversation(0)
	sender.status[[2]int64{group, member}] = "member"
	cb := &tg.Callback{ID: "cb", Chat: tg.Chat{ID: group, Type: "supergroup"}, From: tg.User{ID: member}, MessageID: 3,
		Data: CallbackData(KindSet, "mode", "daily")}
	if err := c.HandleUpdate(context.Background(), tg.Update{Callback: cb}); err != nil {
		t.Fatal(err)
	}
	if _, saved := store.settings[group]; saved {
		t.Error("a member's press saved the settings")
	}
	if len(sender.answers) != 1 || sender.answers[0] != card.Texts("ar").AdminsOnlySettings || sender.edits != 0 {
		t.Errorf("answers %q, %d edits; want the settings' admins-only toast and no edit", sender.answers, sender.edits)
	}
}

// countingCatalog hands out a new lineup on every call, as if the config
// were reloaded between any two reads, and counts the calls.
type countingCatalog struct{ calls int }

func (c *countingCatalog) Lineup() *Lineup {
	c.calls++
	return NewLineup(testSources)
}

// TestOneCatalogSnapshotPerUpdate: an update is answered from one read of
// the catalog, however many sources, topics and target codes its answer
// names, so a reload never mixes two lists of sources in one answer.
func TestOneCatalogSnapshotPerUpdate(t *testing.T) {
	const user = 7
	for _, text := range []string{"/sources", "/subscribe اقتصاد", "/unsubscribe", "/start"} {
		c, store, _, out := newTestConversation(0)
		cat := &countingCatalog{}
		c.cat = cat
		store.subs[user] = []string{poll.SourceTarget("s0"), poll.TopicTarget("سياسة")}
		m := &tg.InMessage{Chat: tg.Chat{ID: user, Type: "private"}, From: tg.User{ID: user}, Text: text}
		if err := c.HandleUpdate(context.Background(), tg.Update{Message: m}); err != nil {
			t.Fatal(err)
		}
		if cat.calls != 1 || len(out.replies) != 1 {
			t.Errorf("%s: %d catalog reads for %d replies, want 1 for 1", text, cat.calls, len(out.replies))
		}
	}
}

// renamingCatalog hands out a new lineup on every call whose first source
// is named for the call ("مصدر 1", "مصدر 2"…), as if its name were edited
// in the config between any two reads.
type renamingCatalog struct{ calls int }

func (c *renamingCatalog) Lineup() *Lineup {
	c.calls++
	src := slices.Clone(testSources)
	src[0].Name = fmt.Sprintf("مصدر %d", c.calls)
	return NewLineup(src)
}

// TestDeepLinkCardNamesTheSnapshotsSource: the card a deep link opens
// (t.me/<bot>?start=i_<id>) names its source as the update's snapshot of
// the catalog does, not as a later read would, like every other answer.
func TestDeepLinkCardNamesTheSnapshotsSource(t *testing.T) {
	const user = 7
	c, store, _, out := newTestConversation(0)
	cat := &renamingCatalog{}
	c.cat, out.cat = cat, cat
	store.items = map[string]feeds.Item{"item1": {ID: "item1", SourceID: "s0", Title: "عنوان الخبر", Link: "https://example.com/a"}}
	m := &tg.InMessage{Chat: tg.Chat{ID: user, Type: "private"}, From: tg.User{ID: user}, Text: "/start " + ItemStartPayload("item1")}
	if err := c.HandleUpdate(context.Background(), tg.Update{Message: m}); err != nil {
		t.Fatal(err)
	}
	if len(out.replies) != 1 {
		t.Fatalf("%d replies, want the card", len(out.replies))
	}
	if got := out.replies[0].Text; !strings.Contains(got, "مصدر 1") || strings.Contains(got, "مصدر 2") {
		t.Errorf("card %q: want the source named from the update's snapshot (مصدر 1)", got)
	}
}
