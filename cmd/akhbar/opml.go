package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/feeds"
	"golang.org/x/net/html/charset"
	"gopkg.in/yaml.v3"
)

// OPML 2.0 (opml.org/spec2.opml) is how feed readers exchange subscription
// lists. `akhbar sources import` turns an OPML file's feeds into config
// entries, each checked once with the bot's own fetcher; `akhbar sources
// export` writes the config's sources as OPML. The source id and schedule
// ride in attributes of akhbar's namespace, and the topics in the
// outline's category (tags, comma-separated), so an export imports back
// to the same sources.

// opmlNS is the namespace of akhbar's own outline attributes.
const opmlNS = "https://github.com/akhbar/akhbar/opml"

// Bounds on an OPML file: a real subscription list is a few kilobytes; a
// hostile one must not make the import read, hold or check without end.
// encoding/xml expands no entities beyond XML's own five (a "billion
// laughs" file is an error, not a gigabyte) and refuses nesting past its
// own depth limit; these bound the rest.
const (
	maxOPMLBytes   = 4 << 20
	maxOPMLFeeds   = 5000
	maxOPMLDepth   = 32
	maxURLBytes    = 2048
	maxNameRunes   = 100
	checkParallel  = 4
	checkTimeoutOf = 30 * time.Second
)

type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr"`
	Type     string        `xml:"type,attr"`
	XMLURL   string        `xml:"xmlUrl,attr"`
	Category string        `xml:"category,attr"`
	ID       string        `xml:"https://github.com/akhbar/akhbar/opml id,attr"`
	Schedule string        `xml:"https://github.com/akhbar/akhbar/opml schedule,attr"`
	Children []opmlOutline `xml:"outline"`
}

// opmlFeed is one feed found in an OPML file.
type opmlFeed struct {
	SourceConfig
	line string // what the file called it, for messages
}

