package telegramtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// A test scripts the user's side with the Server's methods and drives the
// bot through a real client; errors come back exactly as Telegram sends them.
func Example() {
	srv := telegramtest.NewServer(telegramtest.Options{Token: "123:test"})
	defer srv.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		panic(err)
	}

	user := telegramtest.User{ID: 42, FirstName: "علياء"}
	srv.UserMessage(telegramtest.Chat{ID: 42, Type: "private"}, user, "/start")
	updates, _ := bot.GetUpdates(tgbotapi.UpdateConfig{})
	fmt.Println("command:", updates[0].Message.Command())

	card := tgbotapi.NewMessage(42, "<b>عاجل:</b> خبر")
	card.ParseMode = tgbotapi.ModeHTML
	if _, err := bot.Send(card); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitSent(ctx, 1); err != nil {
		panic(err)
	}
	fmt.Println("user sees:", srv.SentTo(42)[0].ParsedText)

	srv.Block(42)
	_, err = bot.Send(tgbotapi.NewMessage(42, "x"))
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.Message)
	}
	// Output:
	// command: start
	// user sees: عاجل: خبر
	// 403 Forbidden: bot was blocked by the user
}

func ExampleParseHTML() {
	text, err := telegramtest.ParseHTML(`<b>عاجل</b> &amp; <i>مهم</i>`)
	fmt.Printf("%q %v\n", text, err)
	_, err = telegramtest.ParseHTML("خبر<br>")
	fmt.Println(err)
	// Output:
	// "عاجل & مهم" <nil>
	// can't parse entities: Unsupported start tag "br" at byte offset 6
}
