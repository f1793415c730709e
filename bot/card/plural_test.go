package card

import "testing"

// TestPluralFormat: the form of each count, by CLDR's rules for Arabic
// (the last two digits past 100) and English.
func TestPluralFormat(t *testing.T) {
	news := Plural{Zero: "لا أخبار", One: "خبر واحد", Two: "خبران", Few: "%d أخبار", Many: "%d خبراً", Other: "%d خبر"}
	en := Plural{One: "1 item", Other: "%d items"}
	tests := map[int]struct{ ar, en string }{
		0:    {"لا أخبار", "0 items"},
		1:    {"خبر واحد", "1 item"},
		2:    {"خبران", "2 items"},
		3:    {"3 أخبار", "3 items"},
		10:   {"10 أخبار", "10 items"},
		11:   {"11 خبراً", "11 items"},
		99:   {"99 خبراً", "99 items"},
		100:  {"100 خبر", "100 items"},
		101:  {"101 خبر", "101 items"},
		102:  {"102 خبر", "102 items"},
		103:  {"103 أخبار", "103 items"},
		110:  {"110 أخبار", "110 items"},
		111:  {"111 خبراً", "111 items"},
		199:  {"199 خبراً", "199 items"},
		200:  {"200 خبر", "200 items"},
		1000: {"1000 خبر", "1000 items"},
		1002: {"1002 خبر", "1002 items"},
		1011: {"1011 خبراً", "1011 items"},
	}
	for n, want := range tests {
		if got := news.Format(n); got != want.ar {
			t.Errorf("ar Format(%d) = %q, want %q", n, got, want.ar)
		}
		if got := en.Format(n); got != want.en {
			t.Errorf("en Format(%d) = %q, want %q", n, got, want.en)
		}
	}
	// Forms left out fall back to Other.
	if got := (Plural{Other: "%d x"}).Format(2); got != "2 x" {
		t.Errorf("Format(2) with Other only = %q", got)
	}
}
