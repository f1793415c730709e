package arabic

import "testing"

func TestTextFromHTML(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"paragraphs": {
			"<p>الفقرة الأولى.</p><p>الفقرة الثانية.</p>",
			"الفقرة الأولى.\n\nالفقرة الثانية.",
		},
		"br is a line break": {"سطر<br>سطر آخر<br/>ثالث", "سطر\nسطر آخر\nثالث"},
		"headings and lists": {
			"<h2>عنوان</h2><ul><li>أول</li><li>ثان</li></ul>",
			"عنوان\n\nأول\n\nثان",
		},
		"inline tags join": {"قال <b>الوزير</b> <a href=\"/x\">إن</a> <em>الحكومة</em>.", "قال الوزير إن الحكومة."},
		"entities": {
			"&laquo;حزب الله&raquo; &amp; &quot;أمل&quot;&nbsp;&#1575;&#x644;",
			"«حزب الله» & \"أمل\" ال",
		},
		"escaped markup stays text": {"&lt;p&gt; ليس وسما", "<p> ليس وسما"},
		"dropped elements": {
			"<p>نص.</p><script>var a = '<p>x</p>';</script><style>p{}</style><figure><img src=a.jpg><figcaption>صورة أرشيفية</figcaption></figure><noscript>فعّل</noscript><iframe src=x>إطار</iframe><p>نص آخر.</p>",
			"نص.\n\nنص آخر.",
		},
		"figcaption alone": {"<p>الخبر.</p><figcaption>(رويترز)</figcaption>", "الخبر."},
		"nested figure":    {"<figure><figure><p>داخل</p></figure><p>ما زال</p></figure><p>بعد.</p>", "بعد."},
		"comments and doctype": {
			"<!DOCTYPE html><!-- تعليق <p>x</p> --><p>نص.</p><?xml x?>",
			"نص.",
		},
		"cdata": {"<![CDATA[نص <b>عريض</b>]]>", "نص <b>عريض</b>"},
		"attributes with >": {
			"<a title=\"a > b\" href='x'>الرابط</a> هنا",
			"الرابط هنا",
		},
		"html source newlines are spaces": {"<p>سطر\nمكسور\n  في المصدر</p>", "سطر مكسور في المصدر"},
		"plain text keeps lines":          {"سطر أول\nسطر ثان\n\n\n\nفقرة", "سطر أول\nسطر ثان\n\nفقرة"},
		"lone less-than is text":          {"5 < 6 و 7<8", "5 < 6 و 7<8"},
		"unterminated tag":                {"نص <b class=\"x", "نص"},
		"unterminated script":             {"نص<script>alert(1)", "نص"},
		"unterminated comment":            {"نص<!-- بلا نهاية", "نص"},
		"uppercase tags":                  {"<P>أ</P><DIV>ب</DIV><SCRIPT>x</SCRIPT>", "أ\n\nب"},
		"table cells":                     {"<table><tr><td>أ</td><td>ب</td></tr><tr><td>ج</td></tr></table>", "أ ب\n\nج"},
		"control chars dropped":           {"نص\x00\x07 آخر", "نص آخر"},
		"invalid utf8 dropped":            {"نص\xff\xfe آخر", "نص آخر"},
		"empty":                           {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := TextFromHTML(tc.in); got != tc.want {
				t.Errorf("TextFromHTML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
