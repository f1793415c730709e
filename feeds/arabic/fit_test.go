package arabic

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var (
	fitWeights = flag.Bool("fit", false, "fit the sentence scorer on the EASC development half and rewrite weights.go")
	fitRepeats = flag.Int("fit.repeats", 1, "run TestFit's k-fold over `N` shuffles of the articles (a steadier estimate)")
	fitFrom    = flag.Int("fit.from", 0, "start TestFit's shuffles at shuffle `R` (a set of folds no choice was made on)")
)

// fitDoc is one EASC article prepared for fitting and scoring.
type fitDoc struct {
	topic string
	news  bool
	title string  // the Wikipedia page name (SOURCES.CSV); "" for the newspaper articles
	clean string  // what akhbar summarize reads: Clean(TextFromHTML(article))
	lead  []int32 // the cleaned article's ROUGE tokens, to cut Lead at any length
	refs  [][]int32
	words int // the references' mean length, rounded: the -words budget
	x     [][numFeatures]float64
	y     []float64 // share of the sentence's words the references hold, averaged over the five
}

// prepareEASC loads the development half and labels its sentences: the label is the share
// of the sentence's words, in order, that a reference holds (its LCS with the reference
// over its length), averaged over the five references. The references are extractive
// but were saved without hamza on alef and re-wrapped, and the annotators' sentences are
// not always ours, so a share says more than a yes or no: it is what the sentence's words
// are worth to ROUGE-1 at any length. The features are
// computed with the article's title where SOURCES.CSV gives one (the Wikipedia page name of
// the 53 Wikipedia articles; the newspaper articles have none), so that the title weight is
// learned; the scores are taken without it, as `akhbar summarize` is run on the corpus.
func prepareEASC(t testing.TB, in interner) []fitDoc {
	t.Helper()
	titles := eascTitles(t)
	var out []fitDoc
	for _, d := range loadEASC(t) {
		fd := fitDoc{topic: d.topic, news: d.news, title: titles[d.topic], clean: Clean(TextFromHTML(d.text))}
		fd.lead = in.ids(rougeTokens(fd.clean))
		total := 0
		for _, r := range d.refs {
			toks := in.ids(rougeTokens(r))
			fd.refs = append(fd.refs, toks)
			total += len(toks)
		}
		fd.words = int(math.Round(float64(total) / float64(len(d.refs))))
		relabel(&fd, fd.title, in)
		out = append(out, fd)
	}
	return out
}

// relabel computes a document's features (with its title) and labels on its clean text
// against its references; the explore harness calls it again after rewriting the text.
func relabel(d *fitDoc, title string, in interner) {
	d.x, d.y = nil, nil
	sents, _ := analyse(title, d.clean)
	for i := range sents {
		s := &sents[i]
		if s.score < 0 {
			continue
		}
		toks := in.ids(rougeTokens(s.text))
		held := 0.0
		for _, r := range d.refs {
			if len(toks) > 0 {
				held += float64(lcs(toks, r)) / float64(len(toks))
			}
		}
		d.x = append(d.x, s.feat)
		d.y = append(d.y, held/float64(len(d.refs)))
	}
}

