package telegramtest

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestRestrict: each restriction answers sends with Telegram's own 400,
// text and photos as it says; edits still work; a my_chat_member update
// that gives the bot its rights back lifts it.
func TestRestrict(t *testing.T) {
	tests := map[string]struct {
		r           Restriction
		text, photo bool // allowed
	}{
		"no text rights":    {NoTextRights, false, true},
		"no photo rights":   {NoPhotoRights, true, false},
		"no rights":         {NoRights, false, false},
		"not channel admin": {NotChannelAdmin, false, false},
		"write forbidden":   {WriteForbidden, false, false},
		"deactivated":       {Deactivated, false, false},
		"topic closed":      {TopicClosed, false, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv, bot := newBot(t, Options{})
			srv.AddChat(super)
			before, err := bot.Send(tgbotapi.NewMessage(super.ID, "قبل"))
			if err != nil {
				t.Fatal(err)
			}
			srv.Restrict(super.ID, tc.r)
			check := func(what string, c tgbotapi.Chattable, allowed bool) {
				t.Helper()
				_, err := bot.Send(c)
				switch {
				case allowed && err != nil:
					t.Errorf("%s: %v, want sent", what, err)
				case !allowed:
					if e := apiErr(t, err); e.Code != 400 || e.Message != string(tc.r) {
						t.Errorf("%s: %d %q, want 400 %q", what, e.Code, e.Message, tc.r)
					}
				}
			}
			check("text", tgbotapi.NewMessage(super.ID, "نص"), tc.text)
			check("photo", tgbotapi.NewPhoto(super.ID, tgbotapi.FileURL("https://example.com/a.jpg")), tc.photo)
			if _, err := bot.Send(tgbotapi.NewEditMessageText(super.ID, before.MessageID, "معدّل")); err != nil {
				t.Errorf("edit under a restriction: %v", err)
			}
			srv.MyChatMember(super, alice, "restricted", "administrator")
			check("text after the rights came back", tgbotapi.NewMessage(super.ID, "نص"), true)
			check("photo after the rights came back", tgbotapi.NewPhoto(super.ID, tgbotapi.FileURL("https://example.com/a.jpg")), true)
		})
	}
	srv, bot := newBot(t, Options{})
	srv.Restrict(super.ID, NoRights)
	srv.Restrict(super.ID, "")
	if _, err := bot.Send(tgbotapi.NewMessage(super.ID, "x")); err != nil {
		t.Errorf("after lifting: %v", err)
	}
}

// TestEditKindsAndNotModified: a photo's caption is edited with
// editMessageCaption, never editMessageText, and the other way round; an
// edit that changes nothing is "message is not modified".
func TestEditKindsAndNotModified(t *testing.T) {
	_, bot := newBot(t, Options{})
	photo, err := bot.Send(tgbotapi.NewPhoto(42, tgbotapi.FileURL("https://example.com/a.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	text, err := bot.Send(tgbotapi.NewMessage(42, "نص"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		c    tgbotapi.Chattable
		want string
	}{
		"text of a photo":    {tgbotapi.NewEditMessageText(42, photo.MessageID, "x"), "Bad Request: there is no text in the message to edit"},
		"caption of a text":  {tgbotapi.NewEditMessageCaption(42, text.MessageID, "x"), "Bad Request: there is no caption in the message to edit"},
		"same text":          {tgbotapi.NewEditMessageText(42, text.MessageID, "نص"), "Bad Request: " + notModified},
		"same empty caption": {tgbotapi.NewEditMessageCaption(42, photo.MessageID, ""), "Bad Request: " + notModified},
	} {
		_, err := bot.Send(tc.c)
		if e := apiErr(t, err); e.Message != tc.want {
			t.Errorf("%s: %q, want %q", name, e.Message, tc.want)
		}
	}
	if got, err := bot.Send(tgbotapi.NewEditMessageCaption(42, photo.MessageID, "تعليق")); err != nil || got.Caption != "تعليق" {
		t.Errorf("caption edit = %q, %v", got.Caption, err)
	}
}

// TestChannelMembersNeedAnAdminBot: a bot reads the members of a channel
// only as its admin; its own status it can always read.
func TestChannelMembersNeedAnAdminBot(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.AddChat(channel)
	srv.SetChatMember(channel.ID, 7, "creator")
	get := func(uid int64) (tgbotapi.ChatMember, error) {
		return bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: channel.ID, UserID: uid}})
	}
	if m, err := get(7); err != nil || m.Status != "creator" {
		t.Fatalf("as admin: %+v, %v", m, err)
	}
	srv.SetChatMember(channel.ID, BotID, "member")
	_, err := get(7)
	if e := apiErr(t, err); e.Message != "Bad Request: member list is inaccessible" {
		t.Errorf("as a member: %q, want member list is inaccessible", e.Message)
	}
	if m, err := get(BotID); err != nil || m.Status != "member" {
		t.Errorf("the bot's own status: %+v, %v", m, err)
	}
}

// TestSetBotRights: an admin editing the restricted bot's rights changes
// what it may send, and Telegram's my_chat_member update and getChatMember
// say what it may: restricted, with can_send_messages.
func TestSetBotRights(t *testing.T) {
	srv, bot := newBot(t, Options{})
	srv.AddChat(super)
	srv.Restrict(super.ID, NoRights)
	send := func() (text, photo error) {
		_, text = bot.Send(tgbotapi.NewMessage(super.ID, "نص"))
		_, photo = bot.Send(tgbotapi.NewPhoto(super.ID, tgbotapi.FileURL("https://example.com/a.jpg")))
		return text, photo
	}
	member := func() tgbotapi.ChatMember {
		m, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: super.ID, UserID: BotID}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tc := range []struct {
		rights      Rights
		text, photo string // the refusal, "" when sent
	}{
		{Rights{Messages: true}, "", string(NoPhotoRights)},
		{Rights{Photos: true}, string(NoTextRights), ""},
		{Rights{}, string(NoRights), string(NoRights)},
		{Rights{Messages: true, Photos: true}, "", ""},
	} {
		srv.SetBotRights(super, alice, tc.rights)
		text, photo := send()
		for what, got := range map[string]struct {
			err  error
			want string
		}{"text": {text, tc.text}, "photo": {photo, tc.photo}} {
			switch {
			case got.want == "" && got.err != nil:
				t.Errorf("%+v: %s refused: %v", tc.rights, what, got.err)
			case got.want != "":
				if e := apiErr(t, got.err); e.Message != got.want {
					t.Errorf("%+v: %s refused with %q, want %q", tc.rights, what, e.Message, got.want)
				}
			}
		}
		if m := member(); m.Status != "restricted" || !m.IsMember || m.CanSendMessages != tc.rights.Messages {
			t.Errorf("%+v: getChatMember = %+v", tc.rights, m)
		}
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 4 {
		t.Fatalf("updates = %+v, %v", ups, err)
	}
	for i, want := range []bool{true, false, false, true} {
		mc := ups[i].MyChatMember
		if mc == nil || mc.NewChatMember.Status != "restricted" || mc.NewChatMember.CanSendMessages != want || mc.From.ID != alice.ID {
			t.Errorf("update %d = %+v, want restricted with can_send_messages %v", i, mc, want)
		}
	}
	if old := ups[1].MyChatMember.OldChatMember; old.Status != "restricted" || !old.CanSendMessages {
		t.Errorf("update 1's old member = %+v, want the rights before the change", old)
	}
}
