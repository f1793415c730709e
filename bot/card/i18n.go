package card

import "strings"

// Text holds every sentence the bot writes, in one language. Arabic comes
// first: it is the default for users without a language code.
//
// How the Arabic is written: Modern Standard Arabic, one word per concept
// («ملخص» is an article's summary, «نشرة» the hourly or daily digest),
// button and menu labels as verbal nouns («قراءة الخبر», «مشاركة»), and
// nothing that assumes one male reader: the bot speaks as "I" and states
// facts or uses verbal nouns rather than imperatives, groups are welcomed
// in the plural. A command inside an Arabic line is written with Cmd, so
// it reads "/help", never "help/".
type Text struct {
	Read, Share                    string
	WhatsApp, X, CopyLink          string
	ShareTelegram, ShareBack       string // the share menu's Telegram button, and the way back to the card
	ShareGone                      string // a share press on an item no longer kept
	ShareInGroup                   string // a share press in a group or a channel when the bot's username is unknown
	Welcome, WelcomeGroup          string // %s = bot name
	Help                           string
	SourcesHeader                  string // the picker's one line; its buttons name the sources and topics
	NoSources                      string
	Subscribed, AlreadySub         string // %s = source or topic name
	Unsubscribed, NotSubscribed    string // %s
	UnknownTarget                  string // %s
	UnsubscribeHow                 string
	NoSubs                         string
	LatestHeader                   string
	LatestEmpty                    string
	StopAsk, StopYes, StopNo       string
	Stopped, StopKept              string
	AdminsOnly, AdminsOnlySettings string
	AdminsOnlyChan                 string // to a channel's reader: subscriptions,
	AdminsOnlyChanSet              string // settings,
	AdminsOnlyChanMenu             string // menus (whose pages every follower sees)
	Unknown                        string
	MenuSources, MenuLatest        string
	MenuHelp, MenuAddGroup         string
	CmdStart, CmdHelp, CmdSrc      string
	CmdSub, CmdUnsub, CmdLatest    string
	CmdStop                        string
	CmdSettings, CmdFilter         string
	CmdSearch                      string
	// Paging buttons, the same in /latest, /sources and /search: "next"
	// is the older items or the next page, and points the way the
	// language reads (left in Arabic, right in English); Page is "%d of %d".
	Prev, Next, Page string
}

// Cmd writes a command inside an Arabic line: a left-to-right mark before
// its "/" keeps the slash on the command's left, where it is typed.
func Cmd(c string) string { return LRM + c }

// helpLine is one line of the Arabic command list: a right-to-left mark
// first, so the line runs right to left although it opens with a command.
func helpLine(c, what string) string { return RLM + Cmd(c) + " — " + what + "\n" }

