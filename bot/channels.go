package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// manageChannel handles "/subscribe @channel <source|topic>" and
// "/unsubscribe @channel …" sent in a private chat: a channel owner manages
// the channel's subscriptions from a conversation with the bot. Both the
// user and the bot must be admins of the channel (a bot that is not an
// admin cannot post there).
func (b *Bot) manageChannel(ctx context.Context, m *InMessage, cmd string, args []string, lang string, reply func(string, [][]Button) error) error {
	t := channelTexts(lang)
	ch, err := b.sender.ChatInfo(ctx, args[0])
	var rl *RateLimitError
	switch {
	case errors.As(err, &rl):
		return err
	case err != nil || (ch.Type != "channel" && ch.Type != "supergroup" && ch.Type != "group"):
		return reply(fmt.Sprintf(t.NotFound, esc(args[0])), nil)
	}
	name := ch.Title
	if name == "" {
		name = args[0]
	}
	userStatus, err := b.sender.ChatMemberStatus(ctx, ch.ID, m.From.ID)
	if err != nil || !adminStatus(userStatus) {
		return reply(fmt.Sprintf(t.YouNotAdmin, esc(name)), nil)
	}
	if b.cfg.BotID != 0 {
		botStatus, err := b.sender.ChatMemberStatus(ctx, ch.ID, b.cfg.BotID)
		if err != nil || botStatus != "administrator" {
			return reply(fmt.Sprintf(t.BotNotAdmin, esc(name)), nil)
		}
	}
	if _, err := b.rememberChat(ctx, ch, m.From); err != nil {
		return err
	}
	if len(args) < 2 {
		subs, err := b.store.Subscriptions(ctx, ch.ID)
		if err != nil {
			return err
		}
		names := make([]string, len(subs))
		for i, s := range subs {
			names[i] = esc(b.targetName(s))
		}
		return reply(fmt.Sprintf(t.Current, esc(name), strings.Join(names, "، ")), nil)
	}
	target, tname := b.resolveTarget(strings.Join(args[1:], " "))
	if target == "" {
		return reply(fmt.Sprintf(texts(lang).UnknownTarget, esc(tname)), nil)
	}
	if cmd == "unsubscribe" {
		if _, err := b.store.Unsubscribe(ctx, ch.ID, target); err != nil {
			return err
		}
		return reply(fmt.Sprintf(t.Unsubscribed, esc(name), esc(b.targetName(target))), nil)
	}
	if _, err := b.store.Subscribe(ctx, ch.ID, target); err != nil {
		return err
	}
	b.log.Info("channel subscribed from a private chat", "chat_id", ch.ID, "user_id", m.From.ID, "target", target)
	return reply(fmt.Sprintf(t.Subscribed, esc(name), esc(b.targetName(target))), nil)
}

type channelText struct{ NotFound, YouNotAdmin, BotNotAdmin, Subscribed, Unsubscribed, Current string }

var channelAr = channelText{
	NotFound:     "لم أجد القناة أو المجموعة %s. تأكد من المعرّف وأن البوت مضاف إليها.",
	YouNotAdmin:  "يجب أن تكون مشرفاً في «%s» لتغيير اشتراكاتها.",
	BotNotAdmin:  "أضف البوت مشرفاً في «%s» ليتمكن من النشر فيها، ثم أعد المحاولة.",
	Subscribed:   "✅ «%s» مشتركة الآن في %s.",
	Unsubscribed: "تم إلغاء اشتراك «%s» في %s.",
	Current:      "اشتراكات «%s»: %s",
}

var channelEn = channelText{
	NotFound:     "I could not find the channel or group %s. Check the username and that the bot was added there.",
	YouNotAdmin:  "You must be an admin of “%s” to change its subscriptions.",
	BotNotAdmin:  "Make the bot an admin of “%s” so it can post there, then try again.",
	Subscribed:   "✅ “%s” is now subscribed to %s.",
	Unsubscribed: "“%s” is unsubscribed from %s.",
	Current:      "Subscriptions of “%s”: %s",
}

func channelTexts(lang string) *channelText { return pick(lang, &channelAr, &channelEn) }
