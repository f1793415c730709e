package telegramtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type method struct {
	name   string
	handle func(*Server, *request) (any, *apiError)
}

// methods maps lower-cased method names (Telegram matches them
// case-insensitively) to their handlers. It is never modified.
var methods = func() map[string]method {
	m := map[string]method{}
	for _, x := range []method{
		{"getMe", (*Server).getMe},
		{"getUpdates", (*Server).getUpdates},
		{"sendMessage", (*Server).sendMessage},
		{"sendPhoto", (*Server).sendPhoto},
		{"sendDocument", (*Server).sendDocument},
		{"getFile", (*Server).getFile},
		{"editMessageText", (*Server).editMessageText},
		{"editMessageReplyMarkup", (*Server).editMessageReplyMarkup},
		{"editMessageCaption", (*Server).editMessageCaption},
		{"deleteMessage", (*Server).deleteMessage},
		{"answerCallbackQuery", (*Server).answerCallbackQuery},
		{"answerInlineQuery", (*Server).answerInlineQuery},
		{"setMyCommands", (*Server).setMyCommands},
		{"deleteMyCommands", (*Server).deleteMyCommands},
		{"getMyCommands", (*Server).getMyCommands},
		{"getChatMember", (*Server).getChatMember},
		{"getChat", (*Server).getChat},
		{"getChatAdministrators", (*Server).getChatAdministrators},
		{"setWebhook", (*Server).setWebhook},
		{"deleteWebhook", (*Server).deleteWebhook},
		{"getWebhookInfo", (*Server).getWebhookInfo},
		{"leaveChat", (*Server).leaveChat},
	} {
		m[strings.ToLower(x.name)] = x
	}
	return m
}()

func isSendMethod(lower string) bool {
	return lower == "sendmessage" || lower == "sendphoto" || lower == "senddocument"
}

type botInfo struct {
	User
	CanJoinGroups           bool `json:"can_join_groups"`
	CanReadAllGroupMessages bool `json:"can_read_all_group_messages"`
	SupportsInlineQueries   bool `json:"supports_inline_queries"`
}

func (s *Server) getMe(*request) (any, *apiError) {
	return botInfo{User: s.botUser(), CanJoinGroups: true, SupportsInlineQueries: true}, nil
}

func (s *Server) getUpdates(r *request) (any, *apiError) {
	offset, e := intParam(r.p, "offset", 0)
	if e != nil {
		return nil, e
	}
	limit, e := intParam(r.p, "limit", 100)
	if e != nil {
		return nil, e
	}
	if limit < 1 || limit > 100 {
		limit = 100
	}
	timeout, e := intParam(r.p, "timeout", 0)
	if e != nil {
		return nil, e
	}
	allowed, e := allowedUpdatesParam(r.p)
	if e != nil {
		return nil, e
	}

	s.mu.Lock()
	if s.webhook.URL != "" {
		s.mu.Unlock()
		return nil, errorf(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
	}
	if allowed != nil {
		s.allowedUpdates = allowed
	}
	if s.poller != nil {
		close(s.poller)
	}
	terminated := make(chan struct{})
	s.poller = terminated
	s.confirmLocked(offset)

	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		deadline = t.C
	}
	for {
		ups := s.pendingLocked(int(limit))
		if len(ups) > 0 || deadline == nil {
			if s.poller == terminated {
				s.poller = nil
			}
			s.mu.Unlock()
			return ups, nil
		}
		arrived := s.updateSignal.waitLocked()
		s.mu.Unlock()
		select {
		case <-arrived:
			s.mu.Lock()
		case <-deadline:
			deadline = nil
			s.mu.Lock()
		case <-terminated:
			return nil, errorf(http.StatusConflict, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
		case <-s.closed:
			s.mu.Lock()
			if s.poller == terminated {
				s.poller = nil
			}
			s.mu.Unlock()
			return []Update{}, nil
		case <-r.ctx.Done():
			s.mu.Lock()
			if s.poller == terminated {
				s.poller = nil
			}
			s.mu.Unlock()
			return []Update{}, nil
		}
	}
}

// allowedUpdatesParam parses allowed_updates: nil when absent (keep the
// setting), empty to reset to the default (everything the fake models).
func allowedUpdatesParam(p map[string]string) ([]string, *apiError) {
	raw, ok := p["allowed_updates"]
	if !ok || raw == "" || raw == "null" {
		return nil, nil
	}
	var allowed []string
	if err := json.Unmarshal([]byte(raw), &allowed); err != nil {
		return nil, badRequest("can't parse allowed updates JSON object")
	}
	if allowed == nil {
		allowed = []string{}
	}
	return allowed, nil
}

// allowedLocked reports whether allowed_updates lets u through.
func (s *Server) allowedLocked(u Update) bool {
	if len(s.allowedUpdates) == 0 {
		return true
	}
	for _, a := range s.allowedUpdates {
		if a == u.kind() {
			return true
		}
	}
	return false
}

// confirmLocked drops the updates an offset confirms: positive offsets
// confirm every earlier id, negative ones keep only the last -offset.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset > 0:
		i := 0
		for i < len(s.updates) && int64(s.updates[i].UpdateID) < offset {
			i++
		}
		s.updates = s.updates[i:]
	case offset < 0:
		if keep := int(-offset); keep < len(s.updates) {
			s.updates = s.updates[len(s.updates)-keep:]
		}
	}
}

