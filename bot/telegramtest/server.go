// Package telegramtest is a fake Telegram Bot API server for tests, load
// scenarios and the bot's local mode. It keeps state like Telegram does
// (updates, chats, message ids, memberships, commands, webhook), speaks the
// real wire format so go-telegram-bot-api decodes its answers, answers with
// Telegram's exact error bodies, parses HTML like Telegram, and can enforce
// Telegram's rate limits so a load test can prove the bot never floods.
//
// Where it departs from Telegram, it is stricter, on purpose, to catch
// rendering bugs that Telegram would show to users instead of rejecting:
//   - HTML: an '&' that starts no supported entity (&nbsp;, &rsquo;, "AT&T")
//     is a 400, where Telegram shows it literally (Options.LenientEntities
//     turns this off); see ParseHTML.
//   - Inline buttons must carry exactly one action; Telegram silently uses
//     the first.
//   - Sizes Telegram does not publish are read strictly: a reply_markup over
//     4,096 bytes of compact JSON and a button or photo URL over 2,048
//     bytes are refused (see maxMarkupBytes), and button URLs need an
//     explicit scheme.
//   - Flood limits (Options.Limits) are sliding windows judged when each
//     send arrives: 30 in any 1,000 ms means a 31st send 999 ms after the
//     first is a 429, however evenly the bot meant to space them
//     (Options.LenientLimits forgives bursts and jitter instead).
//
// Error descriptions are Telegram's own where known: the HTML parser's come
// from tdlib's parse_html, and the chat, flood, length, button and command
// errors from the Bot API. The fake words its stricter checks itself
// ("Unsupported HTML entity …", "exactly one of the optional fields must be
// used …"), as well as the rarer malformed-parameter messages (bad JSON in
// results, scope or link_preview_options, webhook secret tokens). Markdown
// parse modes are accepted but not parsed.
package telegramtest

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BotID is the user id of the fake's bot.
const BotID = 1000

// Options configures a Server. The zero value is a usable, limit-free server.
type Options struct {
	// Token is the only token accepted in /bot<token>/<method>; any other
	// gets 401 Unauthorized. Default "1000:telegramtest".
	Token string
	// BotUsername is the bot's username (getMe). Default "akhbar_test_bot".
	BotUsername string

	// Limits enforces Telegram's flood limits on sendMessage and sendPhoto
	// with 429 answers (edits and other methods are not limited). They are
	// read strictly, as seen by the server when each send arrives: at most
	// GlobalPerSecond sends in any 1,000 ms over all chats, at most
	// PrivatePerSecond in any 1,000 ms per private chat, at most
	// GroupPerMinute in any 60 s per group, supergroup or channel. Telegram
	// documents "about 30 messages per second"; a bot that passes this
	// reading passes any gentler one. LenientLimits reads them as before.
	Limits bool
	// GlobalPerSecond is the bulk limit over all chats. Default 30.
	GlobalPerSecond float64
	// PaidPerSecond is the bulk limit for sends with
	// allow_paid_broadcast=true, which use their own window. Default 1000.
	PaidPerSecond float64
	// PrivatePerSecond is the limit per private chat. Default 1. A rate
	// under one a second is one send per 1/rate (0.25: one in any 4 s).
	PrivatePerSecond float64
	// GroupPerMinute is the limit per group, supergroup or channel
	// (chat id < 0). Default 20.
	GroupPerMinute float64
	// LenientLimits judges the limits as token buckets (GCRA) that forgive
	// Burst back-to-back sends and Jitter of early arrival, instead of the
	// strict windows. Only for tests that measure something other than
	// pacing and need a fake that forgives bunched arrivals.
	LenientLimits bool
	// Burst is how many back-to-back sends a chat's bucket tolerates before
	// 429 under LenientLimits. Default 1: a chat takes one message per
	// interval.
	Burst int
	// GlobalBurst is the same for the bulk buckets. Default 5.
	GlobalBurst int
	// Jitter is, under LenientLimits, how early a send may arrive, on top
	// of the bursts, before a bucket answers 429: the network and
	// scheduling jitter of a correctly paced bot, whose sends leave on time
	// but arrive bunched on a loaded machine. In both modes it is how long
	// after a bulk 429 sends to other chats are taken as already in flight
	// rather than early (Stats.EarlyGlobalRetries). Default 250ms; negative
	// means none.
	Jitter time.Duration
	// NetworkDelay delays each request by a random time in [0,
	// NetworkDelay] (real time) before it arrives, as a network does:
	// sends that left evenly spaced arrive bunched, and one may overtake
	// another. The delays are drawn from NetworkSeed's sequence, one per
	// request in the order requests come in.
	NetworkDelay time.Duration
	NetworkSeed  uint64

	// Now is the clock for limits, dates and records. Default time.Now.
	// Long polling and fault delays always use real time.
	Now func() time.Time
	// OnUnknownMethod is called (outside any lock) for each request to a
	// method the fake does not implement; tests pass a t.Errorf wrapper so a
	// new API call cannot go unnoticed. The request still gets 404.
	OnUnknownMethod func(method string)
	// WebhookClient, when set, makes the fake deliver updates to the URL of
	// setWebhook with this client (pass an httptest TLS server's Client()),
	// with the secret in X-Telegram-Bot-Api-Secret-Token. Telegram's port
	// rule (80, 88, 443, 8443) is then waived so a local server can listen.
	// Without it a webhook is recorded but nothing is delivered.
	WebhookClient *http.Client
	// NoCallLog stops recording calls (Calls returns nothing; Stats still
	// counts them), for load tests where a million parameter maps would
	// dominate memory.
	NoCallLog bool
	// LenientEntities makes sends accept HTML entities Telegram leaves
	// undecoded (&nbsp;), exactly like Telegram, instead of rejecting them
	// as ParseHTML does.
	LenientEntities bool
}

