package arabic

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSentences(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []string
	}{
		"stops": {
			"قال الوزير إن الحكومة ماضية. هل هذا كاف؟ نعم! وانتهى الاجتماع?",
			[]string{"قال الوزير إن الحكومة ماضية.", "هل هذا كاف؟", "نعم!", "وانتهى الاجتماع?"},
		},
		"comma and semicolon do not end": {
			"ارتفع النفط، وتراجع الذهب؛ واستقر الدولار. ثم أغلقت الأسواق.",
			[]string{"ارتفع النفط، وتراجع الذهب؛ واستقر الدولار.", "ثم أغلقت الأسواق."},
		},
		"decimal numbers": {
			"بلغ النمو 3.5 بالمئة و٣.٥ بالمئة في الربع الثاني. وأضاف التقرير.",
			[]string{"بلغ النمو 3.5 بالمئة و٣.٥ بالمئة في الربع الثاني.", "وأضاف التقرير."},
		},
		"url": {
			"نسخ الرابط https://www.almamlakatv.com/news/123.html للمشاركة. وتابع.",
			[]string{"نسخ الرابط https://www.almamlakatv.com/news/123.html للمشاركة.", "وتابع."},
		},
		"url with query": {
			"زوروا https://example.com/a?id=3&b=2 الآن. شكرا.",
			[]string{"زوروا https://example.com/a?id=3&b=2 الآن.", "شكرا."},
		},
		"arabic abbreviations": {
			"قال د. محمد وم. أحمد وأ.د. سامي إن المشروع بدأ. وأضاف.",
			[]string{"قال د. محمد وم. أحمد وأ.د. سامي إن المشروع بدأ.", "وأضاف."},
		},
		"latin abbreviations": {
			"قالت وزارة الخارجية U.S. إن Mr. Smith وصل. ثم غادر.",
			[]string{"قالت وزارة الخارجية U.S. إن Mr. Smith وصل.", "ثم غادر."},
		},
		"closing quotes stay": {
			"قال الرئيس: «لن نتراجع.» وأضاف: \"سنمضي قدما!\" ثم غادر.",
			[]string{"قال الرئيس: «لن نتراجع.»", "وأضاف: \"سنمضي قدما!\"", "ثم غادر."},
		},
		"closing bracket stays": {
			"أعلنت الشركة أرباحها (وهي الأعلى منذ سنوات.) وارتفع السهم.",
			[]string{"أعلنت الشركة أرباحها (وهي الأعلى منذ سنوات.)", "وارتفع السهم."},
		},
		"missing space after stop": {
			"يقع النزاع في فلسطين .يعتبر من أقدم النزاعات.",
			[]string{"يقع النزاع في فلسطين .", "يعتبر من أقدم النزاعات."},
		},
		"line breaks end sentences": {
			"عنوان فرعي\nالفقرة الأولى بلا نقطة\nالفقرة الثانية.",
			[]string{"عنوان فرعي", "الفقرة الأولى بلا نقطة", "الفقرة الثانية."},
		},
		"ellipsis run": {
			"ماذا يريد الشارع.. . وما هي أولوياته؟ لا أحد يعرف...",
			[]string{"ماذا يريد الشارع..", "وما هي أولوياته؟", "لا أحد يعرف..."},
		},
		"punctuation only dropped": {
			"الخبر الأول.\n...\n- \nالخبر الثاني.",
			[]string{"الخبر الأول.", "الخبر الثاني."},
		},
		"hard-wrapped newspaper text": {
			// EASC Topic13 (Alrai): lines broken every ~75 characters mid-sentence.
			"وبانتظار نتائج استفتاء قناة العربية التى ستناقش في ثلاث جلسات عمل الى جانب\n" +
				"استطلاع ينفذه معهد غالوب.. ثمة قناعة بدأت تتبلور بان الاصلاح قد بات مطلبا\n" +
				"ذاتيا ملحا يحظى بإجماع يعزل معه الرافضين . \n" +
				"في الأردن ثمة ورشة حوارية دائرة في الجامعات وفي الصحافة ومؤسسات المجتمع المدني\n" +
				"هدفها إشراك المجتمع.",
			[]string{
				"وبانتظار نتائج استفتاء قناة العربية التى ستناقش في ثلاث جلسات عمل الى جانب استطلاع ينفذه معهد غالوب..",
				"ثمة قناعة بدأت تتبلور بان الاصلاح قد بات مطلبا ذاتيا ملحا يحظى بإجماع يعزل معه الرافضين .",
				"في الأردن ثمة ورشة حوارية دائرة في الجامعات وفي الصحافة ومؤسسات المجتمع المدني هدفها إشراك المجتمع.",
			},
		},
		"empty": {"", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Sentences(tc.in)); diff != "" {
				t.Errorf("Sentences mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSentencesEASCWrapped checks on the real newspaper articles of EASC that hard-wrapped
// lines are re-joined: no sentence of a wrapped article ends without a stop unless it is
// its paragraph's last line.
func TestSentencesEASCWrapped(t *testing.T) {
	wrapped := 0
	for _, d := range loadEASC(t) {
		if !looksWrapped(d.text) {
			continue
		}
		wrapped++
		open := 0
		sents := Sentences(d.text)
		for _, s := range sents {
			if !endsSentence(s) {
				open++
			}
		}
		if 4*open > len(sents) {
			t.Errorf("%s: %d of %d sentences end without a stop: wrapped lines were not re-joined", d.topic, open, len(sents))
		}
	}
	if wrapped < 20 {
		t.Errorf("%d EASC articles recognised as hard-wrapped, want the ~23 newspaper ones", wrapped)
	}
}

// TestCleanThenSentencesAreSubstrings: after Clean, sentences are substrings of its output,
// which is what lets cards quote the original.
func TestCleanThenSentencesAreSubstrings(t *testing.T) {
	for _, d := range loadEASC(t) {
		c := Clean(d.text)
		for _, s := range Sentences(c) {
			if !strings.Contains(c, s) {
				t.Fatalf("%s: sentence %q is not in Clean's output", d.topic, s)
			}
		}
	}
}
