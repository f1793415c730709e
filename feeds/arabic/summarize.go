package arabic

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Budget bounds a summary. A zero field means no limit on that axis; every non-zero limit
// holds for the result. Chars counts Unicode code points (as Telegram does) of the sentences
// joined with single spaces; Words counts tokens (runs of letters and digits, as ROUGE does).
type Budget struct{ Chars, Words, Sentences int }

// The features of a sentence the scorer weighs (scorer.w), each in [0, 1]. They are the
// signals extractive summarisers have long used: where the sentence stands (news and
// encyclopaedia articles put their point first, and writers put a paragraph's point in its
// first sentence), how long it is, how central it is to the text (LexRank), how much of the
// title and of the text's recurring terms it carries, and how much it repeats what came
// before it.
const (
	featBias       = iota // always 1
	featFirst             // the first sentence of the text
	featPos               // 1/(1+i): the lead prior
	featRelPos            // i/(n-1): how far into the text
	featPara              // opens a paragraph (a line of cleaned text)
	featLen               // log(1+words)/log(1+longWords), at most 1
	featCent              // LexRank centrality over the largest of the text
	featTitle             // share of the title's terms it contains
	featKeyword           // share of the text's recurring-term weight it holds, over the largest
	featRedund            // largest similarity to an earlier sentence
	featSimFirst          // similarity to the first sentence (0 for the first)
	featCentroid          // cosine of its term counts to those of the rest of the text
	featShort             // fewer than shortWords words: a fragment, a dateline
	featDigit             // holds a digit: dates, figures
	featQuote             // holds a quotation mark or a colon: reported speech
	featConnective        // opens with a connective ("و", "كما", "ثم" …): it continues the one before
	featWordPos           // share of the text's words before it
	featParaIdx           // 1/(1+p) for the p-th paragraph: the lead prior by paragraph
	featSeen              // share of its terms that other sentences also hold
	featSeenProb          // mean chance that a term is in a reader's pick of other sentences
	featSeenLog           // mean log(1+sentences holding the term elsewhere), over log(1+n)
	numFeatures
)

// featureNames name the features in weights.go and in the fitting test's report.
var featureNames = [numFeatures]string{"bias", "first", "pos", "relpos", "para", "len", "cent", "title", "keyword", "redund",
	"simfirst", "centroid", "short", "digit", "quote", "connective", "wordpos", "paraidx", "seen", "seenprob", "seenlog"}

// scorer is the learned sentence scorer: the share of a sentence's words a reader picks
// for a summary is modelled as sigmoid(w·features), fitted on the EASC development half,
// where five annotators each picked sentences of every article (fit_test.go, which writes
// weights.go). Each mode has its own weights (w[modeWords], w[modePick]): the word budget
// reads sentences in score order, so only their order within an article matters, and a
// pairwise ranker fits that order better out of fold; the card's picks weigh a sentence's
// score against the lead's per word, which needs the calibrated logistic fit. A choice
// replaces the lead only when the scorer rates it above the lead at the same length (its
// advantage); the word budget's choice must do so by more than margin, in predicted picks
// per word: when the scorer is not sure, the lead is the answer. The card's picks have no
// margin: one fitted for them on held-out articles, as the word budget's is, did worse out
// of fold than none (TestFit, explore_share_test.go).
type scorer struct {
	w      [2][numFeatures]float64
	margin float64 // the word budget's
}

const (
	modeWords = iota // only a Words limit: pickOrdered
	modePick         // a Chars or Sentences limit: greedy picks
)

const (
	titleRepeat     = 0.8 // a sentence with this share of its terms in the title repeats it
	nearCopy        = 0.9 // similarity above which a sentence repeats one already chosen
	maxSentences    = 256 // sentences scored; later ones are never picked
	pagerankRounds  = 20
	pagerankDamping = 0.85
	longWords       = 60  // a sentence this long has featLen 1
	shortWords      = 6   // a sentence shorter than this has featShort 1
	seenPick        = 0.3 // the share of sentences a reader is taken to pick, for featSeenProb
)

// sentInfo is one candidate sentence.
type sentInfo struct {
	text  string
	runes int
	words int
	terms []int32 // sorted term ids, with repeats
	norm  float64 // length of the tf·isf vector
	feat  [numFeatures]float64
	score float64 // < 0: never picked

	cut      string // the sentence cut to fit the budget, ending in "…" (cutToFit), for the lead
	pickCut  string // the same for the scorer's choice, which may cut it to another length
	dangling bool   // the feed cut the text in this sentence: it is shown as cut (cutByFeed)
}

