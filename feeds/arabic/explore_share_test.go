//go:build explore

// Issue 12's fifth round: the headline check on full articles, and per-article gates
// between the scorer's choice and the lead. Every number is diff = akhbar − Lead at equal
// length (ROUGE-1 F ×100), mean ± sd over the 30 folds of shuffles 0-5 (6-11 where said:
// -explore.from 6) with folds won, as -words N | -sentences 3 | card, measured by evalGate
// on TestFit's folds. The baseline is the summariser before this round (oldFit: a lead
// margin fitted on inner folds for both modes): +0.78 ± 0.99 w25 | +0.92 ± 0.95 w25 |
// +0.56 ± 1.08 w20; on 6-11 +0.67 ± 0.85 w25 | +0.87 ± 0.91 w25 | +0.56 ± 0.94 w22.
//
//	go test -tags explore -run 'TestExplore(HeadStats|TitlePick|Committee|Hybrid|LeadPairs|GainVsArticle|ShareBoth|ShareNews|PickMarginArticles)$' -v ./feeds/arabic [-args -explore.from 6]
//
//   - Headline on full articles (TestFit's new row): the 53 EASC articles with a title
//     (the Wikipedia page name) summarised in one sentence against it: +0.00, as on the
//     46 feed items; the best single sentence per article would gain +0.45 (+1.10 on the
//     feed items), from three articles (TestExploreHeadStats: Topic51 +10.5, Topic47 +7.4,
//     Topic107 +5.9, where the lead holds the title word only with "ال" and ROUGE does not
//     stem). The goal's +0.5 is above what any one-sentence pick reaches on these data.
//     A picker (TestExploreTitlePick: the card's logistic scorer, or a logistic fit of the
//     share of the title's tokens a sentence holds, on the training folds' titled
//     articles, each gated on its margin over the lead sentence chosen on inner folds)
//     never rates another sentence above the first: +0.00 on both checks (λ 10 ungated
//     -0.04 on the EASC titles).
//   - Gate ceilings with today's scorer (TestExploreGate): a perfect per-article choice
//     between the choice and the lead +1.57 | +1.75 | +1.40; no gate +0.76 | +0.95 (own
//     ROUGE-1 40.4: with no margin at all, pickByGain's two-sentence sets replace the
//     lead) | +0.75.
//   - Committee gate (TestExploreCommittee): 10 scorers fitted on bootstrap resamples of
//     the training folds; the choice is taken when at least q of them also rate it above
//     the lead. q nested (inner folds) +0.73 | +0.80 | +0.53; fixed q 0.6 / 0.7 / 0.8 /
//     0.9: -words +0.79 / +0.81 / +0.87 / +0.75; 20 scorers, q 0.8: +0.75 | +0.82 | +0.46.
//     Agreement tracks the gain (TestExploreGainDump: share ≤ 0.7 of the committee, 48 of
//     317 changed summaries, mean -1.2) but choosing q is noise.
//   - At -words, the lead's first k sentences kept, then the scorer's order
//     (TestExploreHybrid): k 2 +0.27, k 3 +0.30 (k 0-1 +0.76): the gain is in replacing
//     the second sentence.
//   - Pairwise ranker with the pairs that straddle the lead window (one sentence within
//     the first N words, one after: the swaps that make the choice differ from Lead)
//     weighted ×2 / ×4 / ×11 (TestExploreLeadPairs, no gate): +0.73 / +0.73 / +0.75
//     against +0.76.
//   - An encyclopaedia/news split (TestExploreDefStats): a copula (هو، هي) among the first
//     sentence's first ten words marks 23 of the 53 Wikipedia articles and none of the 24
//     newspaper ones: too weak to fit two models on; not pursued.
//   - Lead-share gate at -words (the lead, i.e. the budget, as a share of the text's words;
//     TestExploreGainVsArticle): the ungated choice's gain by quartile of that share,
//     ≤ 0.27 +3.21, ≤ 0.33 +2.19, ≤ 0.40 +0.79, above -1.72 (6-11: +2.88, +2.42, +1.16,
//     -1.92). Gating on a share chosen on inner folds (margin 0, TestExploreShareBoth):
//     +0.87 ± 0.88 w27 (6-11: +0.96 ± 0.62 w29); with the fitted margin +0.86 (6-11
//     +0.77), margin and share chosen jointly +0.85 (+0.82), 3 inner shuffles +0.90
//     (+0.97); a fixed share 0.40 chosen on 0-5 (not nested) +1.00 (+1.04). Not kept: in
//     TestFit it cost the 24 newspaper articles at -words (+0.37 → +0.12 on 0-5, +0.29 →
//     +0.20 on 6-11; shuffle 0 alone -0.16, a failure), and its whole gain is one article:
//     summed over the 30 folds of 0-5 the gate gains +58.5, of which Topic21 +69.5
//     (TestExploreShareNews). The same gate on the card's picks: +0.94 | +0.94 on 0-5 and
//     6-11 at -sentences 3, no better than none.
//   - Kept (commit 5e31204): the card's picks without a fitted margin (a choice rated above
//     the lead replaces it; margin 0, TestExploreShareBoth "margins 0, no share gate" for
//     the picks): -sentences 3 +0.95 ± 1.08 w24, card +0.64 ± 1.18 w22; 6-11 +1.11 ± 1.12
//     w25, +0.75 ± 1.08 w23; own ROUGE-1 unchanged (44.0 / 44.2). Per article
//     (TestExplorePickMarginArticles) the change moves 30 articles at -sentences 3 on 0-5,
//     both ways, for +0.03 per article in all, and 25 on 6-11 for +0.25: it takes out a
//     parameter whose choice was noise rather than adding a signal. The shipped margin
//     was 4e-5, so shipped cards barely change (the golden cards do not).

