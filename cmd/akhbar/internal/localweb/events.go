package localweb

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
)

// Event is one change to what the page shows: a message appears or
// changes (Type "message"), or disappears ("delete").
type Event struct {
	Seq  int    `json:"seq"`
	Type string `json:"type"`
	Chat int64  `json:"chat"`
	// Key names the message on the page across its edits.
	Key string `json:"key"`
	Msg *Msg   `json:"msg,omitempty"`
}

// Msg is a message as a Telegram client receives it: the text after
// parsing, its entities and its buttons, never HTML.
type Msg struct {
	// ID is the message id in the chat; 0 for a card the person posted
	// through inline mode, which the fake does not see.
	ID       int                          `json:"id,omitempty"`
	Out      bool                         `json:"out"`           // the person sent it
	Via      string                       `json:"via,omitempty"` // posted through this bot's inline mode
	Text     string                       `json:"text"`
	Entities []telegramtest.MessageEntity `json:"entities,omitempty"`
	// Markup is the reply_markup as the bot sent it ({"inline_keyboard":…}).
	Markup json.RawMessage `json:"markup,omitempty"`
	// Photo is the photo's URL, when the bot sent one by URL.
	Photo string `json:"photo,omitempty"`
	// Document is the file the bot sent (sendDocument), Text its caption.
	Document *Document `json:"document,omitempty"`
	Date     int64     `json:"date"`
	Edited   bool      `json:"edited,omitempty"`
	// Call is the Bot API call that made this version of the message.
	Call *Call `json:"call,omitempty"`
}

// Document is a file in a message, as the page offers it.
type Document struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	// URL downloads it from the page (the fake holds the bytes).
	URL string `json:"url"`
}

// Call is a Bot API call as the bot made it: the method and every
// parameter, JSON-typed ones (reply_markup, results) as JSON.
type Call struct {
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
}

func messageKey(chat int64, id int) string {
	return "m" + strconv.FormatInt(chat, 10) + "_" + strconv.Itoa(id)
}

// addLocked appends an event and wakes the event streams.
func (s *Server) addLocked(ev Event) {
	ev.Seq = len(s.events) + 1
	if ev.Msg != nil {
		s.msgs[ev.Key] = *ev.Msg
	} else {
		delete(s.msgs, ev.Key)
	}
	s.events = append(s.events, ev)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) add(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(ev)
}

// Events returns the events after the first n, and a channel closed when
// there are more.
func (s *Server) Events(n int) ([]Event, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = min(max(n, 0), len(s.events))
	return append([]Event(nil), s.events[n:]...), s.changed
}

// handleEvents streams the events as server-sent events, from the start
// or, on a reconnect, after the Last-Event-ID the browser sends.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	next, _ := strconv.Atoi(r.Header.Get("Last-Event-ID"))
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// A comment now and then keeps proxies and the browser from timing
	// the stream out while no news comes.
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		evs, changed := s.Events(next)
		for _, ev := range evs {
			data, err := json.Marshal(ev)
			if err != nil {
				s.log.Error("chat page event", "error", err)
				continue
			}
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", ev.Seq, data); err != nil {
				return
			}
			next = ev.Seq
		}
		flusher.Flush()
		select {
		case <-changed:
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
}
