package chat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/storage"
	"github.com/akhbar/akhbar/storage/storagetest"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

func TestParseQuery(t *testing.T) {
	tests := map[string]struct {
		in        string
		wantText  string
		wantTerms []string
	}{
		"arabic, stemmed and normalised": {"أسعار الذهب", "أسعار الذهب", []string{"اسعار", "ذهب"}},
		"stop words dropped":             {"في سوريا", "في سوريا", []string{"سوريا"}},
		"repeated terms once":            {"الذهب ذهب بالذهب", "الذهب ذهب بالذهب", []string{"ذهب"}},
		"hashtag is a word":              {"#اقتصاد", "#اقتصاد", []string{"اقتصاد"}},
		"latin and digits":               {"Gold 2026", "Gold 2026", []string{"gold", "2026"}},
		"arabic-indic digits":            {"٢٠٢٦", "٢٠٢٦", []string{"2026"}},
		"only stop words":                {"في من على", "في من على", nil},
		"empty":                          {"", "", nil},
		"html is text, not markup":       {"<b>سوريا</b>", "<b>سوريا</b>", []string{"سوريا"}},
		"bidi override removed":          {"\u202eسوريا\u202c فيديو", "سوريا فيديو", []string{"سوريا", "فيديو"}},
		"newlines folded":                {"سوريا\n\nفيديو", "سوريا فيديو", []string{"سوريا", "فيديو"}},
		"terms capped":                   {"a1 a2 a3 a4 a5 a6 a7 a8 a9 a10", "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			q := parseQuery(tc.in)
			if q.Text != tc.wantText {
				t.Errorf("Text = %q, want %q", q.Text, tc.wantText)
			}
			if diff := cmp.Diff(tc.wantTerms, q.Terms); diff != "" {
				t.Errorf("Terms mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseQueryBoundsLongInput(t *testing.T) {
	q := parseQuery(strings.Repeat("سوريا فيديو ", 5000))
	if n := utf8.RuneCountInString(q.Text); n > maxQueryShown {
		t.Errorf("shown text has %d runes, want ≤ %d", n, maxQueryShown)
	}
	if n := utf8.RuneCountInString(q.full); n > maxQueryRunes {
		t.Errorf("saved text has %d runes, want ≤ %d", n, maxQueryRunes)
	}
	if diff := cmp.Diff([]string{"سوريا", "فيديو"}, q.Terms); diff != "" {
		t.Errorf("Terms mismatch (-want +got):\n%s", diff)
	}
}

// FuzzParseQuery checks what the rest of the bot relies on: the shown text
// is valid, bounded and free of control and bidi characters; terms are
// distinct, non-empty, bounded, and the same when the saved text is read
// back (paging buttons re-parse it); the paging callback fits 64 bytes.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"أسعار الذهب", "في", "<b>x</b>&amp;", "\u202eسوريا\u2066", "Gold 2026 ٢٠٢٦", "#اقتصاد_محلي", "\xff\xfe", strings.Repeat("ب", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := parseQuery(s)
		if !utf8.ValidString(q.Text) || utf8.RuneCountInString(q.Text) > maxQueryShown {
			t.Fatalf("bad shown text %q", q.Text)
		}
		for _, r := range q.Text {
			if r < 0x20 || r == 0x7f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c {
				t.Fatalf("shown text %q keeps control or bidi character %U", q.Text, r)
			}
		}
		if len(q.Terms) > maxQueryTerms {
			t.Fatalf("%d terms", len(q.Terms))
		}
		seen := map[string]bool{}
		for _, term := range q.Terms {
			if term == "" || seen[term] || strings.ContainsAny(term, " {}") || !utf8.ValidString(term) {
				t.Fatalf("bad term %q in %q", term, q.Terms)
			}
			seen[term] = true
		}
		if again := parseQuery(q.full); !cmp.Equal(again.Terms, q.Terms) {
			t.Fatalf("terms read back %q, want %q", again.Terms, q.Terms)
		}
		if cb := CallbackData(KindSearch, q.token(), fmt.Sprint(maxSearchResults)); len(cb) > 64 {
			t.Fatalf("callback %q is %d bytes", cb, len(cb))
		}
	})
}

func TestItemStartPayload(t *testing.T) {
	hexID := feeds.ItemID("https://example.com/1", "", "", time.Time{})
	tests := map[string]struct {
		id, want string
	}{
		"hex id in base64url": {hexID, "i_"},
		"short id as is":      {"item0", "i_item0"},
		"unsafe id":           {"a b", ""},
		"too long":            {strings.Repeat("x", 63), ""},
		"empty":               {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := ItemStartPayload(tc.id)
			if !strings.HasPrefix(p, tc.want) || (tc.want != "i_" && p != tc.want) {
				t.Fatalf("ItemStartPayload(%q) = %q, want %q…", tc.id, p, tc.want)
			}
			if p == "" {
				return
			}
			if len(p) > 64 || !payloadSafe(p) {
				t.Fatalf("payload %q is not a valid start parameter", p)
			}
			for _, payload := range []string{p, strings.TrimPrefix(p, "i_")} {
				if ids := itemIDsOf(payload); len(ids) == 0 || ids[0] != tc.id {
					t.Fatalf("itemIDsOf(%q) = %q, want %q first", payload, ids, tc.id)
				}
			}
		})
	}
	if p := ItemStartPayload(hexID); len(p) != 45 {
		t.Errorf("hex id payload %q has %d characters, want 45", p, len(p))
	}
}

