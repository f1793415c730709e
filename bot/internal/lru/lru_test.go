package lru

import "testing"

// TestCacheForgetsLeastRecentlyUsed: a full cache forgets the entry used
// longest ago, a Get counts as a use, and Drop forgets at once.
func TestCacheForgetsLeastRecentlyUsed(t *testing.T) {
	c := New[string, int](2)
	c.Put("a", 1)
	c.Put("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v; want 1, true", v, ok)
	}
	c.Put("c", 3) // b is the least recently used
	if _, ok := c.Get("b"); ok {
		t.Error("b kept past the capacity, though a was used after it")
	}
	for k, want := range map[string]int{"a": 1, "c": 3} {
		if v, ok := c.Get(k); !ok || v != want {
			t.Errorf("Get(%s) = %d, %v; want %d, true", k, v, ok, want)
		}
	}
	c.Put("a", 10)
	if v, _ := c.Get("a"); v != 10 {
		t.Errorf("Get(a) after Put(a, 10) = %d", v)
	}
	c.Drop("a")
	if _, ok := c.Get("a"); ok {
		t.Error("a kept after Drop")
	}
}
