package arabic

import (
	"fmt"
	"html"
	"strings"
	"testing"
)

// benchArticles are the EASC articles as feed HTML: each line a <p>, text escaped, plus
// the seed item's chrome (dateline, signature, copy-link line), so every stage has work.
func benchArticles(b *testing.B) (htmls, titles []string) {
	b.Helper()
	for _, d := range loadEASC(b) {
		var sb strings.Builder
		sb.WriteString("<p>عمّان - المملكة</p>\n")
		for line := range strings.SplitSeq(d.text, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				sb.WriteString("<p>" + html.EscapeString(line) + "</p>\n")
			}
		}
		sb.WriteString("<figure><img src=\"a.jpg\"><figcaption>صورة أرشيفية</figcaption></figure>\n<p>المملكة</p>\n<p>نسخ رابط الخبر: https://www.almamlakatv.com/news/123</p>")
		htmls = append(htmls, sb.String())
		titles = append(titles, Sentences(d.text)[0])
	}
	return htmls, titles
}

// benchEach runs f over all articles per b.Loop iteration and reports per-article figures.
func benchEach(b *testing.B, inputs []string, f func(i int, s string)) {
	size := 0
	for _, s := range inputs {
		size += len(s)
	}
	b.SetBytes(int64(size / len(inputs)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		i := n % len(inputs)
		f(i, inputs[i])
		n++
	}
}

func BenchmarkTextFromHTML(b *testing.B) {
	htmls, _ := benchArticles(b)
	benchEach(b, htmls, func(_ int, s string) { TextFromHTML(s) })
}

func BenchmarkClean(b *testing.B) {
	htmls, _ := benchArticles(b)
	texts := make([]string, len(htmls))
	for i, h := range htmls {
		texts[i] = TextFromHTML(h)
	}
	benchEach(b, texts, func(_ int, s string) { Clean(s) })
}

func BenchmarkSentences(b *testing.B) {
	htmls, _ := benchArticles(b)
	texts := make([]string, len(htmls))
	for i, h := range htmls {
		texts[i] = Clean(TextFromHTML(h))
	}
	benchEach(b, texts, func(_ int, s string) { Sentences(s) })
}

func BenchmarkSummarize(b *testing.B) {
	htmls, titles := benchArticles(b)
	texts := make([]string, len(htmls))
	for i, h := range htmls {
		texts[i] = Clean(TextFromHTML(h))
	}
	benchEach(b, texts, func(i int, s string) { Summarize(titles[i], s, Budget{Chars: 400, Sentences: 3}) })
}

func BenchmarkFingerprint(b *testing.B) {
	htmls, titles := benchArticles(b)
	texts := make([]string, len(htmls))
	for i, h := range htmls {
		texts[i] = Clean(TextFromHTML(h))
	}
	benchEach(b, texts, func(i int, s string) { Fingerprint(titles[i], s) })
}

// BenchmarkPipeline is what the bot does per item: the card path and the fingerprints.
func BenchmarkPipeline(b *testing.B) {
	htmls, titles := benchArticles(b)
	benchEach(b, htmls, func(i int, s string) {
		title := CleanTitle(titles[i])
		text := Clean(TextFromHTML(s))
		Summarize(title, text, Budget{Chars: 400, Sentences: 3})
		Fingerprints(title, text)
	})
}

// BenchmarkSummarizeManyShortSentences is the card's worst case for pickByGain: more
// sentences than are scored (maxSentences), each short enough that every pair and triple
// fits the budget, so it tries all of them.
func BenchmarkSummarizeManyShortSentences(b *testing.B) {
	var sb strings.Builder
	for i := range 2 * maxSentences {
		fmt.Fprintf(&sb, "أعلنت الوزارة خطة رقم %d للنقل العام في المدينة.\n", i)
	}
	text := Clean(sb.String())
	b.ReportAllocs()
	for b.Loop() {
		Summarize("خطة النقل", text, Budget{Chars: 400, Sentences: 3})
	}
}
