package storage

import (
	"hash/fnv"
	"strconv"
	"testing"
)

// TestShouldTrimIsFNV: shouldTrim picks the sends that trim a chat's sent
// records by FNV-1a of the item id, as it did with hash/fnv, so replicas of
// this and earlier versions trim on the same items.
func TestShouldTrimIsFNV(t *testing.T) {
	trims := 0
	for i := range 2000 {
		id := "item-" + strconv.Itoa(i) + "-\u0627\u0644\u062e\u0628\u0631"
		h := fnv.New32a()
		h.Write([]byte(id))
		want := h.Sum32()%trimEvery == 0
		if got := shouldTrim(id); got != want {
			t.Fatalf("shouldTrim(%q) = %v, hash/fnv says %v", id, got, want)
		}
		if want {
			trims++
		}
	}
	if trims == 0 {
		t.Fatal("no id of 2000 trims: the test checks nothing")
	}
}

// TestSentValue: the sent record's value keeps its format, "<id>:<kind>".
func TestSentValue(t *testing.T) {
	for _, c := range []struct {
		id    int
		photo bool
		want  string
	}{{7, false, "7:text"}, {123456789, true, "123456789:photo"}, {-42, false, "-42:text"}} {
		if got := sentValue(c.id, c.photo); got != c.want {
			t.Errorf("sentValue(%d, %v) = %q, want %q", c.id, c.photo, got, c.want)
		}
	}
}

// TestHotKeysAreTheKeys: the hot path's key sets name the keys the rest of
// the Store uses.
func TestHotKeysAreTheKeys(t *testing.T) {
	k := keys{p: "akhbar:"}
	for _, chat := range []int64{7, -1001234567890} {
		park, sent, settings := k.checked(chat)
		if park != k.park(chat) || sent != k.sent(chat) || settings != k.chat(chat) {
			t.Errorf("checked(%d) = %q %q %q, want %q %q %q", chat, park, sent, settings, k.park(chat), k.sent(chat), k.chat(chat))
		}
		if got := k.sentRecords(chat); len(got) != 2 || got[0] != k.sent(chat) || got[1] != k.sentMsg(chat) {
			t.Errorf("sentRecords(%d) = %q, want %q %q", chat, got, k.sent(chat), k.sentMsg(chat))
		}
	}
}
