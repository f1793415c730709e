package arabic

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// joinedRunes is what the bot shows: sentences joined with single spaces.
func joinedRunes(sents []string) int {
	return utf8.RuneCountInString(strings.Join(sents, " "))
}

const story = "أعلنت وزارة الصحة الأردنية، الأحد، تسجيل انخفاض في عدد الإصابات بالإنفلونزا الموسمية في المملكة.\n" +
	"وقال الناطق باسم الوزارة إن حملة التطعيم الوطنية ساهمت في انخفاض الإصابات بالإنفلونزا بنسبة 30 بالمئة.\n" +
	"وأضاف أن الوزارة وزعت أكثر من مليون جرعة من لقاح الإنفلونزا على المراكز الصحية في المحافظات.\n" +
	"ودعت الوزارة المواطنين إلى مراجعة المراكز الصحية لتلقي اللقاح قبل نهاية الشتاء.\n" +
	"يذكر أن الطقس كان ماطرا في العاصمة عمّان.\n" +
	"وكانت الوزارة قد أطلقت حملة التطعيم في تشرين الأول الماضي."

func TestSummarize(t *testing.T) {
	sents := Sentences(story)
	tests := map[string]struct {
		title string
		text  string
		b     Budget
		want  []string
	}{
		"lead first within three sentences": {
			title: "انخفاض الإصابات بالإنفلونزا في الأردن بعد حملة التطعيم",
			text:  story, b: Budget{Sentences: 1},
			want: sents[:1],
		},
		"lead does not fit: best sentence that fits": {
			text: "هذه جملة افتتاحية طويلة جدا تتحدث عن تفاصيل كثيرة لا تتسع لها بطاقة صغيرة على الإطلاق مهما حاولنا اختصارها.\nالحكومة تعلن الخطة.",
			b:    Budget{Chars: 40},
			want: []string{"الحكومة تعلن الخطة."},
		},
		"nothing fits: empty, never a cut sentence": {
			text: story, b: Budget{Chars: 20},
			want: []string{},
		},
		"sentence repeating the title is skipped": {
			title: "الحكومة تقر موازنة العام المقبل",
			text:  "الحكومة تقر موازنة العام المقبل.\nوبلغ حجم الموازنة عشرة مليارات دينار بزيادة خمسة بالمئة.",
			b:     Budget{Sentences: 1},
			want:  []string{"وبلغ حجم الموازنة عشرة مليارات دينار بزيادة خمسة بالمئة."},
		},
		"near-copy skipped": {
			text: "ارتفعت أسعار النفط اليوم بعد تهديدات جديدة.\nارتفعت أسعار النفط اليوم بعد تهديدات جديدة!\nوتراجع الذهب في الأسواق الآسيوية.",
			b:    Budget{Sentences: 2},
			want: []string{"ارتفعت أسعار النفط اليوم بعد تهديدات جديدة.", "وتراجع الذهب في الأسواق الآسيوية."},
		},
		"fragments without content words are never picked": {
			text: "نعم!\nأعلنت الحكومة خطة جديدة للنقل العام.",
			b:    Budget{Sentences: 1},
			want: []string{"أعلنت الحكومة خطة جديدة للنقل العام."},
		},
		"empty text": {text: "", b: Budget{Chars: 400}, want: nil},
		"no limits: everything with content, in order": {
			text: "أ الحكومة تعلن.\nالبرلمان يناقش.",
			want: []string{"أ الحكومة تعلن.", "البرلمان يناقش."},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Summarize(tc.title, tc.text, tc.b)
			if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
				t.Errorf("Summarize mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal([]string(a), []string(b))
})

// TestSummarizeBudgets checks, over the EASC articles and many budgets, that every limit
// holds, that sentences come whole, in document order, from the text.
func TestSummarizeBudgets(t *testing.T) {
	budgets := []Budget{
		{Chars: 400, Sentences: 3}, {Chars: 200}, {Chars: 1000, Words: 60}, {Words: 25},
		{Words: 120}, {Sentences: 2}, {Chars: 90, Sentences: 1}, {Words: 500, Sentences: 4},
	}
	for _, d := range loadEASC(t)[:40] {
		text := Clean(d.text)
		all := Sentences(text)
		for _, b := range budgets {
			got := Summarize("", text, b)
			if b.Chars > 0 && joinedRunes(got) > b.Chars {
				t.Errorf("%s %+v: %d chars", d.topic, b, joinedRunes(got))
			}
			if b.Words > 0 && countWords(strings.Join(got, " ")) > b.Words {
				t.Errorf("%s %+v: %d words", d.topic, b, countWords(strings.Join(got, " ")))
			}
			if b.Sentences > 0 && len(got) > b.Sentences {
				t.Errorf("%s %+v: %d sentences", d.topic, b, len(got))
			}
			last := -1
			for _, s := range got {
				i := indexOf(all, s, last+1)
				if i < 0 {
					t.Errorf("%s %+v: %q is not a later sentence of the text", d.topic, b, s)
					break
				}
				last = i
			}
		}
	}
}

func indexOf(list []string, s string, from int) int {
	for i := from; i < len(list); i++ {
		if list[i] == s {
			return i
		}
	}
	return -1
}

// TestSummarizeCardsUseTheBudget: on the real articles the card is not needlessly short.
func TestSummarizeCardsUseTheBudget(t *testing.T) {
	total, n := 0, 0
	for _, d := range loadEASC(t) {
		got := Summarize("", Clean(d.text), Budget{Chars: 400, Sentences: 3})
		total += joinedRunes(got)
		n++
	}
	if avg := total / n; avg < 200 {
		t.Errorf("average card is %d chars of 400, want at least 200", avg)
	}
}