// Summarize picks sentences of text, which should be the output of Clean, and returns them
// in document order, within b. Each returned string is a sentence of text exactly as
// written, never rewritten; only the last may be cut, at the end of a clause (or of a word)
// and then marked with a final "…" (see below).
//
// Each sentence is scored by a small learned model over its position (in sentences, words
// and paragraphs), length, LexRank centrality and likeness to the rest of the text over
// normalised stemmed terms (their first four letters: termRunes), how much of its terms
// the other sentences repeat, title overlap, keyword weight, redundancy, and whether it
// holds figures or quotes or opens with a connective (see scorer). Sentences that only repeat the title, or that have no content
// word, are never picked, nor is a near-copy of a picked sentence. With a Chars or
// Sentences limit (the card) the lead sentence comes first, and the rest are those whose
// predicted worth most exceeds the lead's at the same length (pickByGain, which may take
// fewer than fit; without a Sentences limit of at most three, the best scored that fit,
// pickBest); with only a Words limit the sentences are read from the best scored down,
// and the first that does not fit is cut to the words left (pickOrdered). Either
// choice gives way to the lead unless the model rates it better; the word budget's, unless
// by more than a margin fitted on held-out articles: on the EASC corpus the lead is hard
// to beat.
//
// The lead is the text read from its start: with only a Words limit, the sentences that fit
// and then the next one cut to the words left; with a Chars or Sentences limit, the
// sentences in order, passing over those that do not fit. A lead sentence that does not fit
// on its own is cut to fit, and is then the whole summary: a news lead longer than the card
// is better read in part than replaced by a sentence from further down. A cut keeps at
// least minCutWords words; when no sentence fits and no cut does, the result is empty: the
// caller decides (the bot shows the title alone).
func Summarize(title, text string, b Budget) []string {
	return summarize(title, text, b, &trained)
}

func summarize(title, text string, b Budget, m *scorer) []string {
	sents, chosen, lead, adv := choose(title, text, b, m)
	if len(lead) > 0 && (adv <= 0 || modeOf(b) == modeWords && adv <= m.margin || slices.Equal(chosen, lead)) {
		return texts(sents, lead, false)
	}
	return texts(sents, chosen, true)
}

// texts returns the text of each chosen sentence: a cut one as the lead cut it, or as the
// scorer's choice did (pick).
func texts(sents []sentInfo, chosen []int, pick bool) []string {
	out := make([]string, len(chosen))
	for i, c := range chosen {
		switch {
		case c < 0 && pick:
			out[i] = sents[^c].pickCut
		case c < 0:
			out[i] = sents[^c].cut
		case sents[c].dangling:
			out[i] = sents[c].text + "…"
		default:
			out[i] = sents[c].text
		}
	}
	return out
}

// modeOf tells which selection b gets.
func modeOf(b Budget) int {
	if b.Chars == 0 && b.Sentences == 0 && b.Words > 0 {
		return modeWords
	}
	return modePick
}

// choose scores the sentences of text and returns them with the scorer's choice within b
// (in document order), the lead within b (leadPrefix), and how much better the scorer
// rates its choice than the lead (advantage; +Inf when there is nothing to choose between).
func choose(title, text string, b Budget, m *scorer) (sents []sentInfo, chosen, lead []int, adv float64) {
	sents, _ = analyse(title, text)
	if len(sents) == 0 {
		return nil, nil, nil, 0
	}
	mode := modeOf(b)
	for i := range sents {
		if s := &sents[i]; s.score >= 0 {
			s.score = m.prob(mode, &s.feat)
		}
	}
	lead = leadPrefix(sents, b, mode)
	switch {
	case mode == modeWords:
		chosen = pickOrdered(sents, b)
	case len(lead) > 0 && lead[0] < 0:
		return sents, lead, lead, math.Inf(1) // the lead sentence is always on the card, in part if need be
	case len(lead) > 0 && b.Sentences > 0 && b.Sentences <= maxPickSets:
		chosen = pickByGain(sents, b, lead)
	case len(lead) > 0:
		chosen = pickBest(sents, b, lead[0])
	default:
		chosen = pickBest(sents, b, -1)
	}
	slices.SortFunc(chosen, func(x, y int) int { return cmp.Compare(sentIndex(x), sentIndex(y)) })
	if len(lead) == 0 || slices.Equal(lead, chosen) {
		return sents, chosen, lead, math.Inf(1)
	}
	return sents, chosen, lead, advantage(sents, chosen, lead)
}