// pendingLocked returns up to limit updates, dropping those allowed_updates
// excludes (Telegram never delivers them).
func (s *Server) pendingLocked(limit int) []Update {
	if len(s.allowedUpdates) > 0 {
		kept := s.updates[:0:0]
		for _, u := range s.updates {
			if s.allowedLocked(u) {
				kept = append(kept, u)
			}
		}
		s.updates = kept
	}
	n := min(limit, len(s.updates))
	return append([]Update{}, s.updates[:n]...)
}

// resolveChatLocked finds the chat a chat_id parameter names: a number or a
// public @username.
func (s *Server) resolveChatLocked(p map[string]string) (*chatState, *apiError) {
	v := strings.TrimSpace(p["chat_id"])
	if v == "" {
		return nil, badRequest("chat_id is empty")
	}
	if name, ok := strings.CutPrefix(v, "@"); ok {
		for _, cs := range s.chats {
			if cs.chat.Username != "" && strings.EqualFold(cs.chat.Username, name) && cs.chat.Type != "private" {
				return cs, nil
			}
		}
		return nil, badRequest("chat not found")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		return nil, badRequest("chat not found")
	}
	return s.chatLocked(id), nil
}

// renderText applies parse_mode to a text or caption the way Telegram does
// before sending, cleans it as Telegram does (visibleText), and checks
// emptiness and length. Markdown modes are passed
// through unparsed: the bot uses HTML only.
func (s *Server) renderText(text, mode, entitiesJSON string, limit int, tooLong string, required bool) (string, []MessageEntity, *apiError) {
	if text == "" {
		if required {
			return "", nil, badRequest("message text is empty")
		}
		return "", nil, nil
	}
	parsed, entities := text, []MessageEntity(nil)
	switch strings.ToLower(mode) {
	case "html":
		var perr *ParseError
		parsed, entities, perr = parseHTML(text, !s.opts.LenientEntities)
		if perr != nil {
			return "", nil, badRequest(perr.Error())
		}
	case "":
		if raw := strings.TrimSpace(entitiesJSON); raw != "" && raw != "null" {
			if err := json.Unmarshal([]byte(raw), &entities); err != nil {
				return "", nil, badRequest("can't parse entities JSON object")
			}
		}
	case "markdown", "markdownv2":
	default:
		return "", nil, badRequest("unsupported parse_mode")
	}
	parsed, entities = visibleText(parsed, entities)
	if parsed == "" {
		if required {
			return "", nil, badRequest("message text is empty")
		}
		return "", nil, nil
	}
	if visibleLength(parsed) > limit {
		return "", nil, badRequest(tooLong)
	}
	return parsed, entities, nil
}

func validateJSONObject(p map[string]string, name string) *apiError {
	raw := strings.TrimSpace(p[name])
	if raw == "" || raw == "null" {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) != nil {
		return badRequest("can't parse " + strings.ReplaceAll(name, "_", " ") + " JSON object")
	}
	return nil
}

