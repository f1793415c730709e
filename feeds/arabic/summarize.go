package arabic

import (
	"math"
	"slices"
)

// Budget bounds a summary. A zero field means no limit on that axis; every non-zero limit
// holds for the result. Chars counts Unicode code points (as Telegram does) of the sentences
// joined with single spaces; Words counts tokens (runs of letters and digits, as ROUGE does).
type Budget struct{ Chars, Words, Sentences int }

// params are the scoring weights. defaultParams were chosen on the EASC development half
// (TestEASC, TestEASCSweep) from a coarse grid and kept round, since 77 articles cannot
// support fine tuning. What the grid showed: a lead prior over the relative position is
// the strongest signal, the first sentence of each paragraph matters (writers put a
// paragraph's point first), and LexRank centrality adds a little on top.
type params struct {
	lead       float64 // weight of the position prior 1/(1+leadDecay*10*i/n)
	leadDecay  float64
	paragraph  float64 // bonus for a sentence that opens a paragraph
	centrality float64 // weight of LexRank centrality, scaled to [0,1]
	title      float64 // weight of the share of title terms a sentence contains
	mmrLambda  float64 // relevance against redundancy in the greedy pick
}

func defaultParams() params {
	return params{lead: 1, leadDecay: 0.75, paragraph: 0.2, centrality: 0.3, title: 0.6, mmrLambda: 0.7}
}

const (
	titleRepeat     = 0.8 // a sentence with this share of its terms in the title repeats it
	nearCopy        = 0.9 // similarity above which a sentence repeats one already chosen
	maxSentences    = 256 // sentences scored; later ones are never picked
	maxKnapsack     = 4096
	pagerankRounds  = 20
	pagerankDamping = 0.85
)

// sentInfo is one candidate sentence.
type sentInfo struct {
	text  string
	runes int
	words int
	terms []int32 // sorted term ids, with repeats
	norm  float64 // length of the tf·isf vector
	score float64 // < 0: never picked
}

// Summarize picks whole sentences of text, which should be the output of Clean, and returns
// them in document order, within b. Each returned string is a sentence of text exactly as
// written, never cut and never rewritten.
//
// Sentences are scored by a lead prior (news puts its point first), a bonus for opening a
// paragraph, LexRank centrality over normalised stemmed terms and the share of title terms
// they contain. Sentences that only repeat the title, or that have no content word, are
// never picked, nor is a near-copy of a picked sentence. With a Chars or Sentences limit
// (the card) sentences are picked greedily by maximal marginal relevance, a lower-ranked
// one when the best does not fit; with only a Words limit the set of sentences with the
// largest total score × length that fits is chosen exactly (a knapsack, for budgets up to
// maxKnapsack words), which fills the budget with the most relevant text.
//
// When the lead sentence does not fit the budget, the best sentence that fits is returned;
// when no sentence fits, the result is empty rather than a cut sentence: the caller decides
// (the bot shows the title alone).
func Summarize(title, text string, b Budget) []string {
	return summarize(title, text, b, defaultParams())
}

