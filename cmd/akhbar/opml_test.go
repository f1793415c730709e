package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSourcesRoundTrip exports a config's sources as OPML and imports the
// file into another config: the same sources come back (ids, names, URLs,
// topics, a schedule of their own), and the other config keeps every line
// it had.
func TestSourcesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, dir, "a.yaml", `defaults:
  schedule: "*/5 * * * *"
sources:
  - id: almamlaka
    name: "المملكة"
    url: https://www.almamlakatv.com/rss
    topics: [محليات, اقتصاد]
  - id: cnn
    name: "سي إن إن & بالعربية <CNN>"
    url: "https://arabic.cnn.com/api/v1/rss/rss.xml?edition=ar&x=\"1\""
    topics: [عالمية, "سياسة دولية"]
    schedule: "@every 2m"
  - id: hespress
    name: هسبريس
    url: https://www.hespress.com/feed
`)
	code, opml, errOut := runCmd(t, nil, "sources", "export", "-config", src)
	if code != 0 || !strings.HasPrefix(opml, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<opml version="2.0"`) {
		t.Fatalf("export: exit %d, %s\n%s", code, errOut, opml)
	}
	opmlPath := writeFile(t, dir, "sources.opml", opml)

	const other = `# production config
timezone: Asia/Amman   # Amman time on cards
sources:
operators: [12345]
`
	dst := writeFile(t, dir, "b.yaml", other)
	code, out, errOut := runCmd(t, nil, "sources", "import", "-check=false", "-config", dst, opmlPath)
	if code != 0 || out != "added 3 feed(s) from sources.opml to "+dst+"\n" {
		t.Fatalf("import: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.SplitAfter(other, "\n") {
		if !strings.Contains(string(data), line) {
			t.Errorf("the imported config lost the line %q:\n%s", line, data)
		}
	}
	a, err := ParseConfig(src, mustRead(t, src))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseConfig(dst, data)
	if err != nil {
		t.Fatalf("imported config: %v\n%s", err, data)
	}
	if diff := cmp.Diff(a.Sources, b.Sources); diff != "" {
		t.Errorf("sources after export and import (-want +got):\n%s\n%s", diff, data)
	}
	if len(b.Operators) != 1 || b.Timezone != "Asia/Amman" {
		t.Errorf("the rest of the config changed: %+v", b)
	}
	// A second import finds nothing new.
	if code, _, errOut := runCmd(t, nil, "sources", "import", "-check=false", "-config", dst, opmlPath); code != 1 || !strings.Contains(errOut, "is already source almamlaka") {
		t.Errorf("second import: exit %d, %q", code, errOut)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSourcesImportChecksEachFeed imports a reader's OPML (folders, a
// category path, a feed already configured, a javascript: link): each new
// feed is fetched once with the bot's fetcher, with progress, and the one
// that fails is written commented out with its reason.
func TestSourcesImportChecksEachFeed(t *testing.T) {
	feed := mustRead(t, "internal/localmode/sample/cnn-arabic.xml")
	var (
		mu   sync.Mutex // feeds are checked 4 at a time
		gets []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gets = append(gets, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/ok.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(feed)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	opml := writeFile(t, dir, "reader.opml", fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Reader</title></head><body>
  <outline text="أخبار العالم">
    <outline type="rss" text="سي إن إن" xmlUrl="%[1]s/ok.xml" category="/News/سياسة"/>
    <outline type="rss" title="Gone" text="gone" xmlUrl="%[1]s/gone.xml"/>
  </outline>
  <outline type="rss" text="Old" xmlUrl="%[1]s/old.xml"/>
  <outline type="rss" text="bad" xmlUrl="javascript:alert(1)"/>
</body></opml>`, srv.URL))
	cfg := writeFile(t, dir, "akhbar.yaml", fmt.Sprintf("sources:\n- id: old\n  name: Old\n  url: %s/old.xml\n", srv.URL))

	code, out, errOut := runCmd(t, nil, "sources", "import", "-config", cfg, "-allow-private", opml)
	if code != 0 || out != "added 2 feed(s) from reader.opml: 1 checked ok, 1 failed (written commented out) to "+cfg+"\n" {
		t.Fatalf("import: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		`skipped "bad": xmlUrl "javascript:alert(1)" is not an http(s) URL`,
		`skipped "Old": ` + srv.URL + `/old.xml is already source old`,
		"checking 2 feed(s)…",
		"✓ feed " + srv.URL + "/ok.xml: 10 items",
		"✗ feed-2 " + srv.URL + "/gone.xml: ",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(errOut, "[1/2]") || !strings.Contains(errOut, "[2/2]") {
		t.Errorf("no progress in:\n%s", errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(gets, " ") != "/ok.xml /gone.xml" && strings.Join(gets, " ") != "/gone.xml /ok.xml" {
		t.Errorf("fetches = %v, want each new feed once", gets)
	}
	data := string(mustRead(t, cfg))
	want := fmt.Sprintf(`sources:
- id: old
  name: Old
  url: %[1]s/old.xml
- id: feed
  name: سي إن إن
  url: %[1]s/ok.xml
  topics: [أخبار العالم, سياسة]
# feed-2 from reader.opml failed its check: fetch %[1]s/gone.xml: HTTP 404
# - id: feed-2
#   name: Gone
#   url: %[1]s/gone.xml
#   topics: [أخبار العالم]
`, srv.URL)
	if diff := cmp.Diff(want, data); diff != "" {
		t.Errorf("config mismatch (-want +got):\n%s", diff)
	}
	c, err := ParseConfig(cfg, []byte(data))
	if err != nil || len(c.Sources) != 2 {
		t.Errorf("config after import: %v, %d sources", err, len(c.Sources))
	}
}

// TestSourcesImportRefusesHostileOPML: entity bombs, external entities,
// huge, deep and wide files are refused with a reason, fast and in bounded
// memory.
func TestSourcesImportRefusesHostileOPML(t *testing.T) {
	bomb := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://example.com/rss"/></body></opml>`
	external := `<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://example.com/rss"/></body></opml>`
	var deep strings.Builder
	deep.WriteString(`<opml version="2.0"><body>`)
	for range 100 {
		deep.WriteString(`<outline text="f">`)
	}
	deep.WriteString(`<outline text="x" xmlUrl="https://example.com/rss"/>`)
	for range 100 {
		deep.WriteString(`</outline>`)
	}
	deep.WriteString(`</body></opml>`)
	var wide strings.Builder
	wide.WriteString(`<opml version="2.0"><body>`)
	for i := range maxOPMLFeeds + 1 {
		fmt.Fprintf(&wide, `<outline xmlUrl="https://example.com/%d"/>`, i)
	}
	wide.WriteString(`</body></opml>`)
	huge := `<opml version="2.0"><body><outline text="` + strings.Repeat("a", maxOPMLBytes) + `"/></body></opml>`

	for name, tc := range map[string]struct{ data, want string }{
		"entity bomb":     {bomb, "invalid character entity &lol9;"},
		"external entity": {external, "invalid character entity &xxe;"},
		"deep":            {deep.String(), "nested over 32 deep"},
		"wide":            {wide.String(), "more than 5000 feeds"},
		"huge":            {huge, "over 4194304 bytes"},
		"not OPML":        {`<rss version="2.0"><channel/></rss>`, "expected element type <opml>"},
		"not XML":         {"sources:\n  - id: x\n", "parse OPML"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := parseOPML(strings.NewReader(tc.data), true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseOPML = %v, want an error with %q", err, tc.want)
			}
		})
	}
	// Through the command: refused, nothing printed to stdout.
	p := writeFile(t, t.TempDir(), "bomb.opml", bomb)
	if code, out, errOut := runCmd(t, nil, "sources", "import", "-check=false", p); code != 1 || out != "" || !strings.Contains(errOut, "&lol9;") {
		t.Errorf("import of a bomb: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestAppendSources(t *testing.T) {
	entries := "- id: new\n  name: New\n  url: https://example.com/rss\n"
	for name, tc := range map[string]struct{ in, want, err string }{
		"after the last source, before the next key's comment": {
			in:   "sources:\n  - id: a\n    name: A\n    url: https://a.example/rss\n\n# who runs it\noperators: [1]\n",
			want: "sources:\n  - id: a\n    name: A\n    url: https://a.example/rss\n  - id: new\n    name: New\n    url: https://example.com/rss\n\n# who runs it\noperators: [1]\n",
		},
		"items at column 0, sources last, no final newline": {
			in:   "timezone: UTC\nsources:\n- id: a\n  name: A\n  url: https://a.example/rss",
			want: "timezone: UTC\nsources:\n- id: a\n  name: A\n  url: https://a.example/rss\n- id: new\n  name: New\n  url: https://example.com/rss\n",
		},
		"no sources key": {
			in:   "timezone: UTC\n",
			want: "timezone: UTC\nsources:\n  - id: new\n    name: New\n    url: https://example.com/rss\n",
		},
		"empty sources key with a comment": {
			in:   "sources: # none yet\ntimezone: UTC\n",
			want: "sources: # none yet\n  - id: new\n    name: New\n    url: https://example.com/rss\ntimezone: UTC\n",
		},
		"flow list": {
			in:  "sources: [{id: a, name: A, url: \"https://a.example/rss\"}]\n",
			err: "not a block list",
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := appendSources([]byte(tc.in), entries)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("appendSources = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if _, err := ParseConfig("x", got); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
}

func TestSourceIDs(t *testing.T) {
	taken := map[string]bool{"cnn": true}
	for _, tc := range []struct{ url, want string }{
		{"https://www.almamlakatv.com/rss", "almamlakatv"},
		{"https://arabic.cnn.com/rss", "cnn-2"},
		{"https://feeds.bbci.co.uk/arabic/rss.xml", "bbci"},
		{"https://www.hespress.com/feed", "hespress"},
		{"https://www.hespress.com/politique/feed", "hespress-2"},
		{"https://xn--mgbh0fb.xn--kgbechtv/rss", "xn--mgbh0fb"},
		{"http://192.168.1.10/rss", "feed"},
		{"http://[::1]:8080/rss", "feed-2"},
		{"https://www.example.museum/rss", "example"},
	} {
		if got := sourceID(tc.url, taken); got != tc.want {
			t.Errorf("sourceID(%s) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

// TestSourcesImportIntoAFlowList imports into a config whose sources are a
// flow list, which the import cannot add to: it fails, names the file,
// prints the entries for the operator to paste, and leaves the file as it
// was.
func TestSourcesImportIntoAFlowList(t *testing.T) {
	dir := t.TempDir()
	const cfg = "sources: [{id: a, name: A, url: \"https://a.example/rss\"}]\n"
	cfgPath := writeFile(t, dir, "flow.yaml", cfg)
	opmlPath := writeFile(t, dir, "in.opml", `<opml version="2.0"><body><outline type="rss" text="B" xmlUrl="https://b.example/feed"/></body></opml>`)
	code, out, errOut := runCmd(t, nil, "sources", "import", "-check=false", "-config", cfgPath, opmlPath)
	if code != 1 || out != "" {
		t.Errorf("exit %d, stdout %q: want 1 and nothing", code, out)
	}
	want := "sources import: " + cfgPath + ": its sources are not a block list"
	if !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, "the entries are:\nsources:\n  - id: b\n") {
		t.Errorf("stderr:\n%s\nwant %q and the entries", errOut, want)
	}
	if got := string(mustRead(t, cfgPath)); got != cfg {
		t.Errorf("config changed:\n%s", got)
	}
}