// firstError returns the first non-nil error, preserving Telegram's order of
// checks.
func firstError(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// send runs the checks every send shares, in Telegram's order (the
// chat's own failure, then the request's validation errors, then flood
// limits), and records the message build returns.
func (s *Server) send(r *request, build func(m *Message), validation *apiError) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Read the clock under the lock: sends then reach the limits in the
	// order of their timestamps, where a request that parsed slowly (or was
	// held by a slow fault) would otherwise be judged by a stale arrival
	// time against buckets later sends had already moved on.
	r.now = s.opts.Now()
	cs, e := s.resolveChatLocked(r.p)
	if e != nil {
		return nil, e
	}
	s.noteEarlyLocked(cs, r.now)
	if cs.fail != nil {
		return nil, cs.fail
	}
	if e := cs.restrictionLocked(r.method); e != nil {
		return nil, e
	}
	if validation != nil {
		return nil, validation
	}
	if e := s.limitLocked(cs, r.now, boolParam(r.p, "allow_paid_broadcast")); e != nil {
		return nil, e
	}
	m := Message{MessageID: cs.nextID, From: s.bot, Date: r.now.Unix(), Chat: cs.chat, ChatID: cs.chat.ID, Time: r.now}
	if cs.chat.Type == "channel" {
		m.From, m.SenderChat = nil, &cs.chat
	}
	build(&m)
	cs.nextID++
	cs.setMessage(m.MessageID, s.sent.len())
	s.sentCount++
	s.recordLocked(cs, m)
	s.stats.Sent++
	return m.wire(), nil
}

// recordLocked appends to Sent (and to the chat's index, unless cs is nil)
// and wakes WaitSent and WaitRecords.
func (s *Server) recordLocked(cs *chatState, m Message) {
	if cs != nil {
		cs.records = append(cs.records, int32(s.sent.len()))
	}
	s.sent.add(m)
	s.sentSignal.notifyLocked()
}

func (s *Server) sendMessage(r *request) (any, *apiError) {
	text, mode := r.p["text"], r.p["parse_mode"]
	parsed, entities, verr := s.renderText(text, mode, r.p["entities"], 4096, "message is too long", true)
	markup, merr := validateMarkup(r.p["reply_markup"])
	return s.send(r, func(m *Message) {
		m.Text, m.ParsedText, m.Entities, m.ParseMode, m.ReplyMarkup = text, parsed, entities, mode, markup
	}, firstError(verr, merr, validateJSONObject(r.p, "link_preview_options")))
}

func (s *Server) sendPhoto(r *request) (any, *apiError) {
	caption, mode := r.p["caption"], r.p["parse_mode"]
	parsed, entities, verr := s.renderText(caption, mode, r.p["caption_entities"], 1024, "message caption is too long", false)
	markup, merr := validateMarkup(r.p["reply_markup"])
	var perr *apiError
	switch photo := r.p["photo"]; {
	case photo == "":
		perr = badRequest("there is no photo in the request")
	case len(photo) > maxPhotoURLBytes:
		perr = badRequest("wrong file identifier/HTTP URL specified")
	}
	return s.send(r, func(m *Message) {
		id := "photo-" + strconv.FormatInt(m.ChatID, 10) + "-" + strconv.Itoa(m.MessageID)
		m.Photo = []PhotoSize{{FileID: id, FileUniqueID: id, Width: 1280, Height: 720}}
		m.Text, m.ParsedText, m.Entities, m.ParseMode, m.ReplyMarkup = caption, parsed, entities, mode, markup
	}, firstError(perr, verr, merr))
}