package arabic

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestExploreHeadStats: per titled EASC article, the lead sentence and the best single
// sentence against the title, each against Lead cut to equal length.
func TestExploreHeadStats(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	type item struct{ name, title, text string }
	var items []item
	for _, d := range docs {
		if d.title != "" {
			items = append(items, item{d.topic, d.title, d.clean})
		}
	}
	nE := len(items)
	for _, h := range headlineItems(t) {
		items = append(items, item{"feed", h.title, h.text})
	}
	ceil := [2]float64{}
	cnt := [2]int{}
	for k, it := range items {
		g := 0
		if k >= nE {
			g = 1
		}
		cnt[g]++
		sents, _ := analyse("", it.text)
		title := [][]int32{in.ids(rougeTokens(it.title))}
		lead := in.ids(rougeTokens(it.text))
		best, bi := 0.0, -1
		first := -1
		for i := range sents {
			if sents[i].score < 0 {
				continue
			}
			if first < 0 {
				first = i
			}
			o, l := versusLead([]string{sents[i].text}, lead, title, in)
			if o-l > best {
				best, bi = o-l, i
			}
		}
		ceil[g] += best
		if best > 0 {
			o, _ := versusLead([]string{sents[bi].text}, lead, title, in)
			o0, _ := versusLead([]string{sents[first].text}, lead, title, in)
			t.Logf("%s %q: best sentence %d of %d (+%.1f; %.1f vs lead sent %.1f): %.80q", it.name, it.title, bi, len(sents), best, o, o0, sents[bi].text)
		}
	}
	t.Logf("ceiling EASC titled %d: %+.2f; feed items %d: %+.2f", cnt[0], ceil[0]/float64(cnt[0]), cnt[1], ceil[1]/float64(cnt[1]))
}

var exploreBudget = flag.Int("explore.budget", 0, "TestExploreGainVsArticle: which of evalBudgets")
var exploreNews = flag.Bool("explore.news", false, "TestExploreGainVsArticle: only the 24 newspaper articles")
var exploreMaxShare = flag.Float64("explore.maxshare", 0, "TestExploreGainVsArticle: only articles whose lead share is at most this")

// committee is the main scorer and B others fitted on bootstrap resamples of the same
// training articles: how often the others also rate the main choice above the lead says
// how sure the scorer is of it.
type committee struct {
	main   scorer
	others []scorer
}

func fitCommittee(docs []fitDoc, B int, seed uint64) committee {
	c := committee{main: scorer{w: fitBoth(docs)}}
	r := rand.New(rand.NewPCG(seed, 77))
	for range B {
		s := make([]fitDoc, len(docs))
		for i := range s {
			s[i] = docs[r.IntN(len(docs))]
		}
		c.others = append(c.others, scorer{w: fitBoth(s)})
	}
	return c
}

// agree returns the main choice, the lead, and the share of the others under whose scores
// the main choice's advantage over the lead is positive (-1: nothing to choose).
func (c *committee) agree(text string, b Budget) (sents []sentInfo, chosen, lead []int, adv, share float64) {
	sents, chosen, lead, adv = choose("", text, b, &c.main)
	if len(lead) == 0 || math.IsInf(adv, 1) {
		return sents, chosen, lead, adv, -1
	}
	mode := modeOf(b)
	cp := slices.Clone(sents)
	n := 0
	for _, o := range c.others {
		for i := range cp {
			if cp[i].score >= 0 {
				cp[i].score = o.prob(mode, &cp[i].feat)
			}
		}
		if advantage(cp, chosen, lead) > 0 {
			n++
		}
	}
	return sents, chosen, lead, adv, float64(n) / float64(len(c.others))
}

