package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/cmd/akhbar/internal/localmode"
	"github.com/akhbar/akhbar/cmd/akhbar/internal/localweb"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
)

// localChat is the program running in local mode, and the person on its
// chat page talking to the bot in the private chat.
type localChat struct {
	t    *testing.T
	ctx  context.Context
	page string // the page's URL, ending in "/"
	seen int    // the page events read so far
}

// startLocalChat runs `akhbar` in local mode with its chat page.
func startLocalChat(t *testing.T) *localChat {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	env := map[string]string{"AKHBAR_LOCAL_WEB": "127.0.0.1:0"}
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, out, errOut) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d; stderr:\n%s", code, errOut.String())
		}
	})
	c := &localChat{t: t, ctx: ctx}
	eventually(t, "the chat page's address", func() bool {
		m := pageURLRE.FindStringSubmatch(out.String())
		if m != nil {
			c.page = m[1]
		}
		return m != nil
	})
	return c
}

// ask sends text in the private chat, as the page does, and returns the
// first message of the bot's there, sent or edited since, that want
// accepts.
func (c *localChat) ask(text string, want func(localweb.Msg) bool) localweb.Msg {
	t := c.t
	t.Helper()
	body, _ := json.Marshal(map[string]any{"chat": localweb.PersonID, "text": text})
	resp, err := http.Post(c.page+"api/send", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send %q: %s", text, resp.Status)
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.page+"api/events", nil)
	req.Header.Set("Last-Event-ID", strconv.Itoa(c.seen))
	ev, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Body.Close()
	sc := bufio.NewScanner(ev.Body)
	sc.Buffer(nil, 1<<20)
	var last string
	for sc.Scan() {
		var e localweb.Event
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || json.Unmarshal([]byte(data), &e) != nil {
			continue
		}
		c.seen = e.Seq
		if e.Chat == localweb.PersonID && e.Msg != nil && !e.Msg.Out {
			last = e.Msg.Text
			if want(*e.Msg) {
				return *e.Msg
			}
		}
	}
	t.Fatalf("no answer to %q on the chat page within 30 s (the bot's last there: %q)", text, last)
	return localweb.Msg{}
}

// TestLocalPageVisitorIsAnOperator: the person on local mode's chat page
// is one of the demo's operators, so the operator commands can be tried
// there: /stats in the private chat is answered with the statistics.
func TestLocalPageVisitorIsAnOperator(t *testing.T) {
	c := startLocalChat(t)
	a := c.ask("/stats", func(localweb.Msg) bool { return true })
	if !strings.Contains(a.Text, "429") {
		t.Errorf("/stats on the chat page answered %q, want the operator's statistics", a.Text)
	}
}

// TestLocalSampleLinkGetsItsCard: local mode is offline, yet a sample
// item's link sent to the bot (copied from a card) is answered with the
// link's card: the item's title and a summary of its text.
func TestLocalSampleLinkGetsItsCard(t *testing.T) {
	data, err := fs.ReadFile(localmode.SampleFiles(), "sample/cnn-arabic.xml")
	if err != nil {
		t.Fatal(err)
	}
	items, err := feeds.Parse(feeds.Source{ID: "cnn"}, data, "")
	if err != nil || len(items) == 0 {
		t.Fatalf("sample items: %v", err)
	}
	it := items[len(items)-1]
	title := arabic.CleanTitle(it.Title)
	text := arabic.Clean(arabic.TextFromHTML(it.Content))
	firstWords := strings.Join(strings.Fields(text)[:4], " ")

	c := startLocalChat(t)
	a := c.ask("شاهد هذا "+it.Link, func(m localweb.Msg) bool { return strings.Contains(m.Text, title) })
	if !strings.Contains(a.Text, firstWords) {
		t.Errorf("the link's card %q does not summarise the item's text (it starts %q)", a.Text, firstWords)
	}
}

// TestLocalExportIsADocument: an operator's /export on the chat page sends
// the demo's sources as an OPML file, which the page shows as a document
// and downloads.
func TestLocalExportIsADocument(t *testing.T) {
	c := startLocalChat(t)
	a := c.ask("/export", func(m localweb.Msg) bool { return m.Document != nil })
	if !strings.HasSuffix(a.Document.Name, ".opml") || a.Document.Size == 0 {
		t.Errorf("document %+v, want an OPML file", a.Document)
	}
	resp, err := http.Get(strings.TrimSuffix(c.page, "/") + a.Document.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || int64(len(body)) != a.Document.Size ||
		!strings.Contains(string(body), "<opml") || !strings.Contains(string(body), "/hespress.xml") {
		t.Errorf("download of %s: %s, %q", a.Document.URL, resp.Status, body)
	}
}
