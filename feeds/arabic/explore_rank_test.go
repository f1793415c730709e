//go:build explore

// Issue 12's third round: can new features or a non-linear scorer carry the RANKING that
// the label ceiling says is missing (true labels as scores: +8.2 at -words)? Each variant
// is fitted and scored by evalGate on TestFit's folds; numbers are diff = akhbar − Lead
// at equal length (ROUGE-1 F ×100), mean ± sd over the 30 folds of shuffles 0-5 and folds
// won, as -words N | -sentences 3 | card. Lead at equal length is akhbar's own ROUGE-1
// minus diff (today: 52.2 − 0.78 = 51.4 | 44.1 − 0.92 = 43.2 | 40.8 − 0.56 = 40.2).
// Today's 21 features (the baseline): +0.78 ± 0.99 w25 | +0.92 ± 0.95 w25 | +0.56 ± 1.08 w20.
//
//   - eight new features in both linear fits (TestExploreFeats): attribution verb among
//     the first three words (قال، أضاف، أكد، أوضح، أشار، ذكر …), pronoun or demonstrative
//     first (هو، هذا، ذلك …), "?" "!" "؟", share of the text's five most recurring terms,
//     parenthesis, and pos×cent, pos×len, pos×seen interactions. All eight: +0.53 ± 0.80
//     | +0.64 ± 1.00 | +0.40 ± 1.12. One at a time: attrib +0.67 | +0.92 | +0.59;
//     pronoun +0.80 | +0.95 | +0.59; ask +0.73 | +0.92 | +0.56; topk +0.52 | +0.85 |
//     +0.56; paren +0.73 | +0.91 | +0.57; poscent +0.67 | +0.81 | +0.51; poslen +0.67 |
//     +0.81 | +0.52; posseen +0.73 | +0.73 | +0.50. None above noise; none kept.
//   - depth-2 boosted trees (boostTrees: Newton steps as XGBoost, greedy root then each
//     side's best split, 16 quantile thresholds, η 0.1, leaf penalty 10 and least leaf 30
//     sentences' Hessian) on top of the linear logit, TestExploreBoost. Card picks
//     (cross-entropy): 10 / 20 / 40 trees -sentences 3 +0.65 / +0.84 / +0.40, card +0.52 /
//     +0.60 / +0.42; with the new features too +0.88 / +0.85 / +0.68, card +0.66 / +0.70 /
//     +0.62. Word budget (pairwise loss, 10 trees; shuffles 0-1): +0.11 against +0.80
//     without. On shuffles 0-1 alone 20 trees looked like +1.11 | card +0.84: noise.
//   - fitting on features computed without the title, as the corpus is summarised
//     (TestExploreNoTitle): +0.61 | +0.79 | +0.49; with and without both: +0.68 | +0.73 |
//     +0.55. The title in fitting helps.
//   - background IDF (TestExploreBackground): LexRank over IDF cosine, keyword weight
//     log tf × IDF, IDF cosine to the rest of the text. Corpus (a) the 46 real news items
//     of testdata (feeds/*.xml and articles/LBCGroup.json, titles and texts: the headline
//     check's items, unlabelled); (b) the training folds' EASC article texts (never the
//     references). (a) all three +0.67 | +0.78 | +0.51; bgcent +0.75 | +0.83 | +0.56;
//     bgkeyword +0.71 | +0.83 | +0.49; bgcentroid +0.75 ± 1.04 w26 | +0.99 ± 1.09 w24 |
//     +0.68 ± 1.25 w23. (b) all three +0.73 | +0.87 | +0.59; bgcent +0.72 | +0.84 | +0.54;
//     bgkeyword +0.73 | +0.81 | +0.52; bgcentroid +0.80 | +0.98 | +0.69.
//     Chosen for confirmation: (a) bgcentroid (news, embeddable). Shuffles 6-11
//     (TestExploreConfirm -explore.from 6): today +0.67 ± 0.85 w25 | +0.87 ± 0.91 w25 |
//     +0.56 ± 0.94 w22; bgcentroid +0.66 ± 0.85 w23 | +0.87 ± 0.93 w24 | +0.55 ± 1.00 w23.
//     The gain on 0-5 was noise; not kept.
//   - the pairwise ranker with pairs weighted by LambdaRank's discount gap at the ideal
//     ranks (fitPairwiseTop, -words only): λ 0.3 +0.46, λ 1 with the discount squared +0.30.
//   - the headline check (TestExploreHeadline): Summarize("", text, Sentences: 1) can only
//     return the lead (pickByGain needs two sentences), hence +0.00. Of the 46 items, 40
//     have one sentence or none after Clean; a perfect pick of one sentence per item gains
//     +1.10 in all, from three items (+22.2: a 16-word "ويمثل فوزه …" over a 32-word quote
//     lead; +23.5: a 6-word "يبدو أنّ الرومان القدماء اعتقدوا ذلك."; +5.0). Reaching +0.5
//     means winning one of the first two, sentences a connective or a six-word aside opens:
//     any rule that picks them is fitted to those two items.

