package telegramtest

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
	if len(r.chunks) == 0 || len(r.chunks[len(r.chunks)-1]) == chunkSize {
		r.chunks = append(r.chunks, nil)
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
	for _, c := range r.chunks[i/chunkSize:] {
		if i%chunkSize != 0 {
			c = c[i%chunkSize:]
			i = 0
		}
		out = append(out, c...)
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
