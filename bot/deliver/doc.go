// Package deliver holds the delivery engine's building blocks: the
// bot-wide pacer (Pacer), the shared pre-send checker (Checker), the
// Telegram outage tracker (Outage) and the gate a send passes before it
// leaves (Gate, ChatReady). Each declares the few store methods it uses;
// package bot's delivery loops wire them to storage.Store.
package deliver
