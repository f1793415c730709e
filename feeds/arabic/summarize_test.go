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
		"nothing fits: empty, never a cut of fewer than 8 words": {
			text: story, b: Budget{Chars: 20},
			want: []string{},
		},
		"a lead longer than the card is cut at its last clause that fits": {
			text: "أعلنت وزارة الصحة الأردنية، الأحد، تسجيل انخفاض في عدد الإصابات بالإنفلونزا الموسمية في المملكة بعد حملة التطعيم الوطنية، وقالت إن الحملة شملت المحافظات كلها.\nوقال الناطق باسم الوزارة إن النتائج مشجعة.",
			b:    Budget{Chars: 121, Sentences: 3}, // the clause is 120 characters, and the mark one more
			want: []string{"أعلنت وزارة الصحة الأردنية، الأحد، تسجيل انخفاض في عدد الإصابات بالإنفلونزا الموسمية في المملكة بعد حملة التطعيم الوطنية…"},
		},
		"a word budget reads on into the next sentence, cut at a word": {
			text: story, b: Budget{Words: 25}, // 14 words, then 11 of the next
			want: []string{sents[0], "وقال الناطق باسم الوزارة إن حملة التطعيم الوطنية ساهمت في انخفاض…"},
		},
		"a text the feed cut mid-sentence ends with the mark of a cut": {
			text: "أطلقت الوكالة حملة رمضان السنوية لدعم الأسر المحتاجة.\nويشمل البرنامج توزيع خمسة آلاف قفة غذائية في المدينة وفي",
			b:    Budget{Chars: 400, Sentences: 3},
			want: []string{"أطلقت الوكالة حملة رمضان السنوية لدعم الأسر المحتاجة.", "ويشمل البرنامج توزيع خمسة آلاف قفة غذائية في المدينة وفي…"},
		},
		"a sentence without a full stop is not taken for a cut one": {
			text: "أعلنت وزارة الداخلية تنفيذ حكم الإعدام بشخص أدين بقتل مواطن في منطقة الحدود الشمالية",
			b:    Budget{Sentences: 1},
			want: []string{"أعلنت وزارة الداخلية تنفيذ حكم الإعدام بشخص أدين بقتل مواطن في منطقة الحدود الشمالية"},
		},
		"without a clause that fills half the room, the cut ends at a word": {
			text: "أعلنت الوزارة، الأحد، عن خطة جديدة لتطوير شبكة النقل العام في العاصمة تشمل حافلات سريعة وخطوط قطار خفيف تربط الأحياء الشرقية بالغربية.",
			b:    Budget{Words: 12},
			want: []string{"أعلنت الوزارة، الأحد، عن خطة جديدة لتطوير شبكة النقل العام في العاصمة…"},
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
			for k, s := range got {
				i := indexOf(all, s, last+1)
				if cut, ok := strings.CutSuffix(s, "…"); ok && i < 0 && k == len(got)-1 {
					i = indexOfPrefix(all, cut, last+1) // the last may be a sentence cut to fit
				}
				if i < 0 {
					t.Errorf("%s %+v: %q is not a later sentence of the text", d.topic, b, s)
					break
				}
				last = i
			}
		}
	}
}

