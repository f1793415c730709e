package card

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestButtonURL(t *testing.T) {
	tests := map[string]bool{
		"https://arabi21.com/story/1724787/%D9%86%D8%AA":   true,
		"https://arabi21.com/story/1724787/نتنياهو-صفقة":   true, // an IRI: Telegram takes UTF-8
		"HTTP://Example.com:8080/a?x=1&y=2":                true,
		"http://[2001:db8::1]/a":                           true,
		"http://user@example.com/":                         true,
		"https://xn--mgbh0fb.example/a":                    true,
		"https://example.com/" + strings.Repeat("a", 1004): true, // 1,024 bytes
		"https://example.com/" + strings.Repeat("a", 1005): false,
		"https://localhost:8000/a":                         false, // no dot: Telegram's "Wrong HTTP URL"
		"http://grafana:3000/d":                            false,
		"https://example.com:0/":                           false,
		"https://example.com:65536/":                       false,
		"https://example.com:/":                            false,
		"https://example.com/a b":                          false,
		"https://exa mple.com/":                            false,
		"https://example.com/\x7f":                         false,
		"example.com/a":                                    false,
		"ftp://example.com/a":                              false,
		"javascript:alert(1)":                              false,
		"https://exa\"mple.com/":                           false,
		"https://ex%4ample.com/":                           false,
		"https://ex%41mple.com/":                           false, // Go's url.Parse refuses an escaped ASCII host byte
		"https://%D9%85%D8%AB%D8%A7%D9%84.example/":        true,
		"https://[zz]/":                                    false,
		"":                                                 false,
	}
	for u, want := range tests {
		if got := ButtonURL(u); got != want {
			t.Errorf("buttonURL(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestKeyboardJSON(t *testing.T) {
	rows := [][]Button{
		{{Text: "اقرأ", URL: "https://t.me/share/url?url=a&text=b"}, {Text: "<x>", CallbackData: "p:1"}},
		{{Text: "نسخ", CopyText: "https://e.com/ن"}, {Text: "شارك", SwitchInline: "q"}},
	}
	want := `{"inline_keyboard":[[{"text":"اقرأ","url":"https://t.me/share/url?url=a&text=b"},{"text":"<x>","callback_data":"p:1"}],` +
		`[{"text":"نسخ","copy_text":{"text":"https://e.com/ن"}},{"text":"شارك","switch_inline_query":"q"}]]}`
	if got := KeyboardJSON(rows); got != want {
		t.Errorf("KeyboardJSON =\n%s\nwant\n%s", got, want)
	}
}

func TestFitKeyboard(t *testing.T) {
	good := Button{Text: "اقرأ", URL: "https://example.com/a"}
	tests := map[string]struct{ in, want [][]Button }{
		"valid kept": {in: [][]Button{{good}}, want: [][]Button{{good}}},
		"bad buttons dropped, empty row too": {
			in: [][]Button{
				{good, {Text: "x", URL: "https://localhost/a"}, {Text: " ", URL: "https://example.com/"}},
				{{Text: "نسخ", CopyText: strings.Repeat("خ", 257)}, {Text: "d", CallbackData: strings.Repeat("d", 65)}, {Text: "two", URL: "https://e.com/", CallbackData: "x"}},
			},
			want: [][]Button{{good}},
		},
		"limits themselves kept": {
			in:   [][]Button{{{Text: "نسخ", CopyText: strings.Repeat("خ", 256)}, {Text: "d", CallbackData: strings.Repeat("d", 64)}}},
			want: [][]Button{{{Text: "نسخ", CopyText: strings.Repeat("خ", 256)}, {Text: "d", CallbackData: strings.Repeat("d", 64)}}},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, FitKeyboard(tt.in)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("too big: buttons dropped from the end", func(t *testing.T) {
		long := func(c string) Button { return Button{Text: c, URL: "https://example.com/" + strings.Repeat(c, 900)} }
		in := [][]Button{{long("a"), long("b")}, {long("c"), long("d")}}
		got := FitKeyboard(in)
		if diff := cmp.Diff([][]Button{{long("a"), long("b")}, {long("c")}}, got); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
		if n := len(KeyboardJSON(got)); n > maxKeyboardBytes {
			t.Errorf("%d bytes", n)
		}
	})
}