// eascTitles maps TopicN to the title of its Wikipedia article, from the page name in
// SOURCES.CSV.
func eascTitles(t testing.TB) map[string]string {
	t.Helper()
	root := filepath.Join("testdata", "easc")
	rows, err := readCSV(readUTF8(t, filepath.Join(root, "SOURCES.CSV")))
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) >= 4 {
			urls[eascKey(r[0])] = r[3]
		}
	}
	out := map[string]string{}
	topics, err := os.ReadDir(filepath.Join(root, "Articles"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics {
		files, _ := os.ReadDir(filepath.Join(root, "Articles", tp.Name()))
		u := urls[eascKey(strings.TrimSuffix(files[0].Name(), filepath.Ext(files[0].Name())))]
		if _, page, ok := strings.Cut(u, "/wiki/"); ok {
			if name, err := url.PathUnescape(page); err == nil {
				out[tp.Name()] = strings.ReplaceAll(name, "_", " ")
			}
		}
	}
	return out
}

// foldSplit splits docs into the training and test documents of fold f (of folds) of
// shuffle r; TestFit and the explore harness share it so that their folds are the same.
func foldSplit[D any](docs []D, folds, r, f int) (train, test []D) {
	order := rand.New(rand.NewPCG(12+uint64(r), 1)).Perm(len(docs))
	for j, i := range order {
		if j%folds == f {
			test = append(test, docs[i])
		} else {
			train = append(train, docs[i])
		}
	}
	return train, test
}

// fitLogistic fits w of sigmoid(w·x) to the soft labels y by Newton's method on the
// cross-entropy, with an L2 penalty lambda on every weight but the bias.
func fitLogistic(docs []fitDoc, lambda float64) [numFeatures]float64 {
	var w [numFeatures]float64
	for range 100 {
		var grad [numFeatures]float64
		var hess [numFeatures][numFeatures]float64
		for _, d := range docs {
			for i, x := range d.x {
				z := 0.0
				for k := range x {
					z += w[k] * x[k]
				}
				p := 1 / (1 + math.Exp(-z))
				for k := range x {
					grad[k] += (p - d.y[i]) * x[k]
					for l := range x {
						hess[k][l] += p * (1 - p) * x[k] * x[l]
					}
				}
			}
		}
		for k := 1; k < numFeatures; k++ {
			grad[k] += lambda * w[k]
			hess[k][k] += lambda
		}
		step := solve(hess, grad)
		change := 0.0
		for k := range w {
			w[k] -= step[k]
			change = max(change, math.Abs(step[k]))
		}
		if change < 1e-10 {
			break
		}
	}
	return w
}

// solve solves a·x = b by Gaussian elimination with partial pivoting (a is positive
// definite here: a Hessian plus a ridge).
func solve(a [numFeatures][numFeatures]float64, b [numFeatures]float64) [numFeatures]float64 {
	const n = numFeatures
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	var x [numFeatures]float64
	for c := n - 1; c >= 0; c-- {
		s := b[c]
		for k := c + 1; k < n; k++ {
			s -= a[c][k] * x[k]
		}
		x[c] = s / a[c][c]
	}
	return x
}

// rouge1 is ROUGE-1 F1 ×100 of a token list against the references.
func rouge1(sys []int32, refs [][]int32) float64 { return 100 * scoreDoc(sys, refs)[0].F }

// versusLead scores a summary and Lead at equal length, the first as many words of the
// text as the summary has (lead: the text's ROUGE tokens).
func versusLead(sents []string, lead []int32, refs [][]int32, in interner) (ours, leadEq float64) {
	toks := in.ids(rougeTokens(strings.Join(sents, "\n")))
	return rouge1(toks, refs), rouge1(lead[:min(len(toks), len(lead))], refs)
}

// evalBudgets are the EASC budgets of issue 12, and the card's.
var evalBudgets = []struct {
	name   string
	budget func(d *fitDoc) Budget
	goal   bool // issue 12's budgets: Summarize must not lose to the lead
}{
	{"-words N", func(d *fitDoc) Budget { return Budget{Words: d.words} }, true},
	{"-sentences 3", func(*fitDoc) Budget { return Budget{Sentences: 3} }, true},
	// The card's lead passes over a sentence too long for it and goes on, to fill the
	// card; Lead at equal length reads on instead. Reported, not required.
	{"card (400 chars, 3 sentences)", func(*fitDoc) Budget { return Budget{Chars: 400, Sentences: 3} }, false},
}

// Fitting choices. The penalty was chosen among 3, 10, 30 and 100 on this same k-fold
// (six shuffles), where it mattered little (+0.1 to +0.4 at -words N): a strong one keeps
// 20 weights on 77 articles from fitting their noise. The pairwise ranker's penalty was
// chosen among 1, 3 and 10 on shuffles 0-5 and checked on shuffles 6-11 (explore harness,
// explore_gate_test.go).
const (
	fitLambda   = 100.0 // L2 penalty on every weight but the bias (logistic)
	pairLambda  = 1.0   // L2 penalty of the pairwise ranker
	pairMinDiff = 0.05  // pairs whose labels differ by less say nothing about their order
	fitInner    = 5     // inner folds that choose the word budget's lead margin
)

// fitBoth fits both modes' weights on docs: the pairwise ranker for the word budget,
// which reads sentences in score order, and the logistic fit for the card's picks, which
// weigh scores against the lead's (see scorer).
func fitBoth(docs []fitDoc) (w [2][numFeatures]float64) {
	w[modeWords] = fitPairwise(docs, pairLambda, pairMinDiff)
	w[modePick] = fitLogistic(docs, fitLambda)
	return w
}

// innerSplit is inner fold f of docs: the documents to fit on, and those held out
// (pointers into docs) to choose a margin or threshold on.
func innerSplit(docs []fitDoc, f int) (train []fitDoc, held []*fitDoc) {
	for i := range docs {
		if i%fitInner != f {
			train = append(train, docs[i])
		} else {
			held = append(held, &docs[i])
		}
	}
	return train, held
}

// fitPairwise fits a pairwise logistic ranker: for sentences i, j of one article with
// y_i > y_j + minDiff, P(i above j) = sigmoid(w·(x_i − x_j)), each pair weighted by
// y_i − y_j and by 1/sentences of the article (a long article has many pairs, not more
// say), by Newton's method with an L2 penalty lambda. The ranking says nothing about
// scale, and the lead margin compares scores to the lead's, so w·x is then calibrated to a
// probability: sigmoid(a·w·x + b) fitted to the labels (two parameters, by Newton's method
// on the cross-entropy), and the weights returned are a·w with b as the bias.
func fitPairwise(docs []fitDoc, lambda, minDiff float64) [numFeatures]float64 {
	return fitPairwiseBy(docs, lambda, minDiff, nil)
}

// fitPairwiseBy is fitPairwise with each pair's weight passed through weigh (nil: as it
// is), given the pair's article and sentences: the explore tests' variants reweigh pairs
// with it.
func fitPairwiseBy(docs []fitDoc, lambda, minDiff float64, weigh func(wt float64, di, i, j int) float64) [numFeatures]float64 {
	var w [numFeatures]float64
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
					wt := dy * wn
					if weigh != nil {
						wt = weigh(wt, di, i, j)
					}
					for k := 1; k < numFeatures; k++ {
						g[k] += wt * (p - 1) * dx[k]
						for l := 1; l < numFeatures; l++ {
							h[k][l] += wt * p * (1 - p) * dx[k] * dx[l]
						}
					}
				}
			}
		}
		if newtonStep(&w, &h, &g, lambda) {
			break
		}
	}
	return calibrate(docs, w)
}

