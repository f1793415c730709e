package arabic

import (
	"slices"
	"strings"
	"unicode"
)

// A place topic (المغرب, مصر, محليات of a Jordanian site) cannot be told from
// an item's feed categories, which name sections, not countries. What tells
// it is the text: an item names the places it is about, in its title and
// first lines, as a country (المغرب), a demonym (المغربية, مغاربة) or a city
// (الرباط). This file holds the countries a news topic is likely to name and
// a matcher for them, written for this project from general knowledge.

// place is one country: its names, its demonym in the masculine singular
// (inflected by the matcher: مغربي, مغربية, مغربيون, مغربيين, مغربيات),
// the broken plurals and other forms, and its cities that stand for it.
type place struct {
	names    []string
	demonyms []string
	forms    []string
	cities   []string
	// notAfter and notBefore are the words (normalised) that, just before
	// or just after one of its names, make it something else: أذان المغرب
	// is the sunset prayer, المغرب العربي the Maghreb.
	notAfter, notBefore []string
}

// places lists the Arab League's members first (the topics Arabic
// newsrooms use), then the countries Arabic news names most, which matter
// as the other places an item can be about. Ambiguous names are left out:
// عمان (Amman and Oman), صور (Tyre and "pictures"), and cities whose names
// are common words once ال is dropped as matching does (العين "the eye",
// الخبر "the news", العقبة "the obstacle", الخليل, a first name), and
// demonyms that are words or names too (قمري "lunar", تركي, a first name).
// الجزائر stays: the city and the country are one topic.
var places = map[string]place{
	"المغرب":    {names: []string{"المغرب", "المملكة المغربية"}, notAfter: []string{"صلاه", "اذان", "افطار", "موعد", "وقت"}, notBefore: []string{"العربي", "الكبير"}, demonyms: []string{"مغربي"}, forms: []string{"مغاربة", "محمد السادس"}, cities: []string{"الرباط", "الدار البيضاء", "مراكش", "فاس", "طنجة", "أكادير", "مكناس", "وجدة", "تطوان", "القنيطرة", "تنغير", "ورزازات"}},
	"الجزائر":   {names: []string{"الجزائر"}, demonyms: []string{"جزائري"}, forms: []string{"جزائريون"}, cities: []string{"وهران", "قسنطينة", "عنابة", "تلمسان", "سطيف", "البليدة"}},
	"تونس":      {names: []string{"تونس"}, demonyms: []string{"تونسي"}, forms: []string{"توانسة"}, cities: []string{"صفاقس", "سوسة", "القيروان", "بنزرت", "قابس"}},
	"ليبيا":     {names: []string{"ليبيا"}, demonyms: []string{"ليبي"}, cities: []string{"طرابلس الغرب", "بنغازي", "مصراتة", "درنة"}},
	"مصر":       {names: []string{"مصر", "جمهورية مصر العربية"}, demonyms: []string{"مصري"}, forms: []string{"المصريون"}, cities: []string{"القاهرة", "الإسكندرية", "الجيزة", "أسوان", "الأقصر", "بورسعيد", "السويس", "الإسماعيلية", "المنصورة", "طنطا", "شرم الشيخ", "الغردقة"}},
	"السودان":   {names: []string{"السودان"}, demonyms: []string{"سوداني"}, cities: []string{"الخرطوم", "أم درمان", "بورتسودان", "الفاشر", "نيالا", "دارفور", "كردفان"}},
	"موريتانيا": {names: []string{"موريتانيا"}, demonyms: []string{"موريتاني"}, cities: []string{"نواكشوط", "نواذيبو"}},
	"الأردن":    {names: []string{"الأردن", "المملكة الأردنية الهاشمية"}, demonyms: []string{"أردني"}, forms: []string{"النشامى", "عبد الله الثاني", "عبدالله الثاني"}, cities: []string{"إربد", "الكرك", "مادبا", "جرش", "المفرق", "الطفيلة", "عجلون"}},
	"فلسطين":    {names: []string{"فلسطين", "دولة فلسطين"}, demonyms: []string{"فلسطيني"}, cities: []string{"غزة", "قطاع غزة", "الضفة الغربية", "رام الله", "القدس", "نابلس", "جنين", "بيت لحم", "خان يونس", "رفح", "طولكرم", "أريحا", "دير البلح"}},
	"لبنان":     {names: []string{"لبنان"}, demonyms: []string{"لبناني"}, cities: []string{"بيروت", "طرابلس لبنان", "صيدا", "بعلبك", "زحلة", "النبطية"}},
	"سوريا":     {names: []string{"سوريا", "سورية"}, demonyms: []string{"سوري"}, cities: []string{"دمشق", "حلب", "حمص", "حماة", "اللاذقية", "طرطوس", "إدلب", "دير الزور", "الرقة", "درعا", "السويداء", "القامشلي"}},
	"العراق":    {names: []string{"العراق"}, demonyms: []string{"عراقي"}, cities: []string{"بغداد", "البصرة", "الموصل", "أربيل", "النجف", "كربلاء", "كركوك", "السليمانية", "الأنبار", "الفلوجة"}},
	"السعودية":  {names: []string{"السعودية", "المملكة العربية السعودية"}, demonyms: []string{"سعودي"}, cities: []string{"الرياض", "جدة", "مكة", "مكة المكرمة", "المدينة المنورة", "الدمام", "الطائف", "تبوك", "نيوم", "أبها"}},
	"الإمارات":  {names: []string{"الإمارات", "الإمارات العربية المتحدة"}, demonyms: []string{"إماراتي"}, cities: []string{"أبوظبي", "أبو ظبي", "دبي", "الشارقة", "عجمان", "رأس الخيمة", "الفجيرة"}},
	"الكويت":    {names: []string{"الكويت"}, demonyms: []string{"كويتي"}},
	"قطر":       {names: []string{"قطر"}, demonyms: []string{"قطري"}, cities: []string{"الدوحة"}},
	"البحرين":   {names: []string{"البحرين"}, demonyms: []string{"بحريني"}, cities: []string{"المنامة"}},
	"عُمان":     {names: []string{"سلطنة عمان"}, demonyms: []string{"عماني"}, cities: []string{"مسقط", "صلالة", "صحار"}},
	"اليمن":     {names: []string{"اليمن"}, demonyms: []string{"يمني"}, cities: []string{"صنعاء", "عدن", "تعز", "الحديدة", "مأرب", "حضرموت", "المكلا"}},
	"الصومال":   {names: []string{"الصومال"}, demonyms: []string{"صومالي"}, cities: []string{"مقديشو"}},
	"جيبوتي":    {names: []string{"جيبوتي"}},
	"جزر القمر": {names: []string{"جزر القمر"}, cities: []string{"موروني"}},

	"إسرائيل":          {names: []string{"إسرائيل"}, demonyms: []string{"إسرائيلي"}, cities: []string{"تل أبيب"}},
	"إيران":            {names: []string{"إيران"}, demonyms: []string{"إيراني"}, cities: []string{"طهران"}},
	"تركيا":            {names: []string{"تركيا"}, forms: []string{"الأتراك", "التركية"}, cities: []string{"أنقرة", "إسطنبول", "اسطنبول"}},
	"الولايات المتحدة": {names: []string{"الولايات المتحدة", "أمريكا", "أميركا"}, demonyms: []string{"أمريكي", "أميركي"}, cities: []string{"واشنطن", "نيويورك", "البيت الأبيض"}},
	"روسيا":            {names: []string{"روسيا"}, demonyms: []string{"روسي"}, cities: []string{"موسكو", "الكرملين"}},
	"أوكرانيا":         {names: []string{"أوكرانيا"}, demonyms: []string{"أوكراني"}, cities: []string{"كييف"}},
	"الصين":            {names: []string{"الصين"}, demonyms: []string{"صيني"}, cities: []string{"بكين", "شنغهاي"}},
	"فرنسا":            {names: []string{"فرنسا"}, demonyms: []string{"فرنسي"}, cities: []string{"باريس"}},
	"بريطانيا":         {names: []string{"بريطانيا", "المملكة المتحدة"}, demonyms: []string{"بريطاني"}, cities: []string{"لندن"}},
	"ألمانيا":          {names: []string{"ألمانيا"}, demonyms: []string{"ألماني"}, cities: []string{"برلين"}},
	"إسبانيا":          {names: []string{"إسبانيا", "اسبانيا"}, demonyms: []string{"إسباني"}, cities: []string{"مدريد", "برشلونة"}},
	"إيطاليا":          {names: []string{"إيطاليا"}, demonyms: []string{"إيطالي"}, cities: []string{"روما"}},
	"الهند":            {names: []string{"الهند"}, demonyms: []string{"هندي"}, cities: []string{"نيودلهي"}},
	"باكستان":          {names: []string{"باكستان"}, demonyms: []string{"باكستاني"}, cities: []string{"إسلام آباد"}},
	"أفغانستان":        {names: []string{"أفغانستان"}, demonyms: []string{"أفغاني"}, cities: []string{"كابل"}},
	"اليابان":          {names: []string{"اليابان"}, demonyms: []string{"ياباني"}, cities: []string{"طوكيو"}},
	"البرازيل":         {names: []string{"البرازيل"}, demonyms: []string{"برازيلي"}},
	"إثيوبيا":          {names: []string{"إثيوبيا"}, demonyms: []string{"إثيوبي"}, cities: []string{"أديس أبابا"}},
	"نيجيريا":          {names: []string{"نيجيريا"}, demonyms: []string{"نيجيري"}},
	"كندا":             {names: []string{"كندا"}, demonyms: []string{"كندي"}},
}

