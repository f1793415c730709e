// Command akhbar is the akhbar news bot: it polls news sources, summarises
// new items in Arabic and delivers them to subscribed Telegram chats.
//
//	akhbar [run] [-config file]   run the bot (local mode without a token)
//	akhbar check [-config file]   validate a config file
//	akhbar summarize [-chars N] [f] print the extractive summary of an article
//	akhbar deadletters [-n N]     list deliveries that kept failing
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
