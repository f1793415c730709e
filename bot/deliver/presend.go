package deliver

// The gates of package deliver (Gate) as the bot's senders use
// them, wired to this replica's pacer and outage tracker.

// deliveryGate is the gate of the delivery workers' sends: cards, edits
// and broadcasts alike. What differs between them comes before it (what
// their CheckSend asks) and after it (what Telegram's answer does), not in
// it.
func (e *Engine) deliveryGate(run *sendRun) Gate {
	return Gate{Slots: e.dl.pacer, Owns: run.owns, Outage: &e.dl.outage, Now: e.cfg.Now}
}

// replyGate is the gate of replies and digests: the slot alone.
func (e *Engine) replyGate() Gate {
	return Gate{Slots: e.dl.pacer, Now: e.cfg.Now}
}
