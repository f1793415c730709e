package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/prefs"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// sendsTo lists the sendMessage and sendPhoto calls made to a chat, in
// order, accepted or not.
func sendsTo(tg *telegramtest.Server, chatID int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range tg.Calls("") {
		if (c.Method == "sendMessage" || c.Method == "sendPhoto") && c.Params["chat_id"] == strconv.FormatInt(chatID, 10) {
			out = append(out, c)
		}
	}
	return out
}

// requestKey identifies a request by its method and parameters: two calls
// with the same key are the same request sent again.
func requestKey(c telegramtest.Call) string {
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(c.Method)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, c.Params[k])
	}
	return b.String()
}

// noRepeats fails when a request was sent twice unchanged.
func noRepeats(t *testing.T, calls []telegramtest.Call) {
	t.Helper()
	seen := map[string]int{}
	for i, c := range calls {
		k := requestKey(c)
		if j, ok := seen[k]; ok {
			t.Errorf("call %d repeats call %d unchanged: %s %v", i, j, c.Method, c.Params)
		}
		seen[k] = i
	}
}

// photoItem saves an item with an image, whose card fits a caption.
func (h *harness) photoItem(t *testing.T, id, title string) feeds.Item {
	t.Helper()
	it := feeds.Item{ID: id, SourceID: h.src.ID, Title: title, Link: "https://news.example/" + id,
		Image: "https://img.example/" + id + ".jpg", Summary: "ملخص الخبر.", Published: time.Now()}
	if err := h.store.SaveItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	return it
}

