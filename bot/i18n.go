package bot

import "strings"

// text holds every sentence the bot writes, in one language. Arabic comes
// first: it is the default for users without a language code.
type text struct {
	Read, Share                 string
	WhatsApp, CopyLink          string
	Welcome                     string // %s = bot name
	Help                        string
	SourcesHeader               string
	TopicsHeader                string
	NoSources                   string
	Subscribed, AlreadySub      string // %s = source or topic name
	Unsubscribed, NotSubscribed string // %s
	UnknownTarget               string // %s
	SubscribeHow                string
	UnsubscribeHow              string
	YourSubs                    string
	NoSubs                      string
	LatestHeader                string
	LatestEmpty                 string
	Stopped                     string
	AdminsOnly                  string
	Unknown                     string
	Digest                      string // %d = count
	MenuSources, MenuLatest     string
	MenuHelp, MenuAddGroup      string
	CmdStart, CmdHelp, CmdSrc   string
	CmdSub, CmdUnsub, CmdLatest string
	CmdStop                     string
	CmdSettings, CmdFilter      string
	CmdSearch                   string
	Newer, Older                string
}

var arText = text{
	Read:     "اقرأ الخبر",
	Share:    "شارك",
	WhatsApp: "واتساب",
	CopyLink: "نسخ الرابط",
	Welcome: "أهلاً بك في %s 📰\n" +
		"أرسل لك ملخصات عربية قصيرة لآخر الأخبار من المصادر التي تختارها، فور نشرها.\n\n" +
		"اختر المصادر أو المواضيع من الأزرار أدناه، أو أرسل /help لقائمة الأوامر.",
	Help: "<b>الأوامر</b>\n" +
		"/sources — المصادر والمواضيع مع أزرار الاشتراك\n" +
		"/subscribe &lt;مصدر أو موضوع&gt; — اشترك\n" +
		"/unsubscribe &lt;مصدر أو موضوع&gt; — ألغِ الاشتراك\n" +
		"/latest [عدد] [مصدر أو موضوع] — آخر الأخبار\n" +
		"/search &lt;كلمات&gt; — ابحث في أخبار الأيام السبعة الأخيرة\n" +
		"/settings — اللغة وطريقة الإرسال وساعات الهدوء\n" +
		"/filter +كلمة -كلمة — تصفية الأخبار بالكلمات\n" +
		"/subscribe @قناتك &lt;مصدر&gt; — أدِر اشتراكات قناة أنت مشرف فيها\n" +
		"/stop — ألغِ كل الاشتراكات\n\n" +
		"في المجموعات والقنوات يغيّر الاشتراكات المشرفون فقط.",
	SourcesHeader:  "<b>المصادر</b> — اضغط للاشتراك أو الإلغاء:",
	TopicsHeader:   "<b>المواضيع</b>:",
	NoSources:      "لا توجد مصادر بعد.",
	Subscribed:     "✅ تم الاشتراك في %s.",
	AlreadySub:     "أنت مشترك في %s أصلاً.",
	Unsubscribed:   "تم إلغاء الاشتراك في %s.",
	NotSubscribed:  "لست مشتركاً في %s.",
	UnknownTarget:  "لا أعرف مصدراً أو موضوعاً باسم «%s». أرسل /sources لرؤية القائمة.",
	SubscribeHow:   "اختر ما تريد الاشتراك فيه:",
	UnsubscribeHow: "اشتراكاتك — اضغط لإلغاء أيٍّ منها:",
	YourSubs:       "اشتراكاتك:",
	NoSubs:         "لا اشتراكات لديك. أرسل /sources للاشتراك.",
	LatestHeader:   "<b>آخر الأخبار</b>",
	LatestEmpty:    "لا أخبار بعد.",
	Stopped:        "تم إلغاء كل اشتراكاتك ونسيان هذه المحادثة. أرسل /start للعودة في أي وقت.",
	AdminsOnly:     "في المجموعات يغيّر الاشتراكات المشرفون فقط.",
	Unknown:        "لم أفهم هذا الأمر. أرسل /help لقائمة الأوامر.",
	Digest:         "<b>%d أخبار جديدة</b>",
	MenuSources:    "📚 المصادر",
	MenuLatest:     "🗞 آخر الأخبار",
	MenuHelp:       "❓ مساعدة",
	MenuAddGroup:   "➕ أضفني إلى مجموعة",
	CmdStart:       "ابدأ وأظهر القائمة",
	CmdHelp:        "قائمة الأوامر",
	CmdSrc:         "المصادر والاشتراك",
	CmdSub:         "اشترك في مصدر أو موضوع",
	CmdUnsub:       "ألغِ اشتراكاً",
	CmdLatest:      "آخر الأخبار",
	CmdStop:        "ألغِ كل الاشتراكات",
	CmdSettings:    "الإعدادات: اللغة والملخصات وساعات الهدوء",
	CmdFilter:      "تصفية الأخبار بالكلمات",
	CmdSearch:      "ابحث في الأخبار الأخيرة",
	Newer:          "◀ الأحدث",
	Older:          "الأقدم ▶",
}

