package bot

import (
	"container/list"
	"sync"
)

// lru is a small bounded least-recently-used map. Delivery keeps items and
// rendered cards in one: a fan-out sends the same item, rendered the same
// way for each (language, time zone), to thousands of chats, so it reads
// and renders it once per replica instead of once per chat. Items never
// change once published, so that cache needs no invalidation (the recent
// items of same-story detection, which may be edited, are dropped on save).
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	cap   int
	order *list.List // front = most recently used; values are *lruEntry
	m     map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	k K
	v V
}

func newLRU[K comparable, V any](capacity int) *lru[K, V] {
	return &lru[K, V]{cap: max(capacity, 1), order: list.New(), m: make(map[K]*list.Element)}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry[K, V]).v, true
	}
	var zero V
	return zero, false
}

func (c *lru[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		e.Value.(*lruEntry[K, V]).v = v
		c.order.MoveToFront(e)
		return
	}
	c.m[k] = c.order.PushFront(&lruEntry[K, V]{k, v})
	for c.order.Len() > c.cap {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.m, old.Value.(*lruEntry[K, V]).k)
	}
}

// drop forgets k.
func (c *lru[K, V]) drop(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.order.Remove(e)
		delete(c.m, k)
	}
}
