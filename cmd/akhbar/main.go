// Command akhbar is the akhbar news bot: it polls news sources, summarises
// new items in Arabic and delivers them to subscribed Telegram chats.
//
//	akhbar [run] [-config file]   run the bot (a demo, local mode, with no token, config or REDIS_URL)
//	akhbar check [-config file]   validate a config file
//	akhbar preview [-html] feed   print a feed's cards as readers will see them
//	akhbar sources import f.opml  add an OPML file's feeds to the config (checked once)
//	akhbar sources export         print the config's sources as OPML 2.0
//	                              (operators: /export, or send an OPML file, in Telegram)
//	akhbar summarize [-chars N] [f] print the extractive summary of an article
//	akhbar deadletters [-n N]     list deliveries that kept failing
//	akhbar paused [-n N]          list chats the bot may not post to (subscriptions paused)
//	akhbar version                print the version
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones (Asia/Amman) even in scratch containers
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
