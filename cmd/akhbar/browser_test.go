package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the browser test's screenshot to docs/local-mode.png, which the README shows")

// chromium finds a Chromium or Chrome to drive: AKHBAR_CHROMIUM, else the
// usual names on PATH (Debian's package installs /usr/bin/chromium).
func chromium() string {
	if p := os.Getenv("AKHBAR_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

var pageURLRE = regexp.MustCompile(`chat with the bot in your browser: (http://\S+/)`)

// TestBrowserLocalMode runs `akhbar` in local mode and uses its chat page
// in headless Chromium as a newcomer would: /start, subscribe with a
// button (the menu is edited in place), a pushed card arrives live, its
// share button opens Telegram's share URL for the article, inline mode
// posts a card in a group, a member who is not an admin is refused, feed
// or user text never becomes markup, the raw Bot API call shows on
// request, and the operator's /stats is answered. It saves a screenshot
// (-update-screenshot writes the README's).
func TestBrowserLocalMode(t *testing.T) {
	exe := chromium()
	if exe == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set AKHBAR_CHROMIUM): skipping the browser test of local mode's chat page")
	}

	runCtx, stop := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	env := map[string]string{"AKHBAR_LOCAL_NEWS_EVERY": "3s", "AKHBAR_LOCAL_WEB": "127.0.0.1:0"}
	go func() { done <- run(runCtx, nil, func(k string) string { return env[k] }, out, errOut) }()
	defer func() {
		stop()
		if code := <-done; code != 0 {
			t.Errorf("akhbar exited %d; stderr:\n%s", code, errOut.String())
		}
	}()
	var pageURL string
	eventually(t, "the chat page's address", func() bool {
		m := pageURLRE.FindStringSubmatch(out.String())
		if m != nil {
			pageURL = m[1]
		}
		return m != nil
	})

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, chromedp.DisableGPU,
		// Without these the browser reaches for Google's services, which
		// a closed network refuses.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first action starts the browser, under the browser's own context.
	if err := chromedp.Do(browser, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	defer cancel()
	p := &page{t: t, ctx: ctx, start: time.Now()}

	if !p.evalBool(`getComputedStyle(document.querySelector('#messages')).direction === 'rtl' && document.documentElement.lang === 'ar'`) {
		t.Error("the chat page is not Arabic, right to left")
	}
	// A fresh private chat shows Telegram's START button.
	p.click("START", `document.querySelector('#start:not([hidden])')`)
	p.wait("/start sent", `[...document.querySelectorAll('#messages .msg.out .text')].some(t => t.textContent === '/start')`)
	p.click("the welcome's sources button", lastButton(".msg.in", "📚"))
	menu := p.waitString("the sources menu", `(() => {
		const b = [...document.querySelectorAll('#messages .msg.in .btn')].find(b => b.textContent.includes('#سياسة'));
		return b ? b.closest('.msg').dataset.key : null; })()`)
	p.click("➕ #سياسة", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg[data-key=%s] .btn')].find(b => b.textContent.includes('➕ #سياسة'))`, jsString(menu)))
	// The press edits the menu in place: one message, now with ✅.
	p.wait("the menu edited in place", fmt.Sprintf(`(() => {
		const all = [...document.querySelectorAll('#messages .btn')].filter(b => b.textContent.includes('#سياسة'));
		return all.length === 1 && all[0].textContent.includes('✅') && all[0].closest('.msg').dataset.key === %s; })()`, jsString(menu)))
	if toast := p.waitString("the callback's toast", `(() => { const t = document.querySelector('#toast'); return t.hidden ? null : t.textContent; })()`); !strings.Contains(toast, "تم الاشتراك") {
		t.Errorf("toast after subscribing = %q, want the bot's confirmation", toast)
	}

	// A card is pushed as the sample feeds gain political news, with two
	// buttons: read, and «📤 مشاركة», which edits its keyboard into the
	// share menu.
	var card struct {
		Key, Share, Read, Title, Target string
	}
	p.waitValue("a pushed card", `(() => {
		const s = [...document.querySelectorAll('#messages .msg.in .btn')].find(b => b.textContent.includes('📤'));
		if (!s) return null;
		const m = s.closest('.msg'), b = m.querySelector('.text b');
		return {Key: m.dataset.key, Read: m.querySelector('a.btn').href, Title: b ? b.textContent : ''};
	})()`, 60*time.Second, &card)
	if n := p.evalInt(fmt.Sprintf(`document.querySelectorAll('#messages .msg[data-key=%s] .btn').length`, jsString(card.Key))); n != 2 {
		t.Errorf("the card has %d buttons, want 2 (read, share)", n)
	}
	// Raw Bot API call on request.
	p.click("the Bot API toggle", `document.querySelector('#raw-toggle')`)
	raw := p.waitString("the card's raw call", fmt.Sprintf(`(() => {
		const r = document.querySelector('#messages .msg[data-key=%s] .raw');
		return r && r.offsetParent !== null ? r.textContent : null; })()`, jsString(card.Key)))
	if !strings.HasPrefix(raw, "sendMessage ") && !strings.HasPrefix(raw, "sendPhoto ") || !strings.Contains(raw, `"parse_mode": "HTML"`) || !strings.Contains(raw, "<b>") {
		t.Errorf("raw call of the card:\n%s\nwant the method and the HTML the bot sent", raw)
	}
	p.click("the Bot API toggle", `document.querySelector('#raw-toggle')`)

	p.click("📤 مشاركة", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg[data-key=%s] .btn')].find(b => b.textContent.includes('📤'))`, jsString(card.Key)))
	p.waitValue("the share menu in the card's keyboard", fmt.Sprintf(`(() => {
		const m = document.querySelector('#messages .msg[data-key=%s]');
		const a = m && [...m.querySelectorAll('a.btn')].find(a => a.href.startsWith('https://t.me/share/url?'));
		return a ? {Key: m.dataset.key, Share: a.href, Read: %s, Title: %s, Target: a.target} : null;
	})()`, jsString(card.Key), jsString(card.Read), jsString(card.Title)), 10*time.Second, &card)
	share, err := url.Parse(card.Share)
	if err != nil {
		t.Fatal(err)
	}
	// The shared text is the title, shortened (with an ellipsis) when the
	// link is long.
	text := share.Query().Get("text")
	if share.Host != "t.me" || share.Path != "/share/url" || share.Query().Get("url") != card.Read || card.Title == "" ||
		text != card.Title && !strings.HasPrefix(card.Title, strings.TrimSuffix(text, "…")) {
		t.Errorf("share button %s: want t.me/share/url with url=%s (the read button) and the text of %q (the bold title)", card.Share, card.Read, card.Title)
	}
	if card.Target != "_blank" {
		t.Errorf("share button target = %q, want _blank", card.Target)
	}
	p.openShare(card.Key, card.Share)
	// «↩️ رجوع» gives the card its two buttons back.
	p.click("↩️ رجوع", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg[data-key=%s] .btn')].find(b => b.textContent.includes('↩️'))`, jsString(card.Key)))
	p.wait("the card's own keyboard back", fmt.Sprintf(`(() => {
		const bs = [...document.querySelectorAll('#messages .msg[data-key=%s] .btn')];
		return bs.length === 2 && bs.some(b => b.textContent.includes('📤')); })()`, jsString(card.Key)))

	// The screenshot: the private chat with its pushed card.
	p.wait("the toasts gone", `document.querySelector('#toast').hidden`)
	p.do("scroll to the card", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`document.querySelector('#messages .msg[data-key=%s]').scrollIntoView({block: 'end'})`, jsString(card.Key))))
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if len(shot) < 10_000 || string(shot[1:4]) != "PNG" {
		t.Fatalf("screenshot: %d bytes, not a PNG of the page", len(shot))
	}
	path := filepath.Join(t.ArtifactDir(), "local-mode.png")
	if *updateScreenshot {
		path = filepath.Join("..", "..", "docs", "local-mode.png")
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)

	// Inline mode in the group where the person is an admin.
	p.click("the admin group", `document.querySelector('#chats li[data-chat="-1001000000101"]')`)
	query := longestWord(card.Title)
	// Pasted, not typed key by key: each pause in typing is a query, and
	// the bot answers a person's first 8 in 10 s only.
	p.paste("an inline query", "@akhbar_local_bot "+query)
	p.click("the first inline result", `document.querySelector('#popup .result')`)
	p.wait("the card posted via the bot", `[...document.querySelectorAll('#messages .msg.out')].some(m =>
		(m.querySelector('.via') || {}).textContent === 'عبر @akhbar_local_bot' && m.querySelector('.text b') &&
		m.querySelector('a.btn[href^="https://t.me/share/url?"]'))`)

	// In the group where the person is a member only, the bot refuses.
	p.click("the members' group", `document.querySelector('#chats li[data-chat="-1001000000102"]')`)
	p.click("the group welcome's sources button", lastButton(".msg.in", "📚"))
	p.click("➕ #سياسة in the members' group", lastButton(".msg.in", "➕ #سياسة"))
	p.wait("the admins-only answer", `(() => { const t = document.querySelector('#toast'); return !t.hidden && t.textContent.includes('المشرفون'); })()`)
	// Text is shown as text: no markup from what people or feeds write.
	hostile := `<img src=x onerror="document.title='pwned'"><b>x</b>`
	p.do("type a message", chromedp.SendKeys(chromedp.ID("text"), hostile))
	p.click("send", `document.querySelector('#send')`)
	p.wait("the message shown as text", fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.out .text')].some(t => t.textContent === %s)`, jsString(hostile)))
	if p.evalBool(`document.querySelector('#messages .msg.out .text img, #messages .msg.out .text b') !== null || document.title === 'pwned'`) {
		t.Error("a message's text became markup")
	}

	// The page's user runs the demo: /stats in the private chat answers
	// with the operator's statistics (429s among them).
	p.click("the private chat", `document.querySelector('#chats li[data-chat="7001"]')`)
	p.paste("/stats", "/stats")
	p.click("send", `document.querySelector('#send')`)
	p.wait("the statistics", `[...document.querySelectorAll('#messages .msg.in .text')].some(t => t.textContent.includes('429'))`)

	// /export sends the sources as an OPML file: a document, whose link
	// downloads it.
	p.paste("/export", "/export")
	p.click("send", `document.querySelector('#send')`)
	doc := p.waitString("the OPML document", `(() => {
		const a = document.querySelector('#messages .msg.in a.doc');
		return a && a.download.endsWith('.opml') && a.textContent.includes(a.download) ? a.getAttribute('href') : null; })()`)
	opml, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%s).then(r => r.text())`, jsString(doc)), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download %s: %v", doc, err)
	}
	if !strings.Contains(opml, "<opml") || !strings.Contains(opml, "almamlaka-sample.xml") {
		t.Errorf("the document's link downloads %q, want the sources' OPML", opml)
	}

	// The pushed card's link, sent back to the bot, is read offline: its
	// card, with the title.
	titled := fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.in .text b')].filter(b => b.textContent === %s).length`, jsString(card.Title))
	before := p.evalInt(titled)
	p.paste("the card's link", card.Read)
	p.click("send", `document.querySelector('#send')`)
	p.wait("the link's card", fmt.Sprintf(`%s > %d`, titled, before))
}

// page drives the chat page; every step fails the test with what it was
// waiting for.
type page struct {
	t     *testing.T
	ctx   context.Context
	start time.Time
	marks atomic.Int64
}

const stepTimeout = 20 * time.Second

func (p *page) do(what string, a chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, a); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// waitValue polls a JavaScript expression until it is truthy and decodes
// it into v.
func (p *page) waitValue(what, expr string, timeout time.Duration, v any) {
	p.t.Helper()
	got, err := chromedp.Run(p.ctx, chromedp.Poll[json.RawMessage](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		p.t.Fatalf("waiting for %s: %v\n%s", what, err, p.screen())
	}
	if err := json.Unmarshal(got, v); err != nil {
		p.t.Fatalf("waiting for %s: %v", what, err)
	}
	p.t.Logf("%5.1fs %s", time.Since(p.start).Seconds(), what)
}

// screen is what the page shows, for a failure's message.
func (p *page) screen() string {
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`[
		'chat: ' + document.querySelector('#chat-title').textContent,
		...[...document.querySelectorAll('#messages .msg')].slice(-4).map(m => (m.classList.contains('out') ? '> ' : '< ') + m.innerText.replace(/\s+/g, ' ').slice(0, 300)),
		'message box: ' + document.querySelector('#text').value,
		'popup: ' + (document.querySelector('#popup').hidden ? '(hidden)' : document.querySelector('#popup').innerText),
		'toast: ' + (document.querySelector('#toast').hidden ? '(hidden)' : document.querySelector('#toast').textContent),
	].join('\n')`))
	if err != nil {
		return "(the page cannot be read: " + err.Error() + ")"
	}
	return s
}

