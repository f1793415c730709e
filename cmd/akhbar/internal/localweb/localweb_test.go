package localweb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/google/go-cmp/cmp"
)

const token = "1000:localweb-test"

// fixture is the page with the fake behind its tap: api is where a bot
// calls the Bot API, page where the browser calls the page.
type fixture struct {
	tg   *telegramtest.Server
	s    *Server
	api  *httptest.Server
	page *httptest.Server
	// offset confirms the updates getUpdates returned.
	offset int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	tg := telegramtest.NewUnstarted(telegramtest.Options{Token: token, BotUsername: "akhbar_local_bot"})
	s := New(Options{TG: tg, BotName: "أخبار", BotUsername: "akhbar_local_bot"})
	f := &fixture{tg: tg, s: s, api: httptest.NewServer(s.Tap(tg.Handler())), page: httptest.NewServer(s.Handler())}
	t.Cleanup(func() {
		s.Close()
		f.page.Close()
		tg.Close()
		f.api.Close()
	})
	return f
}

// call is the bot calling the Bot API, form-encoded as the bot's library
// does; it returns the result.
func (f *fixture) call(t *testing.T, method string, p url.Values) json.RawMessage {
	t.Helper()
	res, err := http.PostForm(f.api.URL+"/bot"+token+"/"+method, p)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if !body.OK {
		t.Fatalf("%s: %s", method, body.Description)
	}
	return body.Result
}

// post is the browser calling the page.
func (f *fixture) post(t *testing.T, path string, req any, reply any) int {
	t.Helper()
	b, _ := json.Marshal(req)
	r, _ := http.NewRequest(http.MethodPost, f.page.URL+path, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK && reply != nil {
		if err := json.NewDecoder(res.Body).Decode(reply); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode
}

// answerUpdates plays the bot: it takes updates and answers each callback
// query and inline query with answer, until the test ends.
func (f *fixture) answerUpdates(t *testing.T, answer func(u telegramtest.Update) (string, url.Values)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		offset := 0
		for ctx.Err() == nil {
			res, err := http.PostForm(f.api.URL+"/bot"+token+"/getUpdates", url.Values{"offset": {strconv.Itoa(offset)}, "timeout": {"1"}})
			if err != nil {
				return
			}
			var body struct {
				Result []telegramtest.Update `json:"result"`
			}
			err = json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			if err != nil {
				return
			}
			for _, u := range body.Result {
				offset = u.UpdateID + 1
				if method, p := answer(u); method != "" {
					r, err := http.PostForm(f.api.URL+"/bot"+token+"/"+method, p)
					if err == nil {
						r.Body.Close()
					}
				}
			}
		}
	}()
}

func (f *fixture) messages(chat int64) []Event {
	evs, _ := f.s.Events(0)
	var out []Event
	for _, ev := range evs {
		if ev.Chat == chat {
			out = append(out, ev)
		}
	}
	return out
}

// TestTapShowsWhatTheBotSends: a send, an edit and a deletion in a page
// chat become events carrying what a client receives (the parsed text and
// entities, the buttons) and the call as made; other chats and refused
// calls change nothing.
func TestTapShowsWhatTheBotSends(t *testing.T) {
	f := newFixture(t)
	markup := `{"inline_keyboard":[[{"text":"شارك","url":"https://t.me/share/url?url=https%3A%2F%2Fexample.com%2Fa"}]]}`
	html := "\u200f<b>عنوان</b>\n&lt;img src=x onerror=alert(1)&gt;"
	sent := f.call(t, "sendMessage", url.Values{"chat_id": {"7001"}, "text": {html}, "parse_mode": {"HTML"}, "reply_markup": {markup}})
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(sent, &m); err != nil {
		t.Fatal(err)
	}
	f.call(t, "sendMessage", url.Values{"chat_id": {"4242"}, "text": {"the terminal demo reader's"}})
	if res, err := http.PostForm(f.api.URL+"/bot"+token+"/sendMessage", url.Values{"chat_id": {"7001"}, "text": {"<div>x</div>"}, "parse_mode": {"HTML"}}); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("the fake took unsupported HTML: %d", res.StatusCode)
	}

	evs := f.messages(7001)
	if len(evs) != 1 {
		t.Fatalf("events for the private chat: %+v, want the one accepted send", evs)
	}
	got := evs[0].Msg
	want := &Msg{
		ID: m.MessageID, Text: "\u200fعنوان\n<img src=x onerror=alert(1)>",
		Entities: []telegramtest.MessageEntity{{Type: "bold", Offset: 1, Length: 5}},
		Markup:   json.RawMessage(markup), Date: got.Date,
	}
	if diff := cmp.Diff(want, got, cmpMsg); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
	if got.Call == nil || got.Call.Method != "sendMessage" || string(got.Call.Params["text"]) != jsonString(html) ||
		string(got.Call.Params["reply_markup"]) != markup {
		t.Errorf("call = %+v, want sendMessage with the HTML as sent and reply_markup as JSON", got.Call)
	}
	if len(f.messages(4242)) != 0 {
		t.Error("a message to a chat the page does not show became an event")
	}

	f.call(t, "editMessageText", url.Values{"chat_id": {"7001"}, "message_id": {strconv.Itoa(m.MessageID)}, "text": {"<i>تعديل</i>"}, "parse_mode": {"HTML"}})
	f.call(t, "deleteMessage", url.Values{"chat_id": {"7001"}, "message_id": {strconv.Itoa(m.MessageID)}})
	evs = f.messages(7001)
	if len(evs) != 3 {
		t.Fatalf("events: %+v, want send, edit, delete", evs)
	}
	edit, del := evs[1], evs[2]
	if edit.Key != evs[0].Key || !edit.Msg.Edited || edit.Msg.Text != "تعديل" || edit.Msg.Call.Method != "editMessageText" ||
		len(edit.Msg.Entities) != 1 || edit.Msg.Entities[0].Type != "italic" {
		t.Errorf("edit event %+v, want the same key, edited, italic text", edit)
	}
	if del.Type != "delete" || del.Key != evs[0].Key || del.Msg != nil {
		t.Errorf("delete event %+v", del)
	}
}