func (o *Options) setDefaults() {
	if o.Token == "" {
		o.Token = "1000:telegramtest"
	}
	if o.BotUsername == "" {
		o.BotUsername = "akhbar_test_bot"
	}
	if o.GlobalPerSecond <= 0 {
		o.GlobalPerSecond = 30
	}
	if o.PaidPerSecond <= 0 {
		o.PaidPerSecond = 1000
	}
	if o.PrivatePerSecond <= 0 {
		o.PrivatePerSecond = 1
	}
	if o.GroupPerMinute <= 0 {
		o.GroupPerMinute = 20
	}
	if o.Burst <= 0 {
		o.Burst = 1
	}
	if o.GlobalBurst <= 0 {
		o.GlobalBurst = 5
	}
	switch {
	case o.Jitter == 0:
		o.Jitter = 250 * time.Millisecond
	case o.Jitter < 0:
		o.Jitter = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Faults makes the fake fail at random, for load tests of the bot's retry
// and back-off logic. Rates are probabilities per request in [0, 1].
type Faults struct {
	// Seed seeds the random source, so a failing run can be replayed.
	Seed uint64
	// Rate429 answers 429 with a retry_after drawn from
	// [RetryAfterMin, RetryAfterMax] seconds (defaults 1 and 5). The chat
	// is parked for that long, as with a real 429.
	Rate429                      float64
	RetryAfterMin, RetryAfterMax int
	// Rate5xx answers 502 with an HTML body, as a proxy in front of
	// Telegram does.
	Rate5xx float64
	// RateSlow delays the answer by SlowDelay (real time).
	RateSlow  float64
	SlowDelay time.Duration
	// Methods limits the faults to these methods (case-insensitive).
	// Default: every method except getMe and getUpdates.
	Methods []string
}

// Server is a fake Telegram Bot API server. All methods are safe for
// concurrent use.
type Server struct {
	opts    Options
	bot     *User // shared by every sent message; never modified
	ts      *httptest.Server
	handler http.Handler
	closed  chan struct{}
	close   sync.Once
	// ctx ends with Close; webhook deliveries run under it.
	ctx        context.Context
	cancel     context.CancelFunc
	delivering sync.WaitGroup

	mu             sync.Mutex
	chats          map[int64]*chatState
	users          map[int64]User
	updates        []Update
	nextUpdateID   int
	allowedUpdates []string
	updateSignal   signal        // broadcast when updates arrive
	poller         chan struct{} // closed to terminate the running getUpdates
	webhook        webhookInfo
	webhookRunning bool // a deliverLoop is running
	sent           records[Message]
	sentCount      int    // records with Edited == false
	sentSignal     signal // broadcast when a record is added
	calls          records[Call]
	stats          Stats
	failNext       map[string][]injected
	faults         Faults
	faultMethods   map[string]bool
	rng            *rand.Rand
	slowing        int // requests held by a slow fault right now
	global, paid   buckets
	netMu          sync.Mutex // guards netRng, apart from mu: delays are drawn outside it
	netRng         *rand.Rand // NetworkDelay's draws
	globalParked   time.Time  // a bulk 429 asked everyone to wait until then
	globalParkedAt time.Time  // when that 429 was answered
	commands       map[string][]BotCommand
	nextQueryID    int
	callbacks      map[string]bool // id → answered
	callbackAns    []CallbackAnswer
	inlineQueries  map[string]bool // id → answered
	inlineAns      []InlineAnswer
	files          map[string]storedFile // by file_id: documents sent or uploaded
	nextFileID     int
}

// storedFile is a document's bytes, served at /file/bot<token>/<path>.
type storedFile struct {
	name string
	data []byte
}

type chatState struct {
	chat   Chat
	nextID int
	fail   *apiError // set by Block, Kick, Migrate, FailChat
	// restriction makes sends fail (Restrict) until lifted.
	restriction Restriction
	members     map[int64]string
	// msgs maps a message id (minus one) to the index (plus one) in Sent of
	// the latest record of that bot message; 0 is a message the bot did not
	// send, and a negated value a deleted one. Dense ids make a slice of
	// int32 enough, where a map of copies would double a load test's memory.
	msgs []int32
	// records lists the indexes in Sent of this chat's records, so SentTo
	// costs the chat's messages, not everyone's.
	records     []int32
	limit       buckets
	parkedUntil time.Time
}

// botMessageLocked returns the current state of bot message id in cs, if
// it exists and was not deleted.
func (s *Server) botMessageLocked(cs *chatState, id int) (Message, bool) {
	if id < 1 || id > len(cs.msgs) || cs.msgs[id-1] <= 0 {
		return Message{}, false
	}
	m := s.sent.at(int(cs.msgs[id-1] - 1))
	m.Edited = false
	return m, true
}

// setMessage points bot message id of cs at record index rec.
func (cs *chatState) setMessage(id, rec int) {
	for len(cs.msgs) < id {
		cs.msgs = append(cs.msgs, 0)
	}
	cs.msgs[id-1] = int32(rec + 1)
}

type webhookInfo struct {
	URL         string
	SecretToken string
}

type injected struct {
	status int
	body   string
}

// NewServer starts a fake on a loopback port. Close it when done.
func NewServer(opts Options) *Server {
	s := NewUnstarted(opts)
	s.ts = httptest.NewServer(s.handler)
	return s
}

// NewUnstarted returns a fake that listens nowhere: mount Handler on a
// listener of your own (the bot's local mode does). URL returns "".
func NewUnstarted(opts Options) *Server {
	opts.setDefaults()
	s := &Server{
		opts:          opts,
		closed:        make(chan struct{}),
		chats:         make(map[int64]*chatState),
		users:         make(map[int64]User),
		files:         make(map[string]storedFile),
		failNext:      make(map[string][]injected),
		commands:      make(map[string][]BotCommand),
		callbacks:     make(map[string]bool),
		inlineQueries: make(map[string]bool),
		nextUpdateID:  1,
		stats:         Stats{Calls: map[string]int{}, ClientErrors: map[string]int{}, ChatViolations: map[int64]int{}},
	}
	if opts.NetworkDelay > 0 {
		s.netRng = rand.New(rand.NewPCG(opts.NetworkSeed, opts.NetworkSeed^0x5851f42d4c957f2d))
	}
	bot := s.botUser()
	s.bot = &bot
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

// Handler serves the Bot API under /bot<token>/<method>.
func (s *Server) Handler() http.Handler { return s.handler }

// URL is the base URL, like "http://127.0.0.1:port"; clients call
// URL()+"/bot<token>/<method>".
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Token is the token the fake accepts.
func (s *Server) Token() string { return s.opts.Token }

// Close ends pending long polls (they answer with no updates) and stops the
// listener. It is safe to call more than once.
func (s *Server) Close() {
	s.close.Do(func() { close(s.closed) })
	// Cancel under the lock that setWebhook holds to start a delivery, so
	// no delivery starts after the Wait below has begun.
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.delivering.Wait()
	if s.ts != nil {
		s.ts.Close()
	}
}

// networkDelay holds a request for its draw of NetworkDelay, so it arrives
// (and meets the limits) that much later than it was sent.
func (s *Server) networkDelay(ctx context.Context) {
	d := s.drawDelay()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.closed:
	}
}

// drawDelay draws the next request's network delay; 0 without NetworkDelay.
func (s *Server) drawDelay() time.Duration {
	if s.netRng == nil {
		return 0
	}
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return time.Duration(s.netRng.Int64N(int64(s.opts.NetworkDelay) + 1))
}

// apiError is an error answer.
type apiError struct {
	status      int
	description string
	retryAfter  int
	migrateTo   int64
}

func (e *apiError) Error() string { return e.description }

func errorf(status int, description string) *apiError {
	return &apiError{status: status, description: description}
}

type responseParameters struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	RetryAfter      int   `json:"retry_after,omitempty"`
}

type errorBody struct {
	OK          bool                `json:"ok"`
	ErrorCode   int                 `json:"error_code"`
	Description string              `json:"description"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

func (e *apiError) body() []byte {
	b := errorBody{ErrorCode: e.status, Description: e.description}
	if e.retryAfter != 0 || e.migrateTo != 0 {
		b.Parameters = &responseParameters{MigrateToChatID: e.migrateTo, RetryAfter: e.retryAfter}
	}
	out, _ := json.Marshal(b) // cannot fail: plain strings and numbers
	return out
}

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{status: http.StatusTooManyRequests, description: "Too Many Requests: retry after " + strconv.Itoa(retryAfter), retryAfter: retryAfter}
}

type okBody struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.networkDelay(r.Context())
	if path, isFile := strings.CutPrefix(r.URL.Path, "/file/bot"); isFile {
		s.serveFile(w, path)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, methodName, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || strings.Contains(methodName, "/") {
		writeJSON(w, http.StatusNotFound, errorf(http.StatusNotFound, "Not Found").body())
		return
	}
	if token != s.opts.Token {
		writeJSON(w, http.StatusUnauthorized, errorf(http.StatusUnauthorized, "Unauthorized").body())
		return
	}
	m, known := methods[strings.ToLower(methodName)]
	name := methodName
	if known {
		name = m.name
	}
	params, files, perr := readParams(w, r)
	now := s.opts.Now()

	if !known {
		if s.opts.OnUnknownMethod != nil {
			s.opts.OnUnknownMethod(methodName)
		}
		e := errorf(http.StatusNotFound, "Not Found: method not found")
		s.finish(name, params, now, e.status, e)
		writeJSON(w, e.status, e.body())
		return
	}
	if perr != nil {
		s.finish(name, params, now, perr.status, perr)
		writeJSON(w, perr.status, perr.body())
		return
	}
	if status, body, isFault := s.fault(r.Context(), name, params, now); isFault {
		s.finish(name, params, now, status, nil)
		if strings.HasPrefix(body, "{") {
			writeJSON(w, status, []byte(body))
		} else {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
		return
	}

	req := &request{ctx: r.Context(), method: strings.ToLower(name), p: params, files: files, now: now}
	result, e := m.handle(s, req)
	if e != nil {
		s.finish(name, params, now, e.status, e)
		writeJSON(w, e.status, e.body())
		return
	}
	body, err := json.Marshal(okBody{OK: true, Result: result})
	if err != nil {
		e := errorf(http.StatusInternalServerError, "Internal Server Error: "+err.Error())
		s.finish(name, params, now, e.status, e)
		writeJSON(w, e.status, e.body())
		return
	}
	s.finish(name, params, now, http.StatusOK, nil)
	writeJSON(w, http.StatusOK, body)
}

// finish records a call and counts its outcome.
func (s *Server) finish(method string, params map[string]string, now time.Time, status int, e *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.NoCallLog {
		s.calls.add(Call{Method: method, Params: params, Time: now, Status: status})
	}
	s.stats.Calls[method]++
	switch {
	case status == http.StatusTooManyRequests:
		s.stats.TooManyRequests++
	case status >= 500:
		s.stats.ServerErrors++
	case status >= 400 && e != nil:
		s.stats.ClientErrors[e.description]++
	}
}

// request is one decoded API call.
type request struct {
	ctx    context.Context
	method string // lower-case
	p      map[string]string
	files  map[string][]byte // uploaded files, by parameter
	now    time.Time
}

// queueLocked queues an update for getUpdates, assigning its update_id.
func (s *Server) queueLocked(u Update) {
	u.UpdateID = s.nextUpdateID
	s.nextUpdateID++
	s.updates = append(s.updates, u)
	s.updateSignal.notifyLocked()
}

// signal wakes every goroutine waiting for something to happen under the
// server's lock: waitLocked hands out a channel that notifyLocked closes.
// The channel is made only when someone waits.
type signal struct{ ch chan struct{} }

func (g *signal) waitLocked() <-chan struct{} {
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

func (g *signal) notifyLocked() {
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}

// waitingLocked reports whether anyone waits.
func (g *signal) waitingLocked() bool { return g.ch != nil }

// chatLocked returns the state of a chat, creating it on first sight.
func (s *Server) chatLocked(id int64) *chatState {
	cs := s.chats[id]
	if cs == nil {
		cs = &chatState{chat: Chat{ID: id, Type: chatTypeFor(id)}, nextID: 1}
		if id > 0 {
			if u, ok := s.users[id]; ok {
				cs.chat.FirstName, cs.chat.LastName, cs.chat.Username = u.FirstName, u.LastName, u.Username
			}
		}
		s.chats[id] = cs
	}
	return cs
}

func chatTypeFor(id int64) string {
	switch {
	case id > 0:
		return "private"
	case id <= -1000000000000:
		return "supergroup"
	default:
		return "group"
	}
}

// AddChat registers a chat's type, title and username (getChat answers with
// them, @username chat ids resolve, Kick words its error by type). Chats
// need no registration otherwise.
func (s *Server) AddChat(c Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addChatLocked(c)
}

func (s *Server) addChatLocked(c Chat) Chat {
	cs := s.chatLocked(c.ID)
	if c.Type == "" {
		c.Type = cs.chat.Type
	}
	if c.Type == "private" && c.FirstName == "" {
		c.FirstName, c.LastName, c.Username = cs.chat.FirstName, cs.chat.LastName, cs.chat.Username
	}
	cs.chat = c
	return c
}

// UserMessage queues a message from a user, as Telegram delivers it: a
// leading /command gets its bot_command entity. It returns the message id,
// taken from the chat's own sequence.
func (s *Server) UserMessage(chat Chat, from User, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.fromUserLocked(chat, from, text)
	chat, id := m.Chat, m.MessageID
	if n := commandLength(text); n > 0 {
		m.Entities = []MessageEntity{{Type: "bot_command", Offset: 0, Length: n}}
	}
	if chat.Type == "channel" {
		m.From = nil
		m.SenderChat = &chat
		s.queueLocked(Update{ChannelPost: m})
	} else {
		s.queueLocked(Update{Message: m})
	}
	return id
}

// UserDocument queues a message from a user carrying a file (a document)
// with an optional caption, as Telegram delivers it; getFile and the file
// download then serve data. It returns the message id and the file id.
func (s *Server) UserDocument(chat Chat, from User, name string, data []byte, caption string) (messageID int, fileID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.fromUserLocked(chat, from, caption)
	m.Document = s.storeFileLocked(name, data)
	s.queueLocked(Update{Message: m})
	return m.MessageID, m.Document.FileID
}

// fromUserLocked makes a user's message in chat, numbered from the chat's
// own sequence, known to the server as its users and chats are.
func (s *Server) fromUserLocked(chat Chat, from User, text string) *Message {
	s.users[from.ID] = from
	chat = s.addChatLocked(chat)
	cs := s.chats[chat.ID]
	id := cs.nextID
	cs.nextID++
	return &Message{MessageID: id, From: &from, Date: s.opts.Now().Unix(), Chat: chat, ChatID: chat.ID, Text: text}
}

// storeFileLocked keeps a file's bytes under a new file id.
func (s *Server) storeFileLocked(name string, data []byte) *Document {
	s.nextFileID++
	id := "doc" + strconv.Itoa(s.nextFileID)
	s.files[id] = storedFile{name: name, data: data}
	return &Document{FileID: id, FileUniqueID: "u" + id, FileName: name, FileSize: int64(len(data))}
}

// File returns the bytes of a file the fake holds (a document the bot sent,
// or one UserDocument queued).
func (s *Server) File(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	return f.data, ok
}

// serveFile is Telegram's file download: /file/bot<token>/<file_path>,
// the path getFile answered (here the file id).
func (s *Server) serveFile(w http.ResponseWriter, path string) {
	token, fileID, ok := strings.Cut(path, "/")
	if !ok || token != s.opts.Token {
		http.NotFound(w, nil)
		return
	}
	s.mu.Lock()
	f, ok := s.files[fileID]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}

// commandLength is the UTF-16 length of a leading "/command[@bot]", or 0.
func commandLength(text string) int {
	if !strings.HasPrefix(text, "/") {
		return 0
	}
	n := 1
	for n < len(text) {
		c := text[n]
		if !isAlnum(c) && c != '_' && c != '@' {
			break
		}
		n++
	}
	if n == 1 {
		return 0
	}
	return n // ASCII only, so bytes == UTF-16 units
}

// CallbackQuery queues a press of an inline button with data on message
// messageID in chat, and returns the query id answerCallbackQuery needs.
func (s *Server) CallbackQuery(chat Chat, from User, messageID int, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	chat = s.addChatLocked(chat)
	s.nextQueryID++
	id := "cb" + strconv.Itoa(s.nextQueryID)
	msg := Message{MessageID: messageID, Chat: chat, ChatID: chat.ID, Date: s.opts.Now().Unix()}
	if m, ok := s.botMessageLocked(s.chats[chat.ID], messageID); ok {
		msg = m
	}
	s.callbacks[id] = false
	s.queueLocked(Update{CallbackQuery: &CallbackQuery{
		ID: id, From: from, Message: &msg, ChatInstance: "ci" + strconv.FormatInt(chat.ID, 10), Data: data,
	}})
	return id
}

// InlineQuery queues an inline query from a user and returns its id.
func (s *Server) InlineQuery(from User, query, offset string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	s.nextQueryID++
	id := "iq" + strconv.Itoa(s.nextQueryID)
	s.inlineQueries[id] = false
	s.queueLocked(Update{InlineQuery: &InlineQuery{ID: id, From: from, Query: query, Offset: offset}})
	return id
}

// MyChatMember queues a my_chat_member update for a change of the bot's
// status in chat from oldStatus to newStatus, made by from, and applies it:
// "kicked" in a private chat blocks the bot there, "left" or "kicked" in a
// group removes it, "member" or "administrator" undoes either. A
// "restricted" bot carries the rights the chat's restriction leaves it
// (SetBotRights changes them).
func (s *Server) MyChatMember(chat Chat, from User, oldStatus, newStatus string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[from.ID] = from
	chat = s.addChatLocked(chat)
	cs := s.chats[chat.ID]
	old := s.botMemberLocked(cs, oldStatus)
	switch newStatus {
	case "kicked", "left":
		if chat.Type == "private" {
			cs.fail = blockedError()
		} else {
			cs.fail = kickedError(chat.Type)
		}
	case "member", "administrator", "creator":
		cs.fail = nil
		cs.restriction = ""
	}
	s.setMemberLocked(cs, BotID, newStatus)
	s.queueLocked(Update{MyChatMember: &ChatMemberUpdated{
		Chat: chat, From: from, Date: s.opts.Now().Unix(),
		OldChatMember: old, NewChatMember: s.botMemberLocked(cs, newStatus),
	}})
}

func (s *Server) botUser() User {
	return User{ID: BotID, IsBot: true, FirstName: "akhbar", Username: s.opts.BotUsername}
}

func (s *Server) setMemberLocked(cs *chatState, userID int64, status string) {
	if cs.members == nil {
		cs.members = make(map[int64]string)
	}
	cs.members[userID] = status
}

// SetChatMember sets a user's status in a chat ("creator", "administrator",
// "member", "left", "kicked"); getChatMember and getChatAdministrators
// answer from it. Unset users are "member"; the bot is "administrator".
func (s *Server) SetChatMember(chatID, userID int64, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setMemberLocked(s.chatLocked(chatID), userID, status)
}

func blockedError() *apiError {
	return errorf(http.StatusForbidden, "Forbidden: bot was blocked by the user")
}

func kickedError(chatType string) *apiError {
	switch chatType {
	case "supergroup":
		return errorf(http.StatusForbidden, "Forbidden: bot was kicked from the supergroup chat")
	case "channel":
		return errorf(http.StatusForbidden, "Forbidden: bot was kicked from the channel chat")
	case "private":
		return blockedError()
	}
	return errorf(http.StatusForbidden, "Forbidden: bot was kicked from the group chat")
}

// Block makes every send or edit to chatID fail with 403 "Forbidden: bot was
// blocked by the user".
func (s *Server) Block(chatID int64) {
	s.FailChat(chatID, http.StatusForbidden, "Forbidden: bot was blocked by the user")
}

// Kick makes every send to chatID fail with 403 "Forbidden: bot was kicked
// from the group chat" (supergroup or channel chat, by the chat's type).
func (s *Server) Kick(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chatLocked(chatID)
	cs.fail = kickedError(cs.chat.Type)
	s.setMemberLocked(cs, BotID, "kicked")
}

// Migrate makes sends to the group from fail with 400 "Bad Request: group
// chat was upgraded to a supergroup chat" and parameters.migrate_to_chat_id
// = to; to becomes a supergroup.
func (s *Server) Migrate(from, to int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chatLocked(from)
	cs.fail = &apiError{status: http.StatusBadRequest, description: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: to}
	dst := s.chatLocked(to)
	dst.chat.Type = "supergroup"
	if dst.chat.Title == "" {
		dst.chat.Title = cs.chat.Title
	}
}

// FailChat makes every send or edit to chatID fail with this status and
// description, e.g. 403 "Forbidden: user is deactivated" or 400 "Bad Request:
// chat not found". Status 0 clears any failure.
func (s *Server) FailChat(chatID int64, status int, description string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chatLocked(chatID)
	if status == 0 {
		cs.fail = nil
		return
	}
	cs.fail = errorf(status, description)
}

// FailNext makes the next call of method (case-insensitive) answer status
// with body verbatim, before any other handling. Calls queue up: two calls
// fail the next two requests. A body starting with "{" is sent as JSON,
// anything else as HTML (a proxy's 502 page); an empty body becomes
// Telegram's JSON error for the status. A 429 body's retry_after parks the
// request's chat like a real 429.
func (s *Server) FailNext(method string, status int, body string) {
	if body == "" {
		e := errorf(status, http.StatusText(status))
		if status == http.StatusTooManyRequests {
			e = tooManyRequests(1)
		}
		body = string(e.body())
	}
	key := strings.ToLower(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[key] = append(s.failNext[key], injected{status: status, body: body})
}

// SetFaults replaces the random faults; the zero Faults turns them off.
func (s *Server) SetFaults(f Faults) {
	if f.RetryAfterMin <= 0 {
		f.RetryAfterMin = 1
	}
	if f.RetryAfterMax < f.RetryAfterMin {
		f.RetryAfterMax = f.RetryAfterMin + 4
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	s.faultMethods = nil
	if len(f.Methods) > 0 {
		s.faultMethods = make(map[string]bool)
		for _, m := range f.Methods {
			s.faultMethods[strings.ToLower(m)] = true
		}
	}
}

const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"

// fault decides whether this call fails by injection, and parks the chat of
// an injected 429.
func (s *Server) fault(ctx context.Context, method string, params map[string]string, now time.Time) (int, string, bool) {
	key := strings.ToLower(method)
	s.mu.Lock()
	status, body, hit := 0, "", false
	if q := s.failNext[key]; len(q) > 0 {
		status, body, hit = q[0].status, q[0].body, true
		s.failNext[key] = q[1:]
	} else if s.rng != nil && s.faultApplies(key) {
		switch f := s.faults; {
		case s.rng.Float64() < f.Rate429:
			n := f.RetryAfterMin + s.rng.IntN(f.RetryAfterMax-f.RetryAfterMin+1)
			status, body, hit = http.StatusTooManyRequests, string(tooManyRequests(n).body()), true
		case s.rng.Float64() < f.Rate5xx:
			status, body, hit = http.StatusBadGateway, badGatewayHTML, true
		case s.rng.Float64() < f.RateSlow:
			delay := f.SlowDelay
			s.slowing++
			s.mu.Unlock()
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
			case <-s.closed:
			}
			t.Stop()
			s.mu.Lock()
			s.slowing--
			s.mu.Unlock()
			return 0, "", false
		}
	}
	if hit && status == http.StatusTooManyRequests {
		var b errorBody
		if json.Unmarshal([]byte(body), &b) == nil && b.Parameters != nil && b.Parameters.RetryAfter > 0 {
			if id, err := strconv.ParseInt(params["chat_id"], 10, 64); err == nil && isSendMethod(key) {
				cs := s.chatLocked(id)
				cs.parkedUntil = now.Add(time.Duration(b.Parameters.RetryAfter) * time.Second)
			}
		}
	}
	s.mu.Unlock()
	return status, body, hit
}

func (s *Server) faultApplies(method string) bool {
	if s.faultMethods != nil {
		return s.faultMethods[method]
	}
	return method != "getme" && method != "getupdates"
}

// Calls returns every recorded call of method (case-insensitive), in arrival
// order; method "" returns all calls.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls.filter(func(c *Call) bool { return method == "" || strings.EqualFold(c.Method, method) })
}

// Sent returns every message successfully sent or edited, in order.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent.from(0)
}

// SentSince returns the records after the first n, for callers that follow
// the stream (the local-mode web page).
func (s *Server) SentSince(n int) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent.from(n)
}

// SentTo returns the records of one chat.
func (s *Server) SentTo(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil || len(cs.records) == 0 {
		return nil
	}
	out := make([]Message, len(cs.records))
	for i, idx := range cs.records {
		out[i] = s.sent.at(int(idx))
	}
	return out
}

// WaitSent blocks until at least n messages were sent (edits do not count)
// or ctx ends, so tests wait on an event instead of sleeping.
func (s *Server) WaitSent(ctx context.Context, n int) error {
	return s.wait(ctx, n, "sent messages", func() int { return s.sentCount })
}

// WaitRecords blocks until Sent holds at least n records (sends and edits)
// or ctx ends; with SentSince it lets a viewer follow the conversation.
func (s *Server) WaitRecords(ctx context.Context, n int) error {
	return s.wait(ctx, n, "records", func() int { return s.sent.len() })
}

func (s *Server) wait(ctx context.Context, n int, what string, count func() int) error {
	for {
		s.mu.Lock()
		got := count()
		if got >= n {
			s.mu.Unlock()
			return nil
		}
		ch := s.sentSignal.waitLocked()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return &waitError{want: n, got: got, what: what, err: ctx.Err()}
		}
	}
}

type waitError struct {
	want, got int
	what      string
	err       error
}

func (e *waitError) Error() string {
	return "wait for " + strconv.Itoa(e.want) + " " + e.what + " (have " + strconv.Itoa(e.got) + "): " + e.err.Error()
}

func (e *waitError) Unwrap() error { return e.err }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = make(map[string]int, len(s.stats.Calls))
	for k, v := range s.stats.Calls {
		st.Calls[k] = v
	}
	st.ClientErrors = make(map[string]int, len(s.stats.ClientErrors))
	for k, v := range s.stats.ClientErrors {
		st.ClientErrors[k] = v
	}
	st.ChatViolations = make(map[int64]int, len(s.stats.ChatViolations))
	for k, v := range s.stats.ChatViolations {
		st.ChatViolations[k] = v
	}
	return st
}

// Commands returns the command list set for a scope ("default",
// "all_private_chats", "chat:<id>", …) and language code ("" for all).
func (s *Server) Commands(scope, languageCode string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BotCommand(nil), s.commands[scope+"|"+languageCode]...)
}

// CallbackAnswers returns every accepted answerCallbackQuery.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.callbackAns...)
}

// InlineAnswers returns every accepted answerInlineQuery.
func (s *Server) InlineAnswers() []InlineAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]InlineAnswer(nil), s.inlineAns...)
}

// Webhook returns the webhook URL and secret token set by setWebhook ("" if
// none).
func (s *Server) Webhook() (url, secretToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook.URL, s.webhook.SecretToken
}

// PendingUpdates is the number of updates not yet confirmed by getUpdates.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}
