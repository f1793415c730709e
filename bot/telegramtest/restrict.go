package telegramtest

// Restriction is a condition of a chat in which the bot may not post, or
// may not post photos, and that retrying cannot change: Telegram answers
// every such send with a 400 until the chat's admins change something.
// Its value is Telegram's description of the answer.
type Restriction string

// The restrictions Telegram is known to answer with. Those that forbid
// text forbid photos too, except NoTextRights: a chat can allow photos and
// not text.
const (
	// NoTextRights: the bot is restricted from sending text messages.
	NoTextRights Restriction = "Bad Request: not enough rights to send text messages to the chat"
	// NoPhotoRights: the bot may send text but not photos.
	NoPhotoRights Restriction = "Bad Request: not enough rights to send photos to the chat"
	// NoRights: the bot may not send anything.
	NoRights Restriction = "Bad Request: have no rights to send a message"
	// NotChannelAdmin: a channel where the bot is a member, not an admin.
	NotChannelAdmin Restriction = "Bad Request: need administrator rights in the channel chat"
	// WriteForbidden: the chat forbids the bot to write.
	WriteForbidden Restriction = "Bad Request: CHAT_WRITE_FORBIDDEN"
	// Deactivated: the group was deactivated.
	Deactivated Restriction = "Bad Request: group is deactivated"
	// TopicClosed: the forum topic the bot posts to was closed.
	TopicClosed Restriction = "Bad Request: TOPIC_CLOSED"
)

// Restrict puts a chat in a condition where sends (sendMessage, sendPhoto,
// as the restriction says) fail with Telegram's 400 for it; "" lifts it.
// Edits and the read methods are not affected. A restriction of the bot's
// rights also sets its member status there ("restricted", or "member" in a
// channel), and a my_chat_member update to "member" or "administrator"
// (MyChatMember) lifts it, as when an admin gives the rights back.
func (s *Server) Restrict(chatID int64, r Restriction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chatLocked(chatID)
	cs.restriction = r
	switch r {
	case NoTextRights, NoPhotoRights, NoRights, WriteForbidden:
		s.setMemberLocked(cs, BotID, "restricted")
	case NotChannelAdmin:
		s.setMemberLocked(cs, BotID, "member")
	}
}

// restrictionLocked is the answer the chat's restriction gives a send by
// method (lower-case), or nil.
func (cs *chatState) restrictionLocked(method string) *apiError {
	switch r := cs.restriction; {
	case r == "":
		return nil
	case r == NoPhotoRights && method != "sendphoto":
		return nil
	case r == NoTextRights && method != "sendmessage":
		return nil
	default:
		return &apiError{status: 400, description: string(r)}
	}
}

// Rights are what the bot, restricted in a group, may send there.
type Rights struct{ Messages, Photos bool }

// SetBotRights changes what the bot, restricted in a supergroup, may send,
// as an admin editing its permissions does, and queues the my_chat_member
// update Telegram sends for it: "restricted" → "restricted", the new member
// carrying can_send_messages and can_send_photos. Sends then fail with the
// restriction the rights leave (none when both are given).
func (s *Server) SetBotRights(chat Chat, from User, r Rights) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	chat = s.addChatLocked(chat)
	cs := s.chats[chat.ID]
	old := s.botMemberLocked(cs, "restricted")
	switch {
	case r.Messages && r.Photos:
		cs.restriction = ""
	case r.Messages:
		cs.restriction = NoPhotoRights
	case r.Photos:
		cs.restriction = NoTextRights
	default:
		cs.restriction = NoRights
	}
	s.setMemberLocked(cs, BotID, "restricted")
	s.queueLocked(Update{MyChatMember: &ChatMemberUpdated{
		Chat: chat, From: from, Date: s.opts.Now().Unix(),
		OldChatMember: old, NewChatMember: s.botMemberLocked(cs, "restricted"),
	}})
}

// botMemberLocked is the bot as a member of status in cs; a "restricted"
// bot carries the rights the chat's restriction leaves it.
func (s *Server) botMemberLocked(cs *chatState, status string) ChatMember {
	m := ChatMember{User: s.botUser(), Status: status}
	if status != "restricted" {
		return m
	}
	yes := true
	text := cs.restrictionLocked("sendmessage") == nil
	photos := cs.restrictionLocked("sendphoto") == nil
	m.IsMember, m.CanSendMessages, m.CanSendPhotos = &yes, &text, &photos
	return m
}