var cmpMsg = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Call" }, cmp.Ignore())

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestPhotoKeepsItsURL: a photo sent by URL shows that URL, and an edit of
// its caption (which names no photo) keeps it.
func TestPhotoKeepsItsURL(t *testing.T) {
	f := newFixture(t)
	const photo = "https://example.com/a.jpg"
	f.call(t, "sendPhoto", url.Values{"chat_id": {"-1001000000101"}, "photo": {photo}, "caption": {"<b>صورة</b>"}, "parse_mode": {"HTML"}})
	f.call(t, "editMessageCaption", url.Values{"chat_id": {"-1001000000101"}, "message_id": {"1"}, "caption": {"تعديل"}})
	evs := f.messages(-1001000000101)
	if len(evs) != 2 {
		t.Fatalf("events: %+v", evs)
	}
	for _, ev := range evs {
		if ev.Msg.Photo != photo {
			t.Errorf("photo = %q, want %q", ev.Msg.Photo, photo)
		}
	}
	if evs[0].Msg.Text != "صورة" || evs[1].Msg.Text != "تعديل" {
		t.Errorf("captions %q, %q", evs[0].Msg.Text, evs[1].Msg.Text)
	}
}

// TestSetUpChats: the bot is added to the page's groups and channel (its
// my_chat_member updates are queued) and the person has their role there.
func TestSetUpChats(t *testing.T) {
	f := newFixture(t)
	var joined []int64
	for _, u := range f.getUpdates(t) {
		if u.MyChatMember != nil {
			joined = append(joined, u.MyChatMember.Chat.ID)
		}
	}
	if diff := cmp.Diff([]int64{-1001000000101, -1001000000102, -1001000000103}, joined); diff != "" {
		t.Errorf("chats the bot joined (-want +got):\n%s", diff)
	}
	for _, c := range f.s.chats[1:] {
		res := f.call(t, "getChatMember", url.Values{"chat_id": {strconv.FormatInt(c.ID, 10)}, "user_id": {strconv.Itoa(PersonID)}})
		var m telegramtest.ChatMember
		if err := json.Unmarshal(res, &m); err != nil {
			t.Fatal(err)
		}
		if m.Status != c.Role {
			t.Errorf("%s: the person is %q, want %q", c.Title, m.Status, c.Role)
		}
	}
}

