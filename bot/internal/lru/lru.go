// Package lru is a small bounded least-recently-used map, safe for
// concurrent use. Delivery keeps items and rendered cards in one: a
// fan-out sends the same item, rendered the same way for each (language,
// time zone), to thousands of chats, so it reads and renders it once per
// replica instead of once per chat. Polls keep the recent items of
// same-story detection in one (bot/poll), dropping an item when they save
// it again.
package lru

import (
	"container/list"
	"sync"
)

// Cache holds at most its capacity of entries, forgetting the least
// recently used first.
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	cap   int
	order *list.List // front = most recently used; values are *entry
	m     map[K]*list.Element
}

type entry[K comparable, V any] struct {
	k K
	v V
}

// New makes a cache of capacity entries (at least one).
func New[K comparable, V any](capacity int) *Cache[K, V] {
	return &Cache[K, V]{cap: max(capacity, 1), order: list.New(), m: make(map[K]*list.Element)}
}

// Get returns the value of k, if held, and marks it used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*entry[K, V]).v, true
	}
	var zero V
	return zero, false
}

// Put sets the value of k, forgetting the least recently used entry when
// the cache is full.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		e.Value.(*entry[K, V]).v = v
		c.order.MoveToFront(e)
		return
	}
	c.m[k] = c.order.PushFront(&entry[K, V]{k, v})
	for c.order.Len() > c.cap {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.m, old.Value.(*entry[K, V]).k)
	}
}

// Drop forgets k.
func (c *Cache[K, V]) Drop(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.order.Remove(e)
		delete(c.m, k)
	}
}
