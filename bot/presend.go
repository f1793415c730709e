package bot

import "github.com/akhbar/akhbar/bot/deliver"

// The gates of package deliver (deliver.Gate) as the bot's senders use
// them, wired to this replica's pacer and outage tracker.

// deliveryGate is the gate of the delivery workers' sends: cards, edits
// and broadcasts alike. What differs between them comes before it (what
// their CheckSend asks) and after it (what Telegram's answer does), not in
// it.
func (b *Bot) deliveryGate(run *sendRun) deliver.Gate {
	return deliver.Gate{Slots: b.dl.pacer, Owns: run.owns, Outage: &b.dl.outage, Now: b.cfg.Now}
}

// replyGate is the gate of replies and digests: the slot alone.
func (b *Bot) replyGate() deliver.Gate {
	return deliver.Gate{Slots: b.dl.pacer, Now: b.cfg.Now}
}
