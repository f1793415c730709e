package bot_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/telegram"
	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/bot/telegramtest/display"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// feedDirs hold every feed of the project's testdata: the bot's own
// fixtures, local mode's samples, and the fixtures of feeds and
// feeds/arabic (real feeds of Arabic and other news sites, legacy
// encodings, malformed ones).
var feedDirs = []string{
	"testdata/feeds",
	"testdata/search",
	"../cmd/akhbar/internal/localmode/sample",
	"../feeds/testdata/feeds",
	"../feeds/arabic/testdata/feeds",
}

type feedFile struct {
	path string
	body []byte
}

// testdataFeeds reads every file of feedDirs once (the same bytes under
// several directories count once), leaving out gofeed's expected-output
// JSON files, which sit next to the feeds they describe.
func testdataFeeds(t *testing.T) []feedFile {
	t.Helper()
	seen := map[[32]byte]bool{}
	var out []feedFile
	for _, dir := range feedDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || name == "MANIFEST.md" || strings.HasSuffix(name, "_expected.json") {
				continue
			}
			if base, ok := strings.CutSuffix(name, ".json"); ok {
				if _, err := os.Stat(filepath.Join(dir, base+".xml")); err == nil {
					continue
				}
			}
			body, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(body); !seen[sum] {
				seen[sum] = true
				out = append(out, feedFile{filepath.Join(dir, name), body})
			}
		}
	}
	return out
}

// cardsHarness is two bots (images on and off) over one store, sending
// through the real adapter to a fake Telegram without flood limits.
type cardsHarness struct {
	tg     *telegramtest.Server
	client *telegram.Client
	store  *storage.Store
	images map[bool]*bot.Bot
	names  map[string]string // source names by id
	sends  int
}

