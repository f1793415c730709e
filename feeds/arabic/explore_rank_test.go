//go:build explore

// Issue 12's third round: can new features or a non-linear scorer carry the RANKING that
// the label ceiling says is missing (true labels as scores: +8.2 at -words)? Each variant
// is fitted and scored by evalGate on TestFit's folds; numbers are diff = akhbar − Lead
// at equal length (ROUGE-1 F ×100), mean ± sd over the 30 folds of shuffles 0-5 and folds
// won, as -words N | -sentences 3 | card. The harness (the new features in analyseBG, the
// trees in scorer, boostTrees, the variants) is at commit 438ddd9 of branch rank:
// git checkout 438ddd9 && go test -tags explore -run 'TestExplore(Feats|Boost|NoTitle|
// Background|Confirm|Top)$' -v ./feeds/arabic [-args -explore.from 6]. Nothing was
// kept, so the hooks were taken out again; what is left here runs on today's code. Lead at equal length is akhbar's own ROUGE-1
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
//     Smaller steps for the word budget, shuffles 0-5: 5 trees η 0.05 +0.68 ± 0.90 w19;
//     10 trees η 0.03 λ 50 +0.60 ± 0.86 w24; 20 trees η 0.02 λ 50 +0.62 ± 0.88 w22.
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
//   - neighbours (TestExploreResid): the logistic fit's residuals of adjacent sentences
//     correlate 0.156 (1060 pairs), but -0.065 once each article's mean residual is taken
//     out: what one sentence's label says about the next is the article's level, which
//     does not change the order within it; a second stage over the neighbours' scores was
//     not tried.

package arabic

import (
	"math"
	"testing"
)

// TestExploreHeadline: how much a perfect choice of one sentence could gain over Lead at
// equal length against the headline.
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

// TestExploreResid: do adjacent sentences' labels say more than their features (the
// logistic fit's residuals, lag 1, within each article)?
func TestExploreResid(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	w := fitLogistic(docs, fitLambda)
	for _, within := range []bool{false, true} {
		var a, b []float64
		for _, d := range docs {
			r := make([]float64, len(d.x))
			for i, x := range d.x {
				z := 0.0
				for k := range x {
					z += w[k] * x[k]
				}
				r[i] = d.y[i] - 1/(1+math.Exp(-z))
			}
			if within {
				mr := 0.0
				for _, x := range r {
					mr += x / float64(len(r))
				}
				for i := range r {
					r[i] -= mr
				}
			}
			for i := 1; i < len(r); i++ {
				a = append(a, r[i-1])
				b = append(b, r[i])
			}
		}
		ma, _ := meanSD(a)
		mb, _ := meanSD(b)
		var sab, saa, sbb float64
		for i := range a {
			sab += (a[i] - ma) * (b[i] - mb)
			saa += (a[i] - ma) * (a[i] - ma)
			sbb += (b[i] - mb) * (b[i] - mb)
		}
		t.Logf("article mean taken out %v: lag-1 residual correlation %.3f over %d pairs", within, sab/math.Sqrt(saa*sbb), len(a))
	}
}
