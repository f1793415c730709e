package telegramtest

import (
	"errors"
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// Most rejected and accepted inputs below come from tdlib's own parse_html
// tests (test/message_entities.cpp), which pin Telegram's behaviour.
func TestParseHTMLRejects(t *testing.T) {
	tests := map[string]struct {
		in         string
		wantDetail string
	}{
		"unclosed start tag":        {"🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"},
		"unsupported tag":           {"🏟 🏟&lt;<abac aba>", `Unsupported start tag "abac" at byte offset 13`},
		"div":                       {"hello<div>x</div>", `Unsupported start tag "div" at byte offset 5`},
		"p after Arabic":            {"عاجل <p>نص</p>", `Unsupported start tag "p" at byte offset 9`},
		"br after Arabic":           {"<b>غزة</b><br>", `Unsupported start tag "br" at byte offset 13`},
		"bare less-than":            {"a < b", `Unsupported start tag "" at byte offset 2`},
		"empty attribute name":      {"🏟 🏟&lt;<i   =aba>", `Empty attribute name in the tag "i" at byte offset 13`},
		"self-closing":              {"<b />", `Empty attribute name in the tag "b" at byte offset 0`},
		"attribute value at end":    {"🏟 🏟&lt;<i    aba  =  ", `Unclosed start tag "i" at byte offset 13`},
		"bad name token":            {"🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"},
		"unterminated quoted value": {"🏟 🏟&lt;<i    aba  =  \"&lt;&gt;&quot;>", "Unclosed start tag at byte offset 13"},
		"unterminated single quote": {"🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;>", "Unclosed start tag at byte offset 13"},
		"end tag without start":     {"🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"},
		"second end tag":            {"🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"},
		"unclosed end tag":          {"🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"},
		"mismatched end tag":        {"🏟 🏟&lt;<i>a</em   >", `Unmatched end tag at byte offset 17, expected "</i>", found "</em>"`},
		"mismatched Arabic":         {"<b>عاجل</i>", `Unmatched end tag at byte offset 11, expected "</b>", found "</i>"`},
		"unclosed b":                {"<b>عاجل: نص", `Can't find end tag corresponding to start tag "b"`},
		"span without class":        {"<span>x</span>", `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		"bad custom emoji":          {`<tg-emoji emoji-id="abc">👍</tg-emoji>`, "Invalid custom emoji identifier specified"},
		"surrogate decimal":         {"&#57311;", "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"},
		"surrogate hex":             {"&#xDFDF", "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"},
		"nbsp":                      {"خبر&nbsp;عاجل", `Unsupported HTML entity "&nbsp;" at byte offset 6`},
		"rsquo without semicolon":   {"it&rsquo s", `Unsupported HTML entity "&rsquo" at byte offset 2`},
		"numeric zero":              {"a&#0;", `Unsupported HTML entity "&#0;" at byte offset 1`},
		"entity in href":            {`<a href="https://x.com/?a=1&b=2">x</a>`, `Unsupported HTML entity "&b" at byte offset 27`},
		"ten-byte reference":        {"&#12345678;", `Unsupported HTML entity "&#12345678;" at byte offset 0`},
		"invalid UTF-8":             {"a\xffb", "text must be encoded in UTF-8"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseHTML(tt.in)
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("ParseHTML(%q) = %q, %v; want *ParseError", tt.in, got, err)
			}
			if perr.Detail != tt.wantDetail {
				t.Errorf("detail mismatch\n got %s\nwant %s", perr.Detail, tt.wantDetail)
			}
			if want := "can't parse entities: " + tt.wantDetail; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestParseHTMLAccepts(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"empty":                 {"", ""},
		"plain Arabic":          {"عاجل: انفجار في بيروت", "عاجل: انفجار في بيروت"},
		"four named entities":   {"&lt;&gt;&amp;&quot;", `<>&"`},
		"entity without ;":      {"🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟"},
		"numeric nbsp":          {"خبر&#160;عاجل", "خبر\u00a0عاجل"},
		"hex nbsp":              {"a&#xa0;b", "a\u00a0b"},
		"numeric Arabic":        {"&#1593;&#1575;&#1580;&#1604;", "عاجل"},
		"lone ampersand":        {"Tom & Jerry", "Tom & Jerry"},
		"href with &amp;":       {`<a href="x?a=1&amp;b=2">رابط</a>`, "رابط"},
		"nested":                {"<b>عاجل: <i>غزة <u>الآن</u></i></b>", "عاجل: غزة الآن"},
		"all simple tags":       {"<b>1</b><strong>2</strong><i>3</i><em>4</em><u>5</u><ins>6</ins><s>7</s><strike>8</strike><del>9</del>", "123456789"},
		"spoilers":              {`<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>`, "ab"},
		"upper-case tags":       {"<B>x</B><I>y</i>", "xy"},
		"pre code language":     {`<pre><code class="language-go">x := 1</code></pre>`, "x := 1"},
		"blockquote expandable": {"<blockquote expandable>نص طويل</blockquote>", "نص طويل"},
		"unquoted attribute":    {"<a href=telegram.org>t</a>", "t"},
		"ignored attribute":     {"🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟"},
		"empty end tag":         {"🏟 🏟&lt;<i>a</    >", "🏟 🏟<a"},
		"end tag with spaces":   {"🏟 🏟&lt;<i>a</i   >", "🏟 🏟<a"},
		"empty entity":          {"🏟 🏟&lt;<b></b>", "🏟 🏟<"},
		"custom emoji":          {`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, "👍"},
		"attribute without '='": {"<i aba>x</i>", "x"},
		"emoji astral numeric":  {"&#x1F600;", "😀"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseHTML(tt.in)
			if err != nil {
				t.Fatalf("ParseHTML(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseHTMLLenient pins what Telegram itself does with named entities it
// does not know: it keeps them as literal text.
func TestParseHTMLLenient(t *testing.T) {
	got, _, err := parseHTML("&ge;&lt;&gt;&amp;&quot;&laquo;&raquo;&nbsp;&Or;&#12345678;", false)
	if err != nil {
		t.Fatal(err)
	}
	if want := `&ge;<>&"&laquo;&raquo;&nbsp;&Or;&#12345678;`; got != want {
		t.Errorf("lenient parse = %q, want %q", got, want)
	}
}

func TestParseHTMLEntities(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []MessageEntity
	}{
		"italic after emoji": {"➡️ ➡️<i>➡️ ➡️</i>", []MessageEntity{{Type: "italic", Offset: 5, Length: 5}}},
		"nested sorted": {"<i><b> </b> <code> </code></i>", []MessageEntity{
			{Type: "italic", Offset: 0, Length: 3}, {Type: "bold", Offset: 0, Length: 1}, {Type: "code", Offset: 2, Length: 1},
		}},
		"pre with language": {`🏟 🏟&lt;<pre><code class="language-fift">🏟 🏟&lt;</></>`, []MessageEntity{
			{Type: "pre", Offset: 6, Length: 6, Language: "fift"},
		}},
		"code then pre": {`<code class="language-fift"><pre>x</pre></code>`, []MessageEntity{
			{Type: "pre", Offset: 0, Length: 1, Language: "fift"},
		}},
		"code keeps no language": {`<code class="language-go">x</code>`, []MessageEntity{{Type: "code", Offset: 0, Length: 1}}},
		"link and Arabic": {`<b>عاجل</b> <a href="https://t.me/x">رابط</a>`, []MessageEntity{
			{Type: "bold", Offset: 0, Length: 4}, {Type: "text_link", Offset: 5, Length: 4, URL: "https://t.me/x"},
		}},
		"link without scheme":     {"<a href=telegram.org> </a>", []MessageEntity{{Type: "text_link", Offset: 0, Length: 1, URL: "http://telegram.org"}}},
		"javascript link dropped": {`<a href="javascript:alert(1)">x</a>`, nil},
		"spoiler and expandable": {`<tg-spoiler>a</tg-spoiler><blockquote expandable>b</blockquote><blockquote>c</blockquote>`, []MessageEntity{
			{Type: "spoiler", Offset: 0, Length: 1}, {Type: "expandable_blockquote", Offset: 1, Length: 1}, {Type: "blockquote", Offset: 2, Length: 1},
		}},
		"custom emoji": {`<tg-emoji emoji-id="12345">👍</tg-emoji>`, []MessageEntity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "12345"}}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, got, err := parseHTML(tt.in, true)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entities mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTextLength(t *testing.T) {
	tests := map[string]struct {
		in   string
		want int
	}{
		"Arabic counts code points": {"عاجل", 4},
		"tags do not count":         {"<b>عاجل</b>", 4},
		"&amp; counts one":          {"a &amp; b", 5},
		"emoji is one code point":   {"😀", 1},
		"invalid counts raw":        {"<div>ab", 7},
		"trailing newline trimmed":  {"<b>عاجل</b>\n\n", 4},
		"bidi controls dropped":     {"\u202bعاجل\u202c", 4},
		"limit":                     {"<b>" + strings.Repeat("خ", 4096) + "</b>", 4096},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := TextLength(tt.in); got != tt.want {
				t.Errorf("TextLength(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParseHTML checks that the parser never panics, that the strict parser
// accepts only what Telegram accepts, and that accepted text, escaped again,
// parses back to itself (what a renderer relies on).
func FuzzParseHTML(f *testing.F) {
	for _, s := range []string{
		"", "<b>عاجل</b>", "a < b", "&nbsp;", "&#160;", "<a href=\"x?a=1&amp;b=2\">رابط</a>",
		"<pre><code class=\"language-go\">x</code></pre>", "<i aba  =  '&lt;'>x</>", "&#xD83D;&#xDE00;",
		"<blockquote expandable>x</blockquote>", "<span class=tg-spoiler>x</span>", "<tg-emoji emoji-id=1>x</tg-emoji>",
		"\x00<b\x00>", "&#99999999;", "<b>x</b\t>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, err := ParseHTML(s)
		lenient, _, lerr := parseHTML(s, false)
		if err != nil {
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		if lerr != nil || lenient != text {
			t.Fatalf("strict accepted %q as %q but lenient gave %q, %v", s, text, lenient, lerr)
		}
		if !utf8.ValidString(text) {
			t.Fatalf("ParseHTML(%q) = invalid UTF-8 %q", s, text)
		}
		again, err := ParseHTML(html.EscapeString(text))
		if err != nil {
			t.Fatalf("escaped text %q does not parse: %v", html.EscapeString(text), err)
		}
		if again != text {
			t.Fatalf("round trip of %q = %q, want %q", s, again, text)
		}
	})
}

func TestParseMessageHTML(t *testing.T) {
	text, entities, err := ParseMessageHTML("\u200f<b>عنوان</b> &amp; <a href=\"https://example.com/a\">رابط</a>\n\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "\u200fعنوان & رابط"; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	want := []MessageEntity{{Type: "bold", Offset: 1, Length: 5}, {Type: "text_link", Offset: 9, Length: 4, URL: "https://example.com/a"}}
	if !equalEntities(entities, want) {
		t.Errorf("entities = %+v, want %+v", entities, want)
	}
	if _, _, err := ParseMessageHTML("<script>x</script>"); err == nil {
		t.Error("a <script> tag parsed; Telegram refuses it")
	}
}