func summarize(title, text string, b Budget, p params) []string {
	raw, paraStart := sentencesWithParagraphs(text)
	if len(raw) == 0 {
		return nil
	}
	if len(raw) > maxSentences {
		raw = raw[:maxSentences]
	}
	// Terms are numbered by their 64-bit hash: no string per term, and a collision between
	// two of the few hundred terms of one article is too unlikely to matter for scoring.
	ids := newTermIDs(len(text) / 16)
	idOf := func(t []byte) int32 { return ids.id(fnv64(t)) }
	buf := make([]byte, 0, 64)
	var titleTerms []int32
	buf, _ = forEachTerm(title, buf, func(t []byte) { titleTerms = append(titleTerms, idOf(t)) })
	slices.Sort(titleTerms)
	titleTerms = slices.Compact(titleTerms)

	sents := make([]sentInfo, len(raw))
	all := make([]int32, 0, 16*len(raw))
	for i, s := range raw {
		start := len(all)
		var words int
		buf, words = forEachTerm(s, buf, func(t []byte) { all = append(all, idOf(t)) })
		terms := all[start:len(all):len(all)]
		slices.Sort(terms)
		// Sentences are whole-rune substrings of text made valid UTF-8, so counting
		// non-continuation bytes counts runes.
		sents[i] = sentInfo{text: s, runes: validRuneCount(s), words: words, terms: terms}
	}

	// tf·isf weights: a term in every sentence says nothing about any of them.
	df := make([]int32, ids.n)
	for i := range sents {
		forEachDistinct(sents[i].terms, func(id int32, _ int) { df[id]++ })
	}
	isf := make([]float64, ids.n)
	n := float64(len(sents))
	for id, d := range df {
		isf[id] = math.Log((n + 1) / float64(d))
	}
	for i := range sents {
		sum := 0.0
		forEachDistinct(sents[i].terms, func(id int32, tf int) {
			w := float64(tf) * isf[id]
			sum += w * w
		})
		sents[i].norm = math.Sqrt(sum)
	}
	sim := make([]float64, len(sents)*len(sents))
	for i := range sents {
		for j := i + 1; j < len(sents); j++ {
			c := cosine(&sents[i], &sents[j], isf)
			sim[i*len(sents)+j], sim[j*len(sents)+i] = c, c
		}
	}
	cent := lexRank(sim, len(sents))
	maxCent := 0.0
	for _, c := range cent {
		maxCent = max(maxCent, c)
	}

	for i := range sents {
		s := &sents[i]
		if len(s.terms) == 0 {
			s.score = -1 // no content word: "نعم!", a lone date
			continue
		}
		score := p.lead / (1 + p.leadDecay*10*float64(i)/n)
		if paraStart[i] {
			score += p.paragraph
		}
		if maxCent > 0 {
			score += p.centrality * cent[i] / maxCent
		}
		if len(titleTerms) > 0 {
			in, distinct := 0, 0
			forEachDistinct(s.terms, func(id int32, _ int) {
				distinct++
				if _, ok := slices.BinarySearch(titleTerms, id); ok {
					in++
				}
			})
			if float64(in) >= titleRepeat*float64(distinct) {
				s.score = -1 // says nothing the title does not
				continue
			}
			score += p.title * float64(in) / float64(len(titleTerms))
		}
		s.score = score
	}
	// Redundancy: a near-copy of a better or earlier sentence is never picked.
	for i := range sents {
		for j := range i {
			if sents[j].score >= 0 && sim[i*len(sents)+j] > nearCopy {
				sents[i].score = -1
				break
			}
		}
	}

	var chosen []int
	if b.Chars == 0 && b.Sentences == 0 && b.Words > 0 && b.Words <= maxKnapsack {
		chosen = knapsackWords(sents, b.Words)
	} else {
		chosen = pickMMR(sents, sim, b, p.mmrLambda)
	}
	slices.Sort(chosen)
	out := make([]string, len(chosen))
	for i, c := range chosen {
		out[i] = sents[c].text
	}
	return out
}

