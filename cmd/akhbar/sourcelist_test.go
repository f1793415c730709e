package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage/storagetest"
)

// TestOPMLFromTelegram runs the program with a config file and an
// operator: /export sends the file's sources as an OPML document, and an
// OPML file the operator sends adds its new feed to the config file (each
// feed checked once; a dead one is written commented out) and applies it
// at once, as a reload: readers are offered the new source.
func TestOPMLFromTelegram(t *testing.T) {
	const token = "654:opml-token-0123456789abcdefghijklmnopq"
	tg := telegramtest.NewServer(telegramtest.Options{Token: token})
	t.Cleanup(tg.Close)
	feedSrv := sampleFeedServer(t)
	redisURL, prefix := storagetest.URL(t)
	cfg := fmt.Sprintf(`# the newsroom's bot
redis:
  prefix: %q
admin:
  listen: "off"
operators: [777]
fetch:
  allow_private_addresses: true
defaults:
  schedule: "@every 1h"
sources:
  - id: almamlaka
    name: المملكة
    url: %s/almamlaka-sample.xml
    topics: [محليات]
`, prefix, feedSrv.URL)
	cfgPath := writeConfig(t, cfg)
	start(t, []string{"-config", cfgPath}, map[string]string{
		"TELEGRAM_BOT_TOKEN": token, "AKHBAR_TELEGRAM_API_URL": tg.URL(), "REDIS_URL": redisURL})
	op := telegramtest.User{ID: 777, FirstName: "Op", LanguageCode: "en"}
	opDM := telegramtest.Chat{ID: op.ID, Type: "private", FirstName: "Op"}

	tg.UserMessage(opDM, op, "/export")
	eventually(t, "the exported file", func() bool { return len(tg.SentTo(op.ID)) == 1 })
	doc := tg.SentTo(op.ID)[0].Document
	if doc == nil {
		t.Fatalf("/export answered %q, want a document", tg.SentTo(op.ID)[0].ParsedText)
	}
	exported, _ := tg.File(doc.FileID)
	if !strings.Contains(string(exported), `xmlUrl="`+feedSrv.URL+`/almamlaka-sample.xml"`) || !strings.Contains(string(exported), `akhbar:id="almamlaka"`) {
		t.Errorf("exported OPML:\n%s\nwant the config's source", exported)
	}

	opml := fmt.Sprintf(`<?xml version="1.0"?>
<opml version="2.0"><head><title>reader</title></head><body>
  <outline text="أخبار" title="أخبار">
    <outline type="rss" text="المملكة" xmlUrl="%[1]s/almamlaka-sample.xml"/>
    <outline type="rss" text="هسبريس" xmlUrl="%[1]s/hespress.xml"/>
    <outline type="rss" text="Gone" xmlUrl="%[1]s/gone.xml"/>
  </outline>
</body></opml>`, feedSrv.URL)
	tg.UserDocument(opDM, op, "reader.opml", []byte(opml), "")
	var final string
	eventually(t, "the import's answer", func() bool {
		sent := tg.SentTo(op.ID)
		final = sent[len(sent)-1].ParsedText
		return strings.HasPrefix(final, "✅")
	})
	for _, want := range []string{"2 feed(s) from telegram: 1 checked ok, 1 failed (written commented out)", "1 added (feed)", "skipped \"المملكة\"", "✗"} {
		if !strings.Contains(final, want) {
			t.Errorf("import answer:\n%s\nwant %q", final, want)
		}
	}
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	if !strings.HasPrefix(got, cfg) || !strings.Contains(got, "    url: "+feedSrv.URL+"/hespress.xml\n") ||
		!strings.Contains(got, "topics: [أخبار]") || !strings.Contains(got, "  #   url: "+feedSrv.URL+"/gone.xml") {
		t.Errorf("config after the import:\n%s", got)
	}

	// Applied at once: a reader is offered the new source.
	reader := telegramtest.User{ID: 301, FirstName: "Ali", LanguageCode: "en"}
	dm := telegramtest.Chat{ID: 301, Type: "private", FirstName: "Ali"}
	tg.UserMessage(dm, reader, "/sources")
	eventually(t, "the /sources answer", func() bool { return len(tg.SentTo(dm.ID)) > 0 })
	if m := string(tg.SentTo(dm.ID)[0].ReplyMarkup); !strings.Contains(m, "هسبريس") {
		t.Errorf("menu after the import = %s, want هسبريس", m)
	}
}

// TestImportNotesMarkProblems: planImport marks which lines are skips and
// failures by what happened, not by their text: a feed checked ok whose
// title reads like a failure is not one, and a dead feed is.
func TestImportNotesMarkProblems(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>skipped ✗ ignored</title>`+
			`<item><title>خبر</title><link>https://example.com/1</link><guid>1</guid></item></channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	opml := fmt.Sprintf(`<opml version="2.0"><body>
  <outline type="rss" text="ok" xmlUrl="%[1]s/ok.xml"/>
  <outline type="rss" text="gone" xmlUrl="%[1]s/gone.xml"/>
</body></opml>`, srv.URL)
	var problems, others []string
	plan, err := planImport(context.Background(), strings.NewReader(opml), "t", &Config{}, importOptions{
		fetcher: feeds.NewFetcher(feeds.FetcherOptions{AllowPrivate: true}),
		note: func(line string, problem bool) {
			if problem {
				problems = append(problems, line)
			} else {
				others = append(others, line)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.feeds != 2 || plan.failed != 1 {
		t.Errorf("plan: %d feeds, %d failed; want 2, 1", plan.feeds, plan.failed)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "✗") || !strings.Contains(problems[0], "/gone.xml") {
		t.Errorf("problems %q: want the dead feed's line only", problems)
	}
	if len(others) != 2 || !strings.Contains(others[1], "✓") || !strings.Contains(others[1], "skipped ✗ ignored") {
		t.Errorf("other lines %q: want the start and the ok feed's", others)
	}
}
