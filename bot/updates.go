package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/akhbar/akhbar/bot/chat"
	"github.com/akhbar/akhbar/bot/deliver"
	"github.com/akhbar/akhbar/storage"
)

// maxReplyWait bounds how long an answer to a person may wait for the
// chat's limit or a 429 before it is given up.
const maxReplyWait = 30 * time.Second

// reply sends an answer to a person. It takes the chat's token from the
// same shared limiter as the cards, so replies and deliveries together stay
// within Telegram's limits, and waits out a short 429 once. A chat paused
// for want of rights gets no reply: Telegram would refuse it, and each
// refusal would spend a slot of the bot-wide rate; a my_chat_member update
// resumes the chat once its admins change something.
func (b *Bot) reply(ctx context.Context, m Message) error {
	c, err := b.store.Chat(ctx, m.ChatID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("reply to %d: %w", m.ChatID, err)
	}
	return b.replyIn(ctx, m, c)
}

// replyIn is reply to a chat whose record the caller has read (c; the
// zero Chat when there is none): a command's turn reads it first, and the
// reply takes that read instead of a second one of its own.
func (b *Bot) replyIn(ctx context.Context, m Message, c storage.Chat) error {
	if !c.Paused.IsZero() {
		b.log.Debug("reply to a paused chat not sent", "chat_id", m.ChatID, "paused_why", c.PausedWhy)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, maxReplyWait)
	defer cancel()
	_, err := b.pacedSend(ctx, m)
	if waitedShort429(ctx, err) {
		_, err = b.pacedSend(ctx, m)
	}
	return err
}

// waitedShort429 waits out err when it is a 429 shorter than maxReplyWait
// and reports whether it did: a reply is sent once more, not again after
// a second 429.
func waitedShort429(ctx context.Context, err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl) && rl.RetryAfter < maxReplyWait && deliver.Sleep(ctx, rl.RetryAfter)
}

// replyChange makes a subscription change and sends the reply that
// reports it (reply(changed)) to a chat whose record the caller has read
// (to), as replyIn does. The change goes in the round trip of the reply's
// chat token (deliver's PacedSendChange): it is stored before the reply
// leaves, and costs no round trip of its own. A paused chat gets the
// change alone.
func (b *Bot) replyChange(ctx context.Context, to storage.Chat, ch storage.SubChange, reply func(changed bool) Message) error {
	if !to.Paused.IsZero() {
		b.log.Debug("reply to a paused chat not sent", "chat_id", ch.ChatID, "paused_why", to.PausedWhy)
		_, err := b.store.ChangeSub(ctx, ch)
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, maxReplyWait)
	defer cancel()
	m, _, err := b.eng.PacedSendChange(ctx, ch, reply)
	if waitedShort429(ctx, err) { // the change is made: only the reply again
		_, err = b.pacedSend(ctx, m)
	}
	return err
}

// Command is one entry of the bot's command menu (chat.Command).
type Command = chat.Command

// Commands lists the command menu in a language (chat.Commands).
func Commands(lang string) []Command { return chat.Commands(lang) }
