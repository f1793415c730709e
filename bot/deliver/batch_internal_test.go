package deliver

import (
	"fmt"
	"testing"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
)

// TestMessageShape: one card or a digest, and of which items, from how
// many wait (threshold 3, the default) and how many are owed ahead.
func TestMessageShape(t *testing.T) {
	for _, c := range []struct {
		owed, batch, jobs   int
		wantOwed, wantBatch int
	}{
		{0, 1, 1, 0, 1},    // one job: one card
		{0, 3, 3, 0, 1},    // at the threshold: still one card at a time
		{0, 4, 4, 0, 4},    // past it: a digest of the candidates
		{0, 12, 30, 0, 12}, // a full digest, the rest next time
		{1, 1, 1, 1, 0},    // one owed and one own: the owed card first, alone
		{2, 1, 1, 1, 0},    // still within the threshold: the oldest owed alone
		{3, 1, 1, 3, 1},    // past it: one digest, owed first
		{10, 5, 5, 10, 2},  // at most maxDigestSize in all
		{15, 5, 5, 12, 0},  // owed items alone fill a digest
	} {
		o, b := messageShape(c.owed, c.batch, c.jobs, 3)
		if o != c.wantOwed || b != c.wantBatch {
			t.Errorf("messageShape(owed %d, batch %d, jobs %d) = %d owed, %d own; want %d, %d",
				c.owed, c.batch, c.jobs, o, b, c.wantOwed, c.wantBatch)
		}
	}
}

// TestDigestCandidates: the jobs a chat's next message may carry stop at
// an edit or a broadcast, and at maxDigestSize.
func TestDigestCandidates(t *testing.T) {
	jobs := func(spec string) []storage.Delivery {
		var ds []storage.Delivery
		for i, k := range spec {
			d := storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: fmt.Sprint("i", i)}}
			switch k {
			case 'e':
				d.Edit = true
			case 'b':
				d.ItemID = storage.BroadcastItem("bc")
			}
			ds = append(ds, d)
		}
		return ds
	}
	for _, c := range []struct {
		spec  string
		ahead bool
		want  int
	}{
		{"c", false, 1},
		{"ccc", false, 1},   // at the threshold: one at a time
		{"cccc", false, 4},  // past it: all a digest could take
		{"ccc", true, 3},    // items owed ahead may tip it into a digest
		{"ccecc", false, 2}, // an edit goes alone
		{"cbcc", true, 1},   // so does a broadcast
		{"cccccccccccccccc", false, maxDigestSize},
	} {
		if got := len(digestCandidates(jobs(c.spec), 3, c.ahead)); got != c.want {
			t.Errorf("digestCandidates(%s, ahead %v) = %d jobs, want %d", c.spec, c.ahead, got, c.want)
		}
	}
}

// TestBreakingApart: breaking news never goes in a digest: at the head it
// goes alone, further on the digest stops before it.
func TestBreakingApart(t *testing.T) {
	for _, c := range []struct {
		spec string // b: breaking, n: not, s: breaking but sent already, x: expired
		want int
	}{
		{"nnnn", 4},
		{"bnnn", 1},
		{"nnbn", 2},
		{"nsnn", 4}, // sent already: settled, not sent, so no reason to split
		{"nxbn", 2},
		{"b", 1},
	} {
		var batch []storage.Delivery
		var sent []bool
		known := map[string]feeds.Item{}
		for i, k := range c.spec {
			id := fmt.Sprint("i", i)
			batch = append(batch, storage.Delivery{Job: storage.Job{ChatID: 1, ItemID: id}})
			sent = append(sent, k == 's')
			if k != 'x' {
				known[id] = feeds.Item{ID: id, Breaking: k == 'b' || k == 's'}
			}
		}
		b, s := breakingApart(batch, sent, known)
		if len(b) != c.want || len(s) != c.want {
			t.Errorf("breakingApart(%s) = %d jobs (%d flags), want %d", c.spec, len(b), len(s), c.want)
		}
	}
}