var enText = text{
	Read:     "Read",
	Share:    "Share",
	WhatsApp: "WhatsApp",
	CopyLink: "Copy link",
	Welcome: "Welcome to %s 📰\n" +
		"I send short Arabic summaries of the latest news from the sources you pick, as soon as they are published.\n\n" +
		"Pick sources or topics with the buttons below, or send /help for the commands.",
	Help: "<b>Commands</b>\n" +
		"/sources — sources and topics with subscribe buttons\n" +
		"/subscribe &lt;source or topic&gt; — subscribe\n" +
		"/unsubscribe &lt;source or topic&gt; — unsubscribe\n" +
		"/latest [n] [source or topic] — latest news\n" +
		"/search &lt;words&gt; — search the last seven days of news\n" +
		"/settings — language, delivery mode, quiet hours\n" +
		"/filter +word -word — filter news by keywords\n" +
		"/subscribe @yourchannel &lt;source&gt; — manage a channel you admin\n" +
		"/stop — unsubscribe from everything\n\n" +
		"In groups and channels only admins change subscriptions.",
	SourcesHeader:  "<b>Sources</b> — tap to subscribe or unsubscribe:",
	TopicsHeader:   "<b>Topics</b>:",
	NoSources:      "No sources yet.",
	Subscribed:     "✅ Subscribed to %s.",
	AlreadySub:     "You are already subscribed to %s.",
	Unsubscribed:   "Unsubscribed from %s.",
	NotSubscribed:  "You are not subscribed to %s.",
	UnknownTarget:  "I know no source or topic called “%s”. Send /sources for the list.",
	SubscribeHow:   "Pick what to subscribe to:",
	UnsubscribeHow: "Your subscriptions — tap one to cancel it:",
	YourSubs:       "Your subscriptions:",
	NoSubs:         "You have no subscriptions. Send /sources to subscribe.",
	LatestHeader:   "<b>Latest news</b>",
	LatestEmpty:    "No news yet.",
	Stopped:        "All your subscriptions are cancelled and this chat is forgotten. Send /start to come back any time.",
	AdminsOnly:     "In groups only admins change subscriptions.",
	Unknown:        "I did not understand that command. Send /help for the list.",
	Digest:         "<b>%d new stories</b>",
	MenuSources:    "📚 Sources",
	MenuLatest:     "🗞 Latest",
	MenuHelp:       "❓ Help",
	MenuAddGroup:   "➕ Add me to a group",
	CmdStart:       "Start and show the menu",
	CmdHelp:        "List the commands",
	CmdSrc:         "Sources and subscriptions",
	CmdSub:         "Subscribe to a source or topic",
	CmdUnsub:       "Cancel a subscription",
	CmdLatest:      "Latest news",
	CmdStop:        "Cancel all subscriptions",
	CmdSettings:    "Settings: language, digests, quiet hours",
	CmdFilter:      "Filter news by keywords",
	CmdSearch:      "Search recent news",
	Newer:          "◀ Newer",
	Older:          "Older ▶",
}

// texts returns the strings for a language: English for "en…", Arabic for
// everything else, including an unknown or empty language.
func texts(lang string) *text { return pick(lang, &arText, &enText) }

// pick is a table of texts in the answer's language: English for "en…",
// Arabic otherwise.
func pick[T any](lang string, ar, en *T) *T {
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
