package arabic

import (
	"strings"
	"testing"
	"time"
)

// TestPathologicalInputsAreLinear: inputs built to hit every loop's worst case finish in
// time proportional to their size (a quadratic path would take seconds at 200 KB).
func TestPathologicalInputsAreLinear(t *testing.T) {
	n := 10000
	if raceEnabled {
		n = 2000
	}
	inputs := map[string]string{
		"ellipsis sentences": strings.Repeat("كلمة… ", n),
		"dots":               strings.Repeat(". ", n),
		"datelines":          strings.Repeat("القاهرة - (رويترز) - ", n/4) + "نص.",
		"short lines":        strings.Repeat("المملكة\n", n),
		"wrapped lines":      strings.Repeat(strings.Repeat("كلمة ", 14)+"\n", n/10),
		"open tags":          strings.Repeat("<a ", n),
		"unclosed quotes":    strings.Repeat("<a title=\"", n),
		"nested figures":     strings.Repeat("<figure>", n) + "نص",
		"comments":           strings.Repeat("<!-- -->", n),
		"script close":       strings.Repeat("<script></scrip", n),
		"sentences":          strings.Repeat("جملة قصيرة عن الحكومة. ", n),
		"abbreviations":      strings.Repeat("د. ", n),
		"brackets":           strings.Repeat("(أ) ", n),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			text := Clean(TextFromHTML(in))
			Summarize("عنوان", text, Budget{Chars: 400, Sentences: 3})
			Summarize("", text, Budget{Words: 200})
			Sentences(in)
			Fingerprint("عنوان", in)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("%d bytes took %v", len(in), d)
			}
		})
	}
}
