package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// deliverLoop posts queued updates to the webhook one at a time and in
// order, as Telegram does: an update leaves the queue only when the bot
// answers 2xx; failures are retried with back-off (10 ms doubling to 1 s, in
// real time). It ends when the server closes, or when it finds the webhook
// removed.
func (s *Server) deliverLoop(client *http.Client) {
	defer s.delivering.Done()
	backoff := 10 * time.Millisecond
	for {
		s.mu.Lock()
		wh := s.webhook
		if wh.URL == "" || s.ctx.Err() != nil {
			s.webhookRunning = false
			s.mu.Unlock()
			return
		}
		if len(s.updates) == 0 {
			arrived := s.updateSignal.waitLocked()
			s.mu.Unlock()
			select {
			case <-arrived:
			case <-s.ctx.Done():
			}
			continue
		}
		u := s.updates[0]
		if !s.allowedLocked(u) {
			s.updates = s.updates[1:] // Telegram never delivers it
			s.mu.Unlock()
			continue
		}
		s.mu.Unlock()

		ok := s.post(client, wh, u)

		s.mu.Lock()
		if ok {
			if len(s.updates) > 0 && s.updates[0].UpdateID == u.UpdateID {
				s.updates = s.updates[1:]
			}
			s.stats.WebhookDeliveries++
		} else {
			s.stats.WebhookFailures++
		}
		s.mu.Unlock()
		if ok {
			backoff = 10 * time.Millisecond
			continue
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-s.ctx.Done():
		}
		t.Stop()
		backoff = min(2*backoff, time.Second)
	}
}

// post sends one update to the webhook and reports whether the bot took it.
func (s *Server) post(client *http.Client, wh webhookInfo, u Update) bool {
	body, err := json.Marshal(u)
	if err != nil {
		return false
	}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, wh.URL, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.SecretToken != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.SecretToken)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}
