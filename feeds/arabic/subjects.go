package arabic

import "strings"

// Subjects a news item can be about: the ten categories of EASC, the labelled corpus the
// subject model is trained on (testdata/easc), named by what a newsroom calls them. A
// source's topics are mapped onto these by name (SubjectOf), and items onto them by their
// feed categories or, where a feed gives none, by ClassifySubject.
const (
	SubjectArts        = "arts" // art, music, cinema, literature, culture
	SubjectEconomy     = "economy"
	SubjectEducation   = "education"
	SubjectEnvironment = "environment"
	SubjectHealth      = "health"
	SubjectPolitics    = "politics"
	SubjectReligion    = "religion"
	SubjectScience     = "science" // science and technology
	SubjectSport       = "sport"
	SubjectTourism     = "tourism"
)

// subjectList is every subject, in the order of the model's columns.
var subjectList = [...]string{SubjectArts, SubjectEconomy, SubjectEducation, SubjectEnvironment,
	SubjectHealth, SubjectPolitics, SubjectReligion, SubjectScience, SubjectSport, SubjectTourism}

// Subjects returns every subject ClassifySubject and SubjectOf can return.
func Subjects() []string { return append([]string(nil), subjectList[:]...) }

// subjectNames are the names newsrooms give each subject, as topics in a config and as
// categories in feeds (RSS <category>, Atom term, JSON Feed tags): Arabic and English,
// matched after Normalize and without a leading ال, so "الرياضة", "رياضه" and "Sports"
// all name SubjectSport. A name here means the subject and nothing else: "محليات" (local
// news) or "عربي ودولي" say where, not what, and are left out.
var subjectNames = map[string][]string{
	SubjectArts: {"فن", "فنون", "ثقافة", "ثقافه", "ثقافة وفنون", "فن وثقافة", "فنون وثقافة", "ثقافة وفن",
		"موسيقى", "سينما", "أدب", "آداب", "مسرح", "دراما", "منوعات فنية", "فنون وموسيقى", "فن وموسيقى",
		"arts", "art", "culture", "music", "art and music", "entertainment", "cinema", "movies", "books"},
	SubjectEconomy: {"اقتصاد", "إقتصاد", "الاقتصاد", "اقتصادية", "مال", "أعمال", "مال وأعمال", "اقتصاد وأعمال",
		"أسواق", "بورصة", "مال واقتصاد", "اقتصاد ومال", "طاقة", "economy", "business", "finance", "markets",
		"money", "economics"},
	SubjectEducation: {"تعليم", "تربية", "تربية وتعليم", "التربية والتعليم", "جامعات", "تعليم عالي", "تعليم عال",
		"education", "schools", "universities"},
	SubjectEnvironment: {"بيئة", "مناخ", "بيئة ومناخ", "طقس", "environment", "climate", "weather"},
	SubjectHealth: {"صحة", "صحه", "طب", "طب وصحة", "صحة وطب", "صحة وجمال", "health", "medicine", "medical",
		"wellness"},
	SubjectPolitics: {"سياسة", "سياسه", "سياسي", "سياسية", "شؤون سياسية", "politics", "political"},
	SubjectReligion: {"دين", "دين ودنيا", "إسلاميات", "اسلاميات", "دين وحياة", "religion", "faith"},
	SubjectScience: {"علوم", "علم", "تكنولوجيا", "تقنية", "تقنيه", "علوم وتكنولوجيا", "علوم وتقنية",
		"تكنولوجيا وعلوم", "تقنية وعلوم", "علوم وتقنيه", "اتصالات", "science", "technology", "tech",
		"science and technology", "sci-tech"},
	SubjectSport: {"رياضة", "رياضه", "رياضات", "كرة القدم", "كره القدم", "كرة قدم", "sport", "sports", "football",
		"soccer"},
	SubjectTourism: {"سياحة", "سياحه", "سفر", "سياحة وسفر", "سفر وسياحة", "tourism", "travel", "tourisms"},
}

// subjectByName is subjectNames by nameKey, built once.
var subjectByName = func() map[string]string {
	m := map[string]string{}
	for subject, names := range subjectNames {
		for _, n := range names {
			m[nameKey(n)] = subject
		}
	}
	return m
}()

// SubjectOf returns the subject a topic or category name stands for ("" for none):
// "الرياضة", "كرة القدم" and "Sport" are SubjectSport; "محليات" is none.
func SubjectOf(name string) string {
	return subjectByName[nameKey(name)]
}

// NameKey is the form in which two names of a topic or category compare equal: normalised,
// spaces folded, "_", "-", "/" and "#" read as spaces, "&" as "و", and a leading ال (or
// وال) dropped from each word. "الاقتصاد" and "اقتصاد", "#كرة_القدم" and "كره القدم",
// "الثقافة والفنون" and "ثقافة وفنون" share a key.
func NameKey(name string) string { return nameKey(name) }

func nameKey(name string) string {
	n := Normalize(strings.NewReplacer("_", " ", "-", " ", "/", " ", "&", " و ", "#", " ").Replace(name))
	words := strings.Fields(n)
	for i, w := range words {
		// At least two letters stay: "الطب" is "طب", "الله" is itself.
		switch n := len([]rune(w)); {
		case n >= 5 && strings.HasPrefix(w, "وال"):
			words[i] = "و" + strings.TrimPrefix(w, "وال")
		case n >= 4 && strings.HasPrefix(w, "ال") && w != "الله":
			words[i] = strings.TrimPrefix(w, "ال")
		}
	}
	return strings.Join(words, " ")
}

