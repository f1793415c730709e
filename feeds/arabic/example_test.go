package arabic_test

import (
	"fmt"
	"strings"

	"github.com/akhbar/akhbar/feeds/arabic"
)

// The bot's card path: the title without its site suffix, and up to three whole sentences
// of the cleaned article within 400 characters; the dateline, the signature line and the
// copy-link line never reach the card.
func ExampleSummarize() {
	title := "الأردن يطلق حملة وطنية للتشجير في المحافظات | المملكة"
	content := `<p>عمّان - المملكة</p>
<p>أطلقت وزارة الزراعة، الأحد، حملة وطنية للتشجير في جميع المحافظات، بمشاركة واسعة من المتطوعين.</p>
<figure><img src="a.jpg"><figcaption>صورة أرشيفية</figcaption></figure>
<p>وقال وزير الزراعة إن الحملة تستهدف زراعة مليون شجرة خلال الموسم الحالي.</p>
<p>المملكة</p>
<p>نسخ رابط الخبر: https://www.almamlakatv.com/news/123</p>`

	t := arabic.CleanTitle(title)
	sents := arabic.Summarize(t, arabic.Clean(arabic.TextFromHTML(content)), arabic.Budget{Chars: 400, Sentences: 3})
	fmt.Println(t)
	fmt.Println(strings.Join(sents, " "))
	// Output:
	// الأردن يطلق حملة وطنية للتشجير في المحافظات
	// أطلقت وزارة الزراعة، الأحد، حملة وطنية للتشجير في جميع المحافظات، بمشاركة واسعة من المتطوعين. وقال وزير الزراعة إن الحملة تستهدف زراعة مليون شجرة خلال الموسم الحالي.
}

// Normalised text is for matching only: spelling variants and diacritics fold together.
func ExampleNormalize() {
	fmt.Println(arabic.Normalize("إنّ الحكومةَ الأردنيّة") == arabic.Normalize("ان الحكومه الاردنيه"))
	fmt.Println(arabic.Terms("وقالت الحكومات الأردنية إن ٣ مبادرات أُطلقت"))
	// Output:
	// true
	// [حكوم اردن مبادر اطلقت]
}

// Two tellings of one story are a few bits apart; different stories are far apart.
func ExampleSameStory() {
	a := arabic.Fingerprint("النفط يقفز فوق 106 دولارات", "ارتفعت أسعار النفط بأكثر من 4 في المائة بعد خطاب الرئيس الأميركي وتهديده إيران.")
	b := arabic.Fingerprint("النفطُ يقفز فوق ١٠٦ دولارات - سكاي نيوز عربية", "ارتفعت أسعارُ النفط بأكثر من 4 في المائة بعد خطاب الرئيس الأميركي وتهديده إيران.")
	c := arabic.Fingerprint("الذهب يهبط دون مستوى 4700 دولار", "تراجعت أسعار الذهب بأكثر من 1 في المائة يوم الخميس منهية سلسلة مكاسب.")
	fmt.Println(arabic.SameStory(a, b), arabic.SameStory(a, c))
	// Output:
	// true false
}
