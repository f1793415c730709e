package arabic

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The subject model is complement naive Bayes (Rennie et al., "Tackling the poor
// assumptions of naive Bayes text classifiers", 2003) over the light stems Terms gives:
// each subject is scored by how unlike the other subjects' text an item's words are,
// which copes with training sets whose subjects have very different sizes, as EASC's do
// (four to sixteen articles each). Its parameters are the counts, per stem and subject,
// in subjects.model beside this file, written by TestFitSubjects from the EASC articles in
// testdata/easc and the seed words of subjects.go (see that test for how to refit it);
// the test fails when the committed file is not what the fit produces.
//
//go:embed subjects.model
var subjectModelFile string

// Classifier settings, fixed before measuring; TestSubjectAccuracy reports what they give
// on held-out articles and news items.
const (
	// subjectAlpha is the additive smoothing of the term probabilities.
	subjectAlpha = 0.5
	// minTermCount drops stems with less weight than this in all training text together
	// from the model: a stem met once says little and most are names.
	minTermCount = 2
	// titleWeight counts the title's terms this many times: a headline names the subject.
	titleWeight = 2
	// maxClassifyTerms bounds the text's terms looked at: the lead says what an article is
	// about, and the cost of classifying stays flat for long articles.
	maxClassifyTerms = 300
	// seedWeight is the weight each seed word adds to its subject, as much as a word a
	// training article uses about 20 times (counts are damped: log(1+n) per article).
	seedWeight = 3
	// SubjectMinConfidence is the confidence (ClassifySubject) under which the subject is
	// a guess: callers that act on it, such as a topic subscription, should act on none.
	// Set from held-out EASC articles, where answers above it are right nine times in ten.
	SubjectMinConfidence = 0.2
)

// subjectCounts are the model's parameters: per stem, its occurrences in each subject's
// training text, in subjectList order.
type subjectCounts struct {
	terms map[string][]float64
}

func newSubjectCounts() *subjectCounts {
	return &subjectCounts{terms: map[string][]float64{}}
}

// add counts terms, weight times each, for subject.
func (c *subjectCounts) add(subject string, terms []string, weight float64) {
	col := slices.Index(subjectList[:], subject)
	if col < 0 {
		panic("arabic: unknown subject " + subject) // a programming error in the trainer
	}
	for _, t := range terms {
		row := c.terms[t]
		if row == nil {
			row = make([]float64, len(subjectList))
			c.terms[t] = row
		}
		row[col] += weight
	}
}

// addDoc counts one training document of subject: each distinct term log(1+n) for n
// occurrences, so a word an article repeats weighs more, but not in proportion, and a long
// article does not drown a short one.
func (c *subjectCounts) addDoc(subject string, terms []string) {
	tf := map[string]int{}
	for _, t := range terms {
		tf[t]++
	}
	for t, n := range tf {
		c.add(subject, []string{t}, math.Log1p(float64(n)))
	}
}

// pruned drops the stems counted less than minTermCount times in all.
func (c *subjectCounts) pruned() *subjectCounts {
	out := newSubjectCounts()
	for t, row := range c.terms {
		total := 0.0
		for _, v := range row {
			total += v
		}
		if total >= minTermCount {
			out.terms[t] = row
		}
	}
	return out
}

// write writes the counts as subjects.model: a header, then one stem a line with its
// counts to four decimals, stems sorted, so a refit changes only the lines that changed.
func (c *subjectCounts) write(w io.Writer, header string) error {
	bw := bufio.NewWriter(w)
	for line := range strings.SplitSeq(strings.TrimSpace(header), "\n") {
		fmt.Fprintf(bw, "# %s\n", line)
	}
	fmt.Fprintf(bw, "subjects\t%s\n", strings.Join(subjectList[:], "\t"))
	terms := make([]string, 0, len(c.terms))
	for t := range c.terms {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	for _, t := range terms {
		bw.WriteString(t)
		for _, v := range c.terms[t] {
			bw.WriteByte('\t')
			bw.WriteString(strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// parseSubjectCounts reads what write wrote.
func parseSubjectCounts(s string) (*subjectCounts, error) {
	c := newSubjectCounts()
	header := false
	for n, line := range strings.Split(s, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if !header {
			if fields[0] != "subjects" || !slices.Equal(fields[1:], subjectList[:]) {
				return nil, fmt.Errorf("subject model line %d: subjects %q, want %q", n+1, fields[1:], subjectList)
			}
			header = true
			continue
		}
		if len(fields) != len(subjectList)+1 {
			return nil, fmt.Errorf("subject model line %d: %d fields, want %d", n+1, len(fields), len(subjectList)+1)
		}
		row := make([]float64, len(subjectList))
		for i, f := range fields[1:] {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("subject model line %d: count %q", n+1, f)
			}
			row[i] = v
		}
		c.terms[fields[0]] = row
	}
	if !header {
		return nil, fmt.Errorf("subject model: no subjects line")
	}
	return c, nil
}

// subjectModel is subjectCounts turned into complement weights: per stem and subject,
// −log P(stem | every other subject), smoothed.
type subjectModel struct {
	weight map[string][]float64
}

func (c *subjectCounts) model() *subjectModel {
	n := len(subjectList)
	totals := make([]float64, n)
	all := 0.0
	for _, row := range c.terms {
		for i, v := range row {
			totals[i] += v
			all += v
		}
	}
	vocab := float64(len(c.terms))
	m := &subjectModel{weight: make(map[string][]float64, len(c.terms))}
	for t, row := range c.terms {
		sum := 0.0
		for _, v := range row {
			sum += v
		}
		w := make([]float64, n)
		for i, v := range row {
			w[i] = -math.Log((sum - v + subjectAlpha) / (all - totals[i] + subjectAlpha*vocab))
		}
		m.weight[t] = w
	}
	return m
}

// classifyTerms are the terms of an item the model looks at: the title's, titleWeight
// times, and the first maxClassifyTerms of the text.
func classifyTerms(title, text string) []string {
	var out []string
	tt := Terms(title)
	for range titleWeight {
		out = append(out, tt...)
	}
	n := 0
	forEachTerm(text, make([]byte, 0, 64), func(t []byte) {
		if n < maxClassifyTerms {
			out = append(out, string(t))
			n++
		}
	})
	return out
}

// classify returns the best subject of terms and the model's confidence in it: how much
// better it scores than the runner-up, per word the model knows. Every subject has the same
// prior: how often EASC has a subject says nothing of how often a feed does. Stems the
// model does not know are left out; with none known it returns "", 0.
func (m *subjectModel) classify(terms []string) (string, float64) {
	scores := make([]float64, len(subjectList))
	known := 0
	for _, t := range terms {
		w, ok := m.weight[t]
		if !ok {
			continue
		}
		known++
		for i, v := range w {
			scores[i] += v
		}
	}
	if known == 0 {
		return "", 0
	}
	best, second := 0, 1
	if scores[second] > scores[best] {
		best, second = second, best
	}
	for i := 2; i < len(scores); i++ {
		switch {
		case scores[i] > scores[best]:
			best, second = i, best
		case scores[i] > scores[second]:
			second = i
		}
	}
	return subjectList[best], (scores[best] - scores[second]) / float64(known)
}

// embeddedSubjects is the committed model, parsed on first use and only read afterwards.
var embeddedSubjects = sync.OnceValue(func() *subjectModel {
	c, err := parseSubjectCounts(subjectModelFile)
	if err != nil {
		panic("arabic: embedded subject model: " + err.Error()) // cannot happen: checked by tests
	}
	return c.model()
})

// ClassifySubject returns the subject a news item is most likely about, from its title
// and text, and the model's confidence in it; "" and 0 when none of its words is known to
// the model. Under SubjectMinConfidence the subject is a guess. The text is read up to its
// first few hundred words.
func ClassifySubject(title, text string) (subject string, p float64) {
	return embeddedSubjects().classify(classifyTerms(title, text))
}