// termRunes is how many letters of a light stem make a term for scoring. The light stem
// keeps the patterns Arabic builds inside and around a root apart ("انتخابات", "انتخب",
// "الانتخابية" → "انتخاب", "انتخب", "انتخابي"); cut to its first four letters, the
// words of one story count as one term in the similarity, centrality and repeated-term
// features, which is what they measure. Out of fold on the EASC development half (TestFit,
// six shuffles) four letters gained over the whole stem at both budgets; three gained more
// at three sentences but conflate unrelated words ("استقبال", "استخدام").
const termRunes = 4

// termPrefix is the first termRunes runes of a term (a normalised stem, valid UTF-8).
func termPrefix(t []byte) []byte {
	n := 0
	for i := 0; i < len(t); i++ {
		if t[i]&0xC0 != 0x80 { // a rune starts here
			if n == termRunes {
				return t[:i]
			}
			n++
		}
	}
	return t
}

// prob is the scorer's probability that a sentence with features f is picked, with the
// weights of mode (modeWords' are a pairwise ranker's: there only the order of the values
// within an article means anything).
func (m *scorer) prob(mode int, f *[numFeatures]float64) float64 {
	z := 0.0
	for k, x := range f {
		z += m.w[mode][k] * x
	}
	return 1 / (1 + math.Exp(-z))
}

// A chosen list holds sentence indexes, and ^i (a negative number) for sentence i cut to
// fit the budget (sentInfo.cut, set by cutToFit).

// sentIndex is the sentence a chosen entry stands for.
func sentIndex(c int) int {
	if c < 0 {
		return ^c
	}
	return c
}

// chosenWords is how many words an entry of the scorer's choice shows.
func chosenWords(sents []sentInfo, c int) int {
	if c < 0 {
		return countWords(sents[^c].pickCut)
	}
	return sents[c].words
}

// leadPrefix returns the lead the scorer must beat: the pickable sentences in document
// order while they fit b. With only a word budget it is the beginning of the text: the
// sentences that fit and then, cut at a clause, the one that does not. Otherwise it cuts
// only a first sentence that does not fit, and then ends there (a card always carries the
// lead, in part if need be); a later sentence that does not fit is passed over, to fill the
// card.
func leadPrefix(sents []sentInfo, b Budget, mode int) []int {
	var out []int
	chars, words := 0, 0
	for i := range sents {
		s := &sents[i]
		if s.score < 0 {
			continue
		}
		if b.Sentences > 0 && len(out) >= b.Sentences {
			break
		}
		if !fits(s, len(out), chars, words, b) {
			if len(out) == 0 || mode == modeWords {
				if cutToFit(s, room(b, len(out), chars, words)) {
					out = append(out, ^i)
					break
				}
				if mode == modeWords {
					break
				}
			}
			continue
		}
		if len(out) > 0 {
			chars++
		}
		chars += s.runes
		words += s.words
		out = append(out, i)
	}
	return out
}

// room is what is left of b after k sentences totalling chars and words, for one more
// (the joining space counted); a limit used up is -1, and 0 is still no limit.
func room(b Budget, k, chars, words int) Budget {
	r := Budget{}
	if b.Chars > 0 {
		r.Chars = b.Chars - chars
		if k > 0 {
			r.Chars--
		}
		r.Chars = max(r.Chars, -1)
	}
	if b.Words > 0 {
		r.Words = max(b.Words-words, -1)
	}
	return r
}

// danglingWords (normalised) cannot end an Arabic sentence: prepositions, conjunctions,
// relative pronouns and particles that need what follows them.
var danglingWords = map[string]bool{
	"في": true, "من": true, "الي": true, "علي": true, "عن": true, "و": true, "او": true, "ثم": true,
	"ان": true, "لان": true, "بان": true, "كان": true, "التي": true, "الذي": true, "الذين": true,
	"اللذين": true, "اللتين": true, "اللواتي": true, "لكن": true, "بين": true, "مع": true,
	"حتي": true, "عند": true, "منذ": true, "لدي": true, "نحو": true, "ضد": true, "خلال": true,
	"حول": true, "دون": true, "عبر": true, "وفي": true, "ومن": true, "والي": true, "وعلي": true,
	"وعن": true, "ومع": true, "وبين": true, "اما": true, "كما": true, "لم": true,
	"لن": true, "قد": true, "لقد": true, "هل": true, "بل": true, "اذا": true, "لو": true, "كي": true,
	"لكي": true, "حيث": true, "بينما": true, "فيما": true, "الا": true,
}