package arabic

import (
	"math"
	"slices"
	"testing"
)

// newFeats are the features issue 12's third round added (explore_rank_test.go).
var newFeats = []int{featAttrib, featPronoun, featAsk, featTopK, featParen, featPosCent, featPosLen, featPosTitle}

// allBut returns newFeats without keep.
func allBut(keep ...int) []int {
	var out []int
	for _, k := range newFeats {
		drop := true
		for _, x := range keep {
			if x == k {
				drop = false
			}
		}
		if drop {
			out = append(out, k)
		}
	}
	return out
}

func fitVariant(name string, ks ...int) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		m := fitScorerBy(without(train, ks...), in, func(ds []fitDoc) scorer { return scorer{w: fitBothAll(ds)} })
		return func(d *fitDoc, b Budget) []string { return summarize("", d.clean, b, &m) }
	}}
}

func TestExploreFeats(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	vs := []gateVariant{fitVariant("old features", newFeats...), fitVariant("all new")}
	for _, k := range newFeats {
		vs = append(vs, fitVariant("+"+featureNames[k], allBut(k)...))
	}
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, vs...)
}

func boostVariant(name string, ow, op boostOpts, ksW, ksP []int) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		fit := func(ds []fitDoc) scorer {
			dw, dp := without(ds, ksW...), without(ds, ksP...)
			var m scorer
			m.w[modeWords] = fitPairwise(dw, pairLambda, pairMinDiff)
			m.w[modePick] = fitLogistic(dp, fitLambda)
			if ow.rounds > 0 {
				m.trees[modeWords] = boostTrees(dw, m.w[modeWords], ow)
			}
			if op.rounds > 0 {
				m.trees[modePick] = boostTrees(dp, m.w[modePick], op)
			}
			return m
		}
		m := fitScorerBy(train, in, fit)
		return func(d *fitDoc, b Budget) []string { return summarize("", d.clean, b, &m) }
	}}
}

func TestExploreBoost(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	none := boostOpts{}
	vs := []gateVariant{boostVariant("no trees", none, none, newFeats, newFeats)}
	for _, r := range []int{10, 20, 40} {
		op := boostOpts{rounds: r, eta: 0.1, lambda: 10, minLeaf: 30, bins: 16}
		vs = append(vs, boostVariant("pick trees r"+ftoa(float64(r)), none, op, newFeats, newFeats))
		vs = append(vs, boostVariant("pick trees r"+ftoa(float64(r))+" all feats", none, op, newFeats, nil))
	}
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, vs...)
}

// transVariant fits Summarize's scorer on training articles transformed by trans (the
// lead margins still chosen on summaries of the untransformed training articles).
func transVariant(name string, trans func([]fitDoc) []fitDoc) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		m := fitScorerBy(train, in, func(ds []fitDoc) scorer {
			return scorer{w: fitBothAll(without(trans(ds), newFeats...))}
		})
		return func(d *fitDoc, b Budget) []string { return summarize("", d.clean, b, &m) }
	}}
}

