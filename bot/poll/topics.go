package poll

import (
	"slices"

	"github.com/akhbar/akhbar/feeds"
	"github.com/akhbar/akhbar/feeds/arabic"
	"github.com/akhbar/akhbar/storage"
)

// A source's topics are the set its items may take, and each item takes
// those it is about, so a topic subscription brings only what it names.
// How an item's topics are found depends on what a topic is:
//
//   - a subject (its name is one arabic.SubjectOf knows: رياضة, اقتصاد,
//     Sports …): the item takes it when its feed categories name that
//     subject, or, when none of its categories names any subject, when
//     the subject model says so with confidence (arabic.ClassifySubject);
//   - a topic the source's category map points to (sources[].categories):
//     the item takes it when one of its categories maps to it;
//   - a place (its name is a country arabic.PlaceOf knows: المغرب, مصر),
//     or a topic the source gives words for (sources[].keywords: محليات:
//     [الأردن, البلقاء]): the item takes it when its title or first lines
//     name the place (المغرب, المغربية, الرباط …) or one of the words (a
//     country among them stands for all its names, demonyms and cities).
//     An item that names no known place at all is about the source's home:
//     when the source has exactly one place topic, the item takes it (a
//     Moroccan site's story on its tax law names no country); an item that
//     names only other places (a Gaza story on the same site) does not;
//   - any other topic (a scope like عالمية), which nothing in an item can
//     tell: every item of the source takes it, as the source is about it
//     as a whole.
//
// A category names a topic through the source's category map, or by being
// the topic's own name (compared as arabic.NameKey: "الرياضة" is
// "رياضة"), or by naming the same subject ("كرة القدم" for رياضة).

// topicPlan is how one source's items take its topics.
type topicPlan struct {
	topics    []string            // the source's topics, in config order
	wide      map[string]bool     // topics every item takes
	bySubject map[string][]string // subject → the source's topics that name it
	byKey     map[string]string   // category name key → topic
	byPlace   map[string]string   // topic → the known place it names
	keywords  *arabic.PlaceMatcher
	places    *arabic.PlaceMatcher // every known place; shared, read only
	home      string               // the topic an item naming no place takes
}

// newTopicPlan plans a source's topics; places is arabic.NewPlaceMatcher's
// (built once: it is read only).
func newTopicPlan(src feeds.Source, places *arabic.PlaceMatcher) topicPlan {
	p := topicPlan{topics: src.Topics, wide: map[string]bool{}, bySubject: map[string][]string{}, byKey: map[string]string{},
		byPlace: map[string]string{}, places: places}
	mapped := map[string]bool{}
	for cat, topic := range src.Categories {
		if slices.Contains(src.Topics, topic) {
			p.byKey[arabic.NameKey(cat)] = topic
			mapped[topic] = true
		}
	}
	words := map[string][]string{}
	var homes []string
	for _, t := range src.Topics {
		if k := arabic.NameKey(t); p.byKey[k] == "" {
			p.byKey[k] = t
		}
		if w := src.Keywords[t]; len(w) > 0 {
			words[t] = w
		}
		s, place := arabic.SubjectOf(t), arabic.PlaceOf(t)
		switch {
		case s != "":
			p.bySubject[s] = append(p.bySubject[s], t)
		case place != "":
			p.byPlace[t] = place
		case words[t] != nil:
		case !mapped[t]:
			p.wide[t] = true
		}
		if s == "" && (place != "" || arabic.NamesPlace(words[t])) && !slices.Contains(homes, t) {
			homes = append(homes, t)
		}
	}
	if len(words) > 0 {
		p.keywords = arabic.NewKeywordMatcher(words)
	}
	if len(homes) == 1 {
		p.home = homes[0]
	}
	return p
}

// itemTopics returns the topics of the source an item is about, in the
// source's order; title and text are the item's cleaned title and text.
func (p topicPlan) itemTopics(it feeds.Item, title, text string) []string {
	if len(p.topics) == 0 {
		return nil
	}
	has := map[string]bool{}
	for t := range p.wide {
		has[t] = true
	}
	subjectNamed := false // a category said what the item is about
	for _, c := range it.Categories {
		k := arabic.NameKey(c)
		if t, ok := p.byKey[k]; ok {
			has[t] = true
			if arabic.SubjectOf(t) != "" {
				subjectNamed = true
			}
			continue
		}
		if s := arabic.SubjectOf(c); s != "" {
			subjectNamed = true
			for _, t := range p.bySubject[s] {
				has[t] = true
			}
		}
	}
	if len(p.byPlace) > 0 || p.keywords != nil {
		named := p.places.Places(title, text)
		var said map[string]bool
		if p.keywords != nil {
			said = p.keywords.Places(title, text)
		}
		for t, place := range p.byPlace {
			if named[place] {
				has[t] = true
			}
		}
		for t := range said {
			has[t] = true
		}
		if p.home != "" && len(named) == 0 && len(said) == 0 {
			has[p.home] = true
		}
	}
	if !subjectNamed && len(p.bySubject) > 0 {
		if s, conf := arabic.ClassifySubject(title, text); conf >= arabic.SubjectMinConfidence {
			for _, t := range p.bySubject[s] {
				has[t] = true
			}
		}
	}
	var out []string
	for _, t := range p.topics {
		if has[t] {
			out = append(out, t)
			delete(has, t) // a topic listed twice is taken once
		}
	}
	return out
}

// targetsOf lists the subscription targets an item reaches: its source,
// its own topics, and breaking news when it is.
func targetsOf(it feeds.Item) []string {
	t := make([]string, 0, 2+len(it.Topics))
	t = append(t, SourceTarget(it.SourceID))
	for _, topic := range it.Topics {
		t = append(t, TopicTarget(topic))
	}
	if it.Breaking {
		t = append(t, BreakingTarget)
	}
	return t
}

// SourceTarget and TopicTarget name subscription targets in the store.
func SourceTarget(id string) string   { return "s:" + id }
func TopicTarget(topic string) string { return "t:" + topic }

// BreakingTarget is the subscription to breaking news of every source.
const BreakingTarget = storage.BreakingAll