// committeeVariant gates each article on the committee's agreement: the choice is taken
// when at least q of the others agree, q chosen per mode on inner out-of-fold gains
// (largest gain, the larger q on a tie; above 1 = always the lead).
func committeeVariant(name string, B int, fixed float64) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		if fixed > 0 {
			c := fitCommittee(train, B, 1)
			return func(d *fitDoc, b Budget) []string {
				sents, chosen, lead, _, share := c.agree(d.clean, b)
				if len(lead) > 0 && (share < 0 || share < fixed || slices.Equal(chosen, lead)) {
					return texts(sents, lead, false)
				}
				return texts(sents, chosen, true)
			}
		}
		type cand struct{ share, gain float64 }
		var cands [2][]cand
		for f := range fitInner {
			tr, held := innerSplit(train, f)
			ic := fitCommittee(tr, B, uint64(f)+100)
			for _, d := range held {
				for _, eb := range evalBudgets {
					b := eb.budget(d)
					sents, chosen, _, _, share := ic.agree(d.clean, b)
					if share < 0 {
						continue
					}
					ours, ld := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
					cands[modeOf(b)] = append(cands[modeOf(b)], cand{share, ours - ld})
				}
			}
		}
		var q [2]float64
		for mode, cs := range cands {
			best, bestGain := 2.0, 0.0
			for _, t := range cs {
				gain := 0.0
				for _, c := range cs {
					if c.share >= t.share {
						gain += c.gain
					}
				}
				if gain > bestGain || gain == bestGain && t.share > best {
					best, bestGain = t.share, gain
				}
			}
			q[mode] = best
		}
		c := fitCommittee(train, B, 1)
		return func(d *fitDoc, b Budget) []string {
			sents, chosen, lead, _, share := c.agree(d.clean, b)
			if share < 0 || share >= q[modeOf(b)] || slices.Equal(chosen, lead) {
				if share < 0 || slices.Equal(chosen, lead) {
					if len(lead) > 0 {
						return texts(sents, lead, false)
					}
				}
				return texts(sents, chosen, true)
			}
			return texts(sents, lead, false)
		}
	}}
}

func TestExploreCommittee(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, baseVariant,
		committeeVariant("committee of 10, nested q", 10, 0),
		committeeVariant("committee of 10, q 0.6", 10, 0.6),
		committeeVariant("committee of 10, q 0.7", 10, 0.7),
		committeeVariant("committee of 10, q 0.8", 10, 0.8),
		committeeVariant("committee of 10, q 0.9", 10, 0.9),
		committeeVariant("committee of 20, q 0.8", 20, 0.8))
}

// TestExploreGainDump lists, per held-out article of shuffles 0-5, the gain of the main
// choice over Lead at equal length at -words N with its advantage and committee share.
func TestExploreGainDump(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	const folds = 5
	type row struct {
		adv, share, gain float64
		news             bool
		first            bool
		n                int
	}
	var rows [3][]row
	for k := *exploreFrom * folds; k < (*exploreFrom+*exploreN)*folds; k++ {
		train, test := foldSplit(docs, folds, k/folds, k%folds)
		c := fitCommittee(train, 10, 1)
		for bi, eb := range evalBudgets {
			for i := range test {
				d := &test[i]
				b := eb.budget(d)
				sents, chosen, lead, adv, share := c.agree(d.clean, b)
				if share < 0 || slices.Equal(chosen, lead) {
					continue
				}
				o, l := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
				rows[bi] = append(rows[bi], row{adv, share, o - l, d.news, sentIndex(chosen[0]) == sentIndex(lead[0]), len(sents)})
			}
		}
	}
	for bi, rs := range rows {
		var pos, neg, sum float64
		var byShare [11][2]float64
		var byFirst, byNews [2][2]float64
		for _, r := range rs {
			sum += r.gain
			if r.gain > 0 {
				pos += r.gain
			} else {
				neg += r.gain
			}
			k := int(math.Round(r.share * 10))
			byShare[k][0]++
			byShare[k][1] += r.gain
			f := 0
			if r.first {
				f = 1
			}
			byFirst[f][0]++
			byFirst[f][1] += r.gain
			nw := 0
			if r.news {
				nw = 1
			}
			byNews[nw][0]++
			byNews[nw][1] += r.gain
		}
		t.Logf("%s: %d choices != lead (of %d), gain sum %.1f (pos %.1f, neg %.1f)", evalBudgets[bi].name, len(rs), 77**exploreN, sum, pos, neg)
		for k, v := range byShare {
			if v[0] > 0 {
				t.Logf("  share %.1f: %3.0f articles, mean gain %+.2f", float64(k)/10, v[0], v[1]/v[0])
			}
		}
		t.Logf("  starts with lead sentence: %v; without: %v (n, sum)", byFirst[1], byFirst[0])
		t.Logf("  news: %v; wiki: %v (n, sum)", byNews[1], byNews[0])
		// correlation adv-gain
		var ma, mg float64
		for _, r := range rs {
			ma += r.adv
			mg += r.gain
		}
		ma /= float64(len(rs))
		mg /= float64(len(rs))
		var sab, saa, sgg float64
		for _, r := range rs {
			sab += (r.adv - ma) * (r.gain - mg)
			saa += (r.adv - ma) * (r.adv - ma)
			sgg += (r.gain - mg) * (r.gain - mg)
		}
		t.Logf("  corr(adv, gain) %.3f", sab/math.Sqrt(saa*sgg))
	}
}

// titleDocs are the titled training articles as fitDocs whose labels are the share of
// the title's tokens each sentence holds (features without the title, as the check runs).
func titleDocs(docs []fitDoc, in interner) []fitDoc {
	var out []fitDoc
	for _, d := range docs {
		if d.title == "" {
			continue
		}
		title := in.ids(rougeTokens(d.title))
		set := map[int32]bool{}
		for _, x := range title {
			set[x] = true
		}
		td := fitDoc{title: d.title, clean: d.clean}
		sents, _ := analyse("", d.clean)
		for i := range sents {
			if sents[i].score < 0 {
				continue
			}
			got := map[int32]bool{}
			for _, x := range in.ids(rougeTokens(sents[i].text)) {
				if set[x] {
					got[x] = true
				}
			}
			td.x = append(td.x, sents[i].feat)
			td.y = append(td.y, float64(len(got))/float64(max(1, len(set))))
		}
		out = append(out, td)
	}
	return out
}

