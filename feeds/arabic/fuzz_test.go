package arabic

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Seeds shared by the fuzz targets; the corpus in testdata/fuzz adds the feed items.
var fuzzSeeds = []string{
	"",
	seedBody,
	"<p>عمّان - المملكة</p><p>نص.</p><figure><figcaption>صورة</figcaption></figure>",
	"القاهرة - (رويترز) - قال د. محمد إن النمو بلغ ٣.٥ بالمئة. هل هذا كاف؟ «نعم.» […] The post x appeared first on y.",
	"<script>x<p>", "<!--", "<![CDATA[", "a<b", "&lt;&amp;&#1575;&#x0;&#xFFFFFFF;",
	"\u202bعمان\u200f\n\n\nالمملكة\r\n", "...", "[…]", "د.\nم.\nأ.د.", "\xff\xfe<p>\xc0</p>",
}

// checkText is what every stage owes the bot: valid UTF-8, no control or invisible
// characters.
func checkText(t *testing.T, stage, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 %q", stage, s)
	}
}

func FuzzTextFromHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := TextFromHTML(in)
		checkText(t, "TextFromHTML", out)
		if strings.Contains(out, "\n\n\n") || strings.TrimSpace(out) != out {
			t.Fatalf("TextFromHTML(%q) = %q: whitespace not folded", in, out)
		}
	})
}

func FuzzClean(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	// A caption above the lead, a paragraph apart: once kept by the first
	// Clean and dropped by the second.
	f.Add("الشرع وماكرون\n\nقال الرئيس السوري، أحمد الشرع، الثلاثاء، إن الشراكة الاستراتيجية التي تؤسس لها سوريا مع فرنسا نموذج نريده.")
	f.Fuzz(func(t *testing.T, in string) {
		out := Clean(in)
		checkText(t, "Clean", out)
		for _, r := range out {
			if isInvisible(r) || (r < 0x20 && r != '\n') {
				t.Fatalf("Clean(%q) = %q keeps control %U", in, out, r)
			}
		}
		if strings.Contains(out, "\n\n") || strings.TrimSpace(out) != out {
			t.Fatalf("Clean(%q) = %q: blank lines or untrimmed", in, out)
		}
		if again := Clean(out); again != out {
			t.Fatalf("Clean is not idempotent on %q:\n once %q\ntwice %q", in, out, again)
		}
		if title := CleanTitle(in); !utf8.ValidString(title) || strings.Contains(title, "\n") {
			t.Fatalf("CleanTitle(%q) = %q", in, title)
		}
	})
}

func FuzzSentences(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c := Clean(in)
		for _, s := range Sentences(c) {
			checkText(t, "Sentences", s)
			if s == "" || strings.TrimSpace(s) != s {
				t.Fatalf("Sentences(%q): untrimmed or empty sentence %q", c, s)
			}
			if !strings.Contains(c, s) {
				t.Fatalf("Sentences(%q): %q is not a substring of the cleaned text", c, s)
			}
		}
		for _, s := range Sentences(in) { // raw text: no panic, valid output
			checkText(t, "Sentences(raw)", s)
		}
	})
}

func FuzzSummarize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add("عنوان الخبر", s, 400, 0, 3)
	}
	f.Add("", strings.Repeat("جملة قصيرة هنا. ", 50), 0, 30, 0)
	f.Fuzz(func(t *testing.T, title, in string, chars, words, sents int) {
		b := Budget{Chars: chars % 2000, Words: words % 600, Sentences: sents % 10}
		if b.Chars < 0 || b.Words < 0 || b.Sentences < 0 {
			t.Skip("negative budgets are not budgets")
		}
		c := Clean(TextFromHTML(in))
		got := Summarize(CleanTitle(title), c, b)
		for i, s := range got {
			checkText(t, "Summarize", s)
			if strings.Contains(c, s) {
				continue
			}
			// Only the last may be cut (to fit, or by the feed), and it then ends with "…".
			cut, ok := strings.CutSuffix(s, "…")
			if !ok || i != len(got)-1 || cut == "" || !strings.Contains(c, cut) {
				t.Fatalf("summary sentence %q is not in the cleaned input %q", s, c)
			}
		}
		joined := strings.Join(got, " ")
		if b.Chars > 0 && utf8.RuneCountInString(joined) > b.Chars {
			t.Fatalf("%d chars > budget %d", utf8.RuneCountInString(joined), b.Chars)
		}
		if b.Words > 0 && countWords(joined) > b.Words {
			t.Fatalf("%d words > budget %d", countWords(joined), b.Words)
		}
		if b.Sentences > 0 && len(got) > b.Sentences {
			t.Fatalf("%d sentences > budget %d", len(got), b.Sentences)
		}
		_ = Fingerprint(title, in)
	})
}
