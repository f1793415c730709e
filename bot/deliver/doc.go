// Package deliver is the delivery engine (Engine): the per-chat scheduler
// and its senders, the recorder of sent records, digests, the send side
// of edits and broadcasts, the Telegram error policy, and the paced sends
// of replies, with their building blocks: the bot-wide pacer (Pacer), the
// shared pre-send checker (Checker), the Telegram outage tracker (Outage)
// and the gate a send passes before it leaves (Gate, ChatReady). It
// declares the few store methods it uses (Store), the Sender and the card
// Renderer it needs; package bot wires them to storage.Store, Telegram and
// its catalog.
package deliver
