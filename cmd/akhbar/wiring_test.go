package main

import (
	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// What the program wires satisfies what each use case declares it needs:
// a store or fetcher method renamed or changed fails to compile here,
// naming the use case, not deep inside bot.New.
var (
	_ poll.Store   = (*storage.Store)(nil)
	_ poll.Fetcher = (*feeds.Fetcher)(nil)
)