// pickMMR chooses sentences greedily by maximal marginal relevance within the budget: each
// round takes the sentence with the best mix of score and dissimilarity to those chosen
// among those that still fit.
func pickMMR(sents []sentInfo, sim []float64, b Budget, lambda float64) []int {
	var chosen []int
	used := make([]bool, len(sents))
	chars, words := 0, 0
	for b.Sentences == 0 || len(chosen) < b.Sentences {
		best, bestVal := -1, math.Inf(-1)
		for i := range sents {
			s := &sents[i]
			if used[i] || s.score < 0 || !fits(s, len(chosen), chars, words, b) {
				continue
			}
			red := 0.0
			for _, c := range chosen {
				red = max(red, sim[i*len(sents)+c])
			}
			if val := lambda*s.score - (1-lambda)*red; val > bestVal {
				best, bestVal = i, val
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		if len(chosen) > 0 {
			chars++ // the joining space
		}
		chosen = append(chosen, best)
		chars += sents[best].runes
		words += sents[best].words
	}
	return chosen
}

// fits reports whether adding s to k chosen sentences totalling chars and words keeps
// every limit of b.
func fits(s *sentInfo, k, chars, words int, b Budget) bool {
	sep := 0
	if k > 0 {
		sep = 1
	}
	return (b.Chars == 0 || chars+sep+s.runes <= b.Chars) && (b.Words == 0 || words+s.words <= b.Words)
}

// knapsackWords picks the sentences that maximise the total score × words within the word
// budget (0/1 knapsack by dynamic programming, one bit per sentence and capacity to
// recover the choice).
func knapsackWords(sents []sentInfo, capacity int) []int {
	best := make([]float64, capacity+1)
	stride := (capacity + 64) / 64
	took := make([]uint64, len(sents)*stride)
	for i := range sents {
		s := &sents[i]
		if s.score <= 0 || s.words == 0 || s.words > capacity {
			continue
		}
		v := s.score * float64(s.words)
		row := took[i*stride : (i+1)*stride]
		for c := capacity; c >= s.words; c-- {
			if cand := best[c-s.words] + v; cand > best[c] {
				best[c] = cand
				row[c/64] |= 1 << (c % 64)
			}
		}
	}
	var out []int
	c := capacity
	for i := len(sents) - 1; i >= 0 && c > 0; i-- {
		if took[i*stride+c/64]&(1<<(c%64)) != 0 {
			out = append(out, i)
			c -= sents[i].words
		}
	}
	return out
}

// forEachDistinct calls f with each distinct id of a sorted id list and its count.
func forEachDistinct(terms []int32, f func(id int32, tf int)) {
	for i := 0; i < len(terms); {
		j := i + 1
		for j < len(terms) && terms[j] == terms[i] {
			j++
		}
		f(terms[i], j-i)
		i = j
	}
}

// cosine is the tf·isf cosine similarity of two sentences (a merge of sorted term lists).
func cosine(a, b *sentInfo, isf []float64) float64 {
	if a.norm == 0 || b.norm == 0 {
		return 0
	}
	dot := 0.0
	x, y := a.terms, b.terms
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			id := x[i]
			ti, tj := 0, 0
			for i < len(x) && x[i] == id {
				i++
				ti++
			}
			for j < len(y) && y[j] == id {
				j++
				tj++
			}
			w := isf[id]
			dot += float64(ti) * float64(tj) * w * w
		}
	}
	return dot / (a.norm * b.norm)
}

// lexRank is continuous LexRank (Erkan and Radev 2004): PageRank over the graph of sentence
// similarities.
func lexRank(sim []float64, n int) []float64 {
	rank := make([]float64, n)
	next := make([]float64, n)
	deg := make([]float64, n)
	for i := range n {
		for _, w := range sim[i*n : (i+1)*n] {
			deg[i] += w
		}
		rank[i] = 1 / float64(n)
	}
	for range pagerankRounds {
		for j := range n {
			next[j] = (1 - pagerankDamping) / float64(n)
		}
		for i := range n {
			if deg[i] == 0 {
				next[i] += pagerankDamping * rank[i] // a sentence like no other keeps its rank
				continue
			}
			share := pagerankDamping * rank[i] / deg[i]
			for j, w := range sim[i*n : (i+1)*n] {
				if w != 0 {
					next[j] += share * w
				}
			}
		}
		rank, next = next, rank
	}
	return rank
}

// termIDs numbers term hashes in order of first appearance: an open-addressing table
// (linear probing, grown at half load), cheaper than a map for the one lookup per token.
type termIDs struct {
	keys []uint64
	vals []int32 // id+1; 0 marks an empty slot
	n    int32
}

func newTermIDs(hint int) *termIDs {
	size := 64
	for size < 2*hint {
		size *= 2
	}
	return &termIDs{keys: make([]uint64, size), vals: make([]int32, size)}
}

// id returns the id of hash h, numbering it when new.
func (t *termIDs) id(h uint64) int32 {
	mask := uint64(len(t.keys) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch v := t.vals[i]; {
		case v == 0:
			if 2*int(t.n+1) > len(t.keys) {
				t.grow()
				return t.id(h)
			}
			t.keys[i], t.vals[i] = h, t.n+1
			t.n++
			return t.n - 1
		case t.keys[i] == h:
			return v - 1
		}
	}
}

func (t *termIDs) grow() {
	keys, vals := t.keys, t.vals
	t.keys, t.vals = make([]uint64, 2*len(keys)), make([]int32, 2*len(vals))
	mask := uint64(len(t.keys) - 1)
	for j, v := range vals {
		if v == 0 {
			continue
		}
		i := (keys[j] * 0x9E3779B97F4A7C15) >> 32 & mask
		for t.vals[i] != 0 {
			i = (i + 1) & mask
		}
		t.keys[i], t.vals[i] = keys[j], v
	}
}
