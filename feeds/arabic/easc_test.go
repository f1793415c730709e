package arabic

import (
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var eascOut = flag.String("easc.out", "", "write each system's EASC summaries to `DIR`/<system>/TopicN.txt for rouge.py")

// Lead at the mean reference length, measured by /work/shared/tools/rouge.py on this corpus
// (its README): the number to beat.
const pyLeadR1, pyLeadR2, pyLeadRL = 51.72, 44.53, 47.78

// eascDoc is one EASC article with its five references.
type eascDoc struct {
	topic string
	text  string
	refs  []string
	news  bool
}

// loadEASC reads testdata/easc the way rouge.py's easc_load does.
func loadEASC(t testing.TB) []eascDoc {
	t.Helper()
	root := filepath.Join("testdata", "easc")
	news := eascNewsTopics(t, root)
	topics, err := os.ReadDir(filepath.Join(root, "Articles"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []eascDoc
	for _, tp := range topics {
		name := tp.Name()
		files, err := os.ReadDir(filepath.Join(root, "Articles", name))
		if err != nil || len(files) == 0 {
			t.Fatalf("topic %s: %v", name, err)
		}
		text := readUTF8(t, filepath.Join(root, "Articles", name, files[0].Name()))
		refFiles, err := os.ReadDir(filepath.Join(root, "MTurk", name))
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, rf := range refFiles {
			refs = append(refs, readUTF8(t, filepath.Join(root, "MTurk", name, rf.Name())))
		}
		docs = append(docs, eascDoc{topic: name, text: text, refs: refs, news: news[name]})
	}
	slices.SortFunc(docs, func(a, b eascDoc) int {
		x, _ := strconv.Atoi(strings.TrimPrefix(a.topic, "Topic"))
		y, _ := strconv.Atoi(strings.TrimPrefix(b.topic, "Topic"))
		return x - y
	})
	return docs
}

func readUTF8(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(string(b), "\ufeff")
}

var parens = regexp.MustCompile(`[()]`)

// eascNewsTopics maps TopicN to whether SOURCES.CSV names a newspaper as its source.
func eascNewsTopics(t testing.TB, root string) map[string]bool {
	t.Helper()
	rows, err := readCSV(readUTF8(t, filepath.Join(root, "SOURCES.CSV")))
	if err != nil {
		t.Fatal(err)
	}
	src := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) >= 3 {
			src[eascKey(r[0])] = r[2]
		}
	}
	out := map[string]bool{}
	topics, err := os.ReadDir(filepath.Join(root, "Articles"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics {
		files, _ := os.ReadDir(filepath.Join(root, "Articles", tp.Name()))
		name := strings.TrimSuffix(files[0].Name(), filepath.Ext(files[0].Name()))
		out[tp.Name()] = strings.Contains(src[eascKey(name)], "Newspaper")
	}
	return out
}

// eascKey is the article name as SOURCES.CSV and the file names both spell it.
func eascKey(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(parens.ReplaceAllString(s, ""))), " ")
}

// selectToBudget is rouge.py's select_to_budget: take sentences in order while that brings
// the word count closer to budget (at least one). The result may exceed the budget.
func selectToBudget(sents []string, budget float64) []string {
	var out []string
	total := 0
	for _, s := range sents {
		n := countWords(s)
		if len(out) > 0 && math.Abs(float64(total+n)-budget) >= math.Abs(float64(total)-budget) {
			break
		}
		out = append(out, s)
		total += n
	}
	return out
}

// leadWithin takes leading sentences while they fit b (a Lead that obeys the budget).
func leadWithin(sents []string, b Budget) []string {
	var out []string
	chars, words := 0, 0
	for _, s := range sents {
		info := sentInfo{runes: len([]rune(s)), words: countWords(s)}
		if (b.Sentences > 0 && len(out) >= b.Sentences) || !fits(&info, len(out), chars, words, b) {
			break
		}
		if len(out) > 0 {
			chars++
		}
		chars += info.runes
		words += info.words
		out = append(out, s)
	}
	return out
}

type eascSystem struct {
	name string
	run  func(d eascDoc, clean string, sents []string, refWords float64) []string
}

var eascSystems = []eascSystem{
	{"lead_refbudget_closest", func(_ eascDoc, _ string, s []string, w float64) []string { return selectToBudget(s, w) }},
	{"lead_refbudget_within", func(_ eascDoc, _ string, s []string, w float64) []string {
		return leadWithin(s, Budget{Words: int(math.Round(w))})
	}},
	{"lead3", func(_ eascDoc, _ string, s []string, _ float64) []string { return s[:min(3, len(s))] }},
	{"summarize_sentences3", func(_ eascDoc, c string, _ []string, _ float64) []string {
		return Summarize("", c, Budget{Sentences: 3})
	}},
	{"summarize_refbudget", func(_ eascDoc, c string, _ []string, w float64) []string {
		return Summarize("", c, Budget{Words: int(math.Round(w))})
	}},
	{"lead_card", func(_ eascDoc, _ string, s []string, _ float64) []string {
		return leadWithin(s, Budget{Chars: 400, Sentences: 3})
	}},
	{"summarize_card", func(_ eascDoc, c string, _ []string, _ float64) []string {
		return Summarize("", c, Budget{Chars: 400, Sentences: 3})
	}},
}

// TestEASC scores Summarize (the shipped weights) against the human references of the
// EASC development half with ROUGE F1 (rouge.py's definition) and prints the table. Each
// summarize_ row has its lead_eq_ row: Lead at equal length, the article's first words, as
// many as the summary has. It fails if Summarize loses to it at the mean reference length,
// at three sentences or at the card budget, if it falls under the score measured when the
// weights were fitted, or if it does not beat the whole-sentence Lead of the card. The
// weights saw these articles: TestFit gives the held-out estimate.
func TestEASC(t *testing.T) {
	docs := loadEASC(t)
	if len(docs) != 77 {
		t.Fatalf("loaded %d EASC articles, want 77", len(docs))
	}
	type acc struct {
		sum [3]float64
		n   int
	}
	results := map[string]*[2]acc{} // system → [all, news]
	in := interner{}
	for _, d := range docs {
		refToks := make([][]int32, len(d.refs))
		refWords := 0.0
		for i, r := range d.refs {
			refToks[i] = in.ids(rougeTokens(r))
			refWords += float64(len(refToks[i]))
		}
		refWords /= float64(len(d.refs))
		clean := Clean(d.text)
		sents := Sentences(clean)
		// The literal reading of "at each reference's length": every reference is scored
		// against a summary cut at its own length, averaged over the five.
		for _, sys := range []struct {
			name string
			run  func(words int) []string
		}{
			{"lead_perref_closest", func(w int) []string { return selectToBudget(sents, float64(w)) }},
			{"lead_perref_within", func(w int) []string { return leadWithin(sents, Budget{Words: w}) }},
			{"summarize_perref", func(w int) []string { return Summarize("", clean, Budget{Words: w}) }},
		} {
			var sc rougeScores
			for _, ref := range refToks {
				one := scoreDoc(in.ids(rougeTokens(strings.Join(sys.run(len(ref)), "\n"))), [][]int32{ref})
				for m := range 3 {
					sc[m].F += one[m].F / float64(len(refToks))
				}
			}
			r := results[sys.name]
			if r == nil {
				r = &[2]acc{}
				results[sys.name] = r
			}
			for k := range 2 {
				if k == 1 && !d.news {
					continue
				}
				for m := range 3 {
					r[k].sum[m] += sc[m].F
				}
				r[k].n++
			}
		}
		cleanToks := rougeTokens(clean)
		record := func(name, text string) {
			if *eascOut != "" {
				dir := filepath.Join(*eascOut, name)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, d.topic+".txt"), []byte(text+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			sc := scoreDoc(in.ids(rougeTokens(text)), refToks)
			r := results[name]
			if r == nil {
				r = &[2]acc{}
				results[name] = r
			}
			for k := range 2 {
				if k == 1 && !d.news {
					continue
				}
				for m := range 3 {
					r[k].sum[m] += sc[m].F
				}
				r[k].n++
			}
		}
		for _, sys := range eascSystems {
			summary := sys.run(d, clean, sents, refWords)
			for i, s := range summary {
				cut, isCut := strings.CutSuffix(s, "…")
				if !strings.Contains(clean, s) && !(isCut && i == len(summary)-1 && strings.Contains(clean, cut)) {
					t.Errorf("%s %s: sentence %q is not in the cleaned article", sys.name, d.topic, s)
				}
			}
			text := strings.Join(summary, "\n")
			record(sys.name, text)
			if after, ok := strings.CutPrefix(sys.name, "summarize_"); ok {
				// Lead at equal length: the cleaned article's first words, as many as
				// the summary has.
				n := len(rougeTokens(text))
				record("lead_eq_"+after, strings.Join(cleanToks[:min(n, len(cleanToks))], " "))
			}
		}
	}
	mean := func(a acc, m int) float64 { return 100 * a.sum[m] / float64(a.n) }
	var b strings.Builder
	fmt.Fprintf(&b, "EASC dev, ROUGE F1 x100 (avg over 5 refs); rouge.py Lead at ref length: %.2f/%.2f/%.2f\n", pyLeadR1, pyLeadR2, pyLeadRL)
	fmt.Fprintf(&b, "%-24s %21s | %21s\n", "system", "all: R-1   R-2   R-L", "news: R-1   R-2   R-L")
	names := []string{}
	for _, sys := range eascSystems {
		names = append(names, sys.name)
		if after, ok := strings.CutPrefix(sys.name, "summarize_"); ok {
			names = append(names, "lead_eq_"+after)
		}
	}
	names = append(names, "lead_perref_closest", "lead_perref_within", "summarize_perref")
	for _, name := range names {
		r := results[name]
		fmt.Fprintf(&b, "%-24s %6.2f %6.2f %6.2f (n=%d) | %6.2f %6.2f %6.2f (n=%d)\n", name,
			mean(r[0], 0), mean(r[0], 1), mean(r[0], 2), r[0].n, mean(r[1], 0), mean(r[1], 1), mean(r[1], 2), r[1].n)
	}
	t.Log("\n" + b.String())
	// The fair comparison is Lead at equal length (issue 12): the same number of words as
	// the summary, read from the start and cut anywhere. These are the shipped weights on the
	// articles they were fitted on; TestFit estimates the same on held-out articles.
	for _, budget := range []string{"refbudget", "sentences3", "card"} {
		ours, lead := mean(results["summarize_"+budget][0], 0), mean(results["lead_eq_"+budget][0], 0)
		if ours < lead-0.1 {
			t.Errorf("Summarize %s R-1 = %.2f, Lead at equal length %.2f: the summary loses to the lead", budget, ours, lead)
		}
	}
	// A floor under the measured score, so that a change that costs quality fails here.
	const floor = 51.5
	if ours := mean(results["summarize_refbudget"][0], 0); ours < floor {
		t.Errorf("Summarize at reference length R-1 = %.2f, want at least %.2f (measured when the weights were fitted)", ours, floor)
	}
	if card, leadCard := mean(results["summarize_card"][0], 0), mean(results["lead_card"][0], 0); card <= leadCard {
		t.Errorf("Summarize at card budget R-1 = %.2f, want above Lead within the card budget (%.2f)", card, leadCard)
	}
}

// readCSV parses SOURCES.CSV, whose rows do not all have the same number of fields.
func readCSV(s string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	return r.ReadAll()
}
