package storage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	url, prefix := storagetest.URL(t)
	s, err := storage.Open(t.Context(), url, storage.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	defer s.Close()
	if _, ok := s.Client().(*redis.Client); !ok {
		t.Fatalf("Open(%s) gave a %T, want *redis.Client", url, s.Client())
	}
	must(t, s.SetUpdateOffset(t.Context(), 3))
	if got := s.Options(); got.Prefix != prefix || got.SeenRetention != storage.DefaultSeenRetention ||
		got.LatestMax != storage.DefaultLatestMax || got.Now == nil {
		t.Fatalf("Options()=%+v, want defaults with prefix %q", got, prefix)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-pa55"
	tests := map[string]struct {
		url      string
		wantText string
	}{
		"refused":          {"redis://user:" + secret + "@127.0.0.1:1/0", "127.0.0.1:1"},
		"bad scheme":       {"http://user:" + secret + "@127.0.0.1:6379", "scheme"},
		"bad port":         {"redis://user:" + secret + "@127.0.0.1:notaport", "port"},
		"bad db":           {"redis://user:" + secret + "@127.0.0.1:6379/x", "database"},
		"cluster with db":  {"redis-cluster://user:" + secret + "@127.0.0.1:1,127.0.0.1:2/3", "database"},
		"cluster refused":  {"redis-cluster://user:" + secret + "@127.0.0.1:1,127.0.0.1:2", "127.0.0.1:1"},
		"unknown param":    {"redis://:" + secret + "@127.0.0.1:6379?nosuch=1", "nosuch"},
		"unix no socket":   {"unix://user:" + secret + "@/nonexistent/redis.sock", "redis.sock"},
		"control char url": {"redis://:" + secret + "@127.0.0.1\x7f:6379", "parse"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := contextWithTimeout(t, 2*time.Second)
			defer cancel()
			s, err := storage.Open(ctx, tc.url, storage.Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error reveals the password: %v", err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}
