package telegramtest

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestWireGolden pins the exact JSON the fake answers for a scripted
// conversation, so a reviewer can compare it with the Bot API documentation.
func TestWireGolden(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Token: "7:g", Now: clk.Now})
	defer srv.Close()
	post := func(method string, form url.Values) json.RawMessage {
		t.Helper()
		resp, err := http.PostForm(srv.URL()+"/bot7:g/"+method, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return json.RawMessage(readAll(t, resp))
	}
	sent := post("sendMessage", url.Values{
		"chat_id": {"42"}, "parse_mode": {"HTML"},
		"text":         {`<b>عاجل:</b> وقف إطلاق النار 😀 <a href="https://example.com/a">المصدر</a>`},
		"reply_markup": {`{"inline_keyboard":[[{"text":"المزيد","callback_data":"more:1"}]]}`},
	})
	srv.UserMessage(private, alice, "/latest غزة")
	srv.CallbackQuery(private, alice, 1, "more:1")
	srv.InlineQuery(alice, "بيروت", "")
	srv.MyChatMember(group, alice, "left", "member")
	srv.UserMessage(channel, alice, "منشور")
	updates := post("getUpdates", url.Values{})
	errAnswer := post("sendMessage", url.Values{"chat_id": {"42"}, "text": {"<p>"}, "parse_mode": {"HTML"}})

	var buf bytes.Buffer
	for _, part := range []struct {
		name string
		raw  json.RawMessage
	}{{"sendMessage", sent}, {"getUpdates", updates}, {"sendMessage error", errAnswer}} {
		buf.WriteString("// " + part.name + "\n")
		if err := json.Indent(&buf, part.raw, "", "  "); err != nil {
			t.Fatalf("%s answer is not JSON: %v\n%s", part.name, err, part.raw)
		}
		buf.WriteString("\n")
	}
	golden := filepath.Join("testdata", "wire.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("wire format mismatch (-want +got):\n%s", diff)
	}
}

// TestConcurrentSends drives the fake from many goroutines (run with -race)
// and checks ids stay unique and dense per chat.
func TestConcurrentSends(t *testing.T) {
	srv, bot := newBot(t, Options{NoCallLog: true})
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				chat := int64(100 + (w*perWorker+i)%5)
				if _, err := bot.Send(tgbotapi.NewMessage(chat, "خبر")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() { _, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1}) }()
	wg.Wait()
	for chat := int64(100); chat < 105; chat++ {
		seen := map[int]bool{}
		for _, m := range srv.SentTo(chat) {
			if seen[m.MessageID] {
				t.Errorf("chat %d: message id %d used twice", chat, m.MessageID)
			}
			seen[m.MessageID] = true
		}
		for id := 1; id <= len(seen); id++ {
			if !seen[id] {
				t.Errorf("chat %d: ids not dense, %d missing of %d", chat, id, len(seen))
			}
		}
	}
	if st := srv.Stats(); st.Sent != workers*perWorker || st.Calls["sendMessage"] != workers*perWorker {
		t.Errorf("stats sent %d calls %d, want %d", st.Sent, st.Calls["sendMessage"], workers*perWorker)
	}
	if n := len(srv.Calls("")); n != 0 {
		t.Errorf("NoCallLog kept %d calls", n)
	}
}
