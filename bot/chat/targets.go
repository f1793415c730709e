package chat

import (
	"strconv"
	"strings"

	"github.com/akhbar/akhbar/bot/card"
	"github.com/akhbar/akhbar/bot/poll"
	"github.com/akhbar/akhbar/feeds/arabic"
)

// targetCode is a target as a callback's argument (KindToggle, KindUnsub,
// KindLatest), short enough for 64 bytes: sources by id, topics by their
// index, since Arabic topic names can be long.
func (h *turn) targetCode(target string) string {
	if topic, ok := strings.CutPrefix(target, "t:"); ok {
		for i, tp := range h.cat().topics {
			if tp == topic {
				return "t" + strconv.Itoa(i)
			}
		}
	}
	return target
}

// targetOfCallback reverses targetCode.
func (h *turn) targetOfCallback(code string) string {
	if code == poll.BreakingTarget {
		return code
	}
	c := h.cat()
	if strings.HasPrefix(code, "s:") {
		if _, ok := c.byID[code[2:]]; ok {
			return code
		}
		return ""
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(code, "t")); err == nil && strings.HasPrefix(code, "t") && n >= 0 && n < len(c.topics) {
		return poll.TopicTarget(c.topics[n])
	}
	return ""
}

// resolveTarget finds a source (by id or name), a topic or breaking news
// ("عاجل") named by the user, matching Arabic with normalisation so
// "الاقتصاد" finds "اقتصاد" and hamza or taa marbuta variants do not matter.
func (h *turn) resolveTarget(q string) (target, name string) {
	q = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(q), "#"))
	if q == "" {
		return "", q
	}
	nq := normKey(q)
	c := h.cat()
	for _, s := range c.list {
		if strings.EqualFold(s.ID, q) || normKey(s.Name) == nq {
			return poll.SourceTarget(s.ID), s.Name
		}
	}
	for _, t := range c.topics {
		if normKey(t) == nq {
			return poll.TopicTarget(t), t
		}
	}
	if IsBreakingName(q) {
		return poll.BreakingTarget, h.targetName(poll.BreakingTarget)
	}
	return "", q
}

// normKey normalises a name for matching, ignoring a leading article.
func normKey(s string) string {
	n := arabic.Normalize(strings.ReplaceAll(strings.TrimSpace(s), "_", " "))
	if strings.HasPrefix(n, "ال") && len([]rune(n)) > 4 {
		n = strings.TrimPrefix(n, "ال")
	}
	return n
}

func (h *turn) targetName(target string) string {
	if id, ok := strings.CutPrefix(target, "s:"); ok {
		return h.sourceName(id)
	}
	if target == poll.BreakingTarget {
		return card.BreakingTexts("ar").Mark // a name, like the Arabic names of topics
	}
	return "#" + strings.TrimPrefix(target, "t:")
}

// targetLabel is targetName placed in a sentence or a label in lang (not
// escaped).
func (h *turn) targetLabel(target, lang string) string {
	if target == poll.BreakingTarget {
		return card.BreakingTexts(lang).Mark // in lang's own words
	}
	return card.Embed(lang, h.targetName(target))
}