var arText = Text{
	Read:     "📖 قراءة الخبر",
	Share:    "📤 مشاركة",
	WhatsApp: "💬 واتساب",
	X:        RLM + "𝕏 إكس",
	CopyLink: "📋 نسخ الرابط",
	Welcome: "أهلاً بك في %s 📰\n" +
		"أوافيك بملخصات عربية قصيرة لآخر الأخبار فور نشرها، من مصادر ومواضيع من اختيارك.\n\n" +
		"المصادر والمواضيع في الأزرار أدناه، وقائمة الأوامر في " + Cmd("/help") + ".",
	WelcomeGroup: "أهلاً بكم في %s 📰\n" +
		"أوافيكم هنا بملخصات عربية قصيرة لآخر الأخبار فور نشرها، من مصادر ومواضيع يختارها المشرفون.\n\n" +
		"المصادر والمواضيع في الأزرار أدناه، وقائمة الأوامر في " + Cmd("/help") + ".",
	Help: "<b>الأوامر</b>\n" +
		helpLine("/sources", "المصادر والمواضيع، مع أزرار الاشتراك") +
		helpLine("/subscribe &lt;مصدر أو موضوع&gt;", "الاشتراك") +
		helpLine("/unsubscribe &lt;مصدر أو موضوع&gt;", "إلغاء الاشتراك") +
		helpLine("/latest [عدد] [مصدر أو موضوع]", "آخر الأخبار") +
		helpLine("/search &lt;كلمات&gt;", "البحث في أخبار الأيام السبعة الأخيرة") +
		helpLine("/settings", "اللغة وطريقة الإرسال وساعات الهدوء") +
		helpLine("/filter +كلمة -كلمة", "تصفية الأخبار بالكلمات") +
		helpLine("/subscribe @القناة &lt;مصدر&gt;", "إدارة اشتراكات قناة، لمشرفيها") +
		helpLine("/stop", "إلغاء كل الاشتراكات") +
		"\nفي المجموعات والقنوات لا يغيّر الاشتراكات والإعدادات إلا المشرفون.",
	SourcesHeader:      "<b>المصادر والمواضيع</b> — ضغطة على الاسم للاشتراك فيه، وضغطة ثانية لإلغائه:",
	NoSources:          "لا مصادر بعد.",
	Subscribed:         "✅ تم الاشتراك في %s.",
	AlreadySub:         "الاشتراك في %s مفعّل بالفعل.",
	Unsubscribed:       "تم إلغاء الاشتراك في %s.",
	NotSubscribed:      "لا يوجد اشتراك في %s.",
	UnknownTarget:      "لا أعرف مصدراً أو موضوعاً باسم «%s». القائمة الكاملة في " + Cmd("/sources") + ".",
	UnsubscribeHow:     "<b>الاشتراكات</b> — ضغطة على الاشتراك لإلغائه:",
	NoSubs:             "لا اشتراكات في هذه المحادثة. المصادر والمواضيع في " + Cmd("/sources") + ".",
	LatestHeader:       "<b>آخر الأخبار</b>",
	LatestEmpty:        "لا أخبار بعد.",
	StopAsk:            "سأُلغي كل الاشتراكات في هذه المحادثة وأحذف إعداداتها. هل أتابع؟",
	StopYes:            "🛑 تأكيد الإيقاف",
	StopNo:             "الإبقاء على الاشتراكات",
	Stopped:            "تم إلغاء كل الاشتراكات وحذف بيانات هذه المحادثة. للعودة في أي وقت: " + Cmd("/start"),
	StopKept:           "لم أغيّر شيئاً؛ الاشتراكات باقية.",
	AdminsOnly:         "في المجموعات لا يغيّر الاشتراكات إلا المشرفون.",
	AdminsOnlySettings: "في المجموعات لا يغيّر الإعدادات إلا المشرفون.",
	AdminsOnlyChan:     "في القنوات لا يغيّر الاشتراكات إلا المشرفون.",
	AdminsOnlyChanSet:  "في القنوات لا يغيّر الإعدادات إلا المشرفون.",
	AdminsOnlyChanMenu: "في القنوات لا يستخدم هذه الأزرار إلا المشرفون، فما تعرضه يراه كل المتابعين.",
	Unknown:            "لا أعرف هذا الأمر. قائمة الأوامر في " + Cmd("/help") + ".",
	MenuSources:        "📚 المصادر",
	MenuLatest:         "🗞 آخر الأخبار",
	MenuHelp:           "❓ مساعدة",
	MenuAddGroup:       "➕ إضافتي إلى مجموعة",
	CmdStart:           "البدء وعرض القائمة",
	CmdHelp:            "قائمة الأوامر",
	CmdSrc:             "المصادر والمواضيع",
	CmdSub:             "الاشتراك في مصدر أو موضوع",
	CmdUnsub:           "إلغاء اشتراك",
	CmdLatest:          "آخر الأخبار",
	CmdStop:            "إلغاء كل الاشتراكات",
	CmdSettings:        "الإعدادات: اللغة وطريقة الإرسال وساعات الهدوء",
	CmdFilter:          "تصفية الأخبار بالكلمات",
	CmdSearch:          "البحث في أخبار الأيام السبعة الأخيرة",
	Prev:               "▶ السابق",
	Next:               "التالي ◀",
	Page:               "%d من %d",
	ShareTelegram:      "✈️ تيليغرام",
	ShareBack:          "↩️ رجوع",
	ShareGone:          "لم يعد هذا الخبر محفوظاً لديّ؛ رابطه في زر «📖 قراءة الخبر».",
	ShareInGroup:       "رابط الخبر في زر «📖 قراءة الخبر»، والمشاركة من صفحته.",
}

