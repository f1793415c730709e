package storage

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/feeds"
	"github.com/google/go-cmp/cmp"
)

// hashOf turns encodeItem's pairs into what HGETALL returns.
func hashOf(pairs []any) map[string]string {
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		m[pairs[i].(string)] = fmt.Sprint(pairs[i+1])
	}
	return m
}

func FuzzItemCodec(f *testing.F) {
	f.Add("abc", "src", "guid", "https://x/1", "عنوان", "ملخص", "", int64(1772366400000), "سياسة\nاقتصاد", uint64(42))
	f.Add("", "", "", "", "", "", "", int64(0), "", uint64(0))
	f.Add("a", "s", "g", "l", "t", "s", "i", int64(-62135596800000), "a,b\n\nc", ^uint64(0))
	f.Add("a", "s", "g", "l", "t", "s", "i", int64(-1), "x\x1fy", uint64(1))
	f.Fuzz(func(t *testing.T, id, src, guid, link, title, summary, image string, pubMs int64, topics string, fp uint64) {
		it := feeds.Item{
			ID: id, SourceID: src, GUID: guid, Link: link, Title: title, Summary: summary, Image: image,
			Content: "dropped", Published: time.UnixMilli(pubMs), Fingerprint: fp,
		}
		if topics != "" {
			it.Topics = strings.Split(topics, "\n")
		}
		got := decodeItem(id, hashOf(encodeItem(it)))

		want := it
		want.Content = ""
		want.Topics = nil
		for _, tp := range it.Topics {
			if tp = sanitizeTopic(tp); tp != "" {
				want.Topics = append(want.Topics, tp)
			}
		}
		if it.Published.IsZero() {
			want.Published = time.Time{}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round trip mismatch (-want +got):\n%s", diff)
		}
	})
}

func FuzzDecodeJob(f *testing.F) {
	f.Add("123", "item", "0")
	f.Add("-1001234567890", "x", "")
	f.Add("x", "", "1")
	f.Add("1", "i", "-5")
	f.Add("99999999999999999999", "i", "1")
	f.Fuzz(func(t *testing.T, chat, item, attempt string) {
		j, err := decodeJob(map[string]any{fChat: chat, fItem: item, fAttempt: attempt})
		if err != nil {
			return
		}
		if j.ItemID == "" {
			t.Fatalf("decoded a job without an item")
		}
		// A decoded job survives a round trip through the stream encoding.
		enc := encodeJob(j)
		vals := make(map[string]any, len(enc)/2)
		for i := 0; i < len(enc); i += 2 {
			vals[enc[i].(string)] = fmt.Sprint(enc[i+1])
		}
		again, err := decodeJob(vals)
		if err != nil {
			t.Fatalf("re-decode %+v: %v", j, err)
		}
		if diff := cmp.Diff(j, again); diff != "" {
			t.Fatalf("job round trip mismatch (-want +got):\n%s", diff)
		}
	})
}
