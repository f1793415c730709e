package localweb

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot/telegramtest"
)

// handleSend is the person sending a message (a command, a link, words)
// to a chat: the fake queues it for the bot as Telegram would.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Chat int64  `json:"chat"`
		Text string `json:"text"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	c, ok := s.chat(w, req.Chat)
	if !ok {
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" || utf8.RuneCountInString(text) > 4096 {
		http.Error(w, "a message has 1 to 4096 characters", http.StatusBadRequest)
		return
	}
	// Under the lock, so the person's message is on the page before any
	// reply the bot makes to it.
	s.mu.Lock()
	id := s.tg.UserMessage(s.tgChat(c), s.me, text)
	s.addLocked(Event{Type: "message", Chat: c.ID, Key: messageKey(c.ID, id),
		Msg: &Msg{ID: id, Out: true, Text: text, Date: time.Now().Unix()}})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"id": id})
}

// CallbackAnswer is the bot's answerCallbackQuery: a toast, or an alert.
type CallbackAnswer struct {
	Text      string `json:"text"`
	ShowAlert bool   `json:"show_alert"`
	URL       string `json:"url,omitempty"`
}

// handlePress is the person pressing an inline button with callback data
// under a message: it waits for the bot's answer, which the page shows as
// Telegram does (the edit, if any, arrives as an event).
func (s *Server) handlePress(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Chat    int64  `json:"chat"`
		Message int    `json:"message"`
		Data    string `json:"data"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	c, ok := s.chat(w, req.Chat)
	if !ok {
		return
	}
	if req.Message <= 0 || len(req.Data) == 0 || len(req.Data) > 64 {
		http.Error(w, "a button under a message, with 1 to 64 bytes of data", http.StatusBadRequest)
		return
	}
	ch := make(chan CallbackAnswer, 1)
	s.mu.Lock()
	id := s.tg.CallbackQuery(s.tgChat(c), s.me, req.Message, req.Data)
	s.callbacks[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.callbacks, id)
		s.mu.Unlock()
	}()
	a, err := wait(r, ch, s.closed)
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// wait returns what ch brings, or errTimeout after answerWait.
func wait[T any](r *http.Request, ch <-chan T, closed <-chan struct{}) (T, error) {
	t := time.NewTimer(answerWait)
	defer t.Stop()
	var zero T
	select {
	case v := <-ch:
		return v, nil
	case <-t.C:
		return zero, errTimeout
	case <-closed:
		return zero, errTimeout
	case <-r.Context().Done():
		return zero, r.Context().Err()
	}
}

func (s *Server) deliverCallback(p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p["callback_query_id"]
	if ch, ok := s.callbacks[id]; ok {
		ch <- CallbackAnswer{Text: p["text"], ShowAlert: p["show_alert"] == "true", URL: p["url"]}
		delete(s.callbacks, id)
	}
}

// inlineResult is an InlineQueryResult as the bot sent it.
type inlineResult struct {
	Type                string `json:"type"`
	ID                  string `json:"id"`
	Title               string `json:"title"`
	Description         string `json:"description"`
	ThumbnailURL        string `json:"thumbnail_url"`
	InputMessageContent struct {
		MessageText string `json:"message_text"`
		ParseMode   string `json:"parse_mode"`
	} `json:"input_message_content"`
	ReplyMarkup json.RawMessage `json:"reply_markup"`
}

type inlineAnswer struct {
	queryID    string
	results    []inlineResult
	nextOffset string
	call       *Call
}

// keptAnswers is how many inline answers the page remembers for choosing.
const keptAnswers = 16

// ResultView is an inline result in the list above the message box.
type ResultView struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Thumbnail   string `json:"thumbnail,omitempty"`
}

// handleInline is the person typing "@bot words": the bot's answer comes
// back as the list of results to choose from.
func (s *Server) handleInline(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Chat   int64  `json:"chat"`
		Query  string `json:"query"`
		Offset string `json:"offset"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if _, ok := s.chat(w, req.Chat); !ok {
		return
	}
	if utf8.RuneCountInString(req.Query) > 256 || len(req.Offset) > 64 {
		http.Error(w, "an inline query has at most 256 characters", http.StatusBadRequest)
		return
	}
	ch := make(chan inlineAnswer, 1)
	s.mu.Lock()
	id := s.tg.InlineQuery(s.me, req.Query, req.Offset)
	s.inlines[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.inlines, id)
		s.mu.Unlock()
	}()
	a, err := wait(r, ch, s.closed)
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	reply := struct {
		QueryID    string       `json:"query_id"`
		Results    []ResultView `json:"results"`
		NextOffset string       `json:"next_offset,omitempty"`
		Call       *Call        `json:"call"`
	}{QueryID: id, Results: []ResultView{}, NextOffset: a.nextOffset, Call: a.call}
	for _, res := range a.results {
		v := ResultView{ID: res.ID, Title: res.Title, Description: res.Description}
		if webURL(res.ThumbnailURL) {
			v.Thumbnail = res.ThumbnailURL
		}
		reply.Results = append(reply.Results, v)
	}
	writeJSON(w, http.StatusOK, reply)
}

func (s *Server) deliverInline(p map[string]string) {
	a := inlineAnswer{queryID: p["inline_query_id"], nextOffset: p["next_offset"], call: callOf("answerinlinequery", p)}
	if err := json.Unmarshal([]byte(p["results"]), &a.results); err != nil {
		s.log.Warn("chat page: inline answer", "error", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.inlines[a.queryID]
	if !ok {
		return
	}
	ch <- a
	delete(s.inlines, a.queryID)
	s.answered = append(s.answered, a)
	if len(s.answered) > keptAnswers {
		s.answered = s.answered[len(s.answered)-keptAnswers:]
	}
}

// handleChoose is the person picking an inline result: Telegram posts its
// message in the chat, from the person, "via @bot". The bot is not told
// (it asks for no chosen_inline_result), so only the page changes.
func (s *Server) handleChoose(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Chat     int64  `json:"chat"`
		QueryID  string `json:"query_id"`
		ResultID string `json:"result_id"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	c, ok := s.chat(w, req.Chat)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var res *inlineResult
	var call *Call
	for i := range s.answered {
		if s.answered[i].queryID != req.QueryID {
			continue
		}
		for j := range s.answered[i].results {
			if s.answered[i].results[j].ID == req.ResultID {
				res, call = &s.answered[i].results[j], s.answered[i].call
			}
		}
	}
	if res == nil {
		http.Error(w, "no such result (the list is too old): type the query again", http.StatusNotFound)
		return
	}
	m := Msg{Out: true, Via: s.opts.BotUsername, Markup: res.ReplyMarkup, Date: time.Now().Unix(), Call: call}
	content := res.InputMessageContent
	m.Text = content.MessageText
	if strings.EqualFold(content.ParseMode, "html") {
		text, entities, err := telegramtest.ParseMessageHTML(content.MessageText)
		if err != nil {
			// The fake checked the answer, so this does not happen; if it
			// did, the text shows as it is, never as HTML.
			s.log.Warn("chat page: inline result HTML", "error", err)
		} else {
			m.Text, m.Entities = text, entities
		}
	}
	s.nextLocal++
	s.addLocked(Event{Type: "message", Chat: c.ID, Key: "i" + strconv.Itoa(s.nextLocal), Msg: &m})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}
