package telegramtest

import "testing"

func TestShownTextIsWhatTheFakeRecords(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"tags and entities": {"<b>عنوان</b> &amp; <a href=\"https://x.example\">رابط</a>\n\n", "عنوان & رابط"},
		"bidi controls":     {"\u202bنص\u202c\r\n", "نص"},
		"rlm kept":          {"\u200fسطر", "\u200fسطر"},
	} {
		got, err := ShownText(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: ShownText(%q) = %q, %v; want %q", name, tc.in, got, err, tc.want)
		}
	}
	if _, err := ShownText("<b>open"); err == nil {
		t.Error("ShownText of unclosed tag: no error")
	}
}
