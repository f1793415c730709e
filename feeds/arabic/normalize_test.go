package arabic

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"tashkeel":          {"أَحْمَدُ إلى آخِرِ المَدْرَسَةِ", "احمد الي اخر المدرسه"},
		"tatweel":           {"الســـلام", "السلام"},
		"alef forms":        {"أإآٱا", "ااااا"},
		"alef maqsura":      {"مستشفى", "مستشفي"},
		"taa marbuta":       {"مدرسة", "مدرسه"},
		"arabic-indic":      {"٠١٢٣٤٥٦٧٨٩", "0123456789"},
		"persian digits":    {"۰۱۲۳۴۵۶۷۸۹", "0123456789"},
		"latin lower":       {"CNN Arabic", "cnn arabic"},
		"superscript alef":  {"هٰذا", "هذا"},
		"bidi and zw":       {"\u202bعمّان\u202c\u200f - \u200dالمملكة\ufeff", "عمان - المملكه"},
		"decomposed madda":  {"ا\u0653خر", "اخر"},
		"decomposed hamza":  {"سو\u0654ال", "سؤال"},
		"already normal":    {"الخبر 12", "الخبر 12"},
		"shadda and tanwin": {"مُحمّدٌ كتاباً", "محمد كتابا"},
		"empty":             {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := Normalize(Normalize(tc.in)); got != tc.want {
				t.Errorf("Normalize is not idempotent on %q: %q", tc.in, got)
			}
		})
	}
}

// TestNormalizeMatchesROUGE checks Normalize against rouge.py's normalisation (ported in
// rouge_test.go) on the EASC articles, so that scoring and matching agree.
func TestNormalizeMatchesROUGE(t *testing.T) {
	for _, d := range loadEASC(t)[:20] {
		if got, want := Normalize(d.text), rougeNormalize(d.text); got != want {
			t.Errorf("%s: Normalize and rouge.py's normalisation differ", d.topic)
		}
	}
}

func TestStem(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"wal + ah":         {"والمدرسة", "مدرس"},
		"al":               {"الكتاب", "كتاب"},
		"bal":              {"بالحكومة", "حكوم"},
		"kal":              {"كالطالب", "طالب"},
		"fal":              {"فالأمر", "امر"},
		"lil":              {"للشباب", "شباب"},
		"plural at":        {"الحكومات", "حكوم"},
		"plural oon":       {"المعلمون", "معلم"},
		"plural een":       {"المعلمين", "معلم"},
		"nisba iya":        {"الوطنية", "وطن"},
		"pronoun ha":       {"كتابها", "كتاب"},
		"short stays":      {"ال", "ال"},
		"no stem below 2":  {"به", "به"},
		"waw needs four":   {"ورد", "ورد"},
		"waw from four":    {"وقال", "قال"},
		"latin untouched":  {"Reuters", "reuters"},
		"digits untouched": {"2026", "2026"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Stem(tc.in); got != tc.want {
				t.Errorf("Stem(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTerms(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []string
	}{
		"stop words go":   {"قال الوزير إنّ الحكومة في الأردن لن تتراجع عن القرار", []string{"وزير", "حكوم", "اردن", "تتراجع", "قرار"}},
		"tashkeel folded": {"الحُكُومَةُ الأُرْدُنِيَّةُ", []string{"حكوم", "اردن"}},
		"digits kept":     {"ارتفع النفط ١٠٦ دولارات", []string{"ارتفع", "نفط", "106", "دولار"}},
		"punctuation":     {"«حزب الله»: هجوم، بمسيّرات؛ وصواريخ!", []string{"حزب", "له", "هجوم", "بمسير", "صواريخ"}},
		"empty":           {"", nil},
		"only stops":      {"في من على إلى", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Terms(tc.in)); diff != "" {
				t.Errorf("Terms(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestIsStopWord(t *testing.T) {
	for _, w := range []string{"في", "إلى", "الى", "أنّ", "التي", "لا", "سيما", "هذه"} {
		if !IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = false, want true", w)
		}
	}
	for _, w := range []string{"الحكومة", "النفط", "غزة", "ترمب"} {
		if IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = true, want false", w)
		}
	}
	if n := len(stopwords); n < 600 {
		t.Errorf("%d stop words loaded, want the union of both lists (> 600)", n)
	}
}

// TestCountWordsAgrees: the word count of budgets (countWords) and the one Summarize gets
// from its term scan must be the same number, or budgets would be checked in two units.
func TestCountWordsAgrees(t *testing.T) {
	texts := []string{"الْكِتَابُ مُفِيدٌ جِدًّا", "ا\u0653خر سو\u0654ال", "CNN (عربي) 3.5% ـــ", "\u200fأ\u200fب ج"}
	for _, d := range loadEASC(t)[:30] {
		texts = append(texts, d.text)
	}
	for _, s := range texts {
		_, tokens := forEachTerm(s, nil, func([]byte) {})
		if got := countWords(s); got != tokens {
			t.Errorf("countWords = %d, forEachTerm counted %d tokens in %.40q", got, tokens, s)
		}
		if got, want := countWords(s), len(rougeTokens(s)); got != want {
			t.Errorf("countWords = %d, rouge.py tokeniser finds %d in %.40q", got, want, s)
		}
	}
}