// pickOne returns the one sentence of text with the largest score under w (mode pick)
// when it beats the lead sentence's by more than tau, else the lead sentence, and the
// score difference.
func pickOne(text string, w [numFeatures]float64, tau float64) ([]string, float64) {
	sents, _ := analyse("", text)
	m := scorer{w: [2][numFeatures]float64{w, w}}
	first, best := -1, -1
	for i := range sents {
		if sents[i].score < 0 {
			continue
		}
		sents[i].score = m.prob(modePick, &sents[i].feat)
		if first < 0 {
			first = i
		}
		if best < 0 || sents[i].score > sents[best].score {
			best = i
		}
	}
	if first < 0 {
		return nil, 0
	}
	d := sents[best].score - sents[first].score
	if d > tau {
		return []string{sents[best].text}, d
	}
	return []string{sents[first].text}, d
}

// TestExploreTitlePick: for the one-sentence checks, a sentence picker instead of the
// lead: the card's logistic scorer, or a logistic fit of the share of the title's tokens
// a sentence holds (on the training folds' titled articles), each gated on its margin
// over the lead sentence (the margin chosen on inner out-of-fold gains).
func TestExploreTitlePick(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	heads := headlineItems(t)
	const folds = 5
	type variant struct {
		name string
		fit  func(train []fitDoc) [numFeatures]float64
	}
	vs := []variant{
		{"card scorer", func(tr []fitDoc) [numFeatures]float64 { return fitLogistic(tr, fitLambda) }},
		{"title-share fit λ100", func(tr []fitDoc) [numFeatures]float64 { return fitLogistic(titleDocs(tr, in), fitLambda) }},
		{"title-share fit λ10", func(tr []fitDoc) [numFeatures]float64 { return fitLogistic(titleDocs(tr, in), 10) }},
	}
	gainOn := func(text, title string, w [numFeatures]float64, tau float64) (float64, float64) {
		s, d := pickOne(text, w, tau)
		o, l := versusLead(s, in.ids(rougeTokens(text)), [][]int32{in.ids(rougeTokens(title))}, in)
		return o - l, d
	}
	for _, v := range vs {
		for _, gated := range []bool{false, true} {
			var dT, dH []float64
			for k := *exploreFrom * folds; k < (*exploreFrom+*exploreN)*folds; k++ {
				train, test := foldSplit(docs, folds, k/folds, k%folds)
				tau := math.Inf(-1)
				if gated {
					type cand struct{ d, g float64 }
					var cs []cand
					for f := range fitInner {
						var tr []fitDoc
						for i := range train {
							if i%fitInner != f {
								tr = append(tr, train[i])
							}
						}
						w := v.fit(tr)
						for i := range train {
							if i%fitInner == f && train[i].title != "" {
								g, d := gainOn(train[i].clean, train[i].title, w, math.Inf(-1))
								cs = append(cs, cand{d, g})
							}
						}
					}
					tau = math.Inf(1)
					bestGain := 0.0
					for _, c := range cs {
						g := 0.0
						for _, o := range cs {
							if o.d > c.d {
								g += o.g
							}
						}
						if g > bestGain || g == bestGain && c.d > tau {
							tau, bestGain = c.d, g
						}
					}
				}
				w := v.fit(train)
				sum, n := 0.0, 0
				for i := range test {
					if test[i].title != "" {
						g, _ := gainOn(test[i].clean, test[i].title, w, tau)
						sum += g
						n++
					}
				}
				dT = append(dT, sum/float64(n))
				sum = 0
				for _, h := range heads {
					g, _ := gainOn(h.text, h.title, w, tau)
					sum += g
				}
				dH = append(dH, sum/float64(len(heads)))
			}
			mT, sT := meanSD(dT)
			mH, sH := meanSD(dH)
			t.Logf("%-22s gated %-5v: EASC titles %+.2f ± %.2f [%+.2f, %+.2f] | feed headlines %+.2f ± %.2f", v.name, gated, mT, sT, slices.Min(dT), slices.Max(dT), mH, sH)
		}
	}
}

// TestExploreNoGate: today's scorer with and without the lead margins, on the shuffles
// given by -explore.from.
func TestExploreNoGate(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	mk := func(name string, keep [2]bool) gateVariant {
		return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
			m := oldFit(train, in)
			for mode, k := range keep {
				if !k {
					m.margin[mode] = math.Inf(-1)
				}
			}
			return func(d *fitDoc, b Budget) []string { return m.summarize(d.clean, b) }
		}}
	}
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, mk("both margins", [2]bool{true, true}),
		mk("no pick margin", [2]bool{true, false}), mk("no margins", [2]bool{false, false}))
}

// hybridWords is the word budget's choice with the first k pickable sentences read first
// (the lead's start kept), then the scorer's order; no margin.
func hybridWords(text string, b Budget, m *scorer, k int) []string {
	sents, _ := analyse("", text)
	seen := 0
	for i := range sents {
		if s := &sents[i]; s.score >= 0 {
			s.score = m.prob(modeWords, &s.feat)
			if seen < k {
				s.score += float64(2 + k - seen) // before every other, in document order
			}
			seen++
		}
	}
	chosen := pickOrdered(sents, b)
	slices.SortFunc(chosen, func(x, y int) int { return sentIndex(x) - sentIndex(y) })
	return texts(sents, chosen, true)
}