// getUpdates takes the updates queued since the last call.
func (f *fixture) getUpdates(t *testing.T) []telegramtest.Update {
	var ups []telegramtest.Update
	if err := json.Unmarshal(f.call(t, "getUpdates", url.Values{"offset": {strconv.Itoa(f.offset)}}), &ups); err != nil {
		t.Fatal(err)
	}
	if len(ups) > 0 {
		f.offset = ups[len(ups)-1].UpdateID + 1
	}
	return ups
}

// TestSendShowsTheMessageAndQueuesIt: what the person types reaches the
// bot as a message from them, and shows before any reply.
func TestSendShowsTheMessageAndQueuesIt(t *testing.T) {
	f := newFixture(t)
	f.getUpdates(t) // the joins
	var reply struct{ ID int }
	if code := f.post(t, "/api/send", map[string]any{"chat": 7001, "text": "/start"}, &reply); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	ups := f.getUpdates(t)
	if len(ups) != 1 || ups[0].Message == nil || ups[0].Message.Text != "/start" || ups[0].Message.From.ID != PersonID || ups[0].Message.MessageID != reply.ID {
		t.Fatalf("updates %+v, want /start from the person", ups)
	}
	evs := f.messages(7001)
	if len(evs) != 1 || !evs[0].Msg.Out || evs[0].Msg.Text != "/start" || evs[0].Key != messageKey(7001, reply.ID) {
		t.Errorf("events %+v, want the person's message", evs)
	}
	if code := f.post(t, "/api/send", map[string]any{"chat": 99, "text": "x"}, nil); code != http.StatusNotFound {
		t.Errorf("send to a chat the page does not have: %d, want 404", code)
	}
	if code := f.post(t, "/api/send", map[string]any{"chat": 7001, "text": "  "}, nil); code != http.StatusBadRequest {
		t.Errorf("empty message: %d, want 400", code)
	}
}

// TestPressWaitsForTheAnswer: a button press returns the bot's
// answerCallbackQuery, which the page shows as a toast or an alert.
func TestPressWaitsForTheAnswer(t *testing.T) {
	f := newFixture(t)
	f.answerUpdates(t, func(u telegramtest.Update) (string, url.Values) {
		if u.CallbackQuery == nil {
			return "", nil
		}
		return "answerCallbackQuery", url.Values{"callback_query_id": {u.CallbackQuery.ID},
			"text": {"ضغطت " + u.CallbackQuery.Data + " على " + strconv.Itoa(u.CallbackQuery.Message.MessageID)}, "show_alert": {"true"}}
	})
	var a CallbackAnswer
	if code := f.post(t, "/api/press", map[string]any{"chat": -1001000000101, "message": 3, "data": "t:s:almamlaka"}, &a); code != http.StatusOK {
		t.Fatalf("press: %d", code)
	}
	if want := (CallbackAnswer{Text: "ضغطت t:s:almamlaka على 3", ShowAlert: true}); a != want {
		t.Errorf("answer %+v, want %+v", a, want)
	}
}

// TestPressAnswerWithALink: a callback answer's url (a share press in a
// group or a channel answers with the item's deep link) reaches the page,
// which opens it as Telegram does: a t.me link to the bot switches to the
// private chat and sends /start with the payload (app.js, deepLink).
func TestPressAnswerWithALink(t *testing.T) {
	f := newFixture(t)
	f.answerUpdates(t, func(u telegramtest.Update) (string, url.Values) {
		if u.CallbackQuery == nil {
			return "", nil
		}
		return "answerCallbackQuery", url.Values{"callback_query_id": {u.CallbackQuery.ID},
			"url": {"https://t.me/akhbar_local_bot?start=i_item1"}}
	})
	var a CallbackAnswer
	if code := f.post(t, "/api/press", map[string]any{"chat": -1001000000101, "message": 3, "data": "sh:i_item1"}, &a); code != http.StatusOK {
		t.Fatalf("press: %d", code)
	}
	if want := (CallbackAnswer{URL: "https://t.me/akhbar_local_bot?start=i_item1"}); a != want {
		t.Errorf("answer %+v, want %+v", a, want)
	}
}