// parseOPML reads an OPML file's feeds, in document order. Folders (outlines
// without a feed URL) name topics for the feeds inside them when folders is
// set. Outlines that are no feed, or whose URL is no http(s) URL, are
// reported in skipped.
func parseOPML(r io.Reader, folders bool) (feeds []opmlFeed, skipped []string, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxOPMLBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read OPML: %w", err)
	}
	if len(data) > maxOPMLBytes {
		return nil, nil, fmt.Errorf("OPML file over %d bytes: not a subscription list", maxOPMLBytes)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = charset.NewReaderLabel // windows-1256 and friends
	var doc opmlDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("parse OPML: %w", err)
	}
	if doc.Version != "" && !strings.HasPrefix(doc.Version, "1.") && !strings.HasPrefix(doc.Version, "2.") {
		return nil, nil, fmt.Errorf("parse OPML: version %q: want 1.x or 2.0", doc.Version)
	}
	var walk func(outs []opmlOutline, topics []string, depth int) error
	walk = func(outs []opmlOutline, topics []string, depth int) error {
		if depth > maxOPMLDepth {
			return fmt.Errorf("parse OPML: outlines nested over %d deep", maxOPMLDepth)
		}
		for _, o := range outs {
			name := strings.TrimSpace(firstNonEmpty(o.Title, o.Text))
			if o.XMLURL == "" {
				inner := topics
				if folders && name != "" && len(o.Children) > 0 {
					inner = appendTopics(slices.Clone(topics), name)
				}
				if err := walk(o.Children, inner, depth+1); err != nil {
					return err
				}
				continue
			}
			u, perr := url.Parse(strings.TrimSpace(o.XMLURL))
			if len(o.XMLURL) > maxURLBytes || perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				skipped = append(skipped, fmt.Sprintf("%q: xmlUrl %q is not an http(s) URL", truncateRunes(name, 60), truncateRunes(o.XMLURL, 80)))
				continue
			}
			if len(feeds) == maxOPMLFeeds {
				return fmt.Errorf("parse OPML: more than %d feeds", maxOPMLFeeds)
			}
			if name == "" {
				name = u.Host
			}
			ts := slices.Clone(topics)
			for _, c := range strings.Split(o.Category, ",") {
				// A category is a tag, or a path whose last part names it.
				c = strings.Trim(strings.TrimSpace(c), "/")
				if i := strings.LastIndexByte(c, '/'); i >= 0 {
					c = c[i+1:]
				}
				ts = appendTopics(ts, c)
			}
			f := opmlFeed{line: name}
			f.ID, f.Name, f.URL, f.Topics, f.Schedule = strings.TrimSpace(o.ID), truncateRunes(name, maxNameRunes), u.String(), ts, strings.TrimSpace(o.Schedule)
			feeds = append(feeds, f)
			if len(o.Children) > 0 {
				if err := walk(o.Children, topics, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(doc.Body, nil, 0); err != nil {
		return nil, nil, err
	}
	return feeds, skipped, nil
}

func appendTopics(ts []string, t string) []string {
	t = strings.Join(strings.Fields(t), " ")
	if t == "" || utf8.RuneCountInString(t) > 50 || slices.Contains(ts, t) {
		return ts
	}
	return append(ts, t)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

var nonID = regexp.MustCompile(`[^a-z0-9_-]+`)

// sourceID makes a source id from a feed's host: its site name, without
// "www." or the top-level domain ("https://www.almamlakatv.com/rss" →
// almamlakatv, "arabic.cnn.com" → cnn), numbered when taken.
func sourceID(feedURL string, taken map[string]bool) string {
	u, _ := url.Parse(feedURL)
	labels := strings.Split(strings.ToLower(u.Hostname()), ".")
	if net.ParseIP(u.Hostname()) != nil {
		labels = nil // an address names no site
	}
	if len(labels) > 1 {
		labels = labels[:len(labels)-1] // the top-level domain
	}
	if n := len(labels); n > 1 && slices.Contains([]string{"co", "com", "net", "org", "gov", "edu", "ac"}, labels[n-1]) {
		labels = labels[:n-1] // bbc.co.uk, aljazeera.com.qa
	}
	base := ""
	for i := len(labels) - 1; i >= 0 && base == ""; i-- {
		if l := labels[i]; !slices.Contains([]string{"www", "feeds", "feed", "rss", "m"}, l) {
			base = l
		}
	}
	base = strings.Trim(nonID.ReplaceAllString(base, "-"), "-_")
	if base == "" || !sourceIDPattern.MatchString(base) {
		base = "feed"
	}
	base = base[:min(len(base), 28)]
	id := base
	for n := 2; taken[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	taken[id] = true
	return id
}

// runSources is `akhbar sources import|export`.
func runSources(ctx context.Context, args []string, e environment, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: akhbar sources import [-config FILE] FILE.opml | akhbar sources export [-config FILE]")
		return 2
	}
	switch args[0] {
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "export":
		return runExport(args[1:], e, stdout, stderr)
	}
	fmt.Fprintf(stderr, "akhbar sources: unknown command %q (import, export)\n", args[0])
	return 2
}

// runExport prints the config's sources as OPML 2.0.
func runExport(args []string, e environment, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sources export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, _, err := loadConfig(fs, args, e)
	if err != nil {
		fmt.Fprintln(stderr, "sources export:", err)
		return 2
	}
	if cfg == nil {
		fmt.Fprintln(stderr, "sources export: give a config file with -config or AKHBAR_CONFIG")
		return 2
	}
	if err := writeOPML(stdout, cfg, time.Now()); err != nil {
		fmt.Fprintln(stderr, "sources export:", err)
		return 1
	}
	return 0
}

// writeOPML writes cfg's sources as an OPML 2.0 document.
func writeOPML(w io.Writer, cfg *Config, now time.Time) error {
	var b strings.Builder
	esc := func(s string) string {
		var sb strings.Builder
		_ = xml.EscapeText(&sb, []byte(s))
		return sb.String()
	}
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, "<opml version=\"2.0\" xmlns:akhbar=\"%s\">\n  <head>\n    <title>%s</title>\n    <dateCreated>%s</dateCreated>\n  </head>\n  <body>\n",
		opmlNS, esc(firstNonEmpty(cfg.BotName, "akhbar")+" sources"), now.UTC().Format(http.TimeFormat)) // RFC 822, as OPML asks
	for _, s := range cfg.Sources {
		var cats []string
		for _, t := range s.Topics {
			// A category holds comma-separated tags; a slash would make a
			// tag a path.
			cats = append(cats, strings.NewReplacer(",", "،", "/", "∕").Replace(t))
		}
		fmt.Fprintf(&b, "    <outline type=\"rss\" text=\"%s\" title=\"%s\" xmlUrl=\"%s\"", esc(s.Name), esc(s.Name), esc(s.URL))
		if len(cats) > 0 {
			fmt.Fprintf(&b, " category=\"%s\"", esc(strings.Join(cats, ",")))
		}
		fmt.Fprintf(&b, " akhbar:id=\"%s\"", esc(s.ID))
		if s.Schedule != "" && s.Schedule != cfg.Defaults.Schedule {
			fmt.Fprintf(&b, " akhbar:schedule=\"%s\"", esc(s.Schedule))
		}
		b.WriteString("/>\n")
	}
	b.WriteString("  </body>\n</opml>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// checkResult is one feed's check.
type checkResult struct {
	items int
	title string
	err   error
}

// runImport reads an OPML file, checks each feed once with the bot's
// fetcher (progress on stderr), and prints the config entries, or adds
// them to the config file given with -config, keeping the rest of the
// file as it is. Feeds that fail their check are written commented out,
// with the reason, unless -keep-failed.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sources import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file to add the sources to (without it, they are printed)")
	check := fs.Bool("check", true, "fetch each feed once before adding it")
	keepFailed := fs.Bool("keep-failed", false, "add feeds that fail their check too (by default they are written commented out)")
	folders := fs.Bool("folders", true, "take OPML folders as topics of the feeds inside them")
	allowPrivate := fs.Bool("allow-private", false, "let the check reach feeds on loopback or private addresses")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if file == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: akhbar sources import [-config FILE] [-check=false] [-keep-failed] [-folders=false] [-allow-private] FILE.opml")
		return 2
	}

	// The config the sources join: its ids and URLs are taken.
	var (
		cfgData []byte
		cfg     = &Config{}
	)
	if *cfgPath != "" {
		var err error
		if cfgData, err = os.ReadFile(*cfgPath); err != nil {
			fmt.Fprintln(stderr, "sources import:", err)
			return 1
		}
		if cfg, err = ParseConfig(*cfgPath, cfgData); err != nil {
			fmt.Fprintf(stderr, "sources import: fix the config first: %v\n", err)
			return 1
		}
	} else if c, err := ParseConfig("defaults", nil); err == nil {
		cfg = c
	}

	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintln(stderr, "sources import:", err)
		return 1
	}
	var fetcher *feeds.Fetcher
	if *check {
		fetcher = feeds.NewFetcher(feeds.FetcherOptions{UserAgent: cfg.Fetch.UserAgent, Timeout: cfg.Fetch.Timeout,
			MaxBytes: cfg.Fetch.MaxBytes, AllowPrivate: *allowPrivate || cfg.Fetch.AllowPrivate})
	}
	plan, err := planImport(ctx, f, filepath.Base(file), cfg, importOptions{fetcher: fetcher, keepFailed: *keepFailed, folders: *folders,
		note: func(line string, _ bool) { fmt.Fprintln(stderr, line) }})
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "sources import: %s: %v\n", file, err)
		return 1
	}
	entries, summary := plan.entries, plan.summary
	if *cfgPath == "" {
		fmt.Fprintf(stdout, "# %s\nsources:\n%s", summary, indentLines(entries, "  "))
		return 0
	}
	if err := addSources(*cfgPath, cfgData, entries); err != nil {
		if errors.As(err, new(notAppendedError)) {
			// The entries are not lost: the operator pastes them.
			fmt.Fprintf(stderr, "sources import: %v; the entries are:\nsources:\n%s", err, indentLines(entries, "  "))
		} else {
			fmt.Fprintln(stderr, "sources import:", err)
		}
		return 1
	}
	fmt.Fprintf(stdout, "added %s to %s\n", summary, *cfgPath)
	return 0
}

