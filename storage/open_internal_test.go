package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

func TestNewClientForms(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		url       string
		wantAddrs []string // cluster seeds; nil = single node
		wantAddr  string
		wantTLS   bool
		wantDB    int
	}{
		"redis":             {url: "redis://h:1/2", wantAddr: "h:1", wantDB: 2},
		"redis defaults":    {url: "redis://", wantAddr: "localhost:6379"},
		"rediss":            {url: "rediss://u:p@h:1", wantAddr: "h:1", wantTLS: true},
		"unix":              {url: "unix:///run/redis.sock", wantAddr: "/run/redis.sock"},
		"cluster scheme":    {url: "redis-cluster://u:p@h1:1,h2:2,h3:3", wantAddrs: []string{"h1:1", "h2:2", "h3:3"}},
		"cluster tls":       {url: "rediss-cluster://h1:1,h2:2", wantAddrs: []string{"h1:1", "h2:2"}, wantTLS: true},
		"cluster param":     {url: "redis://h1:1?cluster=true&addr=h2:2", wantAddrs: []string{"h1:1", "h2:2"}},
		"cluster param one": {url: "redis://h1:1?cluster=1", wantAddrs: []string{"h1:1"}},
		"cluster false":     {url: "redis://h1:1?cluster=false", wantAddr: "h1:1"},
		"retries asked":     {url: "redis://h:1?max_retries=3", wantAddr: "h:1"}, // overridden: see singleOptions
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, _, err := newClient(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			switch c := c.(type) {
			case *redis.ClusterClient:
				if tc.wantAddrs == nil {
					t.Fatalf("got a cluster client, want a single node")
				}
				o := c.Options()
				if diff := cmp.Diff(tc.wantAddrs, o.Addrs); diff != "" {
					t.Fatalf("seeds mismatch (-want +got):\n%s", diff)
				}
				if got := o.TLSConfig != nil; got != tc.wantTLS {
					t.Fatalf("TLS=%v, want %v", got, tc.wantTLS)
				}
			case *redis.Client:
				if tc.wantAddrs != nil {
					t.Fatalf("got a single-node client, want a cluster")
				}
				o := c.Options()
				if o.Addr != tc.wantAddr || o.DB != tc.wantDB || (o.TLSConfig != nil) != tc.wantTLS {
					t.Fatalf("Addr=%q DB=%d TLS=%v, want %q %d %v", o.Addr, o.DB, o.TLSConfig != nil, tc.wantAddr, tc.wantDB, tc.wantTLS)
				}
				if o.MaxRetries != 0 { // -1 as go-redis keeps it
					t.Fatalf("MaxRetries=%d, want none: a command Redis may have run is not sent again", o.MaxRetries)
				}
			default:
				t.Fatalf("got %T", c)
			}
		})
	}
}