// calibrate returns a·w with bias b (w's own bias is ignored) such that sigmoid(a·w·x + b)
// fits the labels best (cross-entropy, by Newton's method): a ranking's weights made a
// probability.
func calibrate(docs []fitDoc, w [numFeatures]float64) [numFeatures]float64 {
	a, b := 1.0, 0.0
	for range 100 {
		var ga, gb, haa, hab, hbb float64
		for _, d := range docs {
			for i, x := range d.x {
				s := 0.0
				for k := 1; k < numFeatures; k++ {
					s += w[k] * x[k]
				}
				p := 1 / (1 + math.Exp(-(a*s + b)))
				r, v := p-d.y[i], p*(1-p)
				ga += r * s
				gb += r
				haa += v * s * s
				hab += v * s
				hbb += v
			}
		}
		det := haa*hbb - hab*hab
		da, db := (hbb*ga-hab*gb)/det, (haa*gb-hab*ga)/det
		a, b = a-da, b-db
		if math.Abs(da)+math.Abs(db) < 1e-12 {
			break
		}
	}
	var out [numFeatures]float64
	out[0] = b
	for k := 1; k < numFeatures; k++ {
		out[k] = a * w[k]
	}
	return out
}

// fitScorer fits the weights on docs and chooses the word budget's lead margin on those
// docs alone: on out-of-fold choices of an inner k-fold (weights fitted without the article
// they choose for), the margin (never below 0: a choice the scorer rates below the lead is
// never taken) that gains most over Lead at equal length, the largest such margin on a tie;
// when no margin gains, the lead is always kept (margin 1, above any advantage). The card's
// picks get no margin (see scorer).
func fitScorer(docs []fitDoc, in interner) scorer {
	m := scorer{w: fitBoth(docs)}
	var cands []marginCand
	for f := range fitInner {
		train, held := innerSplit(docs, f)
		im := scorer{w: fitBoth(train)}
		for _, d := range held {
			sents, chosen, _, adv := choose("", d.clean, Budget{Words: d.words}, &im)
			if math.IsInf(adv, 1) {
				continue
			}
			ours, ld := versusLead(texts(sents, chosen, true), d.lead, d.refs, in)
			cands = append(cands, marginCand{adv, ours - ld})
		}
	}
	m.margin, _ = bestMargin(cands)
	return m
}