func TestExploreHybrid(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	mk := func(k int) gateVariant {
		return gateVariant{fmt.Sprintf("lead's first %d, then ranked", k), func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
			m := oldFit(train, in)
			return func(d *fitDoc, b Budget) []string {
				if modeOf(b) != modeWords {
					return m.summarize(d.clean, b)
				}
				return hybridWords(d.clean, b, &m.scorer, k)
			}
		}}
	}
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, mk(0), mk(1), mk(2), mk(3))
}

func TestExploreDefStats(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	var tab [2][2]int
	for _, d := range docs {
		sents, _ := analyse("", d.clean)
		def := 0
		if len(sents) > 0 && definitional(sents[0].text) {
			def = 1
		}
		nw := 0
		if d.news {
			nw = 1
		}
		tab[nw][def]++
		if (def == 1) == d.news {
			t.Logf("%s news=%v def=%d: %.100q", d.topic, d.news, def, sents[0].text)
		}
	}
	t.Logf("wiki: def %d, not %d; news: def %d, not %d", tab[0][1], tab[0][0], tab[1][1], tab[1][0])
}

// definitional reports a first sentence that defines its subject, as an encyclopaedia's
// does ("X هو …"): a pronoun copula among its first ten words.
func definitional(s string) bool {
	n := 0
	for _, w := range strings.Fields(Normalize(s)) {
		if n++; n > 10 {
			break
		}
		switch w {
		case "هو", "هي", "هم", "هما":
			return true
		}
	}
	return false
}

// leadWindow marks, per labelled sentence of d (those relabel keeps), whether it starts
// within the first d.words words of the text: the sentences Lead at the word budget reads.
func leadWindow(d *fitDoc) []bool {
	sents, _ := analyse(d.title, d.clean)
	var out []bool
	words := 0
	for i := range sents {
		if sents[i].score >= 0 {
			out = append(out, words < d.words)
		}
		words += sents[i].words
	}
	return out
}

// fitPairwiseLead is fitPairwise with pairs that straddle the lead window (one sentence
// in it, one after it: the swaps that make the choice differ from the lead) weighted
// 1+alpha.
func fitPairwiseLead(docs []fitDoc, lambda, minDiff, alpha float64) [numFeatures]float64 {
	wins := make([][]bool, len(docs))
	for i := range docs {
		wins[i] = leadWindow(&docs[i])
	}
	return fitPairwiseBy(docs, lambda, minDiff, func(wt float64, di, i, j int) float64 {
		if wins[di][i] != wins[di][j] {
			wt *= 1 + alpha
		}
		return wt
	})
}

func TestExploreLeadPairs(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	mk := func(alpha float64) gateVariant {
		return gateVariant{fmt.Sprintf("straddling pairs ×%g", 1+alpha), func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
			m := oldFit(train, in)
			m.w[modeWords] = fitPairwiseLead(train, pairLambda, pairMinDiff, alpha)
			m.margin[modeWords] = math.Inf(-1)
			return func(d *fitDoc, b Budget) []string { return m.summarize(d.clean, b) }
		}}
	}
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, mk(0), mk(1), mk(3), mk(10))
}

// TestExploreGainVsArticle: at -words N, the ungated choice's gain over Lead at equal
// length against article-level quantities (shuffles of -explore.from), by quartile.
func TestExploreGainVsArticle(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	const folds = 5
	type row struct{ gain, ratio, nsent, adv, lead1 float64 }
	var rows []row
	for k := *exploreFrom * folds; k < (*exploreFrom+*exploreN)*folds; k++ {
		train, test := foldSplit(docs, folds, k/folds, k%folds)
		m := oldFit(train, in)
		for i := range test {
			d := &test[i]
			b := evalBudgets[*exploreBudget].budget(d)
			sents, chosen, lead, adv := choose("", d.clean, b, &m.scorer)
			if len(lead) == 0 || slices.Equal(chosen, lead) || math.IsInf(adv, 1) {
				continue
			}
			o, l := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
			total := 0
			for _, s := range sents {
				total += s.words
			}
			if *exploreNews && !d.news {
				continue
			}
			if *exploreMaxShare > 0 && leadShare(sents, lead) > *exploreMaxShare {
				continue
			}
			rows = append(rows, row{o - l, float64(d.words) / float64(total), float64(len(sents)), adv, float64(sents[sentIndex(lead[0])].words)})
		}
	}
	for _, q := range []struct {
		name string
		f    func(r row) float64
	}{{"budget/article words", func(r row) float64 { return r.ratio }}, {"sentences", func(r row) float64 { return r.nsent }},
		{"advantage", func(r row) float64 { return r.adv }}, {"lead sentence words", func(r row) float64 { return r.lead1 }}} {
		slices.SortFunc(rows, func(a, b row) int { return cmpF(q.f(a), q.f(b)) })
		line := ""
		for j := range 4 {
			part := rows[j*len(rows)/4 : (j+1)*len(rows)/4]
			sum := 0.0
			for _, r := range part {
				sum += r.gain
			}
			line += fmt.Sprintf(" | ≤%.3g: n %d, mean gain %+.2f", q.f(part[len(part)-1]), len(part), sum/float64(len(part)))
		}
		t.Logf("%-22s%s", q.name, line)
	}
}