// placeByNameKey maps the NameKey of each place's names to its key in
// places; built once, read only.
var placeByNameKey = func() map[string]string {
	m := map[string]string{}
	for p, pl := range places {
		for _, n := range pl.names {
			m[nameKey(n)] = p
		}
	}
	return m
}()

// placeByName returns the place one of whose names name is.
func placeByName(name string) (string, bool) {
	p, ok := placeByNameKey[nameKey(name)]
	return p, ok
}

// PlaceOf returns the country a topic's name names ("المغرب", "مصر"), as
// the key the matcher knows it by, or "" when the name is not a country.
func PlaceOf(name string) string {
	p, _ := placeByName(name)
	return p
}

// phrase is one way of naming a place: the words after the first, and
// the words around it that make it something else.
type phrase struct {
	place               string
	rest                []string
	notAfter, notBefore []string
}

// PlaceMatcher finds, in an item's title and first lines, which of a set
// of places it names. It is built once per source and only read after.
type PlaceMatcher struct {
	phrases map[string][]phrase // by the key of the phrase's first word
}

// NewPlaceMatcher returns a matcher for every known place, each found as
// its key (PlaceOf's answer).
func NewPlaceMatcher() *PlaceMatcher {
	m := &PlaceMatcher{phrases: map[string][]phrase{}}
	for p, pl := range places {
		m.addPlace(p, pl)
	}
	return m
}