func (p *page) wait(what, expr string) {
	p.t.Helper()
	var ok bool
	p.waitValue(what, expr, stepTimeout, &ok)
}

func (p *page) waitString(what, expr string) string {
	p.t.Helper()
	var s string
	p.waitValue(what, expr, stepTimeout, &s)
	return s
}

func (p *page) evalBool(expr string) bool {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (p *page) evalInt(expr string) int {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// paste puts text in the message box at once, as a paste does.
func (p *page) paste(what, text string) {
	p.t.Helper()
	p.do("paste "+what, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const t = document.querySelector('#text');
		t.focus();
		t.value = %s;
		t.dispatchEvent(new InputEvent('input', {inputType: 'insertFromPaste'}));
	})()`, jsString(text))))
}

// click waits for the element an expression finds and clicks it with the
// mouse, as a person does. An element the page replaced between finding
// and clicking (an edit) is found again.
func (p *page) click(what, expr string) {
	p.t.Helper()
	var err error
	for range 3 {
		mark := fmt.Sprint(p.marks.Add(1))
		p.wait(what, fmt.Sprintf(`(() => { const e = %s; if (!e) return false; e.dataset.e2e = %q; return true; })()`, expr, mark))
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-e2e="`+mark+`"]`)))
		cancel()
		if err == nil {
			return
		}
	}
	p.t.Fatalf("click %s: %v\n%s", what, err, p.screen())
}

