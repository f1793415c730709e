package chat

import (
	"context"
	"testing"

	"github.com/akhbar/akhbar/bot/tg"
)

// TestIsAdminNeedsARealChat: there is no admin of chat 0, and a sender chat
// of 0 is nobody's anonymous admin. A zero conversation has no store or sender, so
// an answer that needed a lookup would panic.
func TestIsAdminNeedsARealChat(t *testing.T) {
	h := &turn{Conversation: &Conversation{}}
	for name, c := range map[string]tg.Chat{
		"chat 0, no type": {},
		"chat 0 as group": {Type: "supergroup"},
		"chat 0 private":  {Type: "private"},
	} {
		admin, err := h.isAdmin(context.Background(), c, tg.User{ID: 5}, 0)
		if admin || err != nil {
			t.Errorf("%s: isAdmin = %v, %v; want false", name, admin, err)
		}
	}
	// An anonymous admin still is one: the message's sender chat is the group.
	if admin, err := h.isAdmin(context.Background(), tg.Chat{ID: -100, Type: "supergroup"}, tg.User{ID: 1087968824}, -100); !admin || err != nil {
		t.Errorf("anonymous admin: isAdmin = %v, %v; want true", admin, err)
	}
}