// NewKeywordMatcher returns a matcher for the words a source gives its
// topics: words["محليات"] = ["الأردن", "البلقاء"] finds محليات where an
// item names Jordan in any of its forms (a known place's name stands for
// all of them) or the word البلقاء.
func NewKeywordMatcher(words map[string][]string) *PlaceMatcher {
	m := &PlaceMatcher{phrases: map[string][]phrase{}}
	for topic, ws := range words {
		for _, w := range ws {
			if p, ok := placeByName(w); ok {
				m.addPlace(topic, places[p])
				continue
			}
			m.add(phrase{place: topic}, w)
		}
	}
	return m
}

// NamesPlace reports whether one of the words is a known place's name.
func NamesPlace(words []string) bool {
	for _, w := range words {
		if _, ok := placeByName(w); ok {
			return true
		}
	}
	return false
}

func (m *PlaceMatcher) addPlace(key string, pl place) {
	for _, n := range pl.names {
		m.add(phrase{place: key, notAfter: pl.notAfter, notBefore: pl.notBefore}, n)
	}
	for _, s := range [][]string{pl.forms, pl.cities} {
		for _, n := range s {
			m.add(phrase{place: key}, n)
		}
	}
	for _, d := range pl.demonyms {
		// A demonym's feminine, plurals and their article forms.
		for _, suf := range []string{"", "ة", "ون", "ين", "ات"} {
			m.add(phrase{place: key}, d+suf)
		}
	}
}

