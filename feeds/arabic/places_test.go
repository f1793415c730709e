package arabic

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPlaces: the countries a title names, by name, demonym, city and
// with the proclitics news writing puts on them; and the words that look
// like a place and are not.
func TestPlaces(t *testing.T) {
	m := NewPlaceMatcher()
	for title, want := range map[string][]string{
		"من الصين إلى المغرب .. لحوم الأبقار البرازيلية توسع الخريطة التصديرية": {"البرازيل", "الصين", "المغرب"},
		"معهد ألماني يشيد بالمؤهلات المغربية":                                   {"ألمانيا", "المغرب"},
		"مراقبة أسعار وجودة الأسواق بتنغير":                                     {"المغرب"},
		"وللمغاربة في الدار البيضاء رأي آخر":                                    {"المغرب"},
		"الأردن يطلق حملة وطنية للتشجير في المحافظات":                           {"الأردن"},
		"النشامى يفوزون على ضيفهم بثلاثية في تصفيات كأس آسيا":                   {"الأردن"},
		"ارتفاع أسعار الذهب محلياً 40 قرشاً للغرام":                             nil,
		"موعد أذان المغرب اليوم":                                                nil,
		"بعد صلاة المغرب مباشرة":                                                nil,
		"قمة دول المغرب العربي":                                                 nil,
		"الخبر اليقين عن العقبة الأخيرة":                                        nil,
		"بيان من سلطنة عمان":                                                    {"عُمان"},
		"عمان تستضيف المؤتمر":                                                   nil, // Amman or Oman: neither
		"بغداد وبيروت ودمشق":                                                    {"العراق", "سوريا", "لبنان"},
		"لبنانيون في الخارج":                                                    {"لبنان"},
		"الشهر القمري الجديد":                                                   nil,
		"اتفاق بين الولايات المتحدة وإيران":                                     {"إيران", "الولايات المتحدة"},
		"الولايات تتحدث":                                                        nil,
	} {
		got := slices.Sorted(maps.Keys(m.Places(title, "")))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", title, diff)
		}
	}
}

// TestPlacesReadTheStartOnly: a place named only deep in the text is a
// mention, not what the item is about.
func TestPlacesReadTheStartOnly(t *testing.T) {
	m := NewPlaceMatcher()
	filler := ""
	for len([]rune(filler)) < placeSpan {
		filler += "كلام عن الطقس والأسعار "
	}
	if got := m.Places("عنوان", "في الرباط "+filler); !got["المغرب"] {
		t.Errorf("a place in the first line: got %v", got)
	}
	if got := m.Places("عنوان", filler+" في الرباط"); len(got) != 0 {
		t.Errorf("a place after %d characters: got %v, want none", placeSpan, got)
	}
}

// TestKeywordMatcher: a topic's words, a country among them standing for
// its forms, multi-word phrases.
func TestKeywordMatcher(t *testing.T) {
	m := NewKeywordMatcher(map[string][]string{"محليات": {"الأردن", "البلقاء"}, "كورونا": {"فيروس كورونا"}})
	for title, want := range map[string][]string{
		"إربد تستقبل الزوار":         {"محليات"},
		"أمطار في البلقاء":           {"محليات"},
		"إصابات جديدة بفيروس كورونا": {"كورونا"},
		"كورونا وحدها":               nil,
		"القاهرة تستقبل الزوار":      nil,
	} {
		got := slices.Sorted(maps.Keys(m.Places(title, "")))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", title, diff)
		}
	}
	if !NamesPlace([]string{"البلقاء", "الأردن"}) || NamesPlace([]string{"البلقاء"}) {
		t.Error("NamesPlace: want true for a list with a country, false without")
	}
}
