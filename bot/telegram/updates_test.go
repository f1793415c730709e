package telegram

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestConvertMyChatMemberRights: a my_chat_member update in which the bot
// is "restricted" carries whether it may still send messages; the other
// statuses carry no such right (an admin or member may send anyway).
func TestConvertMyChatMemberRights(t *testing.T) {
	const head = `{"update_id":7,"my_chat_member":{"chat":{"id":-1001,"type":"supergroup","title":"غرفة"},` +
		`"from":{"id":201,"is_bot":false,"first_name":"مشرف"},"date":1700000000,` +
		`"old_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"akhbar"},"status":"restricted","is_member":true,"can_send_messages":false},` +
		`"new_chat_member":`
	for name, tc := range map[string]struct {
		member string
		status string
		can    bool
	}{
		"restricted, may send":     {`{"user":{"id":1,"is_bot":true,"first_name":"akhbar"},"status":"restricted","is_member":true,"can_send_messages":true,"can_send_photos":false,"until_date":0}`, "restricted", true},
		"restricted, may not send": {`{"user":{"id":1,"is_bot":true,"first_name":"akhbar"},"status":"restricted","is_member":true,"can_send_messages":false,"can_send_photos":true,"until_date":0}`, "restricted", false},
		"member":                   {`{"user":{"id":1,"is_bot":true,"first_name":"akhbar"},"status":"member"}`, "member", false},
	} {
		t.Run(name, func(t *testing.T) {
			var u tgbotapi.Update
			if err := json.Unmarshal([]byte(head+tc.member+`}}`), &u); err != nil {
				t.Fatal(err)
			}
			mc := Convert(u).MyChatMember
			if mc == nil || mc.OldStatus != "restricted" || mc.NewStatus != tc.status || mc.CanSendMessages != tc.can {
				t.Errorf("member change = %+v, want restricted → %s, can send messages %v", mc, tc.status, tc.can)
			}
		})
	}
}

// TestPollCarriesBotRights: the rights the fake's SetBotRights gives the
// restricted bot reach the bot through getUpdates.
func TestPollCarriesBotRights(t *testing.T) {
	c, srv := newClient(t, telegramtest.Options{})
	group := telegramtest.Chat{ID: -1001, Type: "supergroup", Title: "غرفة"}
	admin := telegramtest.User{ID: 201, FirstName: "مشرف"}
	srv.AddChat(group)
	srv.Restrict(group.ID, telegramtest.NoRights)
	srv.SetBotRights(group, admin, telegramtest.Rights{Messages: true})
	srv.SetBotRights(group, admin, telegramtest.Rights{Photos: true})
	ctx, cancel := context.WithCancel(context.Background())
	var got []bot.MemberChange
	handle := func(_ context.Context, u bot.Update) error {
		if u.MyChatMember != nil {
			got = append(got, *u.MyChatMember)
		}
		if len(got) == 2 {
			cancel()
		}
		return nil
	}
	done := make(chan struct{})
	go func() {
		c.Poll(ctx, &memOffsets{}, time.Second, each(handle), slog.New(slog.DiscardHandler))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("poll did not finish")
	}
	if len(got) != 2 || got[0].NewStatus != "restricted" || !got[0].CanSendMessages || got[1].CanSendMessages {
		t.Errorf("member changes = %+v, want restricted with messages, then restricted without", got)
	}
}
