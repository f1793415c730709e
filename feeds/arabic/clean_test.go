package arabic

import (
	"strings"
	"testing"
)

// seedTitle and seedBody are the WordPress item of the bot's seed feed: a body that ends
// with the outlet's signature line and its copy-link line.
const (
	seedTitle = "الأردن يطلق حملة وطنية للتشجير في المحافظات"
	seedBody  = `<p>عمّان - المملكة</p>
<p>أطلقت وزارة الزراعة، الأحد، حملة وطنية للتشجير في جميع محافظات المملكة، بمشاركة واسعة من المتطوعين والمؤسسات الرسمية.</p>
<p>وقال وزير الزراعة إن الحملة تستهدف زراعة مليون شجرة حرجية ومثمرة خلال الموسم الحالي، بالتعاون مع البلديات.</p>
<p>وأضاف أن الوزارة وفرت الأشتال مجانا للمواطنين عبر مديرياتها في المحافظات.</p>
<p>المملكة</p>
<p>نسخ رابط الخبر: https://www.almamlakatv.com/news/123</p>`
)

func TestClean(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"seed wordpress item": {
			TextFromHTML(seedBody),
			"أطلقت وزارة الزراعة، الأحد، حملة وطنية للتشجير في جميع محافظات المملكة، بمشاركة واسعة من المتطوعين والمؤسسات الرسمية.\n" +
				"وقال وزير الزراعة إن الحملة تستهدف زراعة مليون شجرة حرجية ومثمرة خلال الموسم الحالي، بالتعاون مع البلديات.\n" +
				"وأضاف أن الوزارة وفرت الأشتال مجانا للمواطنين عبر مديرياتها في المحافظات.",
		},
		"hespress footer after a complete sentence": {
			"استوردت المملكة 58 طنا في يناير الماضي وحده. […] The post من الصين إلى المغرب appeared first on Hespress - هسبريس جريدة إلكترونية مغربية.",
			"استوردت المملكة 58 طنا في يناير الماضي وحده.",
		},
		"hespress footer after a cut sentence": {
			"أطلقت الوكالة حملة رمضان. ويشمل البرنامج توزيع 5 آلاف قفة في المدينة وفي […] The post \"بيت مال القدس\" تطلق حملة رمضان appeared first on Hespress - هسبريس جريدة إلكترونية مغربية.",
			"أطلقت الوكالة حملة رمضان.",
		},
		"excerpt that is one cut sentence": {
			"عن دار القلم بالرباط، صدر للمؤرخ محمد عمراني كتاب يمثل امتدادا لأطروحته […]",
			"",
		},
		"ellipsis char tail": {
			"قال المسؤول إن المفاوضات مستمرة. وأكد أن الجانبين اتفقا على…",
			"قال المسؤول إن المفاوضات مستمرة.",
		},
		"english wordpress footer": {
			"The minister spoke today.\nThe post Minister speaks appeared first on Example News.",
			"The minister spoke today.",
		},
		"read also lines": {
			"الخبر الأول هنا.\nاقرأ أيضاً: الحكومة تقر الموازنة\nإقرأ أيضا: خبر آخر\nاقرأ ايضا.. عنوان\nتكملة الخبر.",
			"الخبر الأول هنا.\nتكملة الخبر.",
		},
		"follow us and share lines": {
			"الخبر.\nتابعونا على فيسبوك وتويتر\nشارك الخبر\nرابط مختصر: https://x.co/a\nhttps://t.me/channel",
			"الخبر.",
		},
		"participated sentence is kept": {
			"اشترك في المؤتمر أكثر من خمسمئة باحث من ثلاثين دولة عربية وأجنبية خلال ثلاثة أيام.",
			"اشترك في المؤتمر أكثر من خمسمئة باحث من ثلاثين دولة عربية وأجنبية خلال ثلاثة أيام.",
		},
		"subscribe line": {"الخبر.\nاشترك في النشرة البريدية", "الخبر."},
		"outlet-first dateline line and a caption": {
			"سكاي نيوز عربية - أبوظبي\nالشرع وماكرون\nقال الرئيس السوري، أحمد الشرع، الثلاثاء، إن الشراكة الاستراتيجية التي تؤسس لها سوريا مع فرنسا نموذج نريده.",
			"قال الرئيس السوري، أحمد الشرع، الثلاثاء، إن الشراكة الاستراتيجية التي تؤسس لها سوريا مع فرنسا نموذج نريده.",
		},
		"caption a paragraph above the lead": {
			"الشرع وماكرون\n\nقال الرئيس السوري، أحمد الشرع، الثلاثاء، إن الشراكة الاستراتيجية التي تؤسس لها سوريا مع فرنسا نموذج نريده.",
			"قال الرئيس السوري، أحمد الشرع، الثلاثاء، إن الشراكة الاستراتيجية التي تؤسس لها سوريا مع فرنسا نموذج نريده.",
		},
		"outlet-first line of an unknown outlet kept": {
			"مكتب الإعلام في الوزارة - عمّان\nقال الوزير في بيان مشترك صدر اليوم إن الجانبين اتفقا على خطة عمل مشتركة.",
			"مكتب الإعلام في الوزارة - عمّان\nقال الوزير في بيان مشترك صدر اليوم إن الجانبين اتفقا على خطة عمل مشتركة.",
		},
		"short first line above a short line kept": {
			"عاجل من عمّان\nانقطاع الكهرباء.",
			"عاجل من عمّان\nانقطاع الكهرباء.",
		},
		"share-like sentence is kept": {
			"شارك رئيس الوزراء في افتتاح المؤتمر الدولي للطاقة المتجددة في عمّان اليوم بحضور وزراء من عشر دول عربية.",
			"شارك رئيس الوزراء في افتتاح المؤتمر الدولي للطاقة المتجددة في عمّان اليوم بحضور وزراء من عشر دول عربية.",
		},
		"dateline with agency in brackets": {
			"القاهرة - (رويترز) - قال مسؤول مصري إن المحادثات مستمرة.",
			"قال مسؤول مصري إن المحادثات مستمرة.",
		},
		"cnn dateline": {
			"دبي، الإمارات العربية المتحدة (CNN)-- أعلنت الشركة عن نتائجها.",
			"أعلنت الشركة عن نتائجها.",
		},
		"dateline with guillemets": {
			"بيروت ـ «الشرق الأوسط»: أعلن الجيش انتشاره في الجنوب.",
			"أعلن الجيش انتشاره في الجنوب.",
		},
		"dateline with known agency": {
			"الرباط - هسبريس - أعلنت الوزارة عن برنامج جديد.",
			"أعلنت الوزارة عن برنامج جديد.",
		},
		"petra dateline with date": {
			"عمان 5 شباط (بترا) - افتتح الوزير المعرض.",
			"افتتح الوزير المعرض.",
		},
		"dateline line of its own": {
			"عمّان - المملكة\nأطلقت الوزارة حملة.",
			"أطلقت الوزارة حملة.",
		},
		"dashes inside a sentence are kept": {
			"قال الوزير - في تصريح له - إن الحكومة ماضية في خطتها.",
			"قال الوزير - في تصريح له - إن الحكومة ماضية في خطتها.",
		},
		"agency credit at start": {
			"(رويترز) - ارتفعت أسعار النفط.",
			"ارتفعت أسعار النفط.",
		},
		"opinion byline": {
			"يكتب صيدم: معجزة ترامب تتطلب منه الذهاب نحو انقلاب دستوري.",
			"معجزة ترامب تتطلب منه الذهاب نحو انقلاب دستوري.",
		},
		"past-tense kataba is news": {
			"كتب ترامب على منصته: سنفرض رسوما جديدة.",
			"كتب ترامب على منصته: سنفرض رسوما جديدة.",
		},
		"byline line": {
			"كتب: محمد أحمد\nأعلنت الحكومة خطة جديدة.",
			"أعلنت الحكومة خطة جديدة.",
		},
		"signature last line": {
			"أعلنت الحكومة خطة جديدة.\nوكالات",
			"أعلنت الحكومة خطة جديدة.",
		},
		"short last sentence is kept": {
			"أعلنت الحكومة خطة جديدة.\nوانتهى الاجتماع.",
			"أعلنت الحكومة خطة جديدة.\nوانتهى الاجتماع.",
		},
		"only line is never a signature": {"المملكة", "المملكة"},
		"image captions": {
			"صورة أرشيفية\n(Getty Images)\nمصدر الصورة: رويترز\nأعلن الجيش حالة التأهب.",
			"أعلن الجيش حالة التأهب.",
		},
		"bidi and zero width": {
			"\u202bأعلن\u200f الجيش\u200c حالة\u2066 التأهب\u2069.\u202c",
			"أعلن الجيش حالة التأهب.",
		},
		"whitespace folded, paragraphs kept": {
			"  الفقرة   الأولى.\t\n\n\n  الفقرة\u00a0الثانية.  ",
			"الفقرة الأولى.\nالفقرة الثانية.",
		},
		"crlf": {"أ.\r\nب.\rج.", "أ.\nب.\nج."},
		"hard wraps re-joined": {
			"وبانتظار نتائج استفتاء قناة العربية التى ستناقش في ثلاث جلسات عمل الى جانب\n" +
				"استطلاع ينفذه معهد غالوب.. ثمة قناعة بدأت تتبلور بان الاصلاح قد بات مطلبا\n" +
				"ذاتيا ملحا يحظى بإجماع يعزل معه الرافضين .\n" +
				"في الأردن ثمة ورشة حوارية دائرة في الجامعات وفي الصحافة ومؤسسات المجتمع المدني\n" +
				"هدفها إشراك المجتمع.",
			"وبانتظار نتائج استفتاء قناة العربية التى ستناقش في ثلاث جلسات عمل الى جانب استطلاع ينفذه معهد غالوب.. ثمة قناعة بدأت تتبلور بان الاصلاح قد بات مطلبا ذاتيا ملحا يحظى بإجماع يعزل معه الرافضين .\n" +
				"في الأردن ثمة ورشة حوارية دائرة في الجامعات وفي الصحافة ومؤسسات المجتمع المدني هدفها إشراك المجتمع.",
		},
		"empty": {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Clean(tc.in)
			if got != tc.want {
				t.Errorf("Clean(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if again := Clean(got); again != got {
				t.Errorf("Clean is not idempotent:\n once %q\ntwice %q", got, again)
			}
		})
	}
}

