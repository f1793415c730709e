package bot_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/akhbar/akhbar/bot"
	"github.com/akhbar/akhbar/bot/telegramtest/display"
)

// goldenButton is a button in a golden: "[label | data]" in a transcript,
// "[label → action]" under a card.
var goldenButton = regexp.MustCompile(`\[([^\[\]|→]*?) (?:\||→) [^\[\]]*\]`)

// goldenLang is the language a golden's name gives: card_en_arabic_source
// is English, search_ar Arabic; the others mix the two.
var goldenLang = regexp.MustCompile(`_(ar|en)(?:_|\.golden$)`)

// shownMessage is a message as a golden shows it to a reader.
type shownMessage struct {
	lines, labels []string
}

// goldenShown reads what a golden says readers see: each message's lines
// and button labels, without the transcript's framing (who did what, the
// numbers of inline results, thumbnails) and without a card's HTML.
func goldenShown(golden string) []shownMessage {
	var msgs []shownMessage
	var cur *shownMessage
	html := false
	for _, ln := range strings.Split(golden, "\n") {
		framing := strings.HasPrefix(ln, ">") || strings.HasPrefix(ln, "<") || strings.HasPrefix(ln, "✎")
		if framing || strings.HasPrefix(ln, "== ") {
			html = ln == "== HTML =="
			if framing || html {
				msgs = append(msgs, shownMessage{})
				cur = &msgs[len(msgs)-1]
			}
			continue
		}
		body := strings.TrimLeft(ln, " ")
		if html || cur == nil || strings.HasPrefix(body, "thumbnail ") {
			continue
		}
		if strings.HasPrefix(body, "[") && strings.HasSuffix(body, "]") {
			if m := goldenButton.FindAllStringSubmatch(body, -1); m != nil {
				for _, b := range m {
					cur.labels = append(cur.labels, b[1])
				}
				continue
			}
		}
		// An inline result's number is the transcript's, not the reader's.
		if i := strings.Index(body, ". "); ln != body && i > 0 && i <= 3 && strings.Trim(body[:i], "0123456789") == "" {
			body = body[i+2:]
		}
		cur.lines = append(cur.lines, body)
	}
	return msgs
}

// mostlyArabic reports a text with at least as many Arabic letters as
// Latin ones.
func mostlyArabic(lines []string) bool {
	arabic, latin := 0, 0
	for _, ln := range lines {
		for _, r := range ln {
			switch {
			case unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r):
				arabic++
			case unicode.Is(unicode.Latin, r):
				latin++
			}
		}
	}
	return arabic >= latin
}

// TestGoldensReadAsWritten walks every golden of the bot and of its cards
// (conversations in both languages, settings, help, search, inline
// results, links, the operator's screens, cards and digests) and checks
// each line and button as a reader sees it (display.Check): the goldens
// are what was reviewed, so they must read as written whatever test
// wrote them. A golden named …_ar… or …_en… is in that language; in the
// others a message reads as written in Arabic or in English.
func TestGoldensReadAsWritten(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	cards, err := filepath.Glob(filepath.Join("card", "testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, cards...)
	if len(paths) < 20 {
		t.Fatalf("only %d goldens found", len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			msgs := goldenShown(string(raw))
			n := 0
			for _, m := range msgs {
				n += len(m.lines)
				// A golden that mixes the languages says not which a
				// message is in: it must read as written in one of them
				// (whose direction its lines then run in).
				langs := []string{"ar", "en"}
				if l := goldenLang.FindStringSubmatch(filepath.Base(path)); l != nil {
					langs = []string{l[1]}
				} else if !mostlyArabic(m.lines) {
					langs = []string{"en", "ar"}
				}
				var problems []string
				for _, lang := range langs {
					problems = problems[:0]
					for _, p := range display.Check(strings.Join(m.lines, "\n"), lang) {
						problems = append(problems, lang+" message: "+p.String())
					}
					for _, l := range m.labels {
						for _, p := range display.CheckLabel(l, lang) {
							problems = append(problems, lang+" button: "+p.String())
						}
					}
					if len(problems) == 0 {
						break
					}
				}
				for _, p := range problems {
					t.Error(p)
				}
			}
			if n == 0 {
				t.Fatal("no lines read")
			}
		})
	}
}

// TestCommandMenuReadsAsWritten: the command menu Telegram shows beside
// the input field, in both languages, reads as written.
func TestCommandMenuReadsAsWritten(t *testing.T) {
	for _, lang := range []string{"ar", "en"} {
		cmds := bot.Commands(lang)
		if len(cmds) == 0 {
			t.Fatalf("no commands in %s", lang)
		}
		for _, c := range cmds {
			for _, p := range display.CheckLabel(c.Description, lang) {
				t.Errorf("%s /%s: %s", lang, c.Name, p)
			}
		}
	}
}