func TestFindLink(t *testing.T) {
	tests := map[string]string{
		"https://example.com/a":                         "https://example.com/a",
		"شوف هذا https://example.com/a?b=1، مهم":        "https://example.com/a?b=1",
		"(see https://en.wikipedia.org/wiki/Go_(lang))": "https://en.wikipedia.org/wiki/Go_(lang)",
		"(https://example.com/x).":                      "https://example.com/x",
		"«https://example.com/ar»":                      "https://example.com/ar",
		"<a href=\"https://example.com/q\">":            "https://example.com/q",
		"HTTP://EXAMPLE.COM/Caps":                       "HTTP://EXAMPLE.COM/Caps",
		"https://evil.com/\u202egnp.exe":                "https://evil.com/gnp.exe",
		"ftp://example.com/file":                        "",
		"no link here":                                  "",
		"https://":                                      "",
		"javascript:alert(1) http://10.0.0.1/":          "http://10.0.0.1/",
		"http://admin:s3cret@example.com/a":             "http://example.com/a",
		"http://a@b@example.com/a?x=@":                  "http://example.com/a?x=@",
		"http://user@/a":                                "",
	}
	for in, want := range tests {
		if got := findLink(in); got != want {
			t.Errorf("findLink(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFindLink checks that a link found in any message is an absolute
// http(s) URL without spaces, controls or bidi characters, taken from the
// message itself.
func FuzzFindLink(f *testing.F) {
	for _, s := range []string{"شوف https://example.com/a?b=1، مهم", "(https://x.y/(a))).", "https://evil.com/\u202egnp.exe", "http://[::1]:80/", "https://", "«http://a.b/ج»", "\xffhttp://a.b", "http://u:p@a.b/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		link := findLink(s)
		if link == "" {
			return
		}
		u, err := url.Parse(link)
		if err != nil || u.Host == "" || (strings.ToLower(u.Scheme) != "http" && strings.ToLower(u.Scheme) != "https") {
			t.Fatalf("findLink(%q) = %q: not an absolute http(s) URL (%v)", s, link, err)
		}
		// The link is the message's, less any "user:password@".
		if _, rest, _ := strings.Cut(link, "://"); !strings.Contains(card.Sanitize(s), rest) {
			t.Fatalf("findLink(%q) = %q: not in the message", s, link)
		}
		if u.User != nil {
			t.Fatalf("findLink(%q) = %q keeps credentials", s, link)
		}
		for _, r := range link {
			if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == '"' || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f {
				t.Fatalf("findLink(%q) = %q keeps %U", s, link, r)
			}
		}
	})
}

func TestMentions(t *testing.T) {
	h := &turn{Conversation: &Conversation{cfg: Config{BotUsername: "Akhbar_Bot"}}}
	tests := map[string]bool{
		"@akhbar_bot https://x.y/":         true,
		"لخّص @AKHBAR_BOT":                 true,
		"@akhbar_bot، لخّص":                true,
		"@akhbar_bot2 https://x.y/":        false,
		"@akhbar_bot2 and @akhbar_bot too": true,
		"akhbar_bot":                       false,
		"":                                 false,
	}
	for text, want := range tests {
		if got := h.mentions(text); got != want {
			t.Errorf("mentions(%q) = %v, want %v", text, got, want)
		}
	}
	if (&turn{Conversation: &Conversation{}}).mentions("@anything") {
		t.Error("a bot without a username is mentioned")
	}
}

func TestLinkFailure(t *testing.T) {
	tests := map[string]struct {
		err  error
		want string
	}{
		"private":   {fmt.Errorf("fetch: %w", feeds.ErrPrivateAddress), failPrivate},
		"port":      {fmt.Errorf("fetch: %w", feeds.ErrPort), failPort},
		"scheme":    {fmt.Errorf("fetch: %w", feeds.ErrScheme), failScheme},
		"too large": {fmt.Errorf("fetch: %w", feeds.ErrTooLarge), failTooLarge},
		"not html":  {fmt.Errorf("fetch: %w", feeds.ErrNotHTML), failNotHTML},
		"no text":   {fmt.Errorf("extract: %w", feeds.ErrNoArticle), failNoText},
		"timeout":   {fmt.Errorf("fetch: %w", context.DeadlineExceeded), failTimeout},
		"status":    {&feeds.StatusError{URL: "u", Code: 404}, failStatus},
		"no host":   {fmt.Errorf("fetch: %w", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}), failNoHost},
		"other":     {errors.New("connection reset"), failOther},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := linkFailure(tc.err)
			if got != tc.want {
				t.Errorf("linkFailure = %q, want %q", got, tc.want)
			}
			for _, lang := range []string{"ar", "en"} {
				if askTexts(lang).linkFailed(got) == "" {
					t.Errorf("no %s sentence for %q", lang, tc.want)
				}
			}
		})
	}
}