// sendDocument sends a file: an upload (its bytes kept for getFile and
// File) or the file_id of one the fake holds, with an optional caption.
func (s *Server) sendDocument(r *request) (any, *apiError) {
	caption, mode := r.p["caption"], r.p["parse_mode"]
	parsed, entities, verr := s.renderText(caption, mode, r.p["caption_entities"], 1024, "message caption is too long", false)
	markup, merr := validateMarkup(r.p["reply_markup"])
	var perr *apiError
	doc := r.p["document"]
	data, uploaded := r.files["document"]
	var held storedFile
	switch {
	case uploaded && len(data) == 0:
		perr = badRequest("file must be non-empty")
	case uploaded:
		held = storedFile{name: strings.TrimPrefix(doc, "upload:"), data: data}
	case doc == "":
		perr = badRequest("there is no document in the request")
	default:
		s.mu.Lock()
		f, ok := s.files[doc]
		s.mu.Unlock()
		if !ok {
			perr = badRequest("wrong file identifier/HTTP URL specified")
		}
		held = f
	}
	return s.send(r, func(m *Message) {
		m.Document = s.storeFileLocked(held.name, held.data)
		m.Text, m.ParsedText, m.Entities, m.ParseMode, m.ReplyMarkup = caption, parsed, entities, mode, markup
	}, firstError(perr, verr, merr))
}

// maxDownload is the Bot API's limit on getFile: 20 MB.
const maxDownload = 20 << 20

// getFile answers a File whose file_path downloads it.
func (s *Server) getFile(r *request) (any, *apiError) {
	id := r.p["file_id"]
	s.mu.Lock()
	f, ok := s.files[id]
	s.mu.Unlock()
	switch {
	case !ok:
		return nil, badRequest("invalid file_id")
	case len(f.data) > maxDownload:
		return nil, badRequest("file is too big")
	}
	return map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_size": len(f.data), "file_path": id}, nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

// edit runs an edit of the message named by chat_id and message_id (or an
// inline message): the chat's failure, validation, lookup, change, record.
func (s *Server) edit(r *request, validation *apiError, change func(m *Message) *apiError) (any, *apiError) {
	if r.p["inline_message_id"] != "" {
		if validation != nil {
			return nil, validation
		}
		m := Message{Time: r.now, Edited: true}
		if e := change(&m); e != nil {
			return nil, e
		}
		s.mu.Lock()
		s.recordLocked(nil, m)
		s.stats.Edited++
		s.mu.Unlock()
		return true, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, e := s.resolveChatLocked(r.p)
	if e != nil {
		return nil, e
	}
	if cs.fail != nil {
		return nil, cs.fail
	}
	if validation != nil {
		return nil, validation
	}
	id, e := intParam(r.p, "message_id", 0)
	if e != nil {
		return nil, e
	}
	m, ok := s.botMessageLocked(cs, int(id))
	if !ok {
		return nil, badRequest("message to edit not found")
	}
	if e := change(&m); e != nil {
		return nil, e
	}
	m.EditDate, m.Time = r.now.Unix(), r.now
	cs.setMessage(m.MessageID, s.sent.len())
	rec := m
	rec.Edited = true
	s.recordLocked(cs, rec)
	s.stats.Edited++
	return m.wire(), nil
}

func (s *Server) editMessageText(r *request) (any, *apiError) {
	text, mode := r.p["text"], r.p["parse_mode"]
	parsed, entities, verr := s.renderText(text, mode, r.p["entities"], 4096, "message is too long", true)
	markup, merr := validateMarkup(r.p["reply_markup"])
	return s.edit(r, firstError(verr, merr, validateJSONObject(r.p, "link_preview_options")), func(m *Message) *apiError {
		if m.Photo != nil {
			return badRequest("there is no text in the message to edit")
		}
		if m.MessageID != 0 && m.ParsedText == parsed && equalEntities(m.Entities, entities) && string(m.ReplyMarkup) == string(markup) {
			return badRequest(notModified)
		}
		m.Text, m.ParsedText, m.Entities, m.ParseMode, m.ReplyMarkup = text, parsed, entities, mode, markup
		return nil
	})
}

func (s *Server) editMessageCaption(r *request) (any, *apiError) {
	caption, mode := r.p["caption"], r.p["parse_mode"]
	parsed, entities, verr := s.renderText(caption, mode, r.p["caption_entities"], 1024, "message caption is too long", false)
	markup, merr := validateMarkup(r.p["reply_markup"])
	return s.edit(r, firstError(verr, merr), func(m *Message) *apiError {
		if m.MessageID != 0 && m.Photo == nil {
			return badRequest("there is no caption in the message to edit")
		}
		if m.MessageID != 0 && m.ParsedText == parsed && equalEntities(m.Entities, entities) && string(m.ReplyMarkup) == string(markup) {
			return badRequest(notModified)
		}
		m.Text, m.ParsedText, m.Entities, m.ParseMode, m.ReplyMarkup = caption, parsed, entities, mode, markup
		return nil
	})
}

func (s *Server) editMessageReplyMarkup(r *request) (any, *apiError) {
	markup, merr := validateMarkup(r.p["reply_markup"])
	return s.edit(r, merr, func(m *Message) *apiError {
		if m.MessageID != 0 && string(m.ReplyMarkup) == string(markup) {
			return badRequest(notModified)
		}
		m.ReplyMarkup = markup
		return nil
	})
}

func equalEntities(a, b []MessageEntity) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Type != y.Type || x.Offset != y.Offset || x.Length != y.Length || x.URL != y.URL ||
			x.Language != y.Language || x.CustomEmojiID != y.CustomEmojiID || (x.User == nil) != (y.User == nil) ||
			(x.User != nil && x.User.ID != y.User.ID) {
			return false
		}
	}
	return true
}