// TestInlineModePostsTheChosenCard: "@bot words" returns the bot's results;
// choosing one posts its message in the chat, from the person, via the
// bot, parsed from the result's HTML as Telegram does.
func TestInlineModePostsTheChosenCard(t *testing.T) {
	f := newFixture(t)
	markup := `{"inline_keyboard":[[{"text":"اقرأ","url":"https://example.com/a"}]]}`
	f.answerUpdates(t, func(u telegramtest.Update) (string, url.Values) {
		if u.InlineQuery == nil {
			return "", nil
		}
		results, _ := json.Marshal([]map[string]any{{
			"type": "article", "id": "r1", "title": "ذهب: " + u.InlineQuery.Query, "description": "المملكة",
			"thumbnail_url":         "javascript:alert(1)",
			"input_message_content": map[string]string{"message_text": "<b>ذهب</b> &amp; فضة", "parse_mode": "HTML"},
			"reply_markup":          json.RawMessage(markup),
		}})
		return "answerInlineQuery", url.Values{"inline_query_id": {u.InlineQuery.ID}, "results": {string(results)}}
	})
	var list struct {
		QueryID string       `json:"query_id"`
		Results []ResultView `json:"results"`
	}
	if code := f.post(t, "/api/inline", map[string]any{"chat": -1001000000101, "query": "الذهب"}, &list); code != http.StatusOK {
		t.Fatalf("inline: %d", code)
	}
	if want := []ResultView{{ID: "r1", Title: "ذهب: الذهب", Description: "المملكة"}}; !cmp.Equal(want, list.Results) {
		t.Fatalf("results %+v, want %+v (no thumbnail that is not http)", list.Results, want)
	}
	if code := f.post(t, "/api/choose", map[string]any{"chat": -1001000000101, "query_id": list.QueryID, "result_id": "r1"}, nil); code != http.StatusOK {
		t.Fatalf("choose: %d", code)
	}
	evs := f.messages(-1001000000101)
	if len(evs) != 1 {
		t.Fatalf("events %+v", evs)
	}
	got := evs[0].Msg
	want := &Msg{Out: true, Via: "akhbar_local_bot", Text: "ذهب & فضة",
		Entities: []telegramtest.MessageEntity{{Type: "bold", Offset: 0, Length: 3}}, Markup: json.RawMessage(markup), Date: got.Date}
	if diff := cmp.Diff(want, got, cmpMsg); diff != "" {
		t.Errorf("posted card mismatch (-want +got):\n%s", diff)
	}
	if code := f.post(t, "/api/choose", map[string]any{"chat": -1001000000101, "query_id": list.QueryID, "result_id": "forged"}, nil); code != http.StatusNotFound {
		t.Errorf("choosing a result the bot did not give: %d, want 404", code)
	}
}

// TestGuard: the page answers its own origin on loopback only, so another
// site cannot drive it through the person's browser (a cross-site form, or
// DNS rebinding), and it forbids inline scripts and foreign frames.
func TestGuard(t *testing.T) {
	f := newFixture(t)
	h := f.s.Handler()
	do := func(method, host, ctype, origin string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://"+host+"/api/send", strings.NewReader(`{"chat":7001,"text":"hi"}`))
		if method == http.MethodGet {
			r = httptest.NewRequest(method, "http://"+host+"/", nil)
		}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for name, tc := range map[string]struct {
		method, host, ctype, origin string
		want                        int
	}{
		"page":                {http.MethodGet, "127.0.0.1:8088", "", "", http.StatusOK},
		"page on localhost":   {http.MethodGet, "localhost:8088", "", "", http.StatusOK},
		"rebound name":        {http.MethodGet, "attacker.example:8088", "", "", http.StatusForbidden},
		"send":                {http.MethodPost, "127.0.0.1:8088", "application/json", "http://127.0.0.1:8088", http.StatusOK},
		"cross-site form":     {http.MethodPost, "127.0.0.1:8088", "application/x-www-form-urlencoded", "https://attacker.example", http.StatusUnsupportedMediaType},
		"cross-origin fetch":  {http.MethodPost, "127.0.0.1:8088", "application/json", "https://attacker.example", http.StatusForbidden},
		"rebound name's post": {http.MethodPost, "attacker.example:8088", "application/json", "http://attacker.example:8088", http.StatusForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			w := do(tc.method, tc.host, tc.ctype, tc.origin)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body.String())
			}
			if csp := w.Header().Get("Content-Security-Policy"); tc.want == http.StatusOK && !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
}

// TestListenLoopbackOnly: the page never listens where another machine
// could reach it.
func TestListenLoopbackOnly(t *testing.T) {
	f := newFixture(t)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8088"} {
		if _, err := f.s.Listen(addr); err == nil {
			t.Errorf("Listen(%q) accepted a non-loopback address", addr)
		}
	}
	u, err := f.s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `<html lang="ar" dir="rtl">`) {
		t.Errorf("GET %s: %.200s", u, body)
	}
}