// subjectSeeds are words that mark a subject in news, written for this model from general
// knowledge of the vocabulary (not drawn from any corpus). TestFitSubjects adds each one's
// light stem to its subject's counts, seedWeight times, before the EASC articles: EASC
// has four to sixteen articles per subject, mostly encyclopaedic, and news words such as
// "بورصة" or "مدرب" may never occur in them. A word listed under two subjects counts for
// both. Words the stop lists drop ("ذهب", which is also "went", and the currencies) are
// not listed: no item's terms would carry them.
var subjectSeeds = map[string]string{
	SubjectArts: "فن فنان فنانة فنانين فني فنية ثقافة ثقافي ثقافية موسيقى موسيقي أغنية أغاني مطرب مطربة غناء " +
		"فيلم أفلام سينما سينمائي سينمائية مهرجان مسلسل مسلسلات دراما درامي ممثل ممثلة ممثلين مخرج إخراج " +
		"مسرح مسرحية مسرحي رواية روائي شعر شاعر قصيدة أدب أدبي أدبية معرض لوحة رسام تشكيلي ألبوم حفل " +
		"نجم نجمة جمهور عرض كاتب كتاب ناقد نقاد تراث متحف أوبرا",
	SubjectEconomy: "اقتصاد اقتصادي اقتصادية أسعار سعر نفط بورصة بورصات أسهم سهم أسواق سوق " +
		"عملة عملات تضخم فائدة بنك بنوك مصرف مصرفي استثمار استثمارات مستثمرين صادرات " +
		"واردات تصدير استيراد تجارة تجاري تجارية شركة شركات أرباح إيرادات موازنة ميزانية ضريبة ضرائب " +
		"ضريبي قروض ديون ناتج نمو سندات عوائد مؤشر برميل أونصة غرام عيار صناعة مصانع جمارك تقشف رواتب " +
		"أجور بطالة مالية مالي تداول تداولات خام مستهلك استهلاك",
	SubjectEducation: "تعليم تعليمي تربية تربوي مدارس مدرسة طلاب طلبة طالب معلمين معلم معلمة جامعة جامعات " +
		"جامعي أكاديمي امتحان امتحانات توجيهي ثانوية مناهج منهاج دراسي صفوف فصل شهادة منحة منح خريجين " +
		"أمية محو قبول تلاميذ تلميذ أساتذة أستاذ كلية كليات",
	SubjectEnvironment: "بيئة بيئي بيئية مناخ مناخي مناخية احتباس حراري تلوث انبعاثات كربون نفايات تدوير مياه " +
		"جفاف تصحر غابات تشجير أشجار حرائق متجددة شمسية رياح برية محميات محمية تنوع بيولوجي أمطار " +
		"فيضانات طقس عاصفة أرصاد حرارة سدود زراعة بحار محيطات",
	SubjectHealth: "صحة صحي صحية طبيب أطباء مستشفى مستشفيات مرضى مريض مرض أمراض علاج دواء أدوية لقاح لقاحات " +
		"فيروس وباء سرطان سكري قلب جراحة جراحية وزن سمنة تغذية نوم أعراض إصابة عدوى تمارين عضلات دم " +
		"حمل توحد نفسية مناعة كوليسترول فيتامين طبي طبية صيدلية ممرضين اضطراب",
	SubjectPolitics: "سياسة سياسي سياسية رئيس حكومة حكومي وزير وزراء خارجية برلمان نواب مجلس انتخابات " +
		"انتخابي حزب أحزاب معارضة احتلال حرب هجوم هجمات غارة غارات جيش قوات عسكري عسكرية صواريخ " +
		"مسيرات اتفاق مفاوضات هدنة إطلاق دبلوماسي دبلوماسية سفارة سفير أمم عقوبات قمة ديمقراطيون " +
		"جمهوريون حماس إسرائيل إسرائيلي إيران غزة احتجاجات دستور رئاسة رئاسي بلدية اشتباكات نزاع سلام " +
		"أمن أمني مقاتلين فصائل لاجئين ملك أمير رئاسية ترشح مرشح",
	SubjectReligion: "دين ديني دينية إسلام إسلامي إسلامية مسلمين مسجد مساجد صلاة صوم صيام رمضان حج عمرة زكاة " +
		"قرآن حديث نبي رسول شريعة فقه فتوى أوقاف كنيسة مسيحي مسيحيين أقباط بابا فاتيكان عبادة " +
		"خطبة عيد إفتاء دعوة أزهر شيخ صحابة تفسير",
	SubjectScience: "علوم علمي علمية علماء باحثون باحثين تكنولوجيا تقنية تقني ذكاء اصطناعي إنترنت هاتف هواتف " +
		"تطبيق تطبيقات برمجيات حاسوب كمبيوتر رقمي رقمية فضاء ناسا كوكب كواكب أقمار صناعية روبوت بيانات " +
		"إلكتروني إلكترونية سيبراني اختراق جهاز أجهزة آبل غوغل مايكروسوفت اكتشاف أحافير فيزياء كيمياء " +
		"جينات جيني مختبر تجربة تجارب",
	SubjectSport: "رياضة رياضي رياضية مباراة مباريات منتخب لاعب لاعبين لاعبة فريق دوري كأس بطولة أهداف " +
		"مدرب نادي أندية ملعب ستاد تصفيات أولمبية أولمبياد كرة قدم سلة تنس ميدالية تعادل هزيمة شوط " +
		"ركلة جزاء حارس مرمى فيفا تزلج سباق بطل لقب جولة موسم هداف مهاجم مدافع انتقالات نجوم",
	SubjectTourism: "سياحة سياحي سياحية سياح زوار فنادق فندق طيران رحلات رحلة مسافرين سفر تأشيرة شواطئ " +
		"منتجعات منتجع آثار أثرية متاحف إشغال حجوزات وجهة معالم سائح مطار",
}
