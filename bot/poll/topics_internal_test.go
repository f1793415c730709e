package poll

import (
	"testing"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/google/go-cmp/cmp"
)

// TestItemTopics: the topics an item takes, by kind of topic and by what
// the feed says of the item.
func TestItemTopics(t *testing.T) {
	sport := feeds.Item{Title: "المنتخب يفوز على ضيفه بثلاثية في تصفيات كأس آسيا"}
	oil := feeds.Item{Title: "النفط يقفز فوق 106 دولارات وأسهم البورصات تتراجع"}
	vague := feeds.Item{Title: "امرأة تسرد قصتها"}
	places := arabic.NewPlaceMatcher()
	with := func(it feeds.Item, cats ...string) feeds.Item { it.Categories = cats; return it }
	for name, tc := range map[string]struct {
		src  feeds.Source
		item feeds.Item
		want []string
	}{
		"no topics":                                   {feeds.Source{}, sport, nil},
		"subject from the text":                       {feeds.Source{Topics: []string{"اقتصاد", "الرياضة"}}, sport, []string{"الرياضة"}},
		"another subject from the text":               {feeds.Source{Topics: []string{"اقتصاد", "الرياضة"}}, oil, []string{"اقتصاد"}},
		"unsure: no subject":                          {feeds.Source{Topics: []string{"اقتصاد", "الرياضة"}}, vague, nil},
		"an item naming no place is the home place's": {feeds.Source{Topics: []string{"المغرب", "اقتصاد"}}, sport, []string{"المغرب"}},
		"an item naming the place":                    {feeds.Source{Topics: []string{"المغرب", "اقتصاد"}}, with(feeds.Item{Title: "معهد ألماني يشيد بالمؤهلات المغربية"}), []string{"المغرب"}},
		"an item naming the place by a city":          {feeds.Source{Topics: []string{"المغرب"}}, feeds.Item{Title: "مراقبة أسعار وجودة الأسواق بتنغير"}, []string{"المغرب"}},
		"an item naming only another place":           {feeds.Source{Topics: []string{"المغرب", "اقتصاد"}}, feeds.Item{Title: "جيهان خليل تطل من مسلسل مصري"}, nil},
		"two places: the item names one":              {feeds.Source{Topics: []string{"مصر", "السودان"}}, feeds.Item{Title: "الخرطوم تستقبل وفدا"}, []string{"السودان"}},
		"two places: an item naming none takes none":  {feeds.Source{Topics: []string{"مصر", "السودان"}}, vague, nil},
		"keywords naming a country":                   {feeds.Source{Topics: []string{"محليات", "رياضة"}, Keywords: map[string][]string{"محليات": {"الأردن"}}}, sport, []string{"محليات", "رياضة"}},
		"keywords: the team's name":                   {feeds.Source{Topics: []string{"محليات"}, Keywords: map[string][]string{"محليات": {"الأردن"}}}, feeds.Item{Title: "النشامى يفوزون على ضيفهم في غزة"}, []string{"محليات"}},
		"keywords: another country":                   {feeds.Source{Topics: []string{"محليات"}, Keywords: map[string][]string{"محليات": {"الأردن"}}}, feeds.Item{Title: "وزير خارجية مصر يزور بيروت"}, nil},
		"keywords that are words":                     {feeds.Source{Topics: []string{"كورونا"}, Keywords: map[string][]string{"كورونا": {"كوفيد", "فيروس كورونا"}}}, feeds.Item{Title: "إصابات جديدة بفيروس كورونا"}, []string{"كورونا"}},
		"keywords that are words, absent":             {feeds.Source{Topics: []string{"كورونا"}, Keywords: map[string][]string{"كورونا": {"كوفيد"}}}, vague, nil},
		"a scope goes on every item":                  {feeds.Source{Topics: []string{"عالمية", "اقتصاد"}}, sport, []string{"عالمية"}},
		"category by synonym":                         {feeds.Source{Topics: []string{"رياضة", "اقتصاد"}}, with(oil, "كرة القدم"), []string{"رياضة"}},
		"category by the topic's own name":            {feeds.Source{Topics: []string{"رياضة", "اقتصاد"}}, with(sport, "الاقتصاد"), []string{"اقتصاد"}},
		"english category":                            {feeds.Source{Topics: []string{"رياضة", "اقتصاد"}}, with(oil, "Sports"), []string{"رياضة"}},
		"category of a subject not carried":           {feeds.Source{Topics: []string{"رياضة", "اقتصاد"}}, with(oil, "صحة"), nil},
		"unknown categories: the text decides":        {feeds.Source{Topics: []string{"رياضة", "اقتصاد"}}, with(oil, "ترمب", "إيران"), []string{"اقتصاد"}},
		"category map":                                {feeds.Source{Topics: []string{"رياضة"}, Categories: map[string]string{"ملاعب": "رياضة"}}, with(oil, "ملاعب"), []string{"رياضة"}},
		"mapped place only where mapped": {feeds.Source{Topics: []string{"محليات", "رياضة"}, Categories: map[string]string{"الأردن": "محليات"}},
			with(sport, "عربي ودولي"), []string{"رياضة"}},
		"mapped place where mapped": {feeds.Source{Topics: []string{"محليات", "رياضة"}, Categories: map[string]string{"الأردن": "محليات"}},
			with(sport, "الأردن"), []string{"محليات", "رياضة"}},
		"map to a topic the source lacks is ignored": {feeds.Source{Topics: []string{"رياضة"}, Categories: map[string]string{"ملاعب": "كرة"}},
			with(oil, "ملاعب"), nil},
		"two names of one subject, config order": {feeds.Source{Topics: []string{"كرة القدم", "محليات", "رياضة"}}, sport, []string{"كرة القدم", "محليات", "رياضة"}},
		"a topic listed twice is taken once":     {feeds.Source{Topics: []string{"رياضة", "رياضة"}}, sport, []string{"رياضة"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := newTopicPlan(tc.src, places).itemTopics(tc.item, tc.item.Title, "")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("topics mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
