// Package localweb serves local mode's chat page: a web page on loopback
// where a person is a Telegram user talking to the bot, through the fake
// Bot API server (bot/telegramtest) that local mode gives the bot as its
// Telegram. The person has a private chat with the bot, a group where they
// are an admin, one where they are not, and a channel they own; they type
// commands, press buttons, use inline mode and send links, and see every
// message the bot sends there, live, from the exact text, entities and
// buttons of the bot's Bot API calls (Tap records them).
//
// The page is plain HTML, CSS and JavaScript embedded in the binary. It
// never turns message text into markup: the bot's HTML is parsed by the
// fake exactly as Telegram parses it, and the page builds the message from
// the resulting text and entities with DOM text nodes, so nothing from a
// feed can become HTML in the browser.
package localweb

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
)

//go:embed static
var staticFS embed.FS

// DefaultAddr is where the page listens unless told otherwise; when the
// port is taken, Listen falls back to a free one.
const DefaultAddr = "127.0.0.1:8088"

// answerWait bounds how long a button press or an inline query waits for
// the bot's answer. Telegram's clients give up after a similar time.
const answerWait = 15 * time.Second

// Options configures a Server.
type Options struct {
	// TG is the fake Bot API server the bot talks to.
	TG *telegramtest.Server
	// BotName is the bot's display name, the title of the private chat.
	BotName string
	// BotUsername is the bot's username: "@name words" is inline mode, and
	// t.me/name?start=… links open the private chat.
	BotUsername string
	// Log receives the page's own problems; nil discards them.
	Log *slog.Logger
}

// Chat is one of the page's chats, as the page shows it.
type Chat struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"` // private, supergroup or channel
	Title    string `json:"title"`
	Username string `json:"username,omitempty"`
	// Role is the person's status there (Telegram's getChatMember status).
	Role string `json:"role"`
	// Note says, in a line under the title, what the chat is for.
	Note string `json:"note"`
}

// PersonID is the person's user id (local mode makes them an operator);
// ownerID owns the group where the person is a plain member. They must not
// collide with the bot (telegramtest.BotID) or local mode's terminal demo
// reader (4242).
const (
	PersonID = 7001
	ownerID  = 7002
)

// Server is the chat page. Create it with New before the bot starts, so
// the bot's welcome in the groups is among its first updates.
type Server struct {
	opts   Options
	tg     *telegramtest.Server
	log    *slog.Logger
	me     telegramtest.User
	chats  []Chat
	byID   map[int64]Chat
	static fs.FS

	mu        sync.Mutex
	events    []Event
	changed   chan struct{} // closed and replaced when an event is added
	msgs      map[string]Msg
	nextLocal int
	// Queries the page is waiting on, by id; Tap hands them the bot's
	// answer. Registering happens under mu together with queueing the
	// query, so an answer can never arrive before its waiter.
	callbacks map[string]chan CallbackAnswer
	inlines   map[string]chan inlineAnswer
	// answered keeps the last inline answers, by query id, so a chosen
	// result is posted from what the bot answered, not from the browser.
	answered []inlineAnswer
	// files are the documents the bot sent to the page's chats, by file
	// id, with their names: the only files handleFile serves.
	files map[string]string

	closed    chan struct{}
	closeOnce sync.Once
	srv       *http.Server
}

// New registers the page's chats in the fake (the bot is added to the
// groups and the channel, which it greets) and returns the page.
func New(opts Options) *Server {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	s := &Server{
		opts: opts, tg: opts.TG, log: log, static: sub,
		me:        telegramtest.User{ID: PersonID, FirstName: "أنت", LanguageCode: "ar"},
		changed:   make(chan struct{}),
		msgs:      map[string]Msg{},
		callbacks: map[string]chan CallbackAnswer{},
		inlines:   map[string]chan inlineAnswer{},
		files:     map[string]string{},
		closed:    make(chan struct{}),
	}
	s.chats = []Chat{
		{ID: PersonID, Type: "private", Title: opts.BotName, Role: "member", Note: "محادثتك الخاصة مع البوت"},
		{ID: -1001000000101, Type: "supergroup", Title: "مجموعة أخبار الحي", Role: "administrator", Note: "مجموعة أنت مشرف فيها: تستطيع تغيير اشتراكاتها"},
		{ID: -1001000000102, Type: "supergroup", Title: "نادي القرّاء", Role: "member", Note: "مجموعة أنت عضو فيها فقط: يغيّر الاشتراكات مشرفوها"},
		{ID: -1001000000103, Type: "channel", Title: "قناة الحي", Username: "akhbar_local_channel", Role: "creator", Note: "قناتك، والبوت مشرف فيها: جرّب \u2066/subscribe @akhbar_local_channel\u2069 في الخاص"},
	}
	s.byID = make(map[int64]Chat, len(s.chats))
	for _, c := range s.chats {
		s.byID[c.ID] = c
	}
	s.setUp()
	return s
}