// hasDigit reports whether s holds a digit: ASCII, Arabic-Indic (U+0660-0669) or Persian
// (U+06F0-06F9), looked for in the bytes (this runs for every sentence of every item).
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c-'0' < 10 {
			return true
		}
		if (c == 0xD9 || c == 0xDB) && i+1 < len(s) {
			if d := s[i+1]; c == 0xD9 && d-0xA0 < 10 || c == 0xDB && d-0xB0 < 10 {
				return true
			}
		}
	}
	return false
}

// hasQuote reports whether s holds a quotation mark (" « » “ ”) or a colon. Each search
// is a vectorised byte scan, and most sentences have none.
func hasQuote(s string) bool {
	return strings.IndexByte(s, '"') >= 0 || strings.IndexByte(s, ':') >= 0 ||
		strings.Contains(s, "«") || strings.Contains(s, "»") || strings.Contains(s, "“") || strings.Contains(s, "”")
}

// connectives (normalised) open a sentence that goes on from the one before it.
var connectives = map[string]bool{
	"و": true, "ف": true, "ثم": true, "كما": true, "لكن": true, "ولكن": true, "وقد": true, "وكان": true,
	"واضاف": true, "وقال": true, "بينما": true, "فيما": true, "اما": true, "وهو": true, "وهي": true, "وفي": true,
}

// cutByFeed reports a last sentence the feed cut mid-way without marking it: no sentence
// end, and its last word cannot end a sentence ("… في المدينة وفي").
func cutByFeed(s string) bool {
	if endsSentence(s) {
		return false
	}
	n := Normalize(s)
	end := len(n)
	for end > 0 {
		r, size := utf8.DecodeLastRuneInString(n[:end])
		if isWordRune(r) {
			break
		}
		end -= size
	}
	start := end
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(n[:start])
		if !isWordRune(r) {
			break
		}
		start -= size
	}
	return start < end && danglingWords[n[start:end]]
}

// minCutWords is the fewest words a cut sentence keeps: less says too little to stand for
// the sentence, and then nothing is cut.
const minCutWords = 8

// minCutShare is the least share of the room a cut at a clause boundary fills before a
// word boundary is used instead.
const minCutShare = 0.5

