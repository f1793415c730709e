package telegramtest

import "math/bits"

// firstChunk is the size of the first chunk; chunk k holds firstChunk<<k
// records until that reaches chunkSize.
const firstChunk = 64

// chunkSize bounds the slices a records list copies when it grows.
const chunkSize = 4096

// records is an append-only list kept in chunks, so recording the millionth
// message of a load test never copies the first ones (a single growing
// slice would, and would hand the GC a fresh huge array each time).
type records[T any] struct {
	chunks [][]T
	n      int
}

func (r *records[T]) add(v T) {
	if len(r.chunks) == 0 || len(r.chunks[len(r.chunks)-1]) == cap(r.chunks[len(r.chunks)-1]) {
		// Chunks double from 64 up to chunkSize, so a short test stays
		// small and a long load test never grows a chunk in place.
		r.chunks = append(r.chunks, make([]T, 0, min(firstChunk<<len(r.chunks), chunkSize)))
	}
	last := &r.chunks[len(r.chunks)-1]
	*last = append(*last, v)
	r.n++
}

func (r *records[T]) len() int { return r.n }

// from returns a copy of the records from index i on, or nil if none.
func (r *records[T]) from(i int) []T {
	if i < 0 {
		i = 0
	}
	if i >= r.n {
		return nil
	}
	out := make([]T, 0, r.n-i)
	for _, c := range r.chunks {
		if i >= len(c) {
			i -= len(c)
			continue
		}
		out = append(out, c[i:]...)
		i = 0
	}
	return out
}

// filter returns a copy of the records keep accepts.
func (r *records[T]) filter(keep func(*T) bool) []T {
	var out []T
	for _, c := range r.chunks {
		for i := range c {
			if keep(&c[i]) {
				out = append(out, c[i])
			}
		}
	}
	return out
}

// growing is how many records the doubling chunks hold before the chunks
// reach chunkSize: 64 + 128 + … + 2048.
const growing = chunkSize - firstChunk

// at returns the record at index i, which must be below len, in constant
// time: SentTo and edits look records up by index.
func (r *records[T]) at(i int) T {
	if i < growing {
		k := bits.Len(uint(i/firstChunk+1)) - 1
		return r.chunks[k][i-firstChunk*(1<<k-1)]
	}
	j := i - growing
	return r.chunks[bits.Len(chunkSize/firstChunk)-1+j/chunkSize][j%chunkSize]
}