var enText = Text{
	Read:     "📖 Read",
	Share:    "📤 Share",
	WhatsApp: "💬 WhatsApp",
	X:        "𝕏 X (Twitter)",
	CopyLink: "📋 Copy link",
	Welcome: "Welcome to %s 📰\n" +
		"I send short Arabic summaries of the latest news as soon as it is published, from the sources and topics you choose.\n\n" +
		"The buttons below list them; /help lists the commands.",
	WelcomeGroup: "Welcome, everyone, to %s 📰\n" +
		"I post short Arabic summaries of the latest news here as soon as it is published, from the sources and topics the admins choose.\n\n" +
		"The buttons below list them; /help lists the commands.",
	Help: "<b>Commands</b>\n" +
		"/sources — sources and topics, with subscribe buttons\n" +
		"/subscribe &lt;source or topic&gt; — subscribe\n" +
		"/unsubscribe &lt;source or topic&gt; — unsubscribe\n" +
		"/latest [number] [source or topic] — the latest news\n" +
		"/search &lt;words&gt; — search the last seven days of news\n" +
		"/settings — language, delivery, quiet hours\n" +
		"/filter +word -word — filter the news by keywords\n" +
		"/subscribe @channel &lt;source&gt; — manage a channel's subscriptions, for its admins\n" +
		"/stop — cancel every subscription\n\n" +
		"In groups and channels only admins change subscriptions and settings.",
	SourcesHeader:      "<b>Sources and topics</b> — tap a name to subscribe, tap it again to unsubscribe:",
	NoSources:          "No sources yet.",
	Subscribed:         "✅ Subscribed to %s.",
	AlreadySub:         "Already subscribed to %s.",
	Unsubscribed:       "Unsubscribed from %s.",
	NotSubscribed:      "There is no subscription to %s.",
	UnknownTarget:      "I know no source or topic called “%s”. The full list: /sources",
	UnsubscribeHow:     "<b>Subscriptions</b> — tap one to cancel it:",
	NoSubs:             "This chat has no subscriptions. Sources and topics: /sources",
	LatestHeader:       "<b>Latest news</b>",
	LatestEmpty:        "No news yet.",
	StopAsk:            "I will cancel every subscription in this chat and delete its settings. Go ahead?",
	StopYes:            "🛑 Yes, stop",
	StopNo:             "Keep the subscriptions",
	Stopped:            "Every subscription is cancelled and this chat's data deleted. To come back any time: /start",
	StopKept:           "Nothing changed; the subscriptions stay.",
	AdminsOnly:         "In groups only admins change subscriptions.",
	AdminsOnlySettings: "In groups only admins change settings.",
	AdminsOnlyChan:     "In channels only admins change subscriptions.",
	AdminsOnlyChanSet:  "In channels only admins change settings.",
	AdminsOnlyChanMenu: "In channels only admins use these buttons: what they show, every follower sees.",
	Unknown:            "I don't know that command. The commands: /help",
	MenuSources:        "📚 Sources",
	MenuLatest:         "🗞 Latest news",
	MenuHelp:           "❓ Help",
	MenuAddGroup:       "➕ Add me to a group",
	CmdStart:           "Start and show the menu",
	CmdHelp:            "List the commands",
	CmdSrc:             "Sources and topics",
	CmdSub:             "Subscribe to a source or topic",
	CmdUnsub:           "Cancel a subscription",
	CmdLatest:          "Latest news",
	CmdStop:            "Cancel every subscription",
	CmdSettings:        "Settings: language, delivery, quiet hours",
	CmdFilter:          "Filter the news by keywords",
	CmdSearch:          "Search the last seven days of news",
	Prev:               "◀ Previous",
	Next:               "Next ▶",
	Page:               "%d of %d",
	ShareTelegram:      "✈️ Telegram",
	ShareBack:          "↩️ Back",
	ShareGone:          "I no longer keep this story; its link is under “📖 Read”.",
	ShareInGroup:       "The story's link is under “📖 Read”, to share from its page.",
}

