package card

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/feeds"
)

// TestCaption: an edit of a card sent as a photo stays a caption: within
// Telegram's 1024 characters as the reader sees it, with the summary cut
// (or gone when even a short one does not fit) and never the title, and
// without a photo of its own (the edit keeps the one sent).
func TestCaption(t *testing.T) {
	short := sampleItem()
	short.Image = "https://img.example/a.jpg"
	long := short
	long.Summary = strings.Repeat("جملة طويلة من الملخص. ", 80)
	longTitle := long
	longTitle.Title = strings.Repeat("عنوان طويل ", 40)
	longTitle.Topics = []string{strings.Repeat("موضوع", 10), strings.Repeat("وسم", 15)}
	tests := map[string]struct {
		item        feeds.Item
		wantSummary string // "keep", "cut" or "none"
	}{
		"short card unchanged":     {short, "keep"},
		"long summary cut":         {long, "cut"},
		"a title that leaves room": {longTitle, "cut"},
		"no summary at all":        {func() feeds.Item { it := short; it.Summary = ""; return it }(), "none"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := Card{Item: tc.item, SourceName: "المملكة", Loc: time.UTC, Lang: "ar", Images: true}
			m := c.Caption()
			if m.Photo != "" || m.PreviewURL != "" {
				t.Errorf("caption carries a photo %q or preview %q", m.Photo, m.PreviewURL)
			}
			shown, err := telegramtest.ParseHTML(m.Text)
			if err != nil {
				t.Fatalf("caption does not parse: %v", err)
			}
			if n := utf8.RuneCountInString(shown); n > maxCaptionChars {
				t.Fatalf("caption is %d characters, over %d", n, maxCaptionChars)
			}
			if !strings.Contains(shown, Truncate(OneLine(tc.item.Title), maxTitleChars)) {
				t.Errorf("caption lost its title:\n%s", shown)
			}
			full := Card{Item: tc.item, SourceName: "المملكة", Loc: time.UTC, Lang: "ar"}.RenderPlain().Text
			switch head := []rune(Truncate(strings.TrimSpace(tc.item.Summary), maxSummaryChars)); tc.wantSummary {
			case "keep":
				if !strings.Contains(shown, string(head)) {
					t.Errorf("a card that fits lost its summary:\n%s", shown)
				}
			case "cut":
				if strings.Contains(shown, string(head)) || !strings.Contains(shown, string(head[:20])) || utf8.RuneCountInString(full) <= maxCaptionChars {
					t.Errorf("the summary was not cut to fit (card %d characters):\n%s", utf8.RuneCountInString(full), shown)
				}
			}
		})
	}
}

// TestItemLine: a list line links the title to its article (plain when
// the link is not http(s)), marks breaking news, bounds the source name,
// escapes both, and runs in the reader's direction.
func TestItemLine(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 15, 0, 0, time.UTC)
	tests := map[string]struct {
		it            feeds.Item
		source, lang  string
		want, wantNot []string
		firstMark     string
	}{
		"linked title, Arabic": {feeds.Item{Title: "عنوان", Link: "https://a.example/1?x=1&y=2", Published: at}, "المملكة", "ar",
			[]string{`<a href="https://a.example/1?x=1&amp;y=2">عنوان</a>`, "المملكة · 28 نوفمبر 2026، 09:15"}, []string{"🔴"}, RLM},
		"no http link is plain": {feeds.Item{Title: "عنوان <b>", Link: "javascript:alert(1)", Published: at}, "مصدر", "ar",
			[]string{"عنوان &lt;b&gt;"}, []string{"<a ", "javascript"}, RLM},
		"breaking is marked": {feeds.Item{Title: "زلزال", Link: "https://a.example/2", Breaking: true, Published: at}, "المملكة", "en",
			[]string{"• 🔴 ", "28 Nov 2026, 09:15"}, nil, LRM},
		"long source bounded": {feeds.Item{Title: "t", Published: at}, strings.Repeat("م", 100) + "<x>", "ar",
			[]string{strings.Repeat("م", 58) + "…"}, []string{"<x>", strings.Repeat("م", 60)}, RLM},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ItemLine(tc.it, tc.source, time.UTC, tc.lang)
			for _, s := range tc.want {
				if !strings.Contains(got, s) {
					t.Errorf("line lacks %q:\n%q", s, got)
				}
			}
			for _, s := range tc.wantNot {
				if strings.Contains(got, s) {
					t.Errorf("line has %q:\n%q", s, got)
				}
			}
			lines := strings.Split(strings.TrimPrefix(got, "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], tc.firstMark) || !strings.HasPrefix(lines[1], tc.firstMark) {
				t.Errorf("want two lines starting with %q: %q", tc.firstMark, lines)
			}
			if _, err := telegramtest.ParseHTML(got); err != nil {
				t.Errorf("line does not parse: %v", err)
			}
		})
	}
}