// setUp makes the chats real in the fake: titles and usernames, the
// person's status in each, and the bot joining the groups and the channel.
func (s *Server) setUp() {
	owner := telegramtest.User{ID: ownerID, FirstName: "مشرف النادي", LanguageCode: "ar"}
	for _, c := range s.chats {
		tc := s.tgChat(c)
		if c.Type == "private" {
			s.tg.AddChat(tc)
			continue
		}
		s.tg.AddChat(tc)
		s.tg.SetChatMember(c.ID, s.me.ID, c.Role)
		adder, status := s.me, "member"
		if c.Role == "member" {
			adder = owner
			s.tg.SetChatMember(c.ID, owner.ID, "creator")
		}
		if c.Type == "channel" {
			status = "administrator" // a bot posts to a channel only as an admin
		}
		s.tg.MyChatMember(tc, adder, "left", status)
	}
}

func (s *Server) tgChat(c Chat) telegramtest.Chat {
	if c.Type == "private" {
		return telegramtest.Chat{ID: c.ID, Type: "private", FirstName: s.me.FirstName}
	}
	return telegramtest.Chat{ID: c.ID, Type: c.Type, Title: c.Title, Username: c.Username}
}

// Listen serves the page on addr, a loopback address ("" for DefaultAddr,
// falling back to a free port when 8088 is taken), and returns its URL.
func (s *Server) Listen(addr string) (string, error) {
	fallback := addr == ""
	if fallback {
		addr = DefaultAddr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("chat page address %q: %w", addr, err)
	}
	// The page lets anyone who reaches it act as a Telegram user of the
	// demo: it stays on this machine.
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("chat page address %q: only a loopback address (127.0.0.1, [::1], localhost)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && fallback {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return "", fmt.Errorf("chat page: %w", err)
	}
	// No write timeout: the event stream stays open as long as the page.
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/", nil
}

// Close ends the event streams and stops the listener.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
	}
}

// Handler serves the page and its API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(s.static))
	mux.HandleFunc("GET /api/state", s.handleState)
	mux.HandleFunc("GET /api/commands", s.handleCommands)
	mux.HandleFunc("GET /api/events", s.handleEvents)
	mux.HandleFunc("POST /api/send", s.handleSend)
	mux.HandleFunc("POST /api/press", s.handlePress)
	mux.HandleFunc("POST /api/inline", s.handleInline)
	mux.HandleFunc("POST /api/choose", s.handleChoose)
	mux.HandleFunc("GET /api/file/{id}", s.handleFile)
	return guard(mux)
}

// guard refuses requests that a web page elsewhere could make the browser
// send: a Host that is not loopback (DNS rebinding), and actions that are
// not same-origin JSON (cross-site form posts).
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "the chat page answers on loopback addresses only", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			if r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, "send JSON", http.StatusUnsupportedMediaType)
				return
			}
			if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
				http.Error(w, "cross-origin request refused", http.StatusForbidden)
				return
			}
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' http: https: data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

type stateReply struct {
	Me  telegramtest.User `json:"me"`
	Bot struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"bot"`
	Chats []Chat `json:"chats"`
}

func (s *Server) handleState(w http.ResponseWriter, r *http.Request) {
	var st stateReply
	st.Me, st.Chats = s.me, s.chats
	st.Bot.Name, st.Bot.Username = s.opts.BotName, s.opts.BotUsername
	writeJSON(w, http.StatusOK, st)
}

// handleCommands lists the bot's command menu (setMyCommands) in the
// person's language, for the "/" menu.
func (s *Server) handleCommands(w http.ResponseWriter, r *http.Request) {
	cmds := s.tg.Commands("default", s.me.LanguageCode)
	if len(cmds) == 0 {
		cmds = s.tg.Commands("default", "")
	}
	if cmds == nil {
		cmds = []telegramtest.BotCommand{}
	}
	writeJSON(w, http.StatusOK, cmds)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// readJSON decodes a small JSON request body into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// chat returns the page chat with this id, or answers 404.
func (s *Server) chat(w http.ResponseWriter, id int64) (Chat, bool) {
	c, ok := s.byID[id]
	if !ok {
		http.Error(w, "no such chat: "+strconv.FormatInt(id, 10), http.StatusNotFound)
	}
	return c, ok
}

// errTimeout is a query the bot did not answer in time.
var errTimeout = errors.New("the bot did not answer in time")

// handleFile downloads a document the bot sent to one of the page's
// chats, from the fake, as an attachment under its name.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	name, shown := s.files[id]
	s.mu.Unlock()
	data, ok := s.tg.File(id)
	if !shown || !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" {
		disposition = "attachment" // a name FormatMediaType cannot carry
	}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