// cutToFit sets s.cut to the longest beginning of s that ends a clause (at
// ، ؛ : or ,) and fits r with the "…" that marks it as cut, or, when that would fill less
// than minCutShare of what the longest fitting run of whole words fills, to that run. It
// reports whether a cut of at least minCutWords words fits. A news lead longer than the
// card is better read in part than replaced by a sentence from further down.
func cutToFit(s *sentInfo, r Budget) bool {
	const mark = "…"
	if r.Chars < 0 || r.Words < 0 || r.Chars == 0 && r.Words == 0 {
		return false
	}
	text := s.text
	runes, words := 0, 0 // before the rune at i
	in := false
	clause, clauseWords := 0, 0 // the longest fitting clause ends at clause
	word, wordWords := 0, 0     // the longest fitting run of words ends at word
	var prev rune = -1
	// Words are counted as countWords counts them; the loop stops once the text before i
	// and the mark no longer fit, so every boundary it records fits.
	for i, c := range text {
		if h, ok := composeHamza(prev, c); ok {
			prev = h
		} else if m, ok := normRune(c); ok {
			prev = m
			w := isWordRune(m)
			if in && !w {
				word, wordWords = i, words
			}
			if words > 0 && (c == '،' || c == '؛' || c == ':' || c == ',') {
				clause, clauseWords = i, words
			}
			if w && !in {
				words++
				if r.Words > 0 && words > r.Words {
					break
				}
			}
			in = w
		}
		runes++
		if r.Chars > 0 && runes+1 > r.Chars {
			break
		}
	}
	end, n := clause, clauseWords
	if float64(clauseWords) < minCutShare*float64(wordWords) {
		end, n = word, wordWords
	}
	if n < minCutWords {
		return false
	}
	s.cut = strings.TrimRightFunc(text[:end], func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + mark
	return true
}

// advantage is how much more likely, per word, the chosen sentences are to be picked by a
// reader than the same number of words read on from the start of the lead (the last
// sentence in part): what choosing over reading on is predicted to gain.
func advantage(sents []sentInfo, chosen, lead []int) float64 {
	words, picked := 0, 0.0
	for _, c := range chosen {
		n := chosenWords(sents, c)
		words += n
		picked += sents[sentIndex(c)].score * float64(n)
	}
	if words == 0 {
		return math.Inf(-1)
	}
	start := sentIndex(lead[0])
	left, leadPicked := words, 0.0
	for i := start; i < len(sents) && left > 0; i++ {
		s := &sents[i]
		if s.score < 0 {
			continue
		}
		n := min(s.words, left)
		leadPicked += s.score * float64(n)
		left -= n
	}
	return (picked - leadPicked) / float64(words)
}

// analyse splits text into sentences and computes their features and the similarity of
// every pair (sim[i*n+j]). Sentences that must never be picked have score -1, the others 0.
func analyse(title, text string) ([]sentInfo, []float64) {
	raw, paraStart := sentencesWithParagraphs(text)
	if len(raw) == 0 {
		return nil, nil
	}
	whole := len(raw) <= maxSentences // the last sentence is the end of the text
	if !whole {
		raw = raw[:maxSentences]
	}
	// Terms are numbered by their 64-bit hash: no string per term, and a collision between
	// two of the few hundred terms of one article is too unlikely to matter for scoring.
	// A term is the first termRunes letters of its light stem (termPrefix).
	ids := newTermIDs(len(text) / 16)
	idOf := func(t []byte) int32 { return ids.id(fnv64(termPrefix(t))) }
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
	if last := &sents[len(sents)-1]; whole && cutByFeed(last.text) {
		// The feed cut the text mid-sentence: shown, it ends with the mark of a cut.
		last.runes++
		last.dangling = true
	}

	// tf·isf weights: a term in every sentence says nothing about any of them. tf counts a
	// term over the whole text: a term that recurs is a keyword.
	df := make([]int32, ids.n)
	tf := make([]int32, ids.n)
	for i := range sents {
		forEachDistinct(sents[i].terms, func(id int32, n int) {
			df[id]++
			tf[id] += int32(n)
		})
	}
	isf := make([]float64, ids.n)
	n := float64(len(sents))
	for id, d := range df {
		isf[id] = math.Log((n + 1) / float64(d))
	}
	// A keyword's weight is the log of how often it recurs in the text (0 for a term said
	// once), computed once per term rather than per occurrence.
	logTf := make([]float64, ids.n)
	for id, f := range tf {
		if f > 1 {
			logTf[id] = math.Log(float64(f))
		}
	}
	kw := make([]float64, len(sents))
	maxKw := 0.0
	for i := range sents {
		sum := 0.0
		forEachDistinct(sents[i].terms, func(id int32, f int) {
			w := float64(f) * isf[id]
			sum += w * w
			kw[i] += logTf[id]
		})
		sents[i].norm = math.Sqrt(sum)
		maxKw = max(maxKw, kw[i])
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
	// Per term: the chance that a reader who picks each other sentence with chance
	// seenPick picks one holding it, and the log of how many other sentences hold it. A
	// sentence made of terms the rest of the text repeats says what the text is about.
	// Both depend only on how many sentences hold the term: one table entry per count.
	seenProb := make([]float64, len(sents)+1)
	seenLog := make([]float64, len(sents)+1)
	for d := 1; d <= len(sents); d++ {
		seenProb[d] = 1 - math.Pow(1-seenPick, float64(d-1))
		seenLog[d] = math.Log(float64(d))
	}
	docNorm := 0.0
	for _, c := range tf {
		docNorm += float64(c) * float64(c)
	}
	docNorm = math.Sqrt(docNorm)
	totalWords := 0
	for i := range sents {
		totalWords += sents[i].words
	}
	wordsBefore, para := 0, -1

	for i := range sents {
		s := &sents[i]
		if paraStart[i] || i == 0 {
			para++
		}
		before := wordsBefore
		wordsBefore += s.words
		if len(s.terms) == 0 {
			s.score = -1 // no content word: "نعم!", a lone date
			continue
		}
		f := &s.feat
		if i > 0 {
			f[featSimFirst] = sim[i*len(sents)]
		}
		dot, self, seen, prob, lg := 0.0, 0.0, 0.0, 0.0, 0.0
		forEachDistinct(s.terms, func(id int32, c int) {
			fc := float64(c)
			dot += fc * float64(int(tf[id])-c)
			self += fc * fc
			if df[id] > 1 {
				seen += fc
			}
			prob += fc * seenProb[df[id]]
			lg += fc * seenLog[df[id]]
		})
		if docNorm > 0 {
			f[featCentroid] = dot / (math.Sqrt(self) * docNorm)
		}
		occ := float64(len(s.terms))
		f[featSeen] = seen / occ
		f[featSeenProb] = prob / occ
		f[featSeenLog] = lg / occ / math.Log1p(n)
		if s.words < shortWords {
			f[featShort] = 1
		}
		if hasDigit(s.text) {
			f[featDigit] = 1
		}
		if hasQuote(s.text) {
			f[featQuote] = 1
		}
		if tok, _ := nextToken(s.text, 0); tok != "" {
			buf = appendNormalized(buf[:0], tok)
			if connectives[string(buf)] {
				f[featConnective] = 1
			}
		}
		if totalWords > 0 {
			f[featWordPos] = float64(before) / float64(totalWords)
		}
		f[featParaIdx] = 1 / (1 + float64(para))
		f[featBias] = 1
		if i == 0 {
			f[featFirst] = 1
		}
		f[featPos] = 1 / (1 + float64(i))
		if len(sents) > 1 {
			f[featRelPos] = float64(i) / (n - 1)
		}
		if paraStart[i] {
			f[featPara] = 1
		}
		f[featLen] = min(1, math.Log1p(float64(s.words))/math.Log1p(longWords))
		if maxCent > 0 {
			f[featCent] = cent[i] / maxCent
		}
		if maxKw > 0 {
			f[featKeyword] = kw[i] / maxKw
		}
		for j := range i {
			f[featRedund] = max(f[featRedund], sim[i*len(sents)+j])
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
			f[featTitle] = float64(in) / float64(len(titleTerms))
		}
	}
	// Redundancy: a near-copy of a pickable earlier sentence is never picked.
	for i := range sents {
		for j := range i {
			if sents[j].score >= 0 && sim[i*len(sents)+j] > nearCopy {
				sents[i].score = -1
				break
			}
		}
	}
	return sents, sim
}

// pickBest chooses sentences greedily within the budget: first the sentence first (if not
// -1: the lead, which a card always carries), then each round the best scored of those that
// still fit. Near-copies are never pickable (analyse); a penalty on lesser similarity
// (maximal marginal relevance, score − 0.3 × similarity to a chosen sentence) cost 0.5
// ROUGE-1 at three sentences on held-out EASC articles (TestFit): what the text repeats is
// what its readers pick.
func pickBest(sents []sentInfo, b Budget, first int) []int {
	var chosen []int
	used := make([]bool, len(sents))
	chars, words := 0, 0
	if first >= 0 {
		used[first] = true
		chosen = append(chosen, first)
		chars, words = sents[first].runes, sents[first].words
	}
	for b.Sentences == 0 || len(chosen) < b.Sentences {
		best := -1
		for i := range sents {
			s := &sents[i]
			if used[i] || s.score < 0 || !fits(s, len(chosen), chars, words, b) {
				continue
			}
			if best < 0 || s.score > sents[best].score {
				best = i
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

// maxPickSets is the largest Sentences budget for which pickByGain tries every set;
// a larger one is filled greedily (pickBest).
const maxPickSets = 3

// pickByGain keeps the lead sentence (lead[0], which a card always carries) and adds the
// other sentences, at most b.Sentences in all and within b, whose predicted picks exceed
// those of the lead read on to the same number of words by the most: the sum of score ×
// words over the choice minus that over the lead's words (what advantage measures per
// word). Out of fold on the EASC development half this gained 0.4 ROUGE-1 over Lead at
// equal length at three sentences, and at the card, over taking the best scored (pickBest):
// a long sentence scored a little above the lead's sentences gains more than a short one
// scored higher, and one scored below them pushes the lead's comparison further in. It
// may take two sentences where three fit: there the summaries are shorter, and their own
// ROUGE-1 at three sentences fell from 44.46 to 44.08 while Lead at their length fell
// from 43.90 to 43.16 (TestFit, six shuffles). Every set is tried: at most n²/2 for three
// sentences, each in O(log n) (leadCurve.value).
func pickByGain(sents []sentInfo, b Budget, lead []int) []int {
	first := lead[0]
	lv := newLeadCurve(sents, first)
	cand := make([]int, 0, len(sents))
	for i := first + 1; i < len(sents); i++ {
		if sents[i].score >= 0 {
			cand = append(cand, i)
		}
	}
	f := &sents[first]
	var best [3]int // the best set so far, nBest long (none: the lead)
	nBest, bestGain := 0, math.Inf(-1)
	consider := func(set []int, words int, value float64) {
		if words == 0 {
			return
		}
		if g := value - lv.value(words); g > bestGain {
			nBest, bestGain = copy(best[:], set), g
		}
	}
	var setBuf [3]int
	set := setBuf[:0]
	for x, i := range cand {
		si := &sents[i]
		if b.Sentences < 2 || !fits(si, 1, f.runes, f.words, b) {
			continue
		}
		chars, words := f.runes+1+si.runes, f.words+si.words
		value := f.score*float64(f.words) + si.score*float64(si.words)
		consider(append(set[:0], first, i), words, value)
		if b.Sentences < 3 {
			continue
		}
		for _, j := range cand[x+1:] {
			if sj := &sents[j]; fits(sj, 2, chars, words, b) {
				consider(append(set[:0], first, i, j), words+sj.words, value+sj.score*float64(sj.words))
			}
		}
	}
	if nBest == 0 {
		return lead
	}
	return slices.Clone(best[:nBest])
}

// leadCurve is the lead read on from its first sentence: cumWords[k], cumValue[k] are the
// words and score × words of the first k pickable sentences from there, in document
// order.
type leadCurve struct {
	cumWords []int
	cumValue []float64
}

func newLeadCurve(sents []sentInfo, first int) leadCurve {
	c := leadCurve{cumWords: make([]int, 1, len(sents)+1), cumValue: make([]float64, 1, len(sents)+1)}
	for i := first; i < len(sents); i++ {
		if s := &sents[i]; s.score >= 0 {
			c.cumWords = append(c.cumWords, c.cumWords[len(c.cumWords)-1]+s.words)
			c.cumValue = append(c.cumValue, c.cumValue[len(c.cumValue)-1]+s.score*float64(s.words))
		}
	}
	return c
}

// value is the lead's score × words over its first w words (the last sentence in
// part), in O(log n).
func (c leadCurve) value(w int) float64 {
	k, _ := slices.BinarySearch(c.cumWords, w) // cumWords[k-1] < w <= cumWords[k]
	if k >= len(c.cumWords) {
		return c.cumValue[len(c.cumValue)-1]
	}
	if k == 0 {
		return 0
	}
	s := (c.cumValue[k] - c.cumValue[k-1]) / float64(c.cumWords[k]-c.cumWords[k-1])
	return c.cumValue[k-1] + s*float64(w-c.cumWords[k-1])
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

// pickOrdered reads the sentences from the best scored down: each that fits is taken, and
// the first that does not is cut to the words left (when a cut of minCutWords fits) and
// ends the choice. It is the lead read in the scorer's order: with scores falling along
// the text it is the lead, and it never skips a sentence to pack the budget tighter (on
// EASC packing whole sentences exactly lost to the lead by a point: the sentence passed
// over is worth more than the later ones that fit).
func pickOrdered(sents []sentInfo, b Budget) []int {
	order := pickableBy(sents, func(i int) float64 { return sents[i].score })
	var out []int
	words, last := 0, -1
	for _, i := range order {
		s := &sents[i]
		if fits(s, len(out), 0, words, b) {
			out = append(out, i)
			words += s.words
			last = max(last, i)
			continue
		}
		// Only the last sentence of a summary may be cut: one before a chosen sentence is
		// left out. Cut a copy: the lead may cut the same sentence to another length.
		if c := *s; i > last && cutToFit(&c, room(b, len(out), 0, words)) {
			s.pickCut = c.cut
			out = append(out, ^i)
		}
		break
	}
	return out
}

// pickableBy lists the sentences that may be picked (score ≥ 0), highest key first, in
// document order on a tie.
func pickableBy(sents []sentInfo, key func(i int) float64) []int {
	order := make([]int, 0, len(sents))
	for i := range sents {
		if sents[i].score >= 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(key(y), key(x)) })
	return order
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