// shareGate fits the scorer as fitScorer does and then, per mode, chooses on inner
// out-of-fold choices the largest lead share theta (of the text's words) at which the
// choice may replace the lead, jointly with the margin: the pair with the largest inner
// gain (on a tie the smaller theta and the larger margin). joint false: the margin is
// fitScorer's and only theta is chosen (with that margin applied).
func shareGate(train []fitDoc, in interner, joint bool, noMargin ...bool) (gatedScorer, [2]float64) {
	m := oldFit(train, in)
	if len(noMargin) > 0 && noMargin[0] {
		m.margin[modeWords] = math.Inf(-1)
	}
	type cand struct{ adv, share, gain float64 }
	var cands [2][]cand
	for f := range fitInner {
		tr, held := innerSplit(train, f)
		im := scorer{w: fitBoth(tr)}
		for _, d := range held {
			for _, eb := range evalBudgets {
				b := eb.budget(d)
				sents, chosen, lead, adv := choose("", d.clean, b, &im)
				if math.IsInf(adv, 1) {
					continue
				}
				ours, ld := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
				cands[modeOf(b)] = append(cands[modeOf(b)], cand{adv, leadShare(sents, lead), ours - ld})
			}
		}
	}
	var theta [2]float64
	for mode, cs := range cands {
		margins := []float64{m.margin[mode]}
		if joint {
			margins = []float64{math.Inf(-1)}
			for _, c := range cs {
				if c.adv >= 0 {
					margins = append(margins, c.adv)
				}
			}
		}
		bestT, bestM, bestGain := 0.0, 1.0, 0.0
		for _, mg := range margins {
			for _, tc := range cs {
				gain := 0.0
				for _, c := range cs {
					if c.adv > mg && c.share <= tc.share {
						gain += c.gain
					}
				}
				if gain > bestGain || gain == bestGain && (tc.share < bestT || tc.share == bestT && mg > bestM) {
					bestT, bestM, bestGain = tc.share, mg, gain
				}
			}
		}
		theta[mode] = bestT
		m.margin[mode] = bestM
	}
	return m, theta
}

func shareVariant(name string, joint bool, modes [2]bool, noMargin ...bool) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		m, theta := shareGate(train, in, joint, noMargin...)
		base := oldFit(train, in)
		return func(d *fitDoc, b Budget) []string {
			mode := modeOf(b)
			if !modes[mode] {
				return base.summarize(d.clean, b)
			}
			sents, chosen, lead, adv := choose("", d.clean, b, &m.scorer)
			if len(lead) > 0 && (adv <= m.margin[mode] || slices.Equal(chosen, lead) || leadShare(sents, lead) > theta[mode]) {
				return texts(sents, lead, false)
			}
			return texts(sents, chosen, true)
		}
	}}
}

func TestExploreShare(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, baseVariant,
		shareVariant("share gate, words only", false, [2]bool{true, false}),
		shareVariant("share gate, both modes", false, [2]bool{true, true}),
		shareVariant("share+margin joint, both", true, [2]bool{true, true}),
		shareVariant("share gate, words, no margin", false, [2]bool{true, false}, true))
}

func TestExploreShareThetas(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	for k := *exploreFrom * 5; k < (*exploreFrom+*exploreN)*5; k++ {
		train, _ := foldSplit(docs, 5, k/5, k%5)
		m, theta := shareGate(train, in, false)
		t.Logf("shuffle %d fold %d: theta %.3f, margins %.4f", k/5, k%5, theta, m.margin)
	}
}

// fixedShareVariant gates on a fixed lead share (chosen on shuffles 0-5, a choice to
// confirm on 6-11) with fitScorer's margins.
func fixedShareVariant(theta float64, margin bool) gateVariant {
	return gateVariant{fmt.Sprintf("fixed share ≤ %.2f, words, margin %v", theta, margin), func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		m := oldFit(train, in)
		if !margin {
			m.margin[modeWords] = math.Inf(-1)
		}
		return func(d *fitDoc, b Budget) []string {
			mode := modeOf(b)
			sents, chosen, lead, adv := choose("", d.clean, b, &m.scorer)
			if len(lead) > 0 && (adv <= m.margin[mode] || slices.Equal(chosen, lead) || mode == modeWords && leadShare(sents, lead) > theta) {
				return texts(sents, lead, false)
			}
			return texts(sents, chosen, true)
		}
	}}
}

func TestExploreShareFixed(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, fixedShareVariant(0.35, false),
		fixedShareVariant(0.4, false), fixedShareVariant(0.45, false), fixedShareVariant(0.5, false), fixedShareVariant(0.4, true))
}