// marginCand is a choice made out of fold: the scorer's advantage for it over the lead,
// and what it gained in ROUGE-1 over Lead at equal length.
type marginCand struct{ adv, gain float64 }

// bestMargin is the margin (never below 0) above which taking the choices gains most
// over Lead at equal length, the largest such margin on a tie, and that gain; 1 (above
// any advantage: the lead is always kept) when no margin gains.
func bestMargin(cands []marginCand) (margin, gain float64) {
	margin = 1
	for _, t := range cands {
		if t.adv < 0 {
			continue
		}
		g := 0.0
		for _, c := range cands {
			if c.adv > t.adv {
				g += c.gain
			}
		}
		if g > gain || g == gain && t.adv > margin {
			margin, gain = t.adv, g
		}
	}
	return margin, gain
}

// headlineItem is a real news item: its headline and its text.
type headlineItem struct{ title, text string }

// headlineItems are the real news items in testdata: every item of the four feeds and the
// LBC article.
func headlineItems(t testing.TB) []headlineItem {
	t.Helper()
	var out []headlineItem
	for _, name := range feedFiles {
		for _, it := range loadFeed(t, name) {
			content := it.Content
			if content == "" {
				content = it.Description
			}
			out = append(out, headlineItem{CleanTitle(it.Title), Clean(TextFromHTML(content))})
		}
	}
	data, err := os.ReadFile(filepath.Join("testdata", "articles", "LBCGroup.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lbc struct {
		V1 struct {
			Title string
			Body  struct {
				Sections []struct{ Paragraphs []string }
			}
		}
	}
	if err := json.Unmarshal(data, &lbc); err != nil {
		t.Fatal(err)
	}
	var paras []string
	for _, s := range lbc.V1.Body.Sections {
		paras = append(paras, s.Paragraphs...)
	}
	return append(out, headlineItem{CleanTitle(lbc.V1.Title), Clean(strings.Join(paras, "\n"))})
}

// TestFit estimates how Summarize does on articles its weights never saw: 5-fold over the
// EASC development half, the weights and lead margin fitted on four folds (fitScorer) and
// the summaries of the fifth scored with ROUGE-1 F1 against Lead at equal length (the first
// words of the cleaned article, as many as the summary has). The headline check summarises
// every real news item in testdata in one sentence, without its title, and scores it
// against the headline, with each fold's weights; the title check does the same for the
// 53 EASC articles with a title (the Wikipedia page name; the 24 newspaper articles have
// none), a check of the headline goal on full articles, which the feed items mostly are
// not (40 of the 46 have one sentence or none). Beside each of the two stands its
// ceiling: the mean gain of the best single sentence of each text, picked knowing the
// title (bestSentenceGain). It fails if Summarize loses to Lead at
// equal length on any row. -fit.repeats N repeats the k-fold over N shuffles, starting at
// shuffle -fit.from (6: folds no fitting choice was made on). With -fit it then fits on
// all 77 articles and rewrites weights.go:
//
//	go test -run 'TestFit$' -v ./feeds/arabic -args -fit.repeats 6
//	go test -run 'TestFit$' -v ./feeds/arabic -args -fit
func TestFit(t *testing.T) {
	in := interner{}
	docs := prepareEASC(t, in)
	if len(docs) != 77 {
		t.Fatalf("loaded %d EASC articles, want 77", len(docs))
	}
	heads := headlineItems(t)
	var titles []headlineItem
	for _, d := range docs {
		if d.title != "" {
			titles = append(titles, headlineItem{d.title, d.clean})
		}
	}
	const (
		folds    = 5
		headRow  = "1 sentence vs headline, real news items"
		titleRow = "1 sentence vs title, titled EASC articles"
	)
	// What a perfect pick of one sentence would gain on each headline row: no fitting
	// choice is involved, so it is the same in every fold.
	ceiling := map[string]float64{headRow: bestSentenceGain(heads, in), titleRow: bestSentenceGain(titles, in)}
	type row struct {
		name       string
		ours, lead []float64 // per fold
		n          int
		goal       bool
	}
	var rows []*row
	rowOf := map[string]*row{}
	add := func(name string, goal bool, f int, ours, lead float64, n int) {
		r := rowOf[name]
		if r == nil {
			r = &row{name: name, n: n, goal: goal, ours: make([]float64, folds**fitRepeats), lead: make([]float64, folds**fitRepeats)}
			rowOf[name] = r
			rows = append(rows, r)
		}
		r.ours[f] += ours
		r.lead[f] += lead
	}
	for k := range folds * *fitRepeats {
		// Shuffle r of the articles, fold f of it; the first shuffle is the one reported
		// before -fit.repeats existed.
		r, f := *fitFrom+k/folds, k%folds
		train, test := foldSplit(docs, folds, r, f)
		m := fitScorer(train, in)
		t.Logf("shuffle %d fold %d: weights %.3f, margin %.4f", r, f, m.w, m.margin)
		news := 0
		for i := range test {
			if test[i].news {
				news++
			}
		}
		for _, eb := range evalBudgets {
			for i := range test {
				d := &test[i]
				o, l := versusLead(summarize("", d.clean, eb.budget(d), &m), d.lead, d.refs, in)
				add(eb.name+", all 77", eb.goal, k, o/float64(len(test)), l/float64(len(test)), len(docs))
				if d.news {
					add(eb.name+", 24 news", eb.goal, k, o/float64(news), l/float64(news), 24)
				}
			}
		}
		for _, h := range heads {
			title := in.ids(rougeTokens(h.title))
			o, l := versusLead(summarize("", h.text, Budget{Sentences: 1}, &m), in.ids(rougeTokens(h.text)), [][]int32{title}, in)
			add(headRow, true, k, o/float64(len(heads)), l/float64(len(heads)), len(heads))
		}
		titled := 0
		for i := range test {
			if test[i].title != "" {
				titled++
			}
		}
		for i := range test {
			if d := &test[i]; d.title != "" {
				o, l := versusLead(summarize("", d.clean, Budget{Sentences: 1}, &m), d.lead, [][]int32{in.ids(rougeTokens(d.title))}, in)
				add(titleRow, true, k, o/float64(titled), l/float64(titled), len(titles))
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ROUGE-1 F1 x100, %d-fold over the EASC dev half (%d shuffles): mean of the fold means ± their sd; diff = akhbar − Lead at equal length [min, max over folds]\n", folds, *fitRepeats)
	fmt.Fprintf(&b, "| budget | n | akhbar | Lead at equal length | diff [min, max] | ceiling |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		diff := make([]float64, len(r.ours))
		for f := range diff {
			diff[f] = r.ours[f] - r.lead[f]
		}
		mo, so := meanSD(r.ours)
		ml, sl := meanSD(r.lead)
		md, _ := meanSD(diff)
		ceil := ""
		if c, ok := ceiling[r.name]; ok {
			ceil = fmt.Sprintf("%+.2f", c)
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f ± %.2f | %.2f ± %.2f | %+.2f [%+.2f, %+.2f] | %s |\n",
			r.name, r.n, mo, so, ml, sl, md, slices.Min(diff), slices.Max(diff), ceil)
		// Never lose to the lead: a tenth of a point covers the near-copies Summarize
		// skips and Lead reads (Topic83 repeats a paragraph).
		if r.goal && md < -0.1 {
			t.Errorf("%s: akhbar %.2f, Lead at equal length %.2f: the scorer loses to the lead", r.name, mo, ml)
		}
	}
	t.Log("\n" + b.String())
	if *fitWeights {
		m := fitScorer(docs, in)
		writeWeights(t, m)
		t.Logf("weights.go: weights %.3f, margin %.4f", m.w, m.margin)
	}
}

// bestSentenceGain is the ceiling of the one-sentence checks: the mean over items of the
// most that one pickable sentence of the text gains over Lead at equal length against
// the item's title (0 when none does: the lead sentence is always a choice).
func bestSentenceGain(items []headlineItem, in interner) float64 {
	total := 0.0
	for _, it := range items {
		sents, _ := analyse("", it.text)
		title := [][]int32{in.ids(rougeTokens(it.title))}
		lead := in.ids(rougeTokens(it.text))
		best := 0.0
		for i := range sents {
			if sents[i].score >= 0 {
				o, l := versusLead([]string{sents[i].text}, lead, title, in)
				best = max(best, o-l)
			}
		}
		total += best
	}
	return total / float64(len(items))
}

func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

func writeWeights(t *testing.T, m scorer) {
	t.Helper()
	var b strings.Builder
	b.WriteString("// Code generated by go test -run 'TestFit$' ./feeds/arabic -args -fit; DO NOT EDIT.\n\n")
	b.WriteString("package arabic\n\n")
	b.WriteString("// trained is the scorer fitted on the 77 articles of the EASC development half (fit_test.go).\n")
	b.WriteString("var trained = scorer{\n\tw: [2][numFeatures]float64{\n")
	for mode, name := range []string{"modeWords: the pairwise ranker", "modePick: the logistic fit"} {
		fmt.Fprintf(&b, "\t\t{ // %s\n", name)
		for k, w := range m.w[mode] {
			fmt.Fprintf(&b, "\t\t\t%v, // %s\n", w, featureNames[k])
		}
		b.WriteString("\t\t},\n")
	}
	b.WriteString("\t},\n")
	fmt.Fprintf(&b, "\tmargin: %v, // the word budget's\n}\n", m.margin)
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		t.Fatalf("format weights.go: %v\n%s", err, b.String())
	}
	if err := os.WriteFile("weights.go", src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWeightsAreFitted: weights.go is what TestFit -fit writes, so the shipped weights can
// be fitted again from the corpus and the code beside them.
func TestWeightsAreFitted(t *testing.T) {
	in := interner{}
	m := fitScorer(prepareEASC(t, in), in)
	for mode := range m.w {
		for k := range m.w[mode] {
			if math.Abs(m.w[mode][k]-trained.w[mode][k]) > 1e-9 {
				t.Errorf("mode %d weight %s: fitted %v, weights.go has %v (go test -run 'TestFit$' ./feeds/arabic -args -fit)", mode, featureNames[k], m.w[mode][k], trained.w[mode][k])
			}
		}
	}
	if math.Abs(m.margin-trained.margin) > 1e-9 {
		t.Errorf("margin: fitted %v, weights.go has %v", m.margin, trained.margin)
	}
}

// newtonStep is one step of a ridge-penalised Newton fit of w from the
// gradient g and Hessian h of the loss (the bias, w[0], unpenalised and
// held: it has no say in a difference), and says whether it converged.
func newtonStep(w *[numFeatures]float64, h *[numFeatures][numFeatures]float64, g *[numFeatures]float64, lambda float64) bool {
	h[0][0] = 1
	for k := 1; k < numFeatures; k++ {
		g[k] += lambda * w[k]
		h[k][k] += lambda
	}
	step := solve(*h, *g)
	change := 0.0
	for k := range w {
		w[k] -= step[k]
		change = max(change, math.Abs(step[k]))
	}
	return change < 1e-10
}
