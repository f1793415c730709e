package arabic

import (
	"strings"
	"testing"
)

// TestStopSet checks the probe table forEachTerm uses against the stop-word map it is
// built from: every stop word is found, and no other token is, including near misses
// (a letter more or less, the same bytes padded with zeros).
func TestStopSet(t *testing.T) {
	for w := range stopwords {
		if !stopSet.has([]byte(w)) {
			t.Errorf("stop word %q not found", w)
		}
		for _, miss := range []string{w + "ا", "و" + w, w[:len(w)-1], w + "\x00", "\x00" + w} {
			if _, ok := stopwords[miss]; ok {
				continue
			}
			if stopSet.has([]byte(miss)) {
				t.Errorf("%q found, but it is not a stop word", miss)
			}
		}
	}
	for _, d := range loadEASC(t) {
		for tok := range strings.FieldsSeq(Normalize(d.text)) {
			_, want := stopwords[tok]
			if got := stopSet.has([]byte(tok)); got != want {
				t.Errorf("has(%q) = %v, want %v", tok, got, want)
			}
		}
	}
	if stopSet.has(nil) {
		t.Error("the empty token is a stop word")
	}
}