// openShare clicks a card's share button and checks that the browser
// opens a tab at its URL (it cannot load offline; the address is the test).
func (p *page) openShare(key, want string) {
	p.t.Helper()
	opened := make(chan string, 8)
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	if err := chromedp.ListenBrowser(ctx, func(ev any) {
		var info *target.Info
		switch e := ev.(type) {
		case *target.EventTargetCreated:
			info = e.TargetInfo
		case *target.EventTargetInfoChanged:
			info = e.TargetInfo
		}
		if info != nil && info.Type == "page" && strings.HasPrefix(info.URL, "https://t.me/") {
			select {
			case opened <- info.URL:
			default:
			}
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	p.click("the share button", fmt.Sprintf(`document.querySelector('#messages .msg[data-key=%s] a.btn[href^="https://t.me/share/url?"]')`, jsString(key)))
	select {
	case u := <-opened:
		if u != want {
			p.t.Errorf("share button opened %s, want %s", u, want)
		}
	case <-time.After(stepTimeout):
		p.t.Errorf("the share button opened no tab at %s", want)
	}
}

// lastButton finds the newest button whose text contains text under the
// messages that match sel.
func lastButton(sel, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#messages %s .btn')].reverse().find(b => b.textContent.includes(%s))`, sel, jsString(text))
}

func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes, as a valid JavaScript literal
	return string(b)
}

// longestWord is a title's longest word, a query inline search matches.
func longestWord(title string) string {
	best := ""
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) }) {
		if len([]rune(w)) > len([]rune(best)) {
			best = w
		}
	}
	return best
}
