package telegramtest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRecords(t *testing.T) {
	var r records[int]
	const n = 3*chunkSize + 10
	for i := range n {
		r.add(i)
	}
	if r.len() != n {
		t.Fatalf("len = %d, want %d", r.len(), n)
	}
	for _, from := range []int{-1, 0, 1, chunkSize - 1, chunkSize, chunkSize + 1, n - 1, n, n + 5} {
		var want []int
		for i := max(from, 0); i < n; i++ {
			want = append(want, i)
		}
		if diff := cmp.Diff(want, r.from(from)); diff != "" {
			t.Errorf("from(%d) mismatch (-want +got):\n%s", from, diff)
		}
	}
	for i := range n {
		if got := r.at(i); got != i {
			t.Fatalf("at(%d) = %d", i, got)
		}
	}
	got := r.filter(func(v *int) bool { return *v%chunkSize == 3 })
	if diff := cmp.Diff([]int{3, chunkSize + 3, 2*chunkSize + 3, 3*chunkSize + 3}, got); diff != "" {
		t.Errorf("filter mismatch (-want +got):\n%s", diff)
	}
}