// TestEventsStream: the page gets every event as a server-sent event, the
// past ones first, new ones as they happen, and after a reconnect only
// those after Last-Event-ID.
func TestEventsStream(t *testing.T) {
	f := newFixture(t)
	f.call(t, "sendMessage", url.Values{"chat_id": {"7001"}, "text": {"أول"}})
	read := func(lastID string, want ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.page.URL+"/api/events", nil)
		if lastID != "" {
			r.Header.Set("Last-Event-ID", lastID)
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("Content-Type %q", ct)
		}
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		for _, w := range want {
			var ev Event
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					if err := json.Unmarshal([]byte(data), &ev); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			if ev.Msg == nil || ev.Msg.Text != w {
				t.Fatalf("event %+v, want the message %q (%v)", ev, w, sc.Err())
			}
			if w == "أول" && lastID == "" {
				// A new message while the stream is open arrives too.
				f.call(t, "sendMessage", url.Values{"chat_id": {"7001"}, "text": {"ثانٍ"}})
			}
		}
	}
	read("", "أول", "ثانٍ")
	read("1", "ثانٍ")
}

// sendDocument is the bot uploading a file, multipart as the bot's
// library does; it returns the fake's status.
func (f *fixture) sendDocument(t *testing.T, chat, name string, data []byte, caption string) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("chat_id", chat)
	_ = mw.WriteField("caption", caption)
	fw, err := mw.CreateFormFile("document", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(f.api.URL+"/bot"+token+"/sendDocument", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestDocumentIsOffered: a file the bot sends to a page chat (an
// operator's /export) shows as a document, its name, size and caption,
// with a link that downloads its bytes under its name; files sent
// elsewhere, or never sent, are not served.
func TestDocumentIsOffered(t *testing.T) {
	f := newFixture(t)
	const name = "akhbar-sources-2026-12-02.opml"
	opml := []byte(`<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><body><outline text="المملكة"/></body></opml>`)
	if code := f.sendDocument(t, "7001", name, opml, "📤 المصادر (5)"); code != http.StatusOK {
		t.Fatalf("sendDocument: %d", code)
	}
	if code := f.sendDocument(t, "4242", "other.opml", []byte("the terminal reader's"), ""); code != http.StatusOK {
		t.Fatalf("sendDocument: %d", code)
	}
	evs := f.messages(7001)
	if len(evs) != 1 || evs[0].Msg.Document == nil {
		t.Fatalf("events for the private chat: %+v, want the document", evs)
	}
	m := evs[0].Msg
	if m.Document.Name != name || m.Document.Size != int64(len(opml)) || m.Text != "📤 المصادر (5)" || m.Call.Method != "sendDocument" {
		t.Errorf("document message %+v, document %+v", m, m.Document)
	}
	res, err := http.Get(f.page.URL + m.Document.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	_, params, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	if res.StatusCode != http.StatusOK || !bytes.Equal(got, opml) || params["filename"] != name {
		t.Errorf("download: %s, %q, disposition %q; want the file as %s", res.Status, got, res.Header.Get("Content-Disposition"), name)
	}
	// The fake's file ids are "doc1", "doc2"…: the second went to chat 4242.
	if m.Document.URL != "/api/file/doc1" {
		t.Fatalf("document URL %q, want the fake's first file", m.Document.URL)
	}
	for _, id := range []string{"doc2", "doc99"} {
		res, err := http.Get(f.page.URL + "/api/file/" + id)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("file %s not shown on the page: %s, want 404", id, res.Status)
		}
	}
}