// add registers one way of naming a place (one or more words).
func (m *PlaceMatcher) add(ph phrase, words string) {
	w := strings.Fields(nameKey(words))
	if len(w) == 0 {
		return
	}
	ph.rest = w[1:]
	m.phrases[w[0]] = append(m.phrases[w[0]], ph)
}

// placeSpan is how much of an item is read for the places it names: the
// title and the first lines. A place named only deep in an article is a
// mention, not what the item is about.
const placeSpan = 600

// Places returns the places the title and the start of text name, each
// once, in no particular order.
func (m *PlaceMatcher) Places(title, text string) map[string]bool {
	// Cut at the placeSpan-th rune in place: the whole article need not be
	// copied into runes, and Places is called on every item.
	n := 0
	for i := range text {
		if n == placeSpan {
			text = text[:i]
			break
		}
		n++
	}
	found := map[string]bool{}
	for _, s := range []string{title, text} {
		m.scan(s, found)
	}
	return found
}

func (m *PlaceMatcher) scan(s string, found map[string]bool) {
	toks := strings.FieldsFunc(Normalize(s), func(r rune) bool { return !unicode.IsLetter(r) })
	forms := make([][]string, len(toks))
	for i, t := range toks {
		forms[i] = tokenForms(t)
	}
	for i := range toks {
		for _, f := range forms[i] {
			for _, ph := range m.phrases[f] {
				if !found[ph.place] && restMatches(forms[i+1:], ph.rest) && !ph.elsewhere(toks, i, len(ph.rest)) {
					found[ph.place] = true
				}
			}
		}
	}
}

// elsewhere reports whether the words around the phrase found at toks[i]
// (n words after the first) make it name something other than its place.
func (ph phrase) elsewhere(toks []string, i, n int) bool {
	if i > 0 && slices.Contains(ph.notAfter, toks[i-1]) {
		return true
	}
	return i+n+1 < len(toks) && slices.Contains(ph.notBefore, toks[i+n+1])
}

// restMatches reports whether the words after a phrase's first word follow.
func restMatches(next [][]string, words []string) bool {
	if len(words) > len(next) {
		return false
	}
	for j, w := range words {
		if !slices.Contains(next[j], w) {
			return false
		}
	}
	return true
}

// tokenForms returns a normalised token as written and with its proclitics
// taken off one by one (و or ف, then ب ل or ك, then ال; لل is ل + ال), so
// "وبالمغرب" is found as "مغرب". Each form is only looked up, so a word
// that merely starts with one of those letters ("بغداد") is found as
// itself.
func tokenForms(t string) []string {
	out := []string{t}
	r := []rune(t)
	strip := func(prefix string) bool {
		p := []rune(prefix)
		if len(r)-len(p) < 2 || string(r[:len(p)]) != prefix {
			return false
		}
		r = r[len(p):]
		out = append(out, string(r))
		return true
	}
	_ = strip("و") || strip("ف")
	if !strip("لل") {
		_ = strip("ب") || strip("ل") || strip("ك")
	} else {
		return out
	}
	strip("ال")
	return out
}