func TestExploreNoTitle(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	bare := map[string]fitDoc{}
	for _, d := range docs {
		c := d
		relabel(&c, "", in)
		bare[d.topic] = c
	}
	noTitle := func(ds []fitDoc) []fitDoc {
		out := make([]fitDoc, len(ds))
		for i, d := range ds {
			out[i] = bare[d.topic]
		}
		return out
	}
	both := func(ds []fitDoc) []fitDoc { return append(slices.Clone(ds), noTitle(ds)...) }
	same := func(ds []fitDoc) []fitDoc { return ds }
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN,
		transVariant("with titles (today)", same), transVariant("without titles", noTitle), transVariant("both", both))
}

// TestExploreHeadline: how much a perfect choice of one sentence could gain over Lead at
// equal length against the headline, and what each sentence's features are.
func TestExploreHeadline(t *testing.T) {
	in := interner{}
	heads := headlineItems(t)
	gainSum, multi := 0.0, 0
	for _, h := range heads {
		title := in.ids(rougeTokens(h.title))
		lead := in.ids(rougeTokens(h.text))
		sents, _ := analyse("", h.text)
		best, bestI := 0.0, -1
		base := 0.0
		first := true
		for i := range sents {
			if sents[i].score < 0 {
				continue
			}
			o, l := versusLead([]string{sents[i].text}, lead, [][]int32{title}, in)
			if first {
				base, first = o-l, false
			}
			if bestI < 0 || o-l > best {
				best, bestI = o-l, i
			}
		}
		if len(sents) > 1 {
			multi++
		}
		gainSum += best - base
		t.Logf("%d sents, best %d gain %+.1f | %s", len(sents), bestI, best-base, h.title)
	}
	t.Logf("%d items, %d with more than one sentence; oracle gain %+.2f", len(heads), multi, gainSum/float64(len(heads)))
}

func TestExploreHeadlineDump(t *testing.T) {
	for _, h := range headlineItems(t) {
		sents, _ := analyse("", h.text)
		if len(sents) < 2 {
			continue
		}
		t.Logf("TITLE %s", h.title)
		for i := range sents {
			t.Logf("  %d score=%v w=%d %s", i, sents[i].score, sents[i].words, sents[i].text)
		}
	}
}

var bgFeats = []int{featBgCent, featBgKeyword, featBgCentroid}

// bgVariant fits with background features from a corpus built by corpus(train): the
// training articles' features recomputed with it, the lead margins chosen with it.
func bgVariant(name string, titles map[string]string, corpus func(train []fitDoc) *background, zero ...int) gateVariant {
	return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
		bg := corpus(train)
		ds := slices.Clone(train)
		for i := range ds {
			relabelBG(&ds[i], titles[ds[i].topic], in, bg)
		}
		m := fitScorerBy(ds, in, func(ds []fitDoc) scorer {
			return scorer{w: fitBothAll(without(ds, zero...)), bg: bg}
		})
		return func(d *fitDoc, b Budget) []string { return summarize("", d.clean, b, &m) }
	}}
}

func TestExploreBackground(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	titles := eascTitles(t)
	news := &background{df: map[uint64]int32{}}
	for _, h := range headlineItems(t) {
		news.add(h.title + "\n" + h.text)
	}
	feeds := func([]fitDoc) *background { return news }
	folds := func(train []fitDoc) *background {
		bg := &background{df: map[uint64]int32{}}
		for _, d := range train {
			bg.add(d.clean)
		}
		return bg
	}
	all := append(slices.Clone(newFeats), bgFeats...)
	except := func(k int) []int {
		var out []int
		for _, x := range all {
			if x != k {
				out = append(out, x)
			}
		}
		return out
	}
	vs := []gateVariant{bgVariant("old features", titles, feeds, all...)}
	for _, c := range []struct {
		name string
		f    func([]fitDoc) *background
	}{{"feeds", feeds}, {"train folds", folds}} {
		vs = append(vs, bgVariant(c.name+" all bg", titles, c.f, newFeats...))
		for _, k := range bgFeats {
			vs = append(vs, bgVariant(c.name+" +"+featureNames[k], titles, c.f, except(k)...))
		}
	}
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN, vs...)
}

