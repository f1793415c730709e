package telegramtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"
)

func TestWebhookDelivery(t *testing.T) {
	var (
		mu      sync.Mutex
		got     []string
		secrets []string
		calls   int
	)
	delivered := make(chan struct{}, 10)
	hook := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			http.Error(w, "not yet", http.StatusInternalServerError) // Telegram retries
			return
		}
		var u tgbotapi.Update
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		got = append(got, u.Message.Text)
		secrets = append(secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		delivered <- struct{}{}
	}))
	defer hook.Close()

	srv, bot := newBot(t, Options{WebhookClient: hook.Client()})
	srv.UserMessage(private, alice, "قبل") // queued before the webhook exists
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL + "/hook", "secret_token": "s3cret", "allowed_updates": `["message"]`}); err != nil {
		t.Fatal(err)
	}
	srv.InlineQuery(alice, "not allowed", "") // dropped by allowed_updates
	srv.UserMessage(private, alice, "بعد")
	// Deliveries are sequential: once the third arrives, the fake has
	// processed the answers to the first two.
	srv.UserMessage(private, alice, "ثالث")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 3 {
		select {
		case <-delivered:
		case <-ctx.Done():
			t.Fatal("updates were not delivered")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"قبل", "بعد", "ثالث"}, got); diff != "" {
		t.Errorf("delivered updates mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s3cret", "s3cret", "s3cret"}, secrets); diff != "" {
		t.Errorf("secret headers mismatch (-want +got):\n%s", diff)
	}
	if st := srv.Stats(); st.WebhookDeliveries < 2 || st.WebhookFailures != 1 {
		t.Errorf("webhook stats: %d delivered, %d failed; want at least 2 and 1", st.WebhookDeliveries, st.WebhookFailures)
	}
	if n := srv.PendingUpdates(); n > 1 {
		t.Errorf("%d updates still pending, want at most the last", n)
	}
}

// TestCloseStopsWebhookDelivery checks Close does not hang on a webhook that
// never answers.
func TestCloseStopsWebhookDelivery(t *testing.T) {
	block := make(chan struct{})
	hook := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer hook.Close()
	defer close(block)
	srv := NewServer(Options{WebhookClient: hook.Client()})
	resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/setWebhook", map[string][]string{"url": {hook.URL}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.UserMessage(private, alice, "x")
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on a webhook delivery")
	}
}