// indexOfPrefix is indexOf for a sentence cut to cut: it must begin the sentence and stop
// before its end.
func indexOfPrefix(list []string, cut string, from int) int {
	for i := from; i < len(list); i++ {
		if strings.HasPrefix(list[i], cut) && len(cut) < len(list[i]) {
			return i
		}
	}
	return -1
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

func TestCutByFeed(t *testing.T) {
	for in, want := range map[string]bool{
		"ويشمل البرنامج توزيع 5 آلاف قفة في المدينة وفي":   true,
		"وقال الوزير إن الحكومة ستعمل على":                 true,
		"وأكد المتحدث أن":                                  true,
		"في منطقة الحدود الشمالية":                         false,
		"في ديسمبر/ كانون الأول 2024":                      false,
		"وقال الوزير إن الحكومة ستعمل على.":                false, // a stop: the writer ended it
		"ويتساءل الكاتب: إلى أين؟":                         false,
		"ويشمل البرنامج توزيع 5 آلاف قفة في المدينة وفي «": true,
		"": false,
	} {
		if got := cutByFeed(in); got != want {
			t.Errorf("cutByFeed(%q) = %v, want %v", in, got, want)
		}
	}
}

// termPrefix keeps the first termRunes letters of a stem, whole runes only: the scorer's
// terms for one story's words are one term ("انتخابات", "انتخابية" → "انتخ").
func TestTermPrefix(t *testing.T) {
	for in, want := range map[string]string{
		Stem("الانتخابات"): "انتخ",
		Stem("انتخابية"):   "انتخ",
		Stem("حكومة"):      "حكوم",
		"قمه":              "قمه",
		"robots":           "robo",
		"ab":               "ab",
		"":                 "",
	} {
		got := string(termPrefix([]byte(in)))
		if got != want || !utf8.ValidString(got) {
			t.Errorf("termPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPickByGainIsBest: on every EASC development article, at three sentences and at the
// card, pickByGain's choice is the lead sentence and at most two others within the budget,
// and no other such choice gains more over the lead at its own length, by advantage (which
// reads the lead sentence by sentence rather than through pickByGain's prefix sums).
func TestPickByGainIsBest(t *testing.T) {
	for _, d := range loadEASC(t) {
		for _, b := range []Budget{{Sentences: 3}, {Chars: 400, Sentences: 3}} {
			sents, _ := analyse("", Clean(d.text))
			for i := range sents {
				if s := &sents[i]; s.score >= 0 {
					s.score = trained.prob(modePick, &s.feat)
				}
			}
			lead := leadPrefix(sents, b, modePick)
			if len(lead) == 0 || lead[0] < 0 {
				continue
			}
			got := pickByGain(sents, b, lead)
			gain := func(ch []int) float64 {
				words := 0
				for _, c := range ch {
					words += sents[c].words
				}
				return advantage(sents, ch, lead) * float64(words)
			}
			if got[0] != lead[0] || len(got) > 3 || !withinBudget(sents, got, b) {
				t.Errorf("%s %+v: pickByGain chose %v (lead %v)", d.topic, b, got, lead)
				continue
			}
			best := gain(got)
			for i := range sents {
				for j := i; j < len(sents); j++ {
					ch := []int{lead[0], i, j}
					if i == j {
						ch = ch[:2]
					}
					if i <= lead[0] || sents[i].score < 0 || sents[j].score < 0 || !withinBudget(sents, ch, b) {
						continue
					}
					if g := gain(ch); g > best+1e-9 {
						t.Errorf("%s %+v: pickByGain chose %v (gain %.4f), %v gains %.4f", d.topic, b, got, best, ch, g)
					}
				}
			}
		}
	}
}

// withinBudget reports whether the sentences ch, joined, keep every limit of b.
func withinBudget(sents []sentInfo, ch []int, b Budget) bool {
	chars, words := 0, 0
	for k, c := range ch {
		if !fits(&sents[c], k, chars, words, b) {
			return false
		}
		if k > 0 {
			chars++
		}
		chars += sents[c].runes
		words += sents[c].words
	}
	return b.Sentences == 0 || len(ch) <= b.Sentences
}

// TestPickByGainEdges: on short articles, a first sentence that repeats the title and
// budgets that leave room for the lead alone, pickByGain keeps the lead sentence first, takes
// nothing unpickable, keeps within the budget and chooses each sentence once, in order.
func TestPickByGainEdges(t *testing.T) {
	const (
		title = "الحكومة تقر موازنة العام المقبل"
		s1    = "أقرت الحكومة الأردنية، الأحد، مشروع موازنة العام المقبل بعجز يقارب ملياري دينار."
		s2    = "وقال وزير المالية إن الموازنة تتضمن زيادة في الإنفاق على التعليم والصحة."
		s3    = "ويتوقع أن يناقش مجلس النواب المشروع خلال الأسابيع المقبلة قبل إقراره."
		s4    = "وكانت الحكومة قد خفضت النفقات الجارية في موازنة العام الحالي بنسبة خمسة بالمئة."
	)
	for name, tc := range map[string]struct {
		title, text string
		b           Budget
		wantLead    string // the sentence chosen first
		wantLen     int    // 0: any length the budget allows
	}{
		"one sentence":                       {text: s1, b: Budget{Chars: 400, Sentences: 3}, wantLead: s1, wantLen: 1},
		"two sentences":                      {text: s1 + "\n" + s2, b: Budget{Chars: 400, Sentences: 3}, wantLead: s1},
		"two sentences, room for two":        {text: s1 + "\n" + s2, b: Budget{Sentences: 2}, wantLead: s1},
		"the first repeats the title":        {title: title, text: title + ".\n" + s1 + "\n" + s2 + "\n" + s3, b: Budget{Chars: 400, Sentences: 3}, wantLead: s1},
		"room for the lead alone":            {text: s1 + "\n" + s2 + "\n" + s3 + "\n" + s4, b: Budget{Chars: len([]rune(s1)) + 5, Sentences: 3}, wantLead: s1, wantLen: 1},
		"room for one sentence":              {text: s1 + "\n" + s2 + "\n" + s3 + "\n" + s4, b: Budget{Chars: 400, Sentences: 1}, wantLead: s1, wantLen: 1},
		"four sentences, three of them kept": {text: s1 + "\n" + s2 + "\n" + s3 + "\n" + s4, b: Budget{Chars: 400, Sentences: 3}, wantLead: s1},
	} {
		t.Run(name, func(t *testing.T) {
			sents, _ := analyse(tc.title, Clean(tc.text))
			for i := range sents {
				if s := &sents[i]; s.score >= 0 {
					s.score = trained.prob(modePick, &s.feat)
				}
			}
			lead := leadPrefix(sents, tc.b, modePick)
			if len(lead) == 0 || lead[0] < 0 {
				t.Fatalf("lead %v: not a case for pickByGain", lead)
			}
			got := pickByGain(sents, tc.b, lead)
			if len(got) == 0 || sents[got[0]].text != tc.wantLead {
				t.Fatalf("chose %v (lead %v), want the lead sentence %q first", got, lead, tc.wantLead)
			}
			if tc.wantLen > 0 && len(got) != tc.wantLen {
				t.Errorf("chose %d sentences %v, want %d", len(got), got, tc.wantLen)
			}
			if !withinBudget(sents, got, tc.b) {
				t.Errorf("chose %v: over the budget %+v", got, tc.b)
			}
			for k, i := range got {
				if sents[i].score < 0 {
					t.Errorf("chose unpickable sentence %d %q", i, sents[i].text)
				}
				if k > 0 && i <= got[k-1] {
					t.Errorf("chose %v: not each once in order", got)
				}
			}
			// Summarize takes the same path: its card starts with the lead sentence too.
			if sum := Summarize(tc.title, Clean(tc.text), tc.b); len(sum) == 0 || sum[0] != tc.wantLead {
				t.Errorf("Summarize = %q, want %q first", sum, tc.wantLead)
			}
		})
	}
}
