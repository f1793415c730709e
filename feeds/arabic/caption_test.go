package arabic

import (
	"strings"
	"testing"
)

func TestIsCaption(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		// The two captions of issue 12, and others in the shapes Arabic sites use.
		{"الممثل المصري حسين فهمي (ربيع مغربي/ فرانس برس)", true},
		{"ميكانيكي يجهّز السيارة قبل رشها بالدهان في كولومبيا، 15 مايو 2025 (Getty)", true},
		{"متظاهرون يرفعون الأعلام الفلسطينية أمام مقر البرلمان البريطاني في العاصمة لندن خلال مسيرة للتضامن مع غزة، 20 يناير 2024 (Getty)", true},
		{"لاعبو المنتخب يحتفلون بالفوز على ستاد عمّان الدولي خلال مباراة الفريق الأخيرة في تصفيات كأس آسيا لكرة القدم (تصوير: محمد علي)", true},
		{"جانب من الدمار في مدينة غزة (الأناضول)", true},
		{"الرئيس الأميركي دونالد ترامب في البيت الأبيض (أ.ف.ب)", true},
		{"نازحون في مخيم قرب الحدود (Mohammed Huwais)", true},
		{"سيدة تسير في أحد شوارع القاهرة القديمة تحت المطر الغزير الذي شهدته العاصمة المصرية مساء أمس، 3 كانون الثاني 2025 (رويترز)", true},
		{"(رويترز)", true},               // a credit alone
		{"كولومبيا، 15 مايو 2025", true}, // a place and a date alone
		{"الخميس 12 حزيران 2025", true},  // a date alone
		{"  الممثل المصري حسين فهمي (ربيع مغربي/ فرانس برس) ", true},

		// News: a sentence end, a long sentence credited to a news agency, a bracket
		// inside the sentence, an organisation's acronym, two lines.
		{"أعلنت وزارة الداخلية السعودية، السبت، تنفيذ حكم الإعدام بشخص يحمل الجنسية السورية.", false},
		{"قال الرئيس إن المحادثات كانت بناءة. (رويترز)", false},
		{"أعلنت وزارة الداخلية السعودية تنفيذ حكم الإعدام بشخص يحمل الجنسية السورية بعد إدانته بقتل مواطن سعودي في منطقة الحدود الشمالية (رويترز)", false},
		{"يجتمع نحو 36 بلداً، اليوم (الخميس)، في محاولة لممارسة ضغوط دبلوماسية وسياسية لإعادة فتح مضيق هرمز", false},
		{"كشفت أرقام حديثة نشرتها جمعية مصدّري لحوم الأبقار في البرازيل (ABIEC)", false},
		{"الممثل المصري حسين فهمي (ربيع مغربي/ فرانس برس)\nوقال الممثل إنه سيعود إلى السينما.", false},
		{"الممثل المصري حسين فهمي", false}, // no credit: a kicker or a short summary, not ours to judge
		{"ارتفعت أسعار الذهب 40 قرشاً للغرام (تفاصيل)", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsCaption(tc.in); got != tc.want {
			t.Errorf("IsCaption(%q) = %v, want %v", tc.in, got, tc.want)
		}
		want := tc.in
		if tc.want {
			want = ""
		}
		if got := DropCaption(tc.in); got != want {
			t.Errorf("DropCaption(%q) = %q, want %q", tc.in, got, want)
		}
	}
}

// TestNoRealSummaryIsACaption: no description of the real feeds and no lead of the EASC
// newspaper articles is taken for a caption.
func TestNoRealSummaryIsACaption(t *testing.T) {
	n := 0
	for _, h := range headlineItems(t) {
		for _, s := range append([]string{h.text}, Sentences(h.text)...) {
			n++
			if IsCaption(s) {
				t.Errorf("%q is taken for a caption", s)
			}
		}
	}
	for _, d := range loadEASC(t) {
		for _, s := range Sentences(Clean(d.text)) {
			n++
			if IsCaption(s) {
				t.Errorf("%s: %q is taken for a caption", d.topic, s)
			}
		}
	}
	t.Logf("%d texts and sentences, none a caption", n)
}

func FuzzIsCaption(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("الممثل المصري حسين فهمي (ربيع مغربي/ فرانس برس)")
	f.Add("ميكانيكي يجهّز السيارة قبل رشها بالدهان في كولومبيا، 15 مايو 2025 (Getty)")
	f.Add("قال الرئيس إن المحادثات كانت بناءة. (رويترز)")
	f.Add("كولومبيا، 15 مايو 2025")
	f.Fuzz(func(t *testing.T, in string) {
		got := IsCaption(in)
		drop := DropCaption(in)
		if got != (drop == "") && in != "" && strings.TrimSpace(in) != "" {
			t.Fatalf("IsCaption(%q) = %v but DropCaption = %q", in, got, drop)
		}
		if DropCaption(drop) != drop {
			t.Fatalf("DropCaption is not idempotent on %q", in)
		}
		if !got {
			return
		}
		trimmed := strings.TrimSpace(in)
		if strings.ContainsAny(trimmed, "\n\r") {
			t.Fatalf("IsCaption(%q): a caption of more than one line", in)
		}
		if n := countWords(trimmed); n > captionMaxWords+creditMaxWords {
			t.Fatalf("IsCaption(%q): a caption of %d words", in, n)
		}
		if IsCaption(trimmed + ".\n" + trimmed) {
			t.Fatalf("IsCaption(%q): two lines taken for a caption", in)
		}
	})
}
