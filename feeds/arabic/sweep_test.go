package arabic

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// TestEASCSweep prints ROUGE-1 of Summarize at reference length over a grid of weights.
// It runs only with AKHBAR_EASC_SWEEP=1: it is how defaultParams were chosen, kept so the
// tuning can be repeated, not a check.
func TestEASCSweep(t *testing.T) {
	if os.Getenv("AKHBAR_EASC_SWEEP") == "" {
		t.Skip("set AKHBAR_EASC_SWEEP=1 to run the weight sweep")
	}
	docs := loadEASC(t)
	type prepared struct {
		clean    string
		refs     [][]int32
		refWords float64
		news     bool
	}
	var ps []prepared
	in := interner{}
	for _, d := range docs {
		p := prepared{clean: Clean(d.text), news: d.news}
		for _, r := range d.refs {
			tk := in.ids(rougeTokens(r))
			p.refs = append(p.refs, tk)
			p.refWords += float64(len(tk))
		}
		p.refWords /= float64(len(d.refs))
		ps = append(ps, p)
	}
	evalOn := func(pr params, keep func(i int) bool) float64 {
		sum, n := 0.0, 0
		for i, p := range ps {
			if !keep(i) {
				continue
			}
			got := summarize("", p.clean, Budget{Words: int(math.Round(p.refWords))}, pr)
			sum += 100 * scoreDoc(in.ids(rougeTokens(strings.Join(got, "\n"))), p.refs)[0].F
			n++
		}
		return sum / float64(n)
	}
	var grid []params
	for _, para := range []float64{0, 0.1, 0.2, 0.3} {
		for _, decay := range []float64{0.25, 0.5, 0.75, 1, 1.5} {
			for _, cent := range []float64{0, 0.3, 0.6, 1} {
				grid = append(grid, params{lead: 1, leadDecay: decay, paragraph: para, centrality: cent, title: 0.6, mmrLambda: 0.7})
			}
		}
	}
	// Two-fold check of the tuning: pick the best weights on one half of the articles and
	// score them on the other half, next to the defaults on that half.
	for fold := range 2 {
		train := func(i int) bool { return i%2 == fold }
		test := func(i int) bool { return i%2 != fold }
		best, bestScore := grid[0], -1.0
		for _, pr := range grid {
			if sc := evalOn(pr, train); sc > bestScore {
				best, bestScore = pr, sc
			}
		}
		fmt.Printf("fold %d: best on train %+v R-1 %.2f; on held-out %.2f; defaults on held-out %.2f\n",
			fold, best, bestScore, evalOn(best, test), evalOn(defaultParams(), test))
	}
}