func (h *harness) enqueueItem(t *testing.T, it feeds.Item, edit bool, chats ...int64) {
	t.Helper()
	var jobs []storage.Job
	for _, c := range chats {
		jobs = append(jobs, storage.Job{ChatID: c, ItemID: it.ID, Edit: edit})
	}
	if err := h.store.Enqueue(context.Background(), jobs); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) saveChat(t *testing.T, id int64, kind string, st storage.Settings) {
	t.Helper()
	ctx := context.Background()
	if err := h.store.SaveChat(ctx, storage.Chat{ID: id, Kind: kind, Lang: "ar"}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.SetSettings(ctx, id, st); err != nil {
		t.Fatal(err)
	}
}

const unknown400 = `{"ok":false,"error_code":400,"description":"Bad Request: SOMETHING_TELEGRAM_ADDED_LATER"}`

// TestUnknown400IsNeverSentTwice: a 400 nobody taught the bot is still the
// request's fault. A card refused once goes out at once in a simpler form
// (here without its buttons: its copy button is in the share menu, not
// under the card), not again unchanged after a back-off; a
// card refused in every form is dead-lettered after one try of each, the
// other chats served meanwhile.
func TestUnknown400IsNeverSentTwice(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	ctx := context.Background()
	h.tg.FailNext("sendMessage", 400, unknown400)
	h.enqueue(t, []int64{51}, "خبر")
	h.deliver(t, 1)
	calls := sendsTo(h.tg, 51)
	noRepeats(t, calls)
	if len(calls) != 2 || calls[0].Status != 400 || calls[1].Status != 200 {
		t.Fatalf("calls to chat 51 = %+v, want the refused card then one simpler form", calls)
	}
	if !strings.Contains(calls[0].Params["reply_markup"], "https://news.example/0") || calls[1].Params["reply_markup"] != "" {
		t.Errorf("fallback markup %q after %s, want the card without buttons", calls[1].Params["reply_markup"], calls[0].Params["reply_markup"])
	}
	if got := h.tg.SentTo(51); len(got) != 1 || !strings.Contains(got[0].ParsedText, "خبر") || got[0].ParseMode != "HTML" {
		t.Errorf("chat 51 got %+v, want the card", got)
	}

	// Refused whatever the form: each form once, then a dead letter.
	h.tg.FailChat(52, 400, "Bad Request: SOMETHING_TELEGRAM_ADDED_LATER")
	h.enqueue(t, []int64{52, 53}, "خبر آخر")
	h.deliver(t, 2)
	calls = sendsTo(h.tg, 52)
	noRepeats(t, calls)
	if len(calls) != 3 {
		t.Errorf("%d sends to a chat that refuses everything, want 3 (card, no buttons, plain text)", len(calls))
	}
	if last := calls[len(calls)-1].Params; last["parse_mode"] != "" || last["reply_markup"] != "" {
		t.Errorf("last form %v, want plain text without markup", last)
	}
	dead, err := h.store.DeadLetters(ctx, 10)
	if err != nil || len(dead) != 1 || dead[0].ChatID != 52 || dead[0].Attempt != 0 {
		t.Errorf("dead letters = %+v, %v; want chat 52's job, no attempt spent", dead, err)
	}
	if got := h.tg.SentTo(53); len(got) != 1 {
		t.Errorf("chat 53 got %d messages, want 1", len(got))
	}

	// A simpler form that meets a 502 is retried after the back-off as
	// that form: the refused one is not sent again.
	h.tg.FailNext("sendMessage", 400, unknown400)
	h.tg.FailNext("sendMessage", 502, "<html>Bad Gateway</html>")
	h.enqueue(t, []int64{54}, "خبر ثالث")
	h.deliver(t, 3)
	calls = sendsTo(h.tg, 54)
	if len(calls) != 3 || calls[0].Status != 400 || calls[1].Status != 502 || calls[2].Status != 200 || requestKey(calls[1]) != requestKey(calls[2]) {
		t.Fatalf("calls to chat 54 = %+v, want the refused card, a simpler form that met a 502, the same simpler form again", calls)
	}
}

// TestChatTheBotMayNotPostToIsPaused: a group where the bot may not post
// answers the first card with a 400 that retrying cannot heal. The chat is
// paused at once, whatever the wording: no retry, its other queued cards
// settled unsent, no dead letter, its subscriptions kept and listed for
// the operator.
func TestChatTheBotMayNotPostToIsPaused(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	ctx := context.Background()
	rs := []telegramtest.Restriction{telegramtest.NoRights, telegramtest.NoTextRights, telegramtest.NotChannelAdmin,
		telegramtest.WriteForbidden, telegramtest.Deactivated, telegramtest.TopicClosed}
	var chats []int64
	for i, r := range rs {
		id := int64(-100500 - i)
		chats = append(chats, id)
		h.tg.Restrict(id, r)
	}
	h.subscribe(t, chats...)
	h.enqueue(t, chats, "خبر أول", "خبر ثان")
	h.deliver(t, 0)
	paused, err := h.store.PausedChats(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range chats {
		if calls := sendsTo(h.tg, id); len(calls) != 1 {
			t.Errorf("%q: %d sends, want 1 (then paused)", rs[i], len(calls))
		}
		j := slices.IndexFunc(paused, func(p storage.PausedChat) bool { return p.ChatID == id })
		if j < 0 || !strings.HasSuffix(paused[j].Reason, string(rs[i])) {
			t.Errorf("%q: paused chats %+v, want the chat with Telegram's answer", rs[i], paused)
		}
		if subs, _ := h.store.Subscriptions(ctx, id); len(subs) != 1 {
			t.Errorf("%q: subscriptions %v, want kept", rs[i], subs)
		}
	}
	if dead, _ := h.store.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Errorf("dead letters %+v, want none", dead)
	}
	if fan, _ := h.store.Subscribers(ctx, []string{bot.SourceTarget(h.src.ID)}); len(fan) != 0 {
		t.Errorf("fan-out %v includes paused chats", fan)
	}
}

// TestPausedChatResumesWhenItsRightsComeBack: cards queued for a paused
// chat are settled without a send (while other chats get theirs), and a
// my_chat_member update that gives the bot its rights back resumes it,
// quietly: the next card reaches it.
func TestPausedChatResumesWhenItsRightsComeBack(t *testing.T) {
	// Parallel: it waits on the pace of one group and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	ctx := context.Background()
	group := bot.Chat{ID: -100500, Type: "supergroup", Title: "غرفة الأخبار"}
	h.saveChat(t, group.ID, group.Type, storage.Settings{})
	h.subscribe(t, group.ID, 61)
	h.tg.Restrict(group.ID, telegramtest.NoRights)
	h.enqueue(t, []int64{group.ID}, "خبر أول")
	h.deliver(t, 0)
	h.enqueue(t, []int64{group.ID, 61}, "خبر ثان")
	h.deliver(t, 1)
	if calls := sendsTo(h.tg, group.ID); len(calls) != 1 {
		t.Fatalf("%d sends to the paused group, want 1", len(calls))
	}

	admin := bot.User{ID: 201, FirstName: "مشرف"}
	h.tg.MyChatMember(telegramtest.Chat{ID: group.ID, Type: group.Type, Title: group.Title},
		telegramtest.User{ID: admin.ID, FirstName: admin.FirstName}, "restricted", "member")
	if err := h.bot.HandleUpdate(ctx, bot.Update{MyChatMember: &bot.MemberChange{Chat: group, From: admin, OldStatus: "restricted", NewStatus: "member"}}); err != nil {
		t.Fatal(err)
	}
	if paused, _ := h.store.PausedChats(ctx, 0); len(paused) != 0 {
		t.Fatalf("paused chats after the rights came back = %+v", paused)
	}
	if fan, _ := h.store.Subscribers(ctx, []string{bot.SourceTarget(h.src.ID)}); !slices.Contains(fan, group.ID) {
		t.Errorf("fan-out %v lacks the resumed group", fan)
	}
	if got := h.tg.SentTo(group.ID); len(got) != 0 {
		t.Errorf("the group was sent %+v on resuming, want nothing", got)
	}
	h.enqueue(t, []int64{group.ID}, "خبر ثالث")
	h.deliver(t, 2)
	if got := h.tg.SentTo(group.ID); len(got) != 1 || !strings.Contains(got[0].ParsedText, "خبر ثالث") {
		t.Errorf("resumed group got %+v, want the new card", got)
	}
}

// TestPausedChatGetsNoReplies: the commands typed in a group paused for
// want of rights are not answered: each answer would be refused with the
// same 400 and take a slot of the bot-wide rate. Once the rights are back
// (a my_chat_member update resumes the group) commands are answered again.
func TestPausedChatGetsNoReplies(t *testing.T) {
	h := conversationHarness(t)
	tr := &transcript{t: t, h: h}
	ctx := context.Background()
	group := bot.Chat{ID: -100500, Type: "supergroup", Title: "غرفة"}
	h.tg.Restrict(group.ID, telegramtest.NoRights)
	if err := h.store.PauseChat(ctx, group.ID, string(telegramtest.NoRights)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		tr.do("member", msg(group, bot.User{ID: int64(400 + i), FirstName: "عضو"}, "/latest"))
	}
	tr.do("member", tr.press(group, bot.User{ID: 405, FirstName: "عضو"}, "menu:help"))
	if calls := sendsTo(h.tg, group.ID); len(calls) != 0 {
		t.Errorf("paused group: %d sends attempted, want none (client errors %v)\n%s", len(calls), h.tg.Stats().ClientErrors, tr.b.String())
	}
	if n := len(h.tg.CallbackAnswers()); n != 1 {
		t.Errorf("%d callback answers, want the press answered all the same", n)
	}

	admin := bot.User{ID: 201, FirstName: "مشرف"}
	h.tg.MyChatMember(telegramtest.Chat{ID: group.ID, Type: group.Type, Title: group.Title},
		telegramtest.User{ID: admin.ID, FirstName: admin.FirstName}, "restricted", "member")
	tr.do("admin", bot.Update{MyChatMember: &bot.MemberChange{Chat: group, From: admin, OldStatus: "restricted", NewStatus: "member"}})
	tr.do("member", msg(group, bot.User{ID: 400, FirstName: "عضو"}, "/latest"))
	if got := h.tg.SentTo(group.ID); len(got) != 1 {
		t.Errorf("resumed group: %d messages, want the answer to /latest\n%s", len(got), tr.b.String())
	}
}

// TestRestrictedBotGivenMessagesBackResumes: an admin who gives the bot,
// still "restricted" in a supergroup, the right to send messages again
// makes Telegram send restricted → restricted with can_send_messages true;
// the group paused for want of that right resumes, and its next card goes.
// Restricted with no right to send messages, it stays paused.
func TestRestrictedBotGivenMessagesBackResumes(t *testing.T) {
	// Parallel: it waits on the pace of one group and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	ctx := context.Background()
	group := bot.Chat{ID: -100501, Type: "supergroup", Title: "غرفة الأخبار"}
	tgGroup := telegramtest.Chat{ID: group.ID, Type: group.Type, Title: group.Title}
	h.saveChat(t, group.ID, group.Type, storage.Settings{})
	h.subscribe(t, group.ID)
	h.tg.Restrict(group.ID, telegramtest.NoTextRights)
	h.enqueue(t, []int64{group.ID}, "خبر أول")
	h.deliver(t, 0)
	if paused, _ := h.store.PausedChats(ctx, 0); len(paused) != 1 {
		t.Fatalf("paused chats = %+v, want the group", paused)
	}

	admin := bot.User{ID: 201, FirstName: "مشرف"}
	still := bot.Update{MyChatMember: &bot.MemberChange{Chat: group, From: admin, OldStatus: "restricted", NewStatus: "restricted"}}
	if err := h.bot.HandleUpdate(ctx, still); err != nil {
		t.Fatal(err)
	}
	if paused, _ := h.store.PausedChats(ctx, 0); len(paused) != 1 {
		t.Fatalf("restricted without the right to send messages: paused chats = %+v, want the group", paused)
	}

	// The update goes the whole way: the fake's my_chat_member, getUpdates,
	// the adapter, the dispatcher.
	dispatching(t, h, bot.DispatchOptions{QueuePerChat: 8})
	h.tg.SetBotRights(tgGroup, telegramtest.User{ID: admin.ID, FirstName: admin.FirstName}, telegramtest.Rights{Messages: true, Photos: true})
	waitUntil(t, "the group to resume", 10*time.Second, func() bool {
		paused, err := h.store.PausedChats(ctx, 0)
		return err == nil && len(paused) == 0
	})
	h.enqueue(t, []int64{group.ID}, "خبر ثان")
	h.deliver(t, 1)
	if got := h.tg.SentTo(group.ID); len(got) != 1 || !strings.Contains(got[0].ParsedText, "خبر ثان") {
		t.Errorf("resumed group got %+v, want the new card", got)
	}
}

// TestChannelPauseNeedsAdminToResume: a channel paused because the bot is
// only a member there resumes when the bot becomes its admin, not before.
func TestChannelPauseNeedsAdminToResume(t *testing.T) {
	h := newHarness(t, bot.Config{}, telegramtest.Options{})
	ctx := context.Background()
	ch := bot.Chat{ID: -100600, Type: "channel", Title: "قناة"}
	if err := h.store.PauseChat(ctx, ch.ID, "Bad Request: need administrator rights in the channel chat"); err != nil {
		t.Fatal(err)
	}
	owner := bot.User{ID: 301}
	for _, st := range []struct {
		old, new string
		paused   bool
	}{{"left", "member", true}, {"member", "administrator", false}} {
		if err := h.bot.HandleUpdate(ctx, bot.Update{MyChatMember: &bot.MemberChange{Chat: ch, From: owner, OldStatus: st.old, NewStatus: st.new}}); err != nil {
			t.Fatal(err)
		}
		if paused, _ := h.store.PausedChats(ctx, 0); (len(paused) == 1) != st.paused {
			t.Errorf("after %s → %s: paused = %+v, want paused %v", st.old, st.new, paused, st.paused)
		}
	}
}

// TestDigestToAChatTheBotMayNotPostTo: a digest refused for want of rights
// pauses the chat like a card; it is not held and sent again.
func TestDigestToAChatTheBotMayNotPostTo(t *testing.T) {
	// Parallel: it waits on the pace of one group and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	clk := &clock{}
	h := newHarness(t, bot.Config{Now: clk.now}, telegramtest.Options{})
	ctx := context.Background()
	const group = -100910
	h.saveChat(t, group, "supergroup", storage.Settings{Mode: prefs.Hourly})
	h.enqueue(t, []int64{group}, "خبر أول", "خبر ثان")
	h.deliver(t, 0) // both held for the hourly digest
	h.tg.Restrict(group, telegramtest.NoRights)
	for range 3 {
		clk.add(time.Hour)
		if err := h.bot.SendDueDigests(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls := sendsTo(h.tg, group); len(calls) != 1 {
		t.Errorf("%d digest sends to the restricted group, want 1", len(calls))
	}
	if paused, _ := h.store.PausedChats(ctx, 0); len(paused) != 1 || paused[0].ChatID != group {
		t.Errorf("paused chats = %+v, want the group", paused)
	}
}

// TestRefusedCardFallsBackKeepingTheChatsChoices: a photo card refused
// whatever its form falls back step by step (no buttons,
// no photo, plain text without markup), and every form keeps the chat's
// choices: silent, no link preview.
func TestRefusedCardFallsBackKeepingTheChatsChoices(t *testing.T) {
	h := newHarness(t, bot.Config{CardImages: true}, telegramtest.Options{})
	h.saveChat(t, 71, "private", storage.Settings{Silent: true, Previews: false})
	it := h.photoItem(t, "fallback-1", "خبر بصورة")
	for range 2 {
		h.tg.FailNext("sendPhoto", 400, unknown400)
	}
	h.tg.FailNext("sendMessage", 400, unknown400)
	h.enqueueItem(t, it, false, 71)
	h.deliver(t, 1)

	calls := sendsTo(h.tg, 71)
	noRepeats(t, calls)
	type form struct {
		method, parseMode string
		copy, buttons     bool
	}
	want := []form{{"sendPhoto", "HTML", false, true}, {"sendPhoto", "HTML", false, false},
		{"sendMessage", "HTML", false, false}, {"sendMessage", "", false, false}}
	if len(calls) != len(want) {
		t.Fatalf("%d sends, want %d: %+v", len(calls), len(want), calls)
	}
	for i, c := range calls {
		p := c.Params
		got := form{c.Method, p["parse_mode"], strings.Contains(p["reply_markup"], "copy_text"), strings.Contains(p["reply_markup"], "inline_keyboard")}
		if got != want[i] {
			t.Errorf("form %d = %+v, want %+v", i, got, want[i])
		}
		if p["disable_notification"] != "true" {
			t.Errorf("form %d (%s) is not silent: %v", i, c.Method, p)
		}
		if c.Method == "sendMessage" && !strings.Contains(p["link_preview_options"], `"is_disabled":true`) {
			t.Errorf("form %d shows a link preview: %v", i, p)
		}
	}
	got := h.tg.SentTo(71)
	if len(got) != 1 || got[0].ParseMode != "" || len(got[0].ReplyMarkup) != 0 || len(got[0].Photo) != 0 || !strings.Contains(got[0].ParsedText, "خبر بصورة") {
		t.Errorf("chat 71 got %+v, want the plain-text card", got)
	}
}

// TestChatWithoutPhotoRightsGetsText: where the bot may send text but not
// photos, a photo card goes as text at once, buttons and choices kept, and
// the next cards go as text without trying the photo again.
func TestChatWithoutPhotoRightsGetsText(t *testing.T) {
	// Parallel: it waits on the pace of one group and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	h := newHarness(t, bot.Config{CardImages: true}, telegramtest.Options{})
	const group = -100720
	h.saveChat(t, group, "supergroup", storage.Settings{Silent: true})
	h.tg.Restrict(group, telegramtest.NoPhotoRights)
	h.enqueueItem(t, h.photoItem(t, "nophoto-1", "خبر أول"), false, group)
	h.deliver(t, 1)
	h.enqueueItem(t, h.photoItem(t, "nophoto-2", "خبر ثان"), false, group)
	h.deliver(t, 2)
	var methods []string
	for _, c := range sendsTo(h.tg, group) {
		methods = append(methods, c.Method)
		if c.Params["disable_notification"] != "true" || !strings.Contains(c.Params["reply_markup"], "inline_keyboard") {
			t.Errorf("%s lost the chat's choices or the buttons: %v", c.Method, c.Params)
		}
	}
	if got, want := strings.Join(methods, ","), "sendPhoto,sendMessage,sendMessage"; got != want {
		t.Errorf("sends = %s, want %s", got, want)
	}
	if paused, _ := h.store.PausedChats(context.Background(), 0); len(paused) != 0 {
		t.Errorf("a chat that takes text was paused: %+v", paused)
	}
}

// TestEditUsesTheKindOfMessageSent: a card sent as a photo is edited with
// editMessageCaption even when its new text no longer fits a caption (the
// caption is cut to fit); a card sent as text, because the chat takes no
// photos, is edited with editMessageText though its item has an image.
func TestEditUsesTheKindOfMessageSent(t *testing.T) {
	// Parallel: it waits on the pace of one group and has its own store prefix, fakes and clock; it reads no rate.
	t.Parallel()
	h := newHarness(t, bot.Config{CardImages: true}, telegramtest.Options{})
	ctx := context.Background()
	const textChat = -100820
	h.tg.Restrict(textChat, telegramtest.NoPhotoRights)
	it := h.photoItem(t, "edit-1", "عنوان أول")
	h.enqueueItem(t, it, false, 81, textChat)
	h.deliver(t, 2)
	if p := h.tg.SentTo(81); len(p) != 1 || len(p[0].Photo) == 0 {
		t.Fatalf("chat 81 got %+v, want a photo card", p)
	}

	it.Title = "عنوان معدّل"
	it.Summary = strings.Repeat("تفاصيل جديدة كثيرة عن الخبر. ", 60) // far past a caption
	if err := h.store.SaveItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	h.enqueueItem(t, it, true, 81, textChat)
	h.deliver(t, 2)
	for _, c := range []struct {
		chat   int64
		method string
	}{{81, "editMessageCaption"}, {textChat, "editMessageText"}} {
		recs := h.tg.SentTo(c.chat)
		if len(recs) != 2 || !recs[1].Edited || !strings.Contains(recs[1].ParsedText, "عنوان معدّل") {
			t.Errorf("chat %d records = %+v, want the card then its edit", c.chat, recs)
			continue
		}
		if c.chat == 81 && len([]rune(recs[1].ParsedText)) > 1024 {
			t.Errorf("caption of %d characters, over 1024", len([]rune(recs[1].ParsedText)))
		}
		calls := 0
		for _, call := range h.tg.Calls(c.method) {
			if call.Params["chat_id"] == strconv.FormatInt(c.chat, 10) {
				calls++
			}
		}
		if calls != 1 {
			t.Errorf("chat %d: %d %s calls, want 1", c.chat, calls, c.method)
		}
	}
	// The same edit again changes nothing: Telegram says so, no harm.
	h.enqueueItem(t, it, true, 81)
	h.deliver(t, 2)
	st := h.tg.Stats()
	if st.ClientErrors["Bad Request: there is no text in the message to edit"]+st.ClientErrors["Bad Request: there is no caption in the message to edit"] != 0 {
		t.Errorf("edits of the wrong kind: %v", st.ClientErrors)
	}
	if n := st.ClientErrors["Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"]; n != 1 {
		t.Errorf("%d edits not modified, want the one repeated", n)
	}
}

// TestChannelSubscribeChecksTheBotFirst: /subscribe @channel where the bot
// is not an admin says so, without asking about the user (which a bot that
// is not the channel's admin cannot do).
func TestChannelSubscribeChecksTheBotFirst(t *testing.T) {
	h := conversationHarness(t)
	ctx := context.Background()
	channel := telegramtest.Chat{ID: -100777, Type: "channel", Title: "قناة الأخبار", Username: "akhbar_channel"}
	h.tg.AddChat(channel)
	owner := bot.User{ID: 301, FirstName: "مالكة القناة", LanguageCode: "ar"}
	h.tg.SetChatMember(channel.ID, owner.ID, "creator")
	h.tg.SetChatMember(channel.ID, telegramtest.BotID, "member")
	if err := h.bot.HandleUpdate(ctx, msg(bot.Chat{ID: owner.ID, Type: "private"}, owner, "/subscribe @akhbar_channel almamlaka")); err != nil {
		t.Fatal(err)
	}
	got := h.tg.SentTo(owner.ID)
	if len(got) != 1 || !strings.Contains(got[0].ParsedText, "لأنني لست مشرفاً فيها") {
		t.Errorf("reply = %+v, want: make the bot an admin", got)
	}
	for _, c := range h.tg.Calls("getChatMember") {
		if c.Params["user_id"] == strconv.FormatInt(owner.ID, 10) {
			t.Errorf("getChatMember asked about the user: %v", c.Params)
		}
	}
	if subs, _ := h.store.Subscriptions(ctx, channel.ID); len(subs) != 0 {
		t.Errorf("channel subscriptions = %v, want none", subs)
	}
}

// TestBadPhotoGoesAsText: an image Telegram cannot use costs one refused
// sendPhoto, then the card goes as text with its buttons, as a delivered
// card and as the answer to a shared item's link.
func TestBadPhotoGoesAsText(t *testing.T) {
	fast := bot.Limits{PrivatePerSecond: 1000, GroupPerMinute: 60000, GlobalPerSecond: 1000}
	h := newHarness(t, bot.Config{CardImages: true, Limits: fast}, telegramtest.Options{})
	ctx := context.Background()
	const badImage = `{"ok":false,"error_code":400,"description":"Bad Request: wrong file identifier/HTTP URL specified"}`
	it := h.photoItem(t, "badphoto", "خبر بصورة معطوبة")
	h.tg.FailNext("sendPhoto", 400, badImage)
	h.enqueueItem(t, it, false, 91)
	h.deliver(t, 1)
	h.tg.FailNext("sendPhoto", 400, badImage)
	u := bot.User{ID: 92, FirstName: "سارة", LanguageCode: "ar"}
	if err := h.bot.HandleUpdate(ctx, msg(bot.Chat{ID: u.ID, Type: "private"}, u, "/start i_"+it.ID)); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []int64{91, 92} {
		var methods []string
		for _, c := range sendsTo(h.tg, chat) {
			methods = append(methods, c.Method)
		}
		got := h.tg.SentTo(chat)
		if strings.Join(methods, ",") != "sendPhoto,sendMessage" || len(got) != 1 || len(got[0].ReplyMarkup) == 0 ||
			!strings.Contains(got[0].ParsedText, "خبر بصورة معطوبة") {
			t.Errorf("chat %d: sends %v, got %+v; want a refused photo, then the text card with its buttons", chat, methods, got)
		}
	}
}
