package storagetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

func TestSlot(t *testing.T) {
	t.Parallel()
	// Vectors from the Redis Cluster specification and CLUSTER KEYSLOT.
	tests := map[string]struct {
		key  string
		want int
	}{
		"spec check value":   {"123456789", 0x31C3 % 16384},
		"foo":                {"foo", 12182},
		"bar":                {"bar", 5061},
		"hello":              {"hello", 866},
		"tag":                {"{user1000}.following", 3443},
		"tag same":           {"{user1000}.followers", 3443},
		"empty tag is whole": {"foo{}{bar}", Slot("foo{}{bar}")},
		"first tag only":     {"foo{{bar}}zap", crcSlot("{bar")},
		"second brace pair":  {"foo{bar}{zap}", crcSlot("bar")},
		"unclosed":           {"foo{bar", crcSlot("foo{bar")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Slot(tc.key); got != tc.want {
				t.Fatalf("Slot(%q)=%d, want %d", tc.key, got, tc.want)
			}
		})
	}
	if Slot("foo{}{bar}") != crcSlot("foo{}{bar}") {
		t.Fatalf("an empty tag must hash the whole key")
	}
}

func crcSlot(s string) int { return int(crc16(s) % 16384) }

func TestCommandKeys(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		args []any
		want []string
	}{
		"get":        {[]any{"get", "a"}, []string{"a"}},
		"del":        {[]any{"DEL", "a", "b"}, []string{"a", "b"}},
		"mset":       {[]any{"mset", "a", 1, "b", 2}, []string{"a", "b"}},
		"evalsha":    {[]any{"evalsha", "sha", 2, "k1", "k2", "arg"}, []string{"k1", "k2"}},
		"eval bad n": {[]any{"eval", "x", 5, "k1"}, nil},
		"xreadgroup": {[]any{"xreadgroup", "group", "g", "c", "count", 1, "streams", "s1", "s2", ">", ">"}, []string{"s1", "s2"}},
		"zunion":     {[]any{"zunionstore", "d", 2, "a", "b", "weights", 1, 2}, []string{"d", "a", "b"}},
		"ping":       {[]any{"ping"}, nil},
		"multi":      {[]any{"multi"}, nil},
		"rename":     {[]any{"rename", "a", "b"}, []string{"a", "b"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, CommandKeys(tc.args)); diff != "" {
				t.Fatalf("CommandKeys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// recorder is a testing.TB that records errors instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}

func TestSlotHookCatchesCrossSlot(t *testing.T) {
	t.Parallel()
	m := startMiniredis(t)
	rec := &recorder{TB: t}
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer c.Close()
	c.AddHook(slotHook{t: rec})
	ctx := context.Background()

	c.Del(ctx, "{a}x", "{a}y") // same slot: fine
	if len(rec.errs) != 0 {
		t.Fatalf("same-slot DEL reported: %v", rec.errs)
	}
	c.Del(ctx, "foo", "bar")
	if len(rec.errs) != 1 {
		t.Fatalf("cross-slot DEL: %d reports, want 1", len(rec.errs))
	}
	// A plain pipeline may span slots.
	c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "foo", 1, 0)
		p.Set(ctx, "bar", 1, 0)
		return nil
	})
	if len(rec.errs) != 1 {
		t.Fatalf("cross-slot pipeline reported: %v", rec.errs)
	}
	// A MULTI block may not.
	c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "foo", 1, 0)
		p.Set(ctx, "bar", 1, 0)
		return nil
	})
	if len(rec.errs) != 2 || !strings.Contains(rec.errs[1], "MULTI") {
		t.Fatalf("cross-slot MULTI: reports %q, want a MULTI report", rec.errs)
	}
	c.Eval(ctx, "return 1", []string{"foo", "bar"})
	if len(rec.errs) != 3 {
		t.Fatalf("cross-slot EVAL: %d reports, want 3", len(rec.errs))
	}
}

func TestNewCleansUp(t *testing.T) {
	t.Parallel()
	var prefix string
	var client redis.UniversalClient
	t.Run("inner", func(t *testing.T) {
		s := New(t)
		prefix = s.Options().Prefix
		if !strings.HasPrefix(prefix, "akhbartest:") {
			t.Fatalf("prefix %q, want akhbartest:…", prefix)
		}
		if err := s.SetUpdateOffset(t.Context(), 42); err != nil {
			t.Fatal(err)
		}
		url, _ := realURL()
		if !strings.HasPrefix(url, "redis://") {
			t.Skip("no real Redis: miniredis is discarded whole")
		}
		o, _ := redis.ParseURL(url)
		client = redis.NewClient(o)
	})
	if client == nil {
		return
	}
	defer client.Close()
	n, err := client.Keys(context.Background(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 0 {
		t.Fatalf("keys left after cleanup: %q", n)
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	url, prefix := URL(t)
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("URL()=%q: %v", url, err)
	}
	c := redis.NewClient(o)
	defer c.Close()
	if err := c.Set(t.Context(), prefix+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, prefix2 := URL(t)
	if prefix == prefix2 {
		t.Fatalf("two URL calls gave the same prefix %q", prefix)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := b.New(t)
			ctx := t.Context()
			p := s.Options().Prefix
			var want []string
			for _, k := range []string{"a", "{x}b", "c:{y}", "d"} {
				if err := s.Client().Set(ctx, p+k, 1, 0).Err(); err != nil {
					t.Fatal(err)
				}
				want = append(want, p+k)
			}
			got, err := Keys(ctx, s.Client(), p+"*")
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Keys mismatch (-want +got):\n%s", diff)
			}
			if err := Delete(ctx, s.Client(), p+"*"); err != nil {
				t.Fatal(err)
			}
			if got, _ := Keys(ctx, s.Client(), p+"*"); len(got) != 0 {
				t.Fatalf("Delete left %q", got)
			}
		})
	}
}
