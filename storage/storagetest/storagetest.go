// Package storagetest gives tests a storage.Store on a real Redis when one
// is running, and on an in-process miniredis otherwise, each test under its
// own key prefix so tests (and packages) can share one Redis in parallel.
//
// Every client it makes also checks Redis Cluster's key rule on each command:
// a multi-key command, Lua script or MULTI block whose keys fall in different
// hash slots fails the test, even though a single Redis would accept it.
//
// New is what most tests want. Run (over Backends) runs one test body on
// the real Redis, on miniredis and on miniredis behind a ClusterClient, so
// behaviour that differs between them shows up in tests, not in local mode
// or on a cluster. URL is for tests that start the whole program.
//
// Environment: AKHBAR_TEST_REDIS_URL names the real Redis (default
// redis://127.0.0.1:6379); AKHBAR_REQUIRE_REDIS=1 (CI) turns "Redis not
// reachable" into a test failure instead of a fallback or a skip.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akhbar/akhbar/storage"
	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Environment variables read by this package.
const (
	// EnvURL names the real Redis; default redis://127.0.0.1:6379.
	EnvURL = "AKHBAR_TEST_REDIS_URL"
	// EnvRequire set to "1" (CI) makes an unreachable Redis fatal instead of
	// falling back to miniredis.
	EnvRequire = "AKHBAR_REQUIRE_REDIS"
	// EnvClusterURL, when set (e.g. "redis-cluster://127.0.0.1:7101,127.0.0.1:7102"),
	// adds a real Redis Cluster to Backends, opened through storage.Open.
	EnvClusterURL = "AKHBAR_TEST_REDIS_CLUSTER_URL"
)

const defaultURL = "redis://127.0.0.1:6379"

// reachTimeout bounds how long a test waits for the real Redis to answer.
const reachTimeout = 500 * time.Millisecond

// New returns a Store on the real Redis at 127.0.0.1:6379 (or
// $AKHBAR_TEST_REDIS_URL) with a unique key prefix ("akhbartest:<random>:"),
// deleting every key with that prefix (SCAN MATCH + UNLINK) in t.Cleanup.
// If Redis does not answer within 500ms: when $AKHBAR_REQUIRE_REDIS is "1"
// (CI sets it) t.Fatal; otherwise it starts miniredis (closed in t.Cleanup)
// and logs so. It never runs FLUSHALL or FLUSHDB.
//
// opts[0], if given, is used with its Prefix replaced.
func New(t testing.TB, opts ...storage.Options) *storage.Store {
	t.Helper()
	url, err := realURL()
	if err == nil {
		return open(t, url, opts)
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("storagetest: %v (%s=1)", err, EnvRequire)
	}
	t.Logf("storagetest: Redis not reachable at %s (%v); using in-process miniredis", url, err)
	return Miniredis(t, opts...)
}

// Real is New without the fallback: it skips the test when the real Redis
// does not answer (fails it when $AKHBAR_REQUIRE_REDIS is "1").
func Real(t testing.TB, opts ...storage.Options) *storage.Store {
	t.Helper()
	url, err := realURL()
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("storagetest: %v (%s=1)", err, EnvRequire)
		}
		t.Skipf("storagetest: Redis not reachable at %s: %v", url, err)
	}
	return open(t, url, opts)
}

// Miniredis returns a Store on a fresh in-process miniredis, closed in
// t.Cleanup. Its TTLs follow the wall clock like a real Redis (ClockTTL).
func Miniredis(t testing.TB, opts ...storage.Options) *storage.Store {
	t.Helper()
	m := startMiniredis(t)
	return open(t, "redis://"+m.Addr(), opts)
}

// MiniredisCluster returns a Store whose client is a *redis.ClusterClient
// talking to a fresh miniredis that claims all 16384 slots. It runs the
// ClusterClient's code paths (pipelines split per node, MULTI, scripts,
// blocking reads) that a plain client never takes; the slot rule itself is
// checked by the hook every client here carries.
func MiniredisCluster(t testing.TB, opts ...storage.Options) *storage.Store {
	t.Helper()
	m := startMiniredis(t)
	var o storage.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Prefix = newPrefix(t)
	s := openStore(t, "redis-cluster://"+m.Addr(), o)
	client := s.Client()
	client.AddHook(slotHook{t: t})
	t.Cleanup(func() { _ = client.Close() })
	return s
}

// openStore opens a Store as the program does (storage.Open: the client's
// options are the store's, so the tests run what ships).
func openStore(t testing.TB, url string, o storage.Options) *storage.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, url, o)
	if err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	return s
}

// URL is New for tests that run the whole program, which opens its own
// client: it returns a redis:// URL (real, or a miniredis started for the
// test) and a fresh prefix whose keys are deleted when the test ends.
func URL(t testing.TB) (url string, prefix string) {
	t.Helper()
	url, err := realURL()
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("storagetest: %v (%s=1)", err, EnvRequire)
		}
		t.Logf("storagetest: Redis not reachable at %s (%v); using in-process miniredis", url, err)
		url = "redis://" + startMiniredis(t).Addr()
	}
	prefix = newPrefix(t)
	cleanupPrefix(t, url, prefix)
	return url, prefix
}

// Backend is one Redis implementation the storage tests run against.
type Backend struct {
	Name string
	New  func(t testing.TB, opts ...storage.Options) *storage.Store
}