// importOptions says how planImport takes an OPML file.
type importOptions struct {
	// fetcher checks each feed once; nil skips the checks.
	fetcher    *feeds.Fetcher
	keepFailed bool // add feeds that fail their check, not commented out
	folders    bool // OPML folders are topics
	// note receives each line of progress: outlines skipped, each check;
	// problem marks the skips and failures, which an answer lists.
	note func(line string, problem bool)
	// progress is called after each check with how many are done.
	progress func(done, total int)
}

// importPlan is what an import adds to a config.
type importPlan struct {
	feeds   int    // new feeds
	failed  int    // of which failed their check
	entries string // YAML sequence items, not indented
	summary string
}

// planImport reads an OPML file and turns its feeds that cfg does not have
// into config entries, each checked once: `akhbar sources import` and an
// operator's import from Telegram share it. from names the file in the
// entries' comments.
func planImport(ctx context.Context, r io.Reader, from string, cfg *Config, o importOptions) (importPlan, error) {
	note := o.note
	if note == nil {
		note = func(string, bool) {}
	}
	found, skipped, err := parseOPML(r, o.folders)
	if err != nil {
		return importPlan{}, err
	}
	for _, s := range skipped {
		note("skipped "+s, true)
	}
	taken, urls := map[string]bool{}, map[string]string{}
	for _, s := range cfg.Sources {
		taken[s.ID] = true
		urls[s.URL] = s.ID
	}
	var add []opmlFeed
	for _, fd := range found {
		if id, ok := urls[fd.URL]; ok {
			note(fmt.Sprintf("skipped %q: %s is already source %s", fd.line, fd.URL, id), true)
			continue
		}
		if fd.ID == "" || !sourceIDPattern.MatchString(fd.ID) || taken[fd.ID] {
			fd.ID = sourceID(fd.URL, taken)
		} else {
			taken[fd.ID] = true
		}
		if fd.Schedule != "" {
			if _, err := cronParser.Parse(fd.Schedule); err != nil {
				note(fmt.Sprintf("%s: schedule %q ignored: %v", fd.ID, fd.Schedule, err), true)
				fd.Schedule = ""
			}
		}
		urls[fd.URL] = fd.ID
		add = append(add, fd)
	}
	if len(add) == 0 {
		return importPlan{}, errors.New("no new feeds")
	}
	results := make([]checkResult, len(add))
	if o.fetcher != nil {
		checkFeeds(ctx, o.fetcher, add, results, note, o.progress)
	}
	plan := importPlan{feeds: len(add)}
	for _, r := range results {
		if r.err != nil {
			plan.failed++
		}
	}
	if plan.entries, err = renderEntries(add, results, o.keepFailed, from); err != nil {
		return importPlan{}, err
	}
	plan.summary = fmt.Sprintf("%d feed(s) from %s", len(add), from)
	if o.fetcher != nil {
		plan.summary += fmt.Sprintf(": %d checked ok, %d failed", len(add)-plan.failed, plan.failed)
		if plan.failed > 0 && !o.keepFailed {
			plan.summary += " (written commented out)"
		}
	}
	return plan, nil
}

