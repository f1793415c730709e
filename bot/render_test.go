package bot

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot/telegramtest"
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
// displays after parsing it, and the buttons.
func show(t *testing.T, m Message) string {
	t.Helper()
	parsed, err := telegramtest.ParseHTML(m.Text)
	if err != nil {
		t.Fatalf("Telegram would reject the message: %v\n%s", err, m.Text)
	}
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
	}
	for name, c := range tests {
		t.Run(name, func(t *testing.T) { golden(t, name, show(t, c.Render())) })
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

// FuzzCard proves every card Telegram receives parses under its HTML rules
// and fits 4096 characters, whatever the feed put in the item.
func FuzzCard(f *testing.F) {
	f.Add("عنوان", "ملخص", "https://a.example/x?y=1&z=2", "المملكة", "سياسة")
	f.Add("<b>x</b>", "&nbsp;&amp;<", "javascript:x", "<i>", "<>")
	f.Add(strings.Repeat("طويل جداً ", 2000), strings.Repeat("جملة. ", 3000), "https://e.com", strings.Repeat("م", 500), strings.Repeat("t", 300))
	f.Fuzz(func(t *testing.T, title, summary, link, source, topic string) {
		c := Card{Item: feeds.Item{Title: title, Summary: summary, Link: link, Topics: []string{topic, topic + "2"},
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
			if n := utf8.RuneCountInString(text); n > maxMessageChars {
				t.Fatalf("card is %d characters", n)
			}
			for _, row := range m.Buttons {
				for _, b := range row {
					if b.URL != "" && !httpURL(b.URL) {
						t.Fatalf("button URL %q is not http(s)", b.URL)
					}
				}
			}
		}
	})
}