// Backends returns the real Redis (skipped when absent, unless required),
// miniredis, and miniredis behind a cluster client, so a test can run the
// same body on each and find where miniredis or the cluster client differ
// before users of local mode or of a cluster do.
func Backends() []Backend {
	bs := []Backend{
		{Name: "redis", New: Real},
		{Name: "miniredis", New: Miniredis},
		{Name: "cluster", New: MiniredisCluster},
	}
	if os.Getenv(EnvClusterURL) != "" {
		bs = append(bs, Backend{Name: "redis-cluster", New: Cluster})
	}
	return bs
}

// Cluster returns a Store on the real Redis Cluster named by
// $AKHBAR_TEST_REDIS_CLUSTER_URL (skipping the test when unset), opened by
// storage.Open, with a unique prefix cleaned up on every master.
func Cluster(t testing.TB, opts ...storage.Options) *storage.Store {
	t.Helper()
	url := os.Getenv(EnvClusterURL)
	if url == "" {
		t.Skipf("storagetest: %s not set", EnvClusterURL)
	}
	var o storage.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Prefix = newPrefix(t)
	s := openStore(t, url, o)
	client := s.Client()
	client.AddHook(slotHook{t: t})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := Delete(ctx, client, o.Prefix+"*"); err != nil {
			t.Errorf("storagetest: cleanup %s: %v", o.Prefix, err)
		}
		_ = client.Close()
	})
	return s
}

// Run runs body as a subtest on each backend, the backends at the same
// time: these tests mostly wait on the network or on a TTL, and running them
// side by side keeps a package's tests fast even under -parallel=2.
func Run(t *testing.T, body func(t *testing.T, s *storage.Store), opts ...storage.Options) {
	t.Helper()
	var wg sync.WaitGroup
	for _, b := range Backends() {
		wg.Go(func() {
			t.Run(b.Name, func(t *testing.T) { body(t, b.New(t, opts...)) })
		})
	}
	wg.Wait()
}

func startMiniredis(t testing.TB) *miniredis.Miniredis {
	t.Helper()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatalf("storagetest: start miniredis: %v", err)
	}
	m.ClockTTL(true) // expire keys as time passes, as Redis does
	t.Cleanup(m.Close)
	return m
}

// realURL returns the real Redis URL and nil if it answers a PING in time.
func realURL() (string, error) {
	url := os.Getenv(EnvURL)
	if url == "" {
		url = defaultURL
	}
	o, err := redis.ParseURL(url)
	if err != nil {
		return "(bad " + EnvURL + ")", fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = reachTimeout, reachTimeout, reachTimeout
	o.MaxRetries = -1
	c := redis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return o.Addr, fmt.Errorf("ping: %w", err)
	}
	return url, nil
}

func open(t testing.TB, url string, opts []storage.Options) *storage.Store {
	t.Helper()
	var o storage.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Prefix = newPrefix(t)
	s := openStore(t, url, o)
	client := s.Client()
	client.AddHook(slotHook{t: t})
	cleanupPrefix(t, url, o.Prefix)
	// Registered after cleanupPrefix so it runs first (cleanups are LIFO);
	// the key deletion uses its own client, as the test may close s itself.
	t.Cleanup(func() { _ = client.Close() })
	return s
}

func newPrefix(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storagetest: random prefix: %v", err)
	}
	return "akhbartest:" + hex.EncodeToString(b) + ":"
}

// cleanupPrefix deletes every key under prefix when the test ends.
func cleanupPrefix(t testing.TB, url, prefix string) {
	t.Helper()
	t.Cleanup(func() {
		ro, err := redis.ParseURL(url)
		if err != nil {
			t.Errorf("storagetest: cleanup: %v", err)
			return
		}
		c := redis.NewClient(ro)
		defer c.Close()
		// A minute: SCAN walks the whole keyspace, which the other packages'
		// tests fill while they run, and TestMemory leaves 300,000 keys; 10 s
		// ran out during a CI run, leaving keys behind and failing the test.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := Delete(ctx, c, prefix+"*"); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("storagetest: cleanup %s: %v", prefix, err)
		}
	})
}

// Delete unlinks every key matching pattern (SCAN MATCH + UNLINK, one key
// per UNLINK; on a cluster, on every master). It returns the first error.
func Delete(ctx context.Context, c redis.UniversalClient, pattern string) error {
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return deleteOn(ctx, node, pattern)
		})
	}
	return deleteOn(ctx, c, pattern)
}

// Keys returns every key matching pattern (SCAN MATCH; on a cluster, on
// every master), for tests that inspect what a Store wrote. KEYS on a
// ClusterClient would ask only one node.
func Keys(ctx context.Context, c redis.UniversalClient, pattern string) ([]string, error) {
	var (
		mu  sync.Mutex
		all []string
	)
	scan := func(ctx context.Context, c redis.UniversalClient) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			all = append(all, iter.Val())
			mu.Unlock()
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("scan %s: %w", pattern, err)
		}
		return nil
	}
	var err error
	if cc, ok := c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return scan(ctx, node) })
	} else {
		err = scan(ctx, c)
	}
	slices.Sort(all)
	return slices.Compact(all), err
}

func deleteOn(ctx context.Context, c redis.UniversalClient, pattern string) error {
	iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range batch {
				p.Unlink(ctx, k)
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := flush(); err != nil {
				return fmt.Errorf("unlink: %w", err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan %s: %w", pattern, err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("unlink: %w", err)
	}
	return nil
}