// shareGateWords chooses only the word budget's largest lead share theta, with the margin
// 0 (a choice rated below the lead is never taken), on inner out-of-fold choices over
// `repeats` inner shuffles; grid > 0 restricts theta to multiples of grid.
func shareGateWords(train []fitDoc, in interner, repeats int, grid float64) (gatedScorer, float64) {
	m := oldFit(train, in)
	m.margin[modeWords] = 0
	type cand struct{ adv, share, gain float64 }
	var cs []cand
	for r := range repeats {
		order := rand.New(rand.NewPCG(uint64(r)+40, 3)).Perm(len(train))
		for f := range fitInner {
			var tr []fitDoc
			for j, i := range order {
				if j%fitInner != f {
					tr = append(tr, train[i])
				}
			}
			im := scorer{w: fitBoth(tr)}
			for j, i := range order {
				if j%fitInner != f {
					continue
				}
				d := &train[i]
				sents, chosen, lead, adv := choose("", d.clean, Budget{Words: d.words}, &im)
				if math.IsInf(adv, 1) || adv <= 0 {
					continue
				}
				ours, ld := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
				cs = append(cs, cand{adv, leadShare(sents, lead), ours - ld})
			}
		}
	}
	var ts []float64
	if grid > 0 {
		for x := grid; x < 1+grid; x += grid {
			ts = append(ts, x)
		}
	} else {
		for _, c := range cs {
			ts = append(ts, c.share)
		}
	}
	bestT, bestGain := 0.0, 0.0
	for _, th := range ts {
		gain := 0.0
		for _, c := range cs {
			if c.share <= th {
				gain += c.gain
			}
		}
		if gain > bestGain || gain == bestGain && th < bestT {
			bestT, bestGain = th, gain
		}
	}
	return m, bestT
}

func wordsShareVariant(name string, repeats int, grid float64) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		m, theta := shareGateWords(train, in, repeats, grid)
		return func(d *fitDoc, b Budget) []string {
			if modeOf(b) != modeWords {
				return m.summarize(d.clean, b)
			}
			sents, chosen, lead, adv := choose("", d.clean, b, &m.scorer)
			if len(lead) > 0 && (adv <= 0 || slices.Equal(chosen, lead) || leadShare(sents, lead) > theta) {
				return texts(sents, lead, false)
			}
			return texts(sents, chosen, true)
		}
	}}
}

func TestExploreShareWords(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN,
		wordsShareVariant("words share, 1 inner shuffle", 1, 0),
		wordsShareVariant("words share, 3 inner shuffles", 3, 0),
		wordsShareVariant("words share, 3 inner, grid .05", 3, 0.05))
}

// pickShareVariant: the pick mode's margin replaced by 0 and a nested lead-share gate (the
// word budget as today).
func pickShareVariant(name string, bi int) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		m := oldFit(train, in)
		type cand struct{ share, gain float64 }
		var cs []cand
		for f := range fitInner {
			tr, held := innerSplit(train, f)
			im := scorer{w: fitBoth(tr)}
			for _, d := range held {
				sents, chosen, lead, adv := choose("", d.clean, evalBudgets[bi].budget(d), &im)
				if math.IsInf(adv, 1) || adv <= 0 {
					continue
				}
				ours, ld := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
				cs = append(cs, cand{leadShare(sents, lead), ours - ld})
			}
		}
		theta, bestGain := 0.0, 0.0
		for _, tc := range cs {
			gain := 0.0
			for _, c := range cs {
				if c.share <= tc.share {
					gain += c.gain
				}
			}
			if gain > bestGain || gain == bestGain && tc.share < theta {
				theta, bestGain = tc.share, gain
			}
		}
		return func(d *fitDoc, b Budget) []string {
			if modeOf(b) != modePick {
				return m.summarize(d.clean, b)
			}
			sents, chosen, lead, adv := choose("", d.clean, b, &m.scorer)
			if len(lead) > 0 && (adv <= 0 || slices.Equal(chosen, lead) || leadShare(sents, lead) > theta) {
				return texts(sents, lead, false)
			}
			return texts(sents, chosen, true)
		}
	}}
}

func TestExploreSharePick(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, pickShareVariant("pick share (θ from -sentences 3)", 1))
}

// shareScorer is the candidate: both modes' margins 0 and a lead-share gate per mode, the
// share chosen on inner out-of-fold choices (every budget of evalBudgets of that mode);
// use[mode] false keeps fitScorer's margin and no share gate for that mode.
func shareScorer(train []fitDoc, in interner, use [2]bool) (gatedScorer, [2]float64) {
	m := oldFit(train, in)
	type cand struct{ share, gain float64 }
	var cands [2][]cand
	for f := range fitInner {
		tr, held := innerSplit(train, f)
		im := scorer{w: fitBoth(tr)}
		for _, d := range held {
			for _, eb := range evalBudgets {
				b := eb.budget(d)
				sents, chosen, lead, adv := choose("", d.clean, b, &im)
				if math.IsInf(adv, 1) || adv <= 0 {
					continue
				}
				ours, ld := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
				cands[modeOf(b)] = append(cands[modeOf(b)], cand{leadShare(sents, lead), ours - ld})
			}
		}
	}
	theta := [2]float64{2, 2}
	for mode, cs := range cands {
		if !use[mode] {
			continue
		}
		m.margin[mode] = 0
		best, bestGain := 0.0, 0.0
		for _, tc := range cs {
			gain := 0.0
			for _, c := range cs {
				if c.share <= tc.share {
					gain += c.gain
				}
			}
			if gain > bestGain || gain == bestGain && tc.share < best {
				best, bestGain = tc.share, gain
			}
		}
		theta[mode] = best
	}
	return m, theta
}