// checkFeeds fetches each feed once, a few at a time, noting each result
// as it comes.
func checkFeeds(ctx context.Context, fetcher *feeds.Fetcher, add []opmlFeed, results []checkResult, note func(string, bool), progress func(done, total int)) {
	note(fmt.Sprintf("checking %d feed(s)…", len(add)), false)
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, checkParallel)
	for i, fd := range add {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, checkTimeoutOf)
			defer cancel()
			start := time.Now()
			fr, err := fetcher.FetchFeed(cctx, feeds.Source{ID: fd.ID, URL: fd.URL}, feeds.Validators{})
			r := checkResult{err: err}
			if err == nil {
				r.items, r.title = len(fr.Items), fr.Title
				if r.items == 0 {
					r.err = errors.New("the feed has no items")
				}
			}
			results[i] = r
			mu.Lock()
			defer mu.Unlock()
			done++
			if r.err != nil {
				note(fmt.Sprintf("[%d/%d] ✗ %s %s: %v", done, len(add), fd.ID, fd.URL, r.err), true)
			} else {
				note(fmt.Sprintf("[%d/%d] ✓ %s %s: %d items, %q (%s)", done, len(add), fd.ID, fd.URL, r.items, truncateRunes(r.title, 60),
					time.Since(start).Round(time.Millisecond)), false)
			}
			if progress != nil {
				progress(done, len(add))
			}
		}()
	}
	wg.Wait()
}