// realItems parses the real Arabic feeds in testdata/search into items as
// publish would save them (summary from the feed's description).
func realItems(tb testing.TB) []feeds.Item {
	tb.Helper()
	var out []feeds.Item
	for _, name := range []string{"cnn-arabic", "hespress", "asharq-al-awsat", "arabi21"} {
		body, err := os.ReadFile("testdata/search/" + name + ".xml")
		if err != nil {
			tb.Fatal(err)
		}
		src := feeds.Source{ID: name, Name: name}
		items, err := feeds.Parse(src, body, "https://example.com/")
		if err != nil {
			tb.Fatal(err)
		}
		p := poll.New(poll.Config{SummaryChars: 400, FullTextBelow: 1, NoArticleFetch: true}, nil, nil, nil, nil)
		for _, it := range items {
			out = append(out, p.Enrich(context.Background(), src, it))
		}
	}
	if len(out) != 45 {
		tb.Fatalf("%d real items, want 45", len(out))
	}
	return out
}

// BenchmarkIndexItem indexes the 45 real items (terms of title, summary and
// topics, one pipeline each) per iteration.
func BenchmarkIndexItem(b *testing.B) {
	items := realItems(b)
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	for _, be := range storagetest.Backends()[:2] {
		b.Run(be.Name, func(b *testing.B) {
			store := be.New(b, storage.Options{Now: func() time.Time { return now }})
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				for _, it := range items {
					if err := store.IndexSearch(ctx, it.ID, now, searchIndexTerms(it)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/item")
		})
	}
}

// BenchmarkSearch runs one- and two-word queries over the 45 real items
// indexed as of now.
func BenchmarkSearch(b *testing.B) {
	items := realItems(b)
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	for _, be := range storagetest.Backends()[:2] {
		store := be.New(b, storage.Options{Now: func() time.Time { return now }})
		conv := New(Config{Now: func() time.Time { return now }}, store, nil, nil, staticCatalog{NewLineup(nil)}, nil)
		h := conv.turn()
		ctx := b.Context()
		for i, it := range items {
			it.Published = now.Add(-time.Duration(i) * time.Minute)
			if err := store.SaveItem(ctx, it); err != nil {
				b.Fatal(err)
			}
			conv.Index(ctx, it)
		}
		trips := &roundTrips{}
		store.Client().AddHook(trips)
		for _, query := range []string{"سوريا", "المغرب الصين", "لا شيء هنا"} {
			b.Run(be.Name+"/"+query, func(b *testing.B) {
				q := parseQuery(query)
				b.ReportAllocs()
				start := trips.n.Load()
				for b.Loop() {
					if _, _, err := h.searchItems(ctx, q, 0, searchPage); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(trips.n.Load()-start)/float64(b.N), "round-trips/op")
			})
		}
	}
}

// roundTrips counts requests to Redis: one per command sent alone, one per
// pipeline.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.n.Add(1); return next(ctx, cmd) }
}
func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.n.Add(1); return next(ctx, cmds) }
}

func BenchmarkParseQuery(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		parseQuery("أسعار الذهب في الأسواق المغربية اليوم")
	}
}

// staticCatalog is a catalog that never reloads.
type staticCatalog struct{ l *Lineup }

func (s staticCatalog) Lineup() *Lineup { return s.l }
