package arabic

import (
	"math"
	"slices"
	"unicode/utf8"
)

// Budget bounds a summary. A zero field means no limit on that axis; every non-zero limit
// holds for the result. Chars counts Unicode code points (as Telegram does) of the sentences
// joined with single spaces; Words counts tokens (runs of letters and digits, as ROUGE does).
type Budget struct{ Chars, Words, Sentences int }

// Scoring weights, tuned on the EASC development half (see TestEASC) and kept round so
// they do not overfit it: news puts the point first, so the lead prior dominates;
// centrality and the title promote the sentences that say what the story is about.
const (
	weightLead       = 1.0
	weightCentrality = 0.8
	weightTitle      = 0.6
	leadDecay        = 0.25 // lead prior of sentence i is 1/(1+leadDecay*i)
	mmrLambda        = 0.7  // share of relevance against redundancy when picking
	titleRepeat      = 0.8  // a sentence whose terms are this much in the title repeats it
	maxSentences     = 256  // sentences scored; later ones are never picked
	pagerankRounds   = 20
	pagerankDamping  = 0.85
)

// sentInfo is one candidate sentence.
type sentInfo struct {
	text  string
	runes int
	words int
	terms []int32 // sorted term ids, with repeats
	norm  float64 // length of the tf·isf vector
	score float64
}

// Summarize picks whole sentences of text, which should be the output of Clean, and returns
// them in document order, within b. Each returned string is a sentence of text exactly as
// written (never cut, never rewritten). It scores sentences by a lead prior (news puts its
// point first), LexRank centrality over normalised stemmed terms and overlap with title,
// skips sentences that only repeat the title, and picks greedily with redundancy control
// (maximal marginal relevance), adding a lower-ranked sentence when the best one does not
// fit. When the lead does not fit the budget, the best sentence that fits is returned; when
// no sentence fits, the result is empty rather than a cut sentence, and the caller decides
// (the bot shows the title alone).
func Summarize(title, text string, b Budget) []string {
	raw := Sentences(text)
	if len(raw) == 0 {
		return nil
	}
	if len(raw) > maxSentences {
		raw = raw[:maxSentences]
	}
	ids := make(map[string]int32, 4*len(raw))
	idOf := func(t string) int32 {
		id, ok := ids[t]
		if !ok {
			id = int32(len(ids))
			ids[t] = id
		}
		return id
	}
	var scratch []string
	titleTerms := map[int32]bool{}
	scratch = appendTerms(scratch[:0], Normalize(title))
	for _, t := range scratch {
		titleTerms[idOf(t)] = true
	}
	sents := make([]sentInfo, len(raw))
	all := make([]int32, 0, 16*len(raw))
	for i, s := range raw {
		scratch = appendTerms(scratch[:0], Normalize(s))
		start := len(all)
		for _, t := range scratch {
			all = append(all, idOf(t))
		}
		terms := all[start:len(all):len(all)]
		slices.Sort(terms)
		sents[i] = sentInfo{text: s, runes: utf8.RuneCountInString(s), words: countWords(s), terms: terms}
	}
	// Inverse sentence frequency.
	df := make([]int32, len(ids))
	for i := range sents {
		forEachDistinct(sents[i].terms, func(id int32, _ int) { df[id]++ })
	}
	isf := make([]float64, len(ids))
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
		score := weightLead / (1 + leadDecay*float64(i))
		if maxCent > 0 {
			score += weightCentrality * cent[i] / maxCent
		}
		if len(titleTerms) > 0 && len(s.terms) > 0 {
			in, distinct := 0, 0
			forEachDistinct(s.terms, func(id int32, _ int) {
				distinct++
				if titleTerms[id] {
					in++
				}
			})
			if float64(in) >= titleRepeat*float64(distinct) {
				score = -1 // says nothing the title does not
			} else {
				score += weightTitle * float64(in) / float64(len(titleTerms))
			}
		}
		if len(s.terms) == 0 {
			score = -1 // no content word: a fragment such as "نعم!"
		}
		s.score = score
	}
	chosen := pick(sents, sim, b)
	slices.Sort(chosen)
	out := make([]string, len(chosen))
	for i, c := range chosen {
		out[i] = sents[c].text
	}
	return out
}

// pick chooses sentences by maximal marginal relevance within the budget.
func pick(sents []sentInfo, sim []float64, b Budget) []int {
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
			if red > 0.9 {
				continue // a near-copy of a chosen sentence
			}
			val := mmrLambda*s.score - (1-mmrLambda)*red
			if val > bestVal {
				best, bestVal = i, val
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		chosen = append(chosen, best)
		if len(chosen) > 1 {
			chars++ // the joining space
		}
		chars += sents[best].runes
		words += sents[best].words
	}
	return chosen
}

// fits reports whether adding s keeps every limit of b.
func fits(s *sentInfo, k, chars, words int, b Budget) bool {
	sep := 0
	if k > 0 {
		sep = 1
	}
	return (b.Chars == 0 || chars+sep+s.runes <= b.Chars) && (b.Words == 0 || words+s.words <= b.Words)
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

// cosine is the tf·isf cosine similarity of two sentences (merge of sorted term lists).
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

// lexRank is continuous LexRank: PageRank over the sentence similarity graph.
func lexRank(sim []float64, n int) []float64 {
	rank := make([]float64, n)
	next := make([]float64, n)
	deg := make([]float64, n)
	for i := range n {
		for j := range n {
			deg[i] += sim[i*n+j]
		}
		rank[i] = 1 / float64(n)
	}
	for range pagerankRounds {
		for j := range n {
			next[j] = (1 - pagerankDamping) / float64(n)
		}
		for i := range n {
			if deg[i] == 0 {
				continue
			}
			share := pagerankDamping * rank[i] / deg[i]
			row := sim[i*n : (i+1)*n]
			for j, w := range row {
				if w != 0 {
					next[j] += share * w
				}
			}
		}
		rank, next = next, rank
	}
	return rank
}