func shareScorerVariant(name string, use [2]bool, zeroOnly bool, pickTheta ...bool) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		m, theta := shareScorer(train, in, use)
		if zeroOnly {
			theta = [2]float64{2, 2}
		}
		if len(pickTheta) > 0 && !pickTheta[0] {
			theta[modePick] = 2
		}
		return func(d *fitDoc, b Budget) []string {
			mode := modeOf(b)
			sents, chosen, lead, adv := choose("", d.clean, b, &m.scorer)
			if len(lead) > 0 && (adv <= m.margin[mode] || slices.Equal(chosen, lead) || leadShare(sents, lead) > theta[mode]) {
				return texts(sents, lead, false)
			}
			return texts(sents, chosen, true)
		}
	}}
}

func TestExploreShareBoth(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN,
		shareScorerVariant("margins 0, no share gate", [2]bool{true, true}, true),
		shareScorerVariant("share gate, pick only", [2]bool{false, true}, false),
		shareScorerVariant("share gate, both modes", [2]bool{true, true}, false),
		shareScorerVariant("margins 0, share gate words only", [2]bool{true, true}, false, false))
}

// leadShare is the share of the text's words (of the sentences scored) that the lead
// holds, a cut sentence counted as cut.
func leadShare(sents []sentInfo, lead []int) float64 {
	total, held := 0, 0
	for i := range sents {
		total += sents[i].words
	}
	for _, c := range lead {
		if c < 0 {
			held += countWords(sents[^c].cut)
		} else {
			held += sents[c].words
		}
	}
	if total == 0 {
		return 1
	}
	return float64(held) / float64(total)
}

// oldFit is fitScorer as it was before this round: a lead margin fitted on inner folds
// for each mode (the card's picks too), the baseline these experiments were measured
// against.
func oldFit(train []fitDoc, in interner) gatedScorer {
	return fitOpts2(train, in, fitBoth, selOpts{product: true})
}

// TestExploreShareNews lists the newspaper articles whose word-budget summary the share
// gate (margins 0, shareScorer) sends back to the lead, with what that costs or gains.
func TestExploreShareNews(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	const folds = 5
	type hit struct {
		share, theta, delta float64
	}
	per := map[string][]hit{}
	for k := *exploreFrom * folds; k < (*exploreFrom+*exploreN)*folds; k++ {
		train, test := foldSplit(docs, folds, k/folds, k%folds)
		m, theta := shareScorer(train, in, [2]bool{true, true})
		for i := range test {
			d := &test[i]
			sents, chosen, lead, adv := choose("", d.clean, Budget{Words: d.words}, &m.scorer)
			if len(lead) == 0 || adv <= 0 || slices.Equal(chosen, lead) || math.IsInf(adv, 1) {
				continue
			}
			if sh := leadShare(sents, lead); sh > theta[modeWords] {
				o, l := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
				key := d.topic
				if d.news {
					key += " (news)"
				}
				per[key] = append(per[key], hit{sh, theta[modeWords], l - o})
			}
		}
	}
	var news, all float64
	for k, hs := range per {
		sum := 0.0
		for _, h := range hs {
			sum += h.delta
		}
		if strings.HasSuffix(k, "(news)") {
			news += sum
		}
		all += sum
		t.Logf("%-16s gated %d times, share %.3f (θ %.3f..), gate's gain %+.2f in all", k, len(hs), hs[0].share, hs[0].theta, sum)
	}
	t.Logf("gate's gain, summed over folds: all %+.1f, news %+.1f", all, news)
}

// TestExplorePickMarginArticles: per article, what dropping the card picks' fitted margin
// (today's Summarize against oldFit) changes at -sentences 3 and the card, summed over
// the folds of -explore.from.
func TestExplorePickMarginArticles(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	const folds = 5
	for _, bi := range []int{1, 2} {
		per := map[string]float64{}
		total := 0.0
		for k := *exploreFrom * folds; k < (*exploreFrom+*exploreN)*folds; k++ {
			train, test := foldSplit(docs, folds, k/folds, k%folds)
			old := oldFit(train, in)
			m := fitScorer(train, in)
			for i := range test {
				d := &test[i]
				b := evalBudgets[bi].budget(d)
				o1, l1 := versusLead(old.summarize(d.clean, b), d.lead, d.refs, in)
				o2, l2 := versusLead(summarize("", d.clean, b, &m), d.lead, d.refs, in)
				if g := (o2 - l2) - (o1 - l1); g != 0 {
					per[d.topic] += g
					total += g
				}
			}
		}
		keys := make([]string, 0, len(per))
		for k := range per {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return cmpF(per[b], per[a]) })
		line := ""
		for _, k := range keys {
			line += fmt.Sprintf(" %s %+.1f", k, per[k])
		}
		t.Logf("%s: %d articles changed, sum %+.1f (per article over %d: %+.2f):%s", evalBudgets[bi].name, len(per), total, len(docs)**exploreN, total/float64(len(docs)**exploreN), line)
	}
}
