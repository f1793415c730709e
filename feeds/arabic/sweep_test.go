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
		refs     [][]string
		refWords float64
		news     bool
	}
	var ps []prepared
	for _, d := range docs {
		p := prepared{clean: Clean(d.text), news: d.news}
		for _, r := range d.refs {
			tk := rougeTokens(r)
			p.refs = append(p.refs, tk)
			p.refWords += float64(len(tk))
		}
		p.refWords /= float64(len(d.refs))
		ps = append(ps, p)
	}
	eval := func(pr params) (all, news [3]float64) {
		nNews := 0
		for _, p := range ps {
			s := summarize("", p.clean, Budget{Words: int(math.Round(p.refWords))}, pr)
			sc := scoreDoc(rougeTokens(strings.Join(s, "\n")), p.refs)
			for m := range 3 {
				all[m] += 100 * sc[m].F / float64(len(ps))
				if p.news {
					news[m] += 100 * sc[m].F
				}
			}
			if p.news {
				nNews++
			}
		}
		for m := range 3 {
			news[m] /= float64(nNews)
		}
		return all, news
	}
	for _, para := range []float64{0, 0.2} {
		for _, decay := range []float64{0.5, 0.75, 1} {
			for _, cent := range []float64{0, 0.3, 0.6} {
				pr := params{lead: 1, leadDecay: decay, paragraph: para, centrality: cent, title: 0.6, mmrLambda: 0.7}
				all, news := eval(pr)
				fmt.Printf("para=%.1f decay=%.2f cent=%.1f  all %.2f %.2f %.2f  news %.2f %.2f %.2f\n",
					para, decay, cent, all[0], all[1], all[2], news[0], news[1], news[2])
			}
		}
	}
}
