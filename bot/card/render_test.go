package card

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot/telegramtest"
	"github.com/akhbar/akhbar/bot/telegramtest/display"
	"github.com/akhbar/akhbar/feeds"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func amman(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Amman")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// show renders a message as a reviewer reads it: the HTML, what Telegram
// displays after parsing it, and the buttons. It fails the test when a line
// of the text or a button would not read as written in lang (see
// display.Check).
func show(t *testing.T, m Message, lang string) string {
	t.Helper()
	parsed, err := telegramtest.ParseHTML(m.Text)
	if err != nil {
		t.Fatalf("Telegram would reject the message: %v\n%s", err, m.Text)
	}
	checkDisplay(t, parsed, m.Buttons, lang)
	var b strings.Builder
	if m.Photo != "" {
		b.WriteString("== photo ==\n" + m.Photo + "\n")
	}
	if m.PreviewURL != "" {
		b.WriteString("== large preview above the text ==\n" + m.PreviewURL + "\n")
	}
	b.WriteString("== HTML ==\n" + m.Text + "\n== shown ==\n" + parsed + "\n== buttons ==\n")
	for _, row := range m.Buttons {
		var cells []string
		for _, btn := range row {
			action := btn.URL + btn.CallbackData + btn.CopyText + btn.SwitchInline
			cells = append(cells, "["+btn.Text+" → "+action+"]")
		}
		b.WriteString(strings.Join(cells, " ") + "\n")
	}
	return b.String()
}

// checkDisplay fails the test for every line of text, and every button,
// that a reader of lang would not read as written.
func checkDisplay(t testing.TB, text string, buttons [][]Button, lang string) {
	t.Helper()
	problems := display.Check(text, lang)
	for _, row := range buttons {
		for _, b := range row {
			problems = append(problems, display.CheckLabel(b.Text, lang)...)
		}
	}
	for _, p := range problems {
		t.Errorf("%s would not read as written: %s", lang, p)
	}
}

func sampleItem() feeds.Item {
	return feeds.Item{
		ID: "abc", SourceID: "almamlaka",
		Title:     "الأردن يطلق حملة وطنية للتشجير في المحافظات",
		Link:      "https://www.almamlakatv.com/news/123",
		Summary:   "أطلقت وزارة الزراعة، السبت، حملة وطنية للتشجير تستهدف زراعة مليون شجرة في المحافظات. وقال الوزير إن نسبة الغطاء الحرجي <1% & ترتفع.",
		Published: time.Date(2026, 11, 28, 9, 15, 0, 0, time.UTC),
		Topics:    []string{"محليات", "بيئة وطقس"},
	}
}

func TestCardGolden(t *testing.T) {
	tests := map[string]Card{
		"card_ar.golden": {Item: sampleItem(), SourceName: "المملكة", Loc: amman(t), Lang: "ar"},
		"card_en.golden": {Item: sampleItem(), SourceName: "Al-Mamlaka", Loc: amman(t), Lang: "en"},
		"card_hostile.golden": {Item: feeds.Item{
			Title:   `<script>alert("x")</script> &nbsp; عنوان <b>غير مغلق`,
			Link:    `https://example.com/a?x=1&y="2"`,
			Summary: "نص فيه &amp; و <i> و \u202eعكس",
			Topics:  []string{"<سياسة>", "  "},
		}, SourceName: "<مصدر & شريك>", Loc: time.UTC},
		"card_nolink.golden": {Item: feeds.Item{Title: "خبر بلا رابط", Link: "javascript:alert(1)"}, SourceName: "مصدر"},
		"card_photo.golden": {Item: func() feeds.Item { it := sampleItem(); it.Image = "https://www.almamlakatv.com/img/123.jpg"; return it }(),
			SourceName: "المملكة", Loc: amman(t), Images: true, Buttons: []string{ButtonRead, ButtonCopy}},
		"card_long_with_image.golden": {Item: func() feeds.Item {
			it := sampleItem()
			it.Image = "https://www.almamlakatv.com/img/123.jpg"
			it.Summary = strings.Repeat("جملة طويلة من الملخص. ", 60)
			return it
		}(), SourceName: "المملكة", Loc: amman(t), Images: true},
		// A source that ends in Latin, and a Latin hashtag.
		"card_latin_source.golden": {Item: func() feeds.Item { it := sampleItem(); it.Topics = []string{"محليات", "COP28"}; return it }(),
			SourceName: "France 24", Loc: amman(t), Lang: "ar"},
		// A breaking card, in both languages.
		"card_breaking_ar.golden": {Item: func() feeds.Item { it := sampleItem(); it.Breaking = true; return it }(), SourceName: "المملكة", Loc: amman(t), Lang: "ar"},
		"card_breaking_en.golden": {Item: func() feeds.Item { it := sampleItem(); it.Breaking = true; return it }(), SourceName: "Al-Mamlaka", Loc: amman(t), Lang: "en"},
		// A feed's own mentions and hashtags in Latin inside Arabic text,
		// and a summary line that opens in Latin.
		"card_signs_ar.golden": {Item: func() feeds.Item {
			it := sampleItem()
			it.Title = "قال @UN_News إن قمة #COP28 بدأت في دبي"
			it.Summary = "نشرت الأمم المتحدة عبر حسابها @UN_News أن القمة انطلقت تحت وسم #COP28 و#ClimateAction.\nApple تعلن دعمها للقمة"
			return it
		}(), SourceName: "المملكة", Loc: amman(t), Lang: "ar"},
		// An English card of an Arabic source: its line runs left to right.
		"card_en_arabic_source.golden": {Item: func() feeds.Item { it := sampleItem(); it.Topics = []string{"COP28", "محليات"}; return it }(),
			SourceName: "المملكة", Loc: amman(t), Lang: "en"},
	}
	for name, c := range tests {
		t.Run(name, func(t *testing.T) { golden(t, name, show(t, c.Render(), c.Lang)) })
	}
}

// TestCardLineDirections: an Arabic card's source line starts with a
// right-to-left mark and keeps a Latin source name apart from the date
// with another after it; an English card's lines start with none of them.
func TestCardLineDirections(t *testing.T) {
	it := sampleItem()
	it.Topics = []string{"COP28"}
	ar := Card{Item: it, SourceName: "France 24", Loc: amman(t), Lang: "ar"}.RenderPlain().Text
	if want := "📰 " + LRM + "France 24" + LRM + RLM + " · 🕒 "; !strings.HasPrefix(lineWith(ar, "📰"), RLM) || !strings.Contains(ar, want) {
		t.Errorf("Arabic card's source line lacks %q:\n%q", want, ar)
	}
	if want := LRM + "#COP28"; !strings.Contains(ar, want) {
		t.Errorf("Arabic card's Latin hashtag lacks its mark %q:\n%q", want, ar)
	}
	en := Card{Item: it, SourceName: "Al-Mamlaka", Loc: amman(t), Lang: "en"}.RenderPlain().Text
	if line := lineWith(en, "Al-Mamlaka"); strings.HasPrefix(line, RLM) {
		t.Errorf("English card's source line starts with an RLM: %q", line)
	}
}

// lineWith is the line of text that contains s.
func lineWith(text, s string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// TestNewsCount: the digest's count takes the noun in the number Arabic
// gives it.
func TestNewsCount(t *testing.T) {
	tests := map[int]string{
		0: "لا أخبار جديدة", 1: "خبر جديد", 2: "خبران جديدان", 3: "3 أخبار جديدة", 10: "10 أخبار جديدة",
		11: "11 خبراً جديداً", 12: "12 خبراً جديداً", 99: "99 خبراً جديداً",
		100: "100 خبر جديد", 101: "101 خبر جديد", 102: "102 خبر جديد", 103: "103 أخبار جديدة",
		111: "111 خبراً جديداً", 200: "200 خبر جديد", 1000: "1000 خبر جديد",
	}
	for n, want := range tests {
		if got := newsCount("ar", n); got != want {
			t.Errorf("newsCount(ar, %d) = %q, want %q", n, got, want)
		}
	}
	if got := newsCount("en", 1); got != "1 new story" {
		t.Errorf("newsCount(en, 1) = %q", got)
	}
	if got := newsCount("en", 12); got != "12 new stories" {
		t.Errorf("newsCount(en, 12) = %q", got)
	}
}

// TestDigestGolden renders digests of 2, 3 and 11 items (the sizes whose
// noun differs) in both languages, with a source and a title in Latin.
func TestDigestGolden(t *testing.T) {
	names := map[string]string{"almamlaka": "المملكة", "f24": "France 24"}
	sourceName := func(id string) string { return names[id] }
	items := func(n int) []feeds.Item {
		var its []feeds.Item
		for i := range n {
			it := sampleItem()
			it.ID = fmt.Sprintf("i%d", i)
			if i%2 == 1 {
				it.SourceID, it.Title = "f24", "قمة COP28 تبدأ في دبي"
			}
			its = append(its, it)
		}
		return its
	}
	for _, lang := range []string{"ar", "en"} {
		var sb strings.Builder
		for _, n := range []int{2, 3, 11} {
			m := Digest(items(n), lang, sourceName, true)
			sb.WriteString(show(t, m, lang))
			plain := Digest(items(n), lang, sourceName, false)
			checkDisplay(t, plain.Text, nil, lang)
		}
		golden(t, "digest_"+lang+".golden", sb.String())
	}
}

func TestCardPlainHasNoMarkup(t *testing.T) {
	m := Card{Item: sampleItem(), SourceName: "المملكة", Loc: amman(t)}.RenderPlain()
	if m.HTML || strings.Contains(m.Text, "<b>") {
		t.Fatalf("plain card has markup: %+v", m)
	}
	if !strings.Contains(m.Text, "<1% & ترتفع") {
		t.Errorf("plain card escaped its text: %q", m.Text)
	}
}

func TestFormatTime(t *testing.T) {
	ts := time.Date(2026, 1, 2, 21, 5, 0, 0, time.UTC) // 00:05 on 3 January in Amman (UTC+3)
	if got, want := FormatTime(ts, amman(t), "ar"), "3 يناير 2026، 00:05"; got != want {
		t.Errorf("FormatTime ar = %q, want %q", got, want)
	}
	if got, want := FormatTime(ts, amman(t), "en"), "3 Jan 2026, 00:05"; got != want {
		t.Errorf("FormatTime en = %q, want %q", got, want)
	}
}

func TestHashtag(t *testing.T) {
	tests := map[string]string{"سياسة": "#سياسة", "محليات عربية": "#محليات_عربية", "  ": "", "a-b  c": "#a_b_c", "<>": ""}
	for in, want := range tests {
		if got := Hashtag(in); got != want {
			t.Errorf("Hashtag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShareURLEscapesArabic(t *testing.T) {
	got := ShareURL("https://x.com/a?b=1&c=2", "عنوان & شيء")
	want := "https://t.me/share/url?url=https%3A%2F%2Fx.com%2Fa%3Fb%3D1%26c%3D2&text=%D8%B9%D9%86%D9%88%D8%A7%D9%86+%26+%D8%B4%D9%8A%D8%A1"
	if got != want {
		t.Errorf("ShareURL = %q, want %q", got, want)
	}
}

// FuzzCard proves every card Telegram receives parses under its HTML rules,
// fits 4096 characters and carries only buttons Telegram takes in a
// keyboard within its size, whatever the feed put in the item.
func FuzzCard(f *testing.F) {
	f.Add("عنوان", "ملخص", "https://a.example/x?y=1&z=2", "", "المملكة", "سياسة")
	f.Add("<b>x</b>", "&nbsp;&amp;<", "javascript:x", "", "<i>", "<>")
	f.Add(strings.Repeat("طويل جداً ", 2000), strings.Repeat("جملة. ", 3000), "https://e.com", "", strings.Repeat("م", 500), strings.Repeat("t", 300))
	f.Add(strings.Repeat("عنوان ", 60), "ملخص", "https://arabi21.com/story/1724790/"+strings.Repeat("%D8%A7%D9%82", 60), "", "عربي21", "")
	f.Add("t", "s", "https://www.lemonde.fr/"+strings.Repeat("a", 3000), "https://www.lemonde.fr/tiny/1/", "Le Monde", "")
	f.Fuzz(func(t *testing.T, title, summary, link, short, source, topic string) {
		c := Card{Item: feeds.Item{Title: title, Summary: summary, Link: link, ShortLink: short, Topics: []string{topic, topic + "2"},
			Published: time.Unix(1700000000, 0)}, SourceName: source, Loc: time.UTC}
		for _, m := range []Message{c.Render(), c.RenderPlain()} {
			text := m.Text
			if m.HTML {
				parsed, err := telegramtest.ParseHTML(m.Text)
				if err != nil {
					t.Fatalf("card does not parse: %v\n%q", err, m.Text)
				}
				text = parsed
			}
			if n := utf8.RuneCountInString(text); n > MaxMessageChars {
				t.Fatalf("card is %d characters", n)
			}
			for _, row := range m.Buttons {
				for _, b := range row {
					if b.URL != "" && !IsHTTPURL(b.URL) {
						t.Fatalf("button URL %q is not http(s)", b.URL)
					}
					if !validButton(b) {
						t.Fatalf("Telegram would refuse button %+v", b)
					}
				}
			}
			if n := len(KeyboardJSON(m.Buttons)); n > maxKeyboardBytes {
				t.Fatalf("keyboard of %d bytes", n)
			}
		}
	})
}

// TestFeedTextSigns: mentions and hashtags of the other script inside a
// feed's own title or summary (and a summary line that opens in the
// other script) read as written in cards, digests and lists in both
// languages, and the text a reader copies is the feed's, marks aside.
func TestFeedTextSigns(t *testing.T) {
	texts := []string{
		"قال @user إن القمة بدأت",
		"انطلاق قمة #COP28 في دبي",
		"@akhbar_bot يطلق خدمة جديدة",
		"تغريدة عبر @UN_News: الأمم المتحدة",
		"وسم #غزة و#Gaza",
		"منشور على (@UN) اليوم",
		"تغريدة: @user",
		"Follow #غزة and @الجزيرة live",
		"الخبر الأول.\nApple تطلق هاتفاً جديداً",
		"البريد info@example.com وC# ولغة F#",
	}
	unmarked := func(s string) string { return strings.NewReplacer(LRM, "", RLM, "").Replace(s) }
	for _, text := range texts {
		for _, lang := range []string{"ar", "en"} {
			it := sampleItem()
			it.Title, it.Summary = OneLine(text), text
			c := Card{Item: it, SourceName: "المملكة", Loc: amman(t), Lang: lang}
			m := c.Render()
			parsed, err := telegramtest.ParseHTML(m.Text)
			if err != nil {
				t.Fatalf("%q: Telegram would reject the card: %v\n%s", text, err, m.Text)
			}
			checkDisplay(t, parsed, nil, lang)
			plain := unmarked(c.RenderPlain().Text)
			if !strings.Contains(plain, it.Title+"\n") || !strings.Contains(plain, text+"\n") {
				t.Errorf("%s card of %q copies other text than the feed's:\n%s", lang, text, plain)
			}
			d := Digest([]feeds.Item{it, sampleItem()}, lang, func(string) string { return "المملكة" }, true)
			parsed, err = telegramtest.ParseHTML(d.Text)
			if err != nil {
				t.Fatalf("%q: Telegram would reject the digest: %v\n%s", text, err, d.Text)
			}
			checkDisplay(t, parsed, nil, lang)
			if !strings.Contains(unmarked(parsed), it.Title+" — ") {
				t.Errorf("%s digest of %q copies other text than the feed's:\n%s", lang, text, parsed)
			}
			parsed, err = telegramtest.ParseHTML(ItemLine(it, "المملكة", amman(t), lang))
			if err != nil {
				t.Fatal(err)
			}
			checkDisplay(t, parsed, nil, lang)
		}
	}
}

// TestTextMarkTie: a line of feed text with as many Arabic letters as
// Latin ones runs in the message's language's direction, as display.Check
// wants it.
func TestTextMarkTie(t *testing.T) {
	const tie = "Gaza قطاع" // four letters each
	for lang, want := range map[string]string{"ar": RLM, "en": LRM} {
		if got := TextMark(lang, tie); got != want {
			t.Errorf("TextMark(%q, %q) = %q, want %q", lang, tie, got, want)
		}
		it := sampleItem()
		it.Title, it.Summary = tie, tie
		m := Card{Item: it, SourceName: "المملكة", Loc: amman(t), Lang: lang}.Render()
		parsed, err := telegramtest.ParseHTML(m.Text)
		if err != nil {
			t.Fatal(err)
		}
		checkDisplay(t, parsed, m.Buttons, lang)
	}
	if got := TextMark("en", "غزة"); got != RLM {
		t.Errorf("an Arabic line in an English message got %q, want its own RLM", got)
	}
}

// FuzzFeedText: the marks FeedText adds are all it changes, so the text a
// reader copies is the feed's.
func FuzzFeedText(f *testing.F) {
	f.Add("قال @user إن #COP28 و#Gaza بدأت\nApple تعلن", true)
	f.Add("Follow #غزة and @الجزيرة, a@b.com C# -5 +x /help", false)
	f.Fuzz(func(t *testing.T, s string, arabic bool) {
		lang := "en"
		if arabic {
			lang = "ar"
		}
		in := Sanitize(s)
		out := FeedText(lang, in)
		if got := strings.NewReplacer(LRM, "", RLM, "").Replace(out); got != in {
			t.Errorf("FeedText(%q, %q) = %q: more than marks changed", lang, in, out)
		}
	})
}