// TestDigestBreaking: a digest is silent-proof (Breaking) when any of its
// items is breaking news, lists the items in order, and escapes the
// sources' names in its HTML form only.
func TestDigestBreaking(t *testing.T) {
	names := func(id string) string { return "src-" + id + " <&>" }
	items := []feeds.Item{{ID: "1", SourceID: "a", Title: "أول"}, {ID: "2", SourceID: "b", Title: "ثان"}}
	if m := Digest(items, "ar", names, true); m.Breaking || !m.DisablePreview || !m.HTML ||
		strings.Index(m.Text, "أول") > strings.Index(m.Text, "ثان") || !strings.Contains(m.Text, "src-b &lt;&amp;&gt;") {
		t.Errorf("digest of ordinary news: %+v", m)
	}
	items[1].Breaking = true
	if m := Digest(items, "ar", names, false); !m.Breaking || m.HTML || !strings.Contains(m.Text, "src-a <&>") || strings.Contains(m.Text, "<b>") {
		t.Errorf("plain digest with breaking news: %+v", m)
	}
}

// TestTablesAreCopies: what Texts, BreakingTexts and DefaultButtons hand
// out cannot change what the next caller reads.
func TestTablesAreCopies(t *testing.T) {
	tx := Texts("ar")
	tx.Read = "changed"
	if Texts("ar").Read == "changed" {
		t.Error("Texts shares its table")
	}
	bt := BreakingTexts("en")
	bt.Mark = "changed"
	if BreakingTexts("en").Mark == "changed" {
		t.Error("BreakingTexts shares its table")
	}
	d := DefaultButtons()
	d[0] = "changed"
	if want := []string{ButtonRead, ButtonShare, ButtonWhatsApp, ButtonX, ButtonCopy}; !slices.Equal(DefaultButtons(), want) {
		t.Errorf("DefaultButtons = %q after a caller changed its copy", DefaultButtons())
	}
}

// TestLanguageChoices: the reply language, the texts and the paging row
// follow the language code; next points the way the language reads.
func TestLanguageChoices(t *testing.T) {
	for code, want := range map[string]string{"": "ar", "ar": "ar", "ar-JO": "ar", "en": "en", "en-GB": "en", "fr": "en"} {
		if got := LangFor(code); got != want {
			t.Errorf("LangFor(%q) = %q, want %q", code, got, want)
		}
	}
	prev, next, page := &Button{Text: "p"}, &Button{Text: "n"}, []Button{{Text: "1/2"}}
	labels := func(row []Button) (s []string) {
		for _, b := range row {
			s = append(s, b.Text)
		}
		return s
	}
	tests := map[string]struct {
		lang       string
		prev, next *Button
		want       []string
	}{
		"Arabic: next on the left":   {"ar", prev, next, []string{"n", "1/2", "p"}},
		"English: next on the right": {"en", prev, next, []string{"p", "1/2", "n"}},
		"first page: no previous":    {"ar", nil, next, []string{"n", "1/2"}},
		"last page: no next":         {"en", prev, nil, []string{"p", "1/2"}},
	}
	for name, tc := range tests {
		if got := labels(PagingRow(tc.lang, tc.prev, page, tc.next)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	if Texts("en-US").Read != enText.Read || Texts("fa").Read != arText.Read {
		t.Error("Texts: English for en…, Arabic for anything else")
	}
}