func (s *Server) deleteMessage(r *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, e := s.resolveChatLocked(r.p)
	if e != nil {
		return nil, e
	}
	id, e := intParam(r.p, "message_id", 0)
	if e != nil {
		return nil, e
	}
	if _, ok := s.botMessageLocked(cs, int(id)); !ok {
		return nil, badRequest("message to delete not found")
	}
	cs.msgs[id-1] = -cs.msgs[id-1]
	return true, nil
}

const queryTooOld = "query is too old and response timeout expired or query ID is invalid"

// maxCallbackText is answerCallbackQuery's documented limit on text, in
// characters (code points here, like every other length the fake counts).
const maxCallbackText = 200

func (s *Server) answerCallbackQuery(r *request) (any, *apiError) {
	id := r.p["callback_query_id"]
	cacheTime, e := intParam(r.p, "cache_time", 0)
	if e != nil {
		return nil, e
	}
	// Refused before the query is looked up, so the query stays unanswered
	// and a shorter answer can still be sent.
	if utf8.RuneCountInString(r.p["text"]) > maxCallbackText {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	if u := r.p["url"]; u != "" && !s.botLink(u) {
		return nil, badRequest("URL_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if answered, ok := s.callbacks[id]; !ok || answered {
		return nil, badRequest(queryTooOld)
	}
	s.callbacks[id] = true
	s.callbackAns = append(s.callbackAns, CallbackAnswer{
		QueryID: id, Text: r.p["text"], ShowAlert: boolParam(r.p, "show_alert"), URL: r.p["url"], CacheTime: int(cacheTime),
	})
	return true, nil
}

// botLink reports whether raw is a link Telegram opens from a callback
// answer: t.me (or telegram.me) to this bot, like t.me/bot?start=payload.
// Games' URLs are the only other kind; the fake has no games.
func (s *Server) botLink(raw string) bool {
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Host)
	if host != "t.me" && host != "telegram.me" {
		return false
	}
	return strings.EqualFold(strings.TrimSuffix(u.Path, "/"), "/"+s.opts.BotUsername)
}

func (s *Server) answerInlineQuery(r *request) (any, *apiError) {
	id := r.p["inline_query_id"]
	cacheTime, e := intParam(r.p, "cache_time", 300)
	if e != nil {
		return nil, e
	}
	results, e := s.validateInlineResults(r.p["results"])
	if e != nil {
		return nil, e
	}
	if len(r.p["next_offset"]) > 64 {
		return nil, badRequest("NEXT_OFFSET_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if answered, ok := s.inlineQueries[id]; !ok || answered {
		return nil, badRequest(queryTooOld)
	}
	s.inlineQueries[id] = true
	s.inlineAns = append(s.inlineAns, InlineAnswer{
		QueryID: id, Results: results, NextOffset: r.p["next_offset"], CacheTime: int(cacheTime), IsPersonal: boolParam(r.p, "is_personal"),
	})
	return true, nil
}

func (s *Server) validateInlineResults(raw string) (json.RawMessage, *apiError) {
	var results []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &results); err != nil {
		return nil, badRequest("can't parse inline query results JSON object")
	}
	if len(results) > 50 {
		return nil, badRequest("RESULTS_TOO_MUCH")
	}
	seen := make(map[string]bool, len(results))
	for _, res := range results {
		var id, typ string
		if json.Unmarshal(res["id"], &id) != nil || len(id) < 1 || len(id) > 64 {
			return nil, badRequest("RESULT_ID_INVALID")
		}
		if seen[id] {
			return nil, badRequest("RESULT_ID_DUPLICATE")
		}
		seen[id] = true
		if json.Unmarshal(res["type"], &typ) != nil || typ == "" {
			return nil, badRequest("can't parse InlineQueryResult: Field \"type\" must be of type String")
		}
		if _, e := validateMarkup(string(res["reply_markup"])); e != nil {
			return nil, e
		}
		if typ != "article" {
			continue
		}
		var title string
		if json.Unmarshal(res["title"], &title) != nil || title == "" {
			return nil, badRequest("can't parse InlineQueryResultArticle: Field \"title\" must be of type String")
		}
		var content struct {
			MessageText *string `json:"message_text"`
			ParseMode   string  `json:"parse_mode"`
		}
		if json.Unmarshal(res["input_message_content"], &content) != nil || content.MessageText == nil {
			return nil, badRequest("can't parse InputMessageContent: Field \"message_text\" must be of type String")
		}
		if _, _, e := s.renderText(*content.MessageText, content.ParseMode, "", 4096, "message is too long", true); e != nil {
			return nil, e
		}
	}
	return json.RawMessage(raw), nil
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// commandScopeKey names a BotCommandScope for the command registry:
// "default", "all_private_chats", "chat:<id>", "chat_member:<id>:<user>", ….
func commandScopeKey(p map[string]string) (string, *apiError) {
	raw := strings.TrimSpace(p["scope"])
	if raw == "" || raw == "null" {
		return "default", nil
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &sc); err != nil || sc.Type == "" {
		return "", badRequest("can't parse BotCommandScope JSON object")
	}
	key := sc.Type
	if len(sc.ChatID) > 0 {
		key += ":" + strings.Trim(string(sc.ChatID), `"`)
	}
	if sc.UserID != 0 {
		key += ":" + strconv.FormatInt(sc.UserID, 10)
	}
	return key, nil
}

var languageCode = regexp.MustCompile(`^([a-z]{2})?$`)

func commandKey(p map[string]string) (string, *apiError) {
	scope, e := commandScopeKey(p)
	if e != nil {
		return "", e
	}
	lang := p["language_code"]
	if !languageCode.MatchString(lang) {
		return "", badRequest("invalid language code specified")
	}
	return scope + "|" + lang, nil
}

func (s *Server) setMyCommands(r *request) (any, *apiError) {
	raw, ok := r.p["commands"]
	if !ok {
		return nil, badRequest("parameter \"commands\" is required")
	}
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if strings.TrimSpace(c.Description) == "" {
			return nil, badRequest("command description must be non-empty")
		}
		if utf8.RuneCountInString(c.Description) > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	key, e := commandKey(r.p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	return true, nil
}

func (s *Server) deleteMyCommands(r *request) (any, *apiError) {
	key, e := commandKey(r.p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	return true, nil
}

func (s *Server) getMyCommands(r *request) (any, *apiError) {
	key, e := commandKey(r.p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BotCommand{}, s.commands[key]...), nil
}

// chatForReadLocked resolves a chat for the read methods; a group or channel
// the bot was removed from answers with that failure.
func (s *Server) chatForReadLocked(p map[string]string) (*chatState, *apiError) {
	cs, e := s.resolveChatLocked(p)
	if e != nil {
		return nil, e
	}
	if cs.fail != nil && cs.chat.Type != "private" {
		return nil, cs.fail
	}
	return cs, nil
}

func (s *Server) memberLocked(cs *chatState, userID int64) ChatMember {
	u, ok := s.users[userID]
	switch {
	case userID == BotID:
		u = s.botUser()
	case !ok:
		u = User{ID: userID, FirstName: "User " + strconv.FormatInt(userID, 10)}
	}
	status, ok := cs.members[userID]
	if !ok {
		status = "member"
		if userID == BotID && cs.chat.Type != "private" {
			status = "administrator"
		}
	}
	if userID == BotID {
		return s.botMemberLocked(cs, status)
	}
	return ChatMember{User: u, Status: status}
}

func (s *Server) getChatMember(r *request) (any, *apiError) {
	uid, e := intParam(r.p, "user_id", 0)
	if e != nil || uid <= 0 {
		return nil, badRequest("invalid user_id specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, e := s.chatForReadLocked(r.p)
	if e != nil {
		return nil, e
	}
	if cs.chat.Type == "channel" && uid != BotID {
		// A bot reads a channel's members only as its admin.
		if st := s.memberLocked(cs, BotID).Status; st != "administrator" && st != "creator" {
			return nil, badRequest("member list is inaccessible")
		}
	}
	return s.memberLocked(cs, uid), nil
}

func (s *Server) getChat(r *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, e := s.chatForReadLocked(r.p)
	if e != nil {
		return nil, e
	}
	return cs.chat, nil
}

func (s *Server) getChatAdministrators(r *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, e := s.chatForReadLocked(r.p)
	if e != nil {
		return nil, e
	}
	if cs.chat.Type == "private" {
		return nil, badRequest("there are no administrators in the private chat")
	}
	ids := []int64{BotID}
	for id := range cs.members {
		if id != BotID {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	admins := []ChatMember{}
	for _, id := range ids {
		if m := s.memberLocked(cs, id); m.Status == "creator" || m.Status == "administrator" {
			admins = append(admins, m)
		}
	}
	return admins, nil
}

var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(r *request) (any, *apiError) {
	raw := r.p["url"]
	if raw == "" {
		return s.deleteWebhook(r)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, badRequest("invalid webhook URL specified")
	}
	if u.Scheme != "https" {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	switch u.Port() {
	case "", "443", "80", "88", "8443":
	default:
		if s.opts.WebhookClient == nil {
			return nil, badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
		}
	}
	secret, hasSecret := r.p["secret_token"]
	if hasSecret && !secretToken.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	allowed, e := allowedUpdatesParam(r.p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = webhookInfo{URL: raw, SecretToken: secret}
	if allowed != nil {
		s.allowedUpdates = allowed
	}
	if boolParam(r.p, "drop_pending_updates") {
		s.updates = nil
	}
	if s.poller != nil {
		close(s.poller)
		s.poller = nil
	}
	if s.opts.WebhookClient != nil && !s.webhookRunning && s.ctx.Err() == nil {
		s.webhookRunning = true
		s.delivering.Add(1)
		go s.deliverLoop(s.opts.WebhookClient)
	}
	return true, nil
}

func (s *Server) deleteWebhook(r *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = webhookInfo{}
	if boolParam(r.p, "drop_pending_updates") {
		s.updates = nil
	}
	return true, nil
}

type webhookStatus struct {
	URL                  string `json:"url"`
	HasCustomCertificate bool   `json:"has_custom_certificate"`
	PendingUpdateCount   int    `json:"pending_update_count"`
}

func (s *Server) getWebhookInfo(*request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return webhookStatus{URL: s.webhook.URL, PendingUpdateCount: len(s.updates)}, nil
}

func (s *Server) leaveChat(r *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, e := s.chatForReadLocked(r.p)
	if e != nil {
		return nil, e
	}
	if cs.chat.Type == "private" {
		return nil, badRequest("chat member status can't be changed in private chats")
	}
	kind := cs.chat.Type
	if kind == "" {
		kind = "group"
	}
	cs.fail = errorf(http.StatusForbidden, "Forbidden: bot is not a member of the "+kind+" chat")
	s.setMemberLocked(cs, BotID, "left")
	return true, nil
}