// TestSeedCard is the bot's whole card path on the seed item: the lead sentences, no
// dateline, no signature, no copy-link line.
func TestSeedCard(t *testing.T) {
	title, sents := card(seedTitle+" | المملكة", seedBody)
	if title != seedTitle {
		t.Errorf("title = %q, want %q", title, seedTitle)
	}
	text := strings.Join(sents, " ")
	for _, bad := range []string{"نسخ رابط", "almamlakatv", "عمّان - المملكة"} {
		if strings.Contains(text, bad) {
			t.Errorf("card contains %q: %q", bad, text)
		}
	}
	if strings.HasSuffix(text, "المملكة") {
		t.Errorf("card ends with the signature line: %q", text)
	}
	if len(sents) == 0 || !strings.HasPrefix(sents[0], "أطلقت وزارة الزراعة") {
		t.Errorf("card does not start with the lead: %q", sents)
	}
	if n := len([]rune(text)); n > 400 {
		t.Errorf("card is %d chars, want ≤ 400", n)
	}
}

func TestCleanTitle(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"pipe site":            {"الجيش يعلن حالة التأهب | الحرة", "الجيش يعلن حالة التأهب"},
		"pipe short site":      {"الجيش يعلن حالة التأهب | موقع الخبر", "الجيش يعلن حالة التأهب"},
		"pipe section kept":    {"اتفاق غزة | استمرار انتهاكات الاحتلال وترقب للمرحلة الثانية", "اتفاق غزة | استمرار انتهاكات الاحتلال وترقب للمرحلة الثانية"},
		"dash known site":      {"ارتفاع أسعار النفط - سكاي نيوز عربية", "ارتفاع أسعار النفط"},
		"dash latin site":      {"ارتفاع أسعار النفط - CNN Arabic", "ارتفاع أسعار النفط"},
		"dash in text kept":    {"الحرب الأميركية - الإسرائيلية على إيران", "الحرب الأميركية - الإسرائيلية على إيران"},
		"dash short text kept": {"قمة عمّان - دمشق", "قمة عمّان - دمشق"},
		"two suffixes":         {"خبر عاجل عن الطقس - الجزيرة نت | الجزيرة", "خبر عاجل عن الطقس"},
		"bidi and spaces":      {"\u202b  الجيش\u200f   يعلن\u202c ", "الجيش يعلن"},
		"newline in title":     {"الجيش\nيعلن", "الجيش يعلن"},
		"site only":            {"| الحرة", "| الحرة"},
		"ellipsis kept":        {"حديث \"شغور منصب الرئيس\" في تونس…", "حديث \"شغور منصب الرئيس\" في تونس…"},
		"empty":                {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CleanTitle(tc.in); got != tc.want {
				t.Errorf("CleanTitle(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