func newCardsHarness(t *testing.T, sources []feeds.Source) *cardsHarness {
	t.Helper()
	tg := telegramtest.NewServer(telegramtest.Options{Token: "77:cards", OnUnknownMethod: func(m string) { t.Errorf("unknown method %q", m) }})
	t.Cleanup(tg.Close)
	client, err := telegram.New(context.Background(), "77:cards", tg.URL(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &cardsHarness{tg: tg, client: client, store: storagetest.New(t), images: map[bool]*bot.Bot{}, names: map[string]string{}}
	for _, s := range sources {
		h.names[s.ID] = s.Name
	}
	for _, images := range []bool{false, true} {
		cfg := bot.Config{Sources: sources, NoArticleFetch: true, CardImages: images, Location: time.UTC, BotUsername: "akhbar_test_bot"}
		h.images[images] = bot.New(cfg, h.store, feeds.NewFetcher(feeds.FetcherOptions{}), client, nil, nil)
	}
	return h
}

// send sends m and fails the test with what Telegram refused. It returns
// the message id, 0 when refused.
func (h *cardsHarness) send(t *testing.T, what string, m bot.Message) int {
	t.Helper()
	h.sends++
	id, err := h.client.Send(context.Background(), m)
	if err != nil {
		t.Errorf("%s: %v\n%s\nbuttons %s", what, err, m.Text, card.KeyboardJSON(m.Buttons))
	}
	return id
}

// each sends items to Telegram every way the bot shows an item: as a card
// (images on and off, Arabic and English, previews on and off), in digests,
// and as inline results. It returns the number of inline results answered.
func (h *cardsHarness) each(t *testing.T, label string, items []feeds.Item) int {
	t.Helper()
	ctx := context.Background()
	chats := []storage.Chat{
		{ID: 42, Kind: "private", Lang: "ar"},
		{ID: -100500, Kind: "channel", Lang: "en", Settings: storage.Settings{Previews: true, Silent: true}},
	}
	for _, images := range []bool{false, true} {
		b := h.images[images]
		for _, chat := range chats {
			for _, it := range items {
				what := fmt.Sprintf("%s: card %q (images %v, %s)", label, it.Link, images, chat.Lang)
				m := b.Compose(chat.ID, []feeds.Item{it}, chat)
				id := h.send(t, what, m)
				checkLayout(t, what, m, chat.Lang)
				// The share menu the card's «📤 مشاركة» turns its keyboard into.
				menu := b.ShareMenu(it, chat)
				if err := h.client.Edit(ctx, chat.ID, id, bot.Message{ChatID: chat.ID, Buttons: menu, EditButtons: true}); id != 0 && err != nil {
					t.Errorf("%s: share menu: %v\nbuttons %s", what, err, card.KeyboardJSON(menu))
				}
				checkLayout(t, what+", share menu", bot.Message{Buttons: menu}, chat.Lang)
			}
		}
	}
	for _, chat := range chats {
		for i := 0; i < len(items); i += 12 {
			batch := items[i:min(i+12, len(items))]
			if len(batch) > 1 {
				what := fmt.Sprintf("%s: digest of items %d–%d (%s)", label, i, i+len(batch)-1, chat.Lang)
				m := h.images[false].Compose(chat.ID, batch, chat)
				h.send(t, what, m)
				checkLayout(t, what, m, chat.Lang)
			}
			// The same items as a list (/latest, /search).
			var list strings.Builder
			for _, it := range batch {
				list.WriteString(card.ItemLine(it, h.names[it.SourceID], time.UTC, chat.Lang))
			}
			what := fmt.Sprintf("%s: list of items %d–%d (%s)", label, i, i+len(batch)-1, chat.Lang)
			m := bot.Message{ChatID: chat.ID, Text: card.LineMark(chat.Lang) + "📰" + list.String(), HTML: true, DisablePreview: true}
			h.send(t, what, m)
			checkLayout(t, what, m, chat.Lang)
		}
	}
	answered := 0
	for _, lang := range []string{"ar", "en"} {
		for i := 0; i < len(items); i += 20 {
			batch := items[i:min(i+20, len(items))]
			results := h.images[false].InlineResults(batch, lang)
			if len(results) != len(batch) {
				t.Errorf("%s: %d inline results for %d items: a valid item was left out", label, len(results), len(batch))
			}
			for _, r := range results {
				what := fmt.Sprintf("%s: inline result %q (%s)", label, r.URL, lang)
				checkLayout(t, what, bot.Message{Text: r.Text, HTML: true, Buttons: r.Buttons}, lang)
				for _, label := range []string{r.Title, r.Description} {
					for _, p := range display.CheckLabel(label, lang) {
						t.Errorf("%s would not read as written: %s", what, p)
					}
				}
			}
			qid := h.tg.InlineQuery(telegramtest.User{ID: 101, FirstName: "ليلى", LanguageCode: lang}, "", "")
			if err := h.client.AnswerInline(ctx, qid, bot.InlineAnswer{Results: results, CacheTime: 30}); err != nil {
				t.Errorf("%s: inline answer of items %d–%d (%s): %v", label, i, i+len(batch)-1, lang, err)
			}
			answered += len(results)
		}
	}
	return answered
}

// checkLayout fails the test for every line of m, and every button, that
// a reader of lang would not read as written (display.Check).
func checkLayout(t *testing.T, what string, m bot.Message, lang string) {
	t.Helper()
	text := m.Text
	if m.HTML {
		parsed, err := telegramtest.ParseHTML(m.Text)
		if err != nil {
			return // send reports it
		}
		text = parsed
	}
	problems := display.Check(text, lang)
	for _, row := range m.Buttons {
		for _, b := range row {
			problems = append(problems, display.CheckLabel(b.Text, lang)...)
		}
	}
	for _, p := range problems {
		t.Errorf("%s would not read as written: %s", what, p)
	}
}

// refusals fails the test with every 4xx the fake answered.
func (h *cardsHarness) refusals(t *testing.T) {
	t.Helper()
	if errs := h.tg.Stats().ClientErrors; len(errs) > 0 {
		var lines []string
		for desc, n := range errs {
			lines = append(lines, fmt.Sprintf("%d × %s", n, desc))
		}
		sort.Strings(lines)
		t.Errorf("Telegram refused %d kinds of request:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

// TestEveryTestdataItemIsAValidCard takes every item of every feed in the
// project's testdata the way a poll does (parse, clean and summarise,
// store, read back) and sends it through the real adapter to the strict
// fake Telegram in every form the bot shows an item. Telegram must refuse
// none. Arabi21's items have 300–400-character percent-encoded links.
func TestEveryTestdataItemIsAValidCard(t *testing.T) {
	// Parallel: it computes (every fixture item rendered and sent every way, 18 s under race) and reads no clock, so it overlaps the tests that wait.
	t.Parallel()
	files := testdataFeeds(t)
	var sources []feeds.Source
	for i, f := range files {
		sources = append(sources, feeds.Source{ID: fmt.Sprintf("f%02d", i), Name: filepath.Base(f.path), Topics: []string{"اختبار", "أخبار عربية"}})
	}
	h := newCardsHarness(t, sources)
	ctx := context.Background()
	now := time.Now()
	total, inline, longLinks := 0, 0, 0
	for i, f := range files {
		src := sources[i]
		parsed, err := feeds.Parse(src, f.body, "https://feeds.example.com/"+filepath.Base(f.path))
		if err != nil {
			t.Logf("%s: not a feed the bot can read (%v): skipped", f.path, err)
			continue
		}
		ids := make([]string, len(parsed))
		for j, it := range parsed {
			if it.Published.IsZero() {
				it.Published = now // as a poll dates undated items
			}
			it = h.images[false].Enrich(ctx, src, it)
			if err := h.store.SaveItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			ids[j] = it.ID
			if len(it.Link) > 256 {
				longLinks++
			}
		}
		items, err := h.store.Items(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != len(parsed) {
			t.Fatalf("%s: %d items stored, %d read back", f.path, len(parsed), len(items))
		}
		total += len(items)
		inline += h.each(t, f.path, items)
		t.Logf("%s: %d items", f.path, len(items))
	}
	h.refusals(t)
	t.Logf("%d feed files, %d items (%d with links over 256 characters): %d messages and %d inline results accepted, 0 refused",
		len(files), total, longLinks, h.sends, inline)
	if longLinks == 0 {
		t.Error("no item with a link over 256 characters: the long Arabic links are not covered")
	}
}

// buttonsOf finds, in a card's keyboard, what its read button opens and
// what its copy button copies ("" for a missing button), and counts them.
func buttonsOf(m bot.Message) (read, copied string, n int) {
	for _, row := range m.Buttons {
		for _, b := range row {
			n++
			switch {
			case b.CopyText != "":
				copied = b.CopyText
			case b.Text == "📖 قراءة الخبر" || b.Text == "📖 Read":
				read = b.URL
			}
		}
	}
	return read, copied, n
}

// TestCardsFitAnyLink sends cards for the links a feed can carry beyond
// the testdata's (longer slugs, links past any button's size, hosts
// Telegram refuses) as cards, edited cards and inline results: Telegram
// refuses none, and the buttons use the address that fits.
func TestCardsFitAnyLink(t *testing.T) {
	const arabi21 = "https://arabi21.com/story/1724790/%D8%A7%D9%82%D8%AA%D8%AD%D8%A7%D9%85-%D9%85%D9%82%D8%B1-%D8%A7%D9%84%D8%A3%D9%88%D9%86%D8%B1%D9%88%D8%A7-%D8%A8%D8%A7%D9%84%D9%82%D8%AF%D8%B3-%D8%A7%D8%B9%D8%AA%D8%AF%D8%A7%D8%A1-%D8%B9%D9%84%D9%89-%D8%A7%D9%84%D8%A3%D9%85%D9%85-%D8%A7%D9%84%D9%85%D8%AA%D8%AD%D8%AF%D8%A9"
	const short = "https://www.lemonde.fr/tiny/5255095/"
	ascii := func(n int) string {
		return "https://www.lemonde.fr/" + strings.Repeat("a", n-len("https://www.lemonde.fr/"))
	}
	slug := "https://www.aljazeera.net/news/2026/2/15/" + strings.Repeat("%D8%AE", 200) // 1,241 bytes, 241 characters as an IRI
	longTitle := strings.Repeat("عنوان طويل جداً ", 25)
	tests := map[string]struct {
		item               feeds.Item
		buttons            []string
		wantRead, wantCopy string
		wantButtons        int
	}{
		"arabi21 link":                      {item: feeds.Item{Link: arabi21}, wantRead: arabi21, wantCopy: feeds.IRI(arabi21), wantButtons: 5},
		"arabi21 link, 300-character title": {item: feeds.Item{Link: arabi21, Title: longTitle}, wantRead: arabi21, wantCopy: feeds.IRI(arabi21), wantButtons: 5},
		"long link with a short link":       {item: feeds.Item{Link: ascii(600), ShortLink: short}, wantRead: ascii(600), wantCopy: short, wantButtons: 5},
		"long link alone":                   {item: feeds.Item{Link: ascii(600)}, wantRead: ascii(600), wantButtons: 4},
		"link past any button, short link":  {item: feeds.Item{Link: ascii(3000), ShortLink: short}, wantRead: short, wantCopy: short, wantButtons: 5},
		"link past any button alone":        {item: feeds.Item{Link: ascii(3000)}},
		// The IRI fits a button; escaped again inside a share URL it does not.
		"long Arabic slug":                 {item: feeds.Item{Link: slug, Title: longTitle}, wantRead: feeds.IRI(slug), wantCopy: feeds.IRI(slug), wantButtons: 2},
		"host Telegram refuses":            {item: feeds.Item{Link: "https://localhost:8000/a"}, wantCopy: "https://localhost:8000/a", wantButtons: 1},
		"copy button only, link too long":  {item: feeds.Item{Link: ascii(600)}, buttons: []string{card.ButtonCopy}},
		"read and copy only, arabi21 link": {item: feeds.Item{Link: arabi21}, buttons: []string{card.ButtonRead, card.ButtonCopy}, wantRead: arabi21, wantCopy: feeds.IRI(arabi21), wantButtons: 2},
	}
	h := newCardsHarness(t, nil)
	ctx := context.Background()
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			it := tt.item
			it.ID, it.SourceID, it.Published = fmt.Sprintf("%x", sha256.Sum256([]byte(name))), "src", time.Date(2026, 2, 15, 10, 0, 0, 0, time.UTC)
			if it.Title == "" {
				it.Title = "افتتاح مقر الأونروا بالقدس"
			}
			it.Summary, it.Image = "ملخص الخبر.", "https://img.example.com/a.jpg"
			for _, images := range []bool{false, true} {
				c := card.Card{Item: it, SourceName: "عربي21", Loc: time.UTC, Buttons: tt.buttons, Images: images}
				m := c.Render()
				read, copied, n := buttonsOf(m)
				if read != tt.wantRead || copied != tt.wantCopy || n != tt.wantButtons {
					t.Errorf("images %v: read %q, copy %q, %d buttons; want %q, %q, %d", images, read, copied, n, tt.wantRead, tt.wantCopy, tt.wantButtons)
				}
				if size := len(card.KeyboardJSON(m.Buttons)); size > 3072 {
					t.Errorf("keyboard of %d bytes", size)
				}
				m.ChatID = 42
				if id := h.send(t, name, m); id != 0 {
					m.Text += "\n(عُدّل)"
					m.EditCaption = m.Photo != "" // what was sent: a photo's caption, or a text
					if err := h.client.Edit(ctx, 42, id, m); err != nil {
						t.Errorf("edit: %v", err)
					}
				}

				// The same card with its share buttons in the «📤 مشاركة» menu:
				// the menu holds the same copy link, fits the keyboard's limit and
				// ends with the way back; a card with nothing to share has none.
				c.ShareMenu = "sh:x"
				fm, menu := c.Render(), c.ShareKeyboard("sb:x")
				fm.ChatID = 42
				id := h.send(t, name+", share menu", fm)
				if menu == nil {
					if !reflect.DeepEqual(fm.Buttons, m.Buttons) {
						t.Errorf("images %v: no share menu, but the card's buttons %v, want %v", images, fm.Buttons, m.Buttons)
					}
					continue
				}
				_, mcopy, _ := buttonsOf(bot.Message{Buttons: menu})
				lastRow := menu[len(menu)-1]
				if mcopy != tt.wantCopy || lastRow[len(lastRow)-1].CallbackData != "sb:x" || len(card.KeyboardJSON(menu)) > 3072 {
					t.Errorf("images %v: share menu %v, want copy %q and the way back last, within 3 KB", images, menu, tt.wantCopy)
				}
				if err := h.client.Edit(ctx, 42, id, bot.Message{Buttons: menu, EditButtons: true}); id != 0 && err != nil {
					t.Errorf("share menu: %v", err)
				}
			}
			qid := h.tg.InlineQuery(telegramtest.User{ID: 101, FirstName: "ليلى", LanguageCode: "ar"}, "", "")
			results := h.images[false].InlineResults([]feeds.Item{it}, "ar")
			if len(results) != 1 {
				t.Fatalf("%d inline results, want 1", len(results))
			}
			if err := h.client.AnswerInline(ctx, qid, bot.InlineAnswer{Results: results}); err != nil {
				t.Errorf("inline answer: %v", err)
			}
		})
	}
	h.refusals(t)
}