// renderEntries renders the sources as YAML sequence items (not indented):
// a feed whose check failed is commented out, with the reason.
func renderEntries(add []opmlFeed, results []checkResult, keepFailed bool, from string) (string, error) {
	var b strings.Builder
	for i, fd := range add {
		item := &yaml.Node{Kind: yaml.MappingNode}
		field := func(k, v string) {
			item.Content = append(item.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
		}
		field("id", fd.ID)
		field("name", fd.Name)
		field("url", fd.URL)
		if len(fd.Topics) > 0 {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, t := range fd.Topics {
				seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: t})
			}
			item.Content = append(item.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "topics"}, seq)
		}
		if fd.Schedule != "" {
			field("schedule", fd.Schedule)
		}
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode([]*yaml.Node{item}); err != nil {
			return "", fmt.Errorf("render %s: %w", fd.ID, err)
		}
		text := buf.String()
		if err := results[i].err; err != nil && !keepFailed {
			fmt.Fprintf(&b, "# %s from %s failed its check: %s\n", fd.ID, from, oneLine(err.Error()))
			text = indentLines(text, "# ")
		}
		b.WriteString(text)
	}
	return b.String(), nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// indentLines puts prefix before every line of s.
func indentLines(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}

// appendSources adds entries (sequence items, not indented) to the sources
// of a config file, leaving every other byte of it as it was: after the
// last source, in the file's own indentation, or as a new sources key.
func appendSources(data []byte, entries string) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
		lines[len(lines)-1] += "\n"
	}
	var doc *yaml.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		doc = root.Content[0]
	}
	var key, seq, next *yaml.Node
	if doc != nil && doc.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value == "sources" {
				key, seq = doc.Content[i], doc.Content[i+1]
				if i+2 < len(doc.Content) {
					next = doc.Content[i+2]
				}
			}
		}
	}
	switch {
	case key == nil:
		return []byte(text + "sources:\n" + indentLines(entries, "  ")), nil
	case seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" && emptyValue(lines[key.Line-1][key.Column-1:]):
		// "sources:" with nothing after it.
		return []byte(strings.Join(lines[:key.Line], "") + indentLines(entries, "  ") + strings.Join(lines[key.Line:], "")), nil
	case seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0:
		return nil, errors.New("its sources are not a block list (write them as \"- id: …\" items, then import again)")
	}
	// The items' indentation: where the first item's dash is.
	first := seq.Content[0]
	dash := strings.IndexByte(lines[first.Line-1], '-')
	if dash < 0 {
		return nil, errors.New("cannot find the first source's dash")
	}
	at := len(lines) // insert before this line: the end of the sources
	if next != nil {
		at = next.Line - 1
		// The comments and blank lines before the next key belong to it.
		for at > 0 {
			l := strings.TrimRight(lines[at-1], "\r\n")
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
				break
			}
			at--
		}
	}
	items := indentLines(entries, strings.Repeat(" ", dash))
	return []byte(strings.Join(lines[:at], "") + items + strings.Join(lines[at:], "")), nil
}

// addSources adds entries (sequence items, not indented) to the config
// file at path, whose bytes are data, and writes it only if it stays
// valid: `akhbar sources import -config` and an operator's import from
// Telegram share it.
func addSources(path string, data []byte, entries string) error {
	out, err := appendSources(data, entries)
	if err != nil {
		return notAppendedError{fmt.Errorf("%s: %w", path, err)}
	}
	if _, err := ParseConfig(path, out); err != nil {
		return fmt.Errorf("the config would not be valid, left unchanged: %w", err)
	}
	return writeFileAtomic(path, out)
}

// notAppendedError is an addSources that found no place in the file for
// the entries.
type notAppendedError struct{ error }

func (e notAppendedError) Unwrap() error { return e.error }

// emptyValue reports whether a "key:" line has no value after the colon
// (a comment at most).
func emptyValue(line string) bool {
	_, v, ok := strings.Cut(line, ":")
	v = strings.TrimSpace(v)
	return ok && (v == "" || strings.HasPrefix(v, "#"))
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory, keeping its permissions: a crash leaves the old file or
// the new one, never half of one.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