// Texts returns the strings for a language: English for "en…", Arabic for
// everything else, including an unknown or empty language. It is a copy,
// so no caller can change the words another reads.
func Texts(lang string) Text { return *Pick(lang, &arText, &enText) }

// Pick is a table of texts in the answer's language: English for "en…",
// Arabic otherwise.
func Pick[T any](lang string, ar, en *T) *T {
	if strings.HasPrefix(lang, "en") {
		return en
	}
	return ar
}

// LangFor picks the reply language for a Telegram language_code: Arabic
// first, English for anyone whose client is set to another language.
func LangFor(languageCode string) string {
	if languageCode == "" || strings.HasPrefix(languageCode, "ar") {
		return "ar"
	}
	return "en"
}

// PagingRow lays out paging buttons: previous and next around the others
// (a page number), in reading order, so "next" is on the left in Arabic
// (Telegram lays out a row left to right in every language) and on the
// right in English. A nil button is left out.
func PagingRow(lang string, prev *Button, middle []Button, next *Button) []Button {
	var row []Button
	first, last := prev, next
	if RTL(lang) {
		first, last = next, prev
	}
	if first != nil {
		row = append(row, *first)
	}
	row = append(row, middle...)
	if last != nil {
		row = append(row, *last)
	}
	return row
}

// newsCount says how many new items a digest holds, with the noun in the
// number the count takes: in Arabic «خبر جديد», «خبران جديدان», «3 أخبار
// جديدة» (3–10), «11 خبراً جديداً» (11–99), «100 خبر جديد» (100, 101,
// 102, and so on: the rules of the count's last two digits, as CLDR's
// plural categories for Arabic put them).
func newsCount(lang string, n int) string { return Pick(lang, &newsAr, &newsEn).Format(n) }

var (
	newsAr = Plural{Zero: "لا أخبار جديدة", One: "خبر جديد", Two: "خبران جديدان",
		Few: "%d أخبار جديدة", Many: "%d خبراً جديداً", Other: "%d خبر جديد"}
	newsEn = Plural{One: "1 new story", Other: "%d new stories"}
)

// BreakingText holds the words of breaking news.
type BreakingText struct {
	Mark    string // heads a breaking card
	Setting string // the settings line and button
	Now     string // breaking news comes at once, with sound
	Waits   string // breaking news waits like the rest
	Sources string // the sources menu's button: breaking news of every source (alone, breaking news only)
}

var breakingAr = BreakingText{
	Mark: "🔴 عاجل", Setting: "الأخبار العاجلة", Now: "فوراً وبصوت", Waits: "مع غيرها",
	Sources: "🔴 الأخبار العاجلة من كل المصادر",
}

var breakingEn = BreakingText{
	Mark: "🔴 Breaking", Setting: "Breaking news", Now: "at once, with sound", Waits: "with the rest",
	Sources: "🔴 Breaking news from every source",
}

// BreakingTexts returns the words of breaking news in lang (a copy, as
// Texts).
func BreakingTexts(lang string) BreakingText { return *Pick(lang, &breakingAr, &breakingEn) }