// TestExploreConfirm runs the chosen variant (background IDF centroid from the feeds) and
// the old features on -explore.from 6 (folds no choice was made on).
func TestExploreConfirm(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	titles := eascTitles(t)
	news := &background{df: map[uint64]int32{}}
	for _, h := range headlineItems(t) {
		news.add(h.title + "\n" + h.text)
	}
	feeds := func([]fitDoc) *background { return news }
	all := append(slices.Clone(newFeats), bgFeats...)
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN,
		bgVariant("old features", titles, feeds, all...),
		bgVariant("feeds +bgcentroid", titles, feeds, append(slices.Clone(newFeats), featBgCent, featBgKeyword)...))
}

// fitPairwiseTop is fitPairwise with each pair also weighted by how far apart the two
// sentences' ranks by label are in discount, |1/log2(2+r_i) − 1/log2(2+r_j)| (LambdaRank's
// weighting with the ideal ranks, so that the fit stays convex): the top of the order,
// which a word budget reads, counts most.
func fitPairwiseTop(docs []fitDoc, lambda, minDiff, pow float64) [numFeatures]float64 {
	var w [numFeatures]float64
	disc := make([][]float64, len(docs))
	for di, d := range docs {
		order := make([]int, len(d.y))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmpF(d.y[b], d.y[a]) })
		disc[di] = make([]float64, len(d.y))
		for r, i := range order {
			disc[di][i] = math.Pow(1/math.Log2(2+float64(r)), pow)
		}
	}
	for range 100 {
		var g [numFeatures]float64
		var h [numFeatures][numFeatures]float64
		for di, d := range docs {
			wn := 1 / float64(len(d.x))
			for i := range d.x {
				for j := range d.x {
					dy := d.y[i] - d.y[j]
					if dy < minDiff {
						continue
					}
					var dx [numFeatures]float64
					z := 0.0
					for k := 1; k < numFeatures; k++ {
						dx[k] = d.x[i][k] - d.x[j][k]
						z += w[k] * dx[k]
					}
					p := 1 / (1 + math.Exp(-z))
					wt := dy * wn * math.Abs(disc[di][i]-disc[di][j]) * 4
					for k := 1; k < numFeatures; k++ {
						g[k] += wt * (p - 1) * dx[k]
						for l := 1; l < numFeatures; l++ {
							h[k][l] += wt * p * (1 - p) * dx[k] * dx[l]
						}
					}
				}
			}
		}
		h[0][0] = 1
		for k := 1; k < numFeatures; k++ {
			g[k] += lambda * w[k]
			h[k][k] += lambda
		}
		step := solve(h, g)
		change := 0.0
		for k := range w {
			w[k] -= step[k]
			change = max(change, math.Abs(step[k]))
		}
		if change < 1e-10 {
			break
		}
	}
	return calibrate(docs, w)
}

func TestExploreTop(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	all := append(slices.Clone(newFeats), bgFeats...)
	variant := func(name string, lam, pow float64) gateVariant {
		return gateVariant{name, func(train []fitDoc, in interner) func(d *fitDoc, b Budget) []string {
			m := fitScorerBy(train, in, func(ds []fitDoc) scorer {
				ds = without(ds, all...)
				w := fitBothAll(ds)
				if pow > 0 {
					w[modeWords] = fitPairwiseTop(ds, lam, pairMinDiff, pow)
				}
				return scorer{w: w}
			})
			return func(d *fitDoc, b Budget) []string { return summarize("", d.clean, b, &m) }
		}}
	}
	evalGate(t, docs, in, *exploreFrom, *exploreFrom+*exploreN,
		variant("old", 0, 0), variant("top l1 p1", 1, 1), variant("top l0.3 p1", 0.3, 1), variant("top l1 p2", 1, 2))
}
