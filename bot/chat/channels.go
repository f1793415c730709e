package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/tg"
)

// channelStore is what a channel's subscriptions, managed from a private
// chat, read and change; storage.Store implements it.
type channelStore interface {
	Subscribe(ctx context.Context, chatID int64, target string) (bool, error)
	Subscriptions(ctx context.Context, chatID int64) ([]string, error)
	Unsubscribe(ctx context.Context, chatID int64, target string) (bool, error)
}

// manageChannel handles "/subscribe @channel <source|topic>" and
// "/unsubscribe @channel …" sent in a private chat: a channel owner manages
// the channel's subscriptions from a conversation with the bot. Both the
// user and the bot must be admins of the channel (a bot that is not an
// admin cannot post there).
func (h *turn) manageChannel(ctx context.Context, m *tg.InMessage, cmd string, args []string, lang string, reply func(string, [][]tg.Button) error) error {
	t := channelTexts(lang)
	ch, err := h.sender.ChatInfo(ctx, args[0])
	var rl *tg.RateLimitError
	switch {
	case errors.As(err, &rl):
		return err
	case err != nil || (ch.Type != "channel" && ch.Type != "supergroup" && ch.Type != "group"):
		return reply(fmt.Sprintf(t.NotFound, card.Escape(card.Embed(lang, args[0]))), nil)
	}
	name := ch.Title
	if name == "" {
		name = args[0]
	}
	// The bot first: it cannot read a channel's members unless it is an
	// admin there, so asking about the user first would answer "you are
	// not an admin" to the channel's owner.
	if h.cfg.BotID != 0 {
		botStatus, err := h.sender.ChatMemberStatus(ctx, ch.ID, h.cfg.BotID)
		if errors.As(err, &rl) {
			return err
		}
		if err != nil || botStatus != "administrator" {
			return reply(fmt.Sprintf(t.BotNotAdmin, card.Escape(card.Embed(lang, name))), nil)
		}
	}
	userStatus, err := h.sender.ChatMemberStatus(ctx, ch.ID, m.From.ID)
	if errors.As(err, &rl) {
		return err
	}
	if err != nil || !adminStatus(userStatus) {
		return reply(fmt.Sprintf(t.YouNotAdmin, card.Escape(card.Embed(lang, name))), nil)
	}
	if _, err := h.rememberChat(ctx, ch, m.From); err != nil {
		return err
	}
	if len(args) < 2 {
		subs, err := h.store.Subscriptions(ctx, ch.ID)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			return reply(fmt.Sprintf(t.NoSubs, card.Escape(card.Embed(lang, name))), nil)
		}
		names := make([]string, len(subs))
		for i, s := range subs {
			names[i] = card.Escape(h.targetLabel(s, lang))
		}
		sep := ", "
		if card.RTL(lang) {
			sep = "، "
		}
		return reply(fmt.Sprintf(t.Current, card.Escape(card.Embed(lang, name)), strings.Join(names, sep)), nil)
	}
	target, tname := h.resolveTarget(strings.Join(args[1:], " "))
	if target == "" {
		return reply(fmt.Sprintf(card.Texts(lang).UnknownTarget, card.Escape(card.Embed(lang, tname))), nil)
	}
	if cmd == "unsubscribe" {
		if _, err := h.store.Unsubscribe(ctx, ch.ID, target); err != nil {
			return err
		}
		return reply(fmt.Sprintf(t.Unsubscribed, card.Escape(card.Embed(lang, name)), card.Escape(h.targetLabel(target, lang))), nil)
	}
	if _, err := h.store.Subscribe(ctx, ch.ID, target); err != nil {
		return err
	}
	h.log.Info("channel subscribed from a private chat", "chat_id", ch.ID, "user_id", m.From.ID, "target", target)
	return reply(fmt.Sprintf(t.Subscribed, card.Escape(card.Embed(lang, name)), card.Escape(h.targetLabel(target, lang))), nil)
}

type channelText struct {
	NotFound, YouNotAdmin, BotNotAdmin, Subscribed, Unsubscribed, Current, NoSubs string
}

var channelAr = channelText{
	NotFound:     "لم أجد القناة أو المجموعة %s. هل المعرّف صحيح، وهل أنا عضو فيها؟",
	YouNotAdmin:  "لا يغيّر اشتراكات «%s» إلا مشرفوها.",
	BotNotAdmin:  "لا أستطيع النشر في «%s» لأنني لست مشرفاً فيها. بعد ترقيتي إلى مشرف يمكن المحاولة من جديد.",
	Subscribed:   "✅ تم اشتراك «%s» في %s.",
	Unsubscribed: "تم إلغاء اشتراك «%s» في %s.",
	Current:      "اشتراكات «%s»: %s",
	NoSubs:       "لا اشتراكات في «%s» بعد.",
}

var channelEn = channelText{
	NotFound:     "I could not find the channel or group %s. Is the username right, and am I a member there?",
	YouNotAdmin:  "Only the admins of “%s” change its subscriptions.",
	BotNotAdmin:  "I cannot post in “%s”: I am not an admin there. Once I am, you can try again.",
	Subscribed:   "✅ “%s” is subscribed to %s.",
	Unsubscribed: "“%s” is unsubscribed from %s.",
	Current:      "Subscriptions of “%s”: %s",
	NoSubs:       "“%s” has no subscriptions yet.",
}

func channelTexts(lang string) *channelText { return card.Pick(lang, &channelAr, &channelEn) }
