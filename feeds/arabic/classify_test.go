package arabic

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var fitSubjects = flag.Bool("fit-subjects", false, "refit subjects.model from testdata/easc and the seed words of subjects.go")

// subjectModelHeader heads subjects.model.
const subjectModelHeader = `
akhbar's subject model (feeds/arabic/classify.go): per light stem, its count in each
subject's training text. Written by TestFitSubjects; refit with
  go test ./feeds/arabic -run TestFitSubjects -fit-subjects
Trained on the EASC development half in testdata/easc (77 articles labelled with ten
categories; Wikipedia part CC-BY-SA 3.0, newspaper part distributed with permission: see
testdata/easc/COPYRIGHT) and on the seed words of subjects.go.`

// subjectDoc is one labelled training or test text.
type subjectDoc struct {
	name, subject, text string
}

// eascSubjects maps EASC's category names (its article file names) to subjects.
var eascSubjects = map[string]string{
	"art and music": SubjectArts, "education": SubjectEducation, "environment": SubjectEnvironment,
	"finance": SubjectEconomy, "health": SubjectHealth, "politics": SubjectPolitics, "religion": SubjectReligion,
	"science and technology": SubjectScience, "sport": SubjectSport, "tourisms": SubjectTourism,
}

var eascFileName = regexp.MustCompile(`^(.*?) *\((\d+)\)\.(?i:txt)$`)

// loadSubjectDocs reads the EASC articles of testdata/easc with the category their file
// name gives ("sport (3).txt"), in topic order.
func loadSubjectDocs(t testing.TB) []subjectDoc {
	t.Helper()
	root := filepath.Join("testdata", "easc", "Articles")
	topics, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var docs []subjectDoc
	for _, tp := range topics {
		files, err := os.ReadDir(filepath.Join(root, tp.Name()))
		if err != nil || len(files) != 1 {
			t.Fatalf("%s: want one article, got %d (%v)", tp.Name(), len(files), err)
		}
		m := eascFileName.FindStringSubmatch(files[0].Name())
		if m == nil {
			t.Fatalf("%s: file name %q names no category", tp.Name(), files[0].Name())
		}
		subject, ok := eascSubjects[strings.ToLower(m[1])]
		if !ok {
			t.Fatalf("%s: unknown category %q", tp.Name(), m[1])
		}
		data, err := os.ReadFile(filepath.Join(root, tp.Name(), files[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, subjectDoc{name: tp.Name(), subject: subject, text: strings.TrimPrefix(string(data), "\ufeff")})
	}
	slices.SortFunc(docs, func(a, b subjectDoc) int {
		x, _ := strconv.Atoi(strings.TrimPrefix(a.name, "Topic"))
		y, _ := strconv.Atoi(strings.TrimPrefix(b.name, "Topic"))
		return x - y
	})
	return docs
}

// fitSubjectCounts is the training program: the seed words (when seeds is set), then
// every term of every training article, pruned of rare stems.
func fitSubjectCounts(docs []subjectDoc, seeds bool) *subjectCounts {
	c := newSubjectCounts()
	if seeds {
		for _, subject := range subjectList {
			for _, w := range strings.Fields(subjectSeeds[subject]) {
				c.add(subject, Terms(w), seedWeight)
			}
		}
	}
	for _, d := range docs {
		c.addDoc(d.subject, Terms(d.text))
	}
	return c.pruned()
}

// TestFitSubjects is the program that trains the subject model: with -fit-subjects it
// writes subjects.model from the EASC articles and the seed words. Without the flag it
// checks that the committed model is exactly what the fit produces, so the model can
// never drift from its data and its program.
func TestFitSubjects(t *testing.T) {
	var buf bytes.Buffer
	if err := fitSubjectCounts(loadSubjectDocs(t), true).write(&buf, subjectModelHeader); err != nil {
		t.Fatal(err)
	}
	if *fitSubjects {
		if err := os.WriteFile("subjects.model", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if buf.String() != subjectModelFile {
		t.Fatalf("subjects.model is not what the fit produces (%d bytes, fit gives %d): refit with -fit-subjects",
			len(subjectModelFile), buf.Len())
	}
	c, err := parseSubjectCounts(subjectModelFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.terms) < 1000 {
		t.Errorf("model has %d stems", len(c.terms))
	}
}

// subjectFolds splits docs into k folds stratified by subject: each subject's articles,
// in topic order, are dealt round the folds, so every fold holds every subject it can.
func subjectFolds(docs []subjectDoc, k int) [][]subjectDoc {
	folds := make([][]subjectDoc, k)
	next := map[string]int{}
	for _, d := range docs {
		folds[next[d.subject]%k] = append(folds[next[d.subject]%k], d)
		next[d.subject]++
	}
	return folds
}

// heldOut is what cross-validation measured.
type heldOut struct {
	perFold    []float64 // accuracy of the first answer, per fold
	accuracy   float64   // of the first answer, over every article
	sure, good int       // answers at SubjectMinConfidence or above, and how many were right
}

// kFoldAccuracy trains on all folds but one and scores the one left out, for each fold.
// lead, when positive, classifies only the first lead words of each held-out article, as
// short as a feed item's text.
func kFoldAccuracy(docs []subjectDoc, k int, seeds bool, lead int) heldOut {
	folds := subjectFolds(docs, k)
	var h heldOut
	right, total := 0, 0
	for i, test := range folds {
		var train []subjectDoc
		for j, f := range folds {
			if j != i {
				train = append(train, f...)
			}
		}
		m := fitSubjectCounts(train, seeds).model()
		ok := 0
		for _, d := range test {
			text := d.text
			if lead > 0 {
				words := strings.Fields(text)
				text = strings.Join(words[:min(lead, len(words))], " ")
			}
			s, conf := m.classify(classifyTerms("", text))
			if s == d.subject {
				ok++
			}
			if conf >= SubjectMinConfidence {
				h.sure++
				if s == d.subject {
					h.good++
				}
			}
		}
		h.perFold = append(h.perFold, float64(ok)/float64(len(test)))
		right += ok
		total += len(test)
	}
	h.accuracy = float64(right) / float64(total)
	return h
}

// newsLabel is one hand-labelled feed item of testdata/subjects-news.tsv.
type newsLabel struct {
	file, title string
	accept      []string // subjects accepted; "-" is none
}

func loadNewsLabels(t testing.TB) []newsLabel {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "subjects-news.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []newsLabel
	for line := range strings.SplitSeq(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("subjects-news.tsv: bad line %q", line)
		}
		out = append(out, newsLabel{file: f[0], title: f[1], accept: strings.Split(f[2], ",")})
	}
	return out
}

// TestSubjectAccuracy measures the classifier on text it was not trained on: EASC
// articles held out by stratified k-fold cross-validation (the model refit on the other
// folds each time), and the real feed items of testdata/feeds, labelled by hand, against
// the committed model (which never saw them). Run with -v for the table.
func TestSubjectAccuracy(t *testing.T) {
	docs := loadSubjectDocs(t)
	const k = 5
	for _, c := range []struct {
		name        string
		seeds       bool
		lead        int
		floor, sure float64 // least accuracy of all answers, and of the confident ones
	}{
		{"EASC articles", true, 0, 0.65, 0.85},
		{"EASC articles' first 60 words", true, 60, 0.60, 0.85},
		{"EASC articles, model without seed words", false, 0, 0, 0},
	} {
		h := kFoldAccuracy(docs, k, c.seeds, c.lead)
		mean, sd := meanSD(h.perFold)
		t.Logf("%-40s %d-fold: accuracy %.3f (per fold mean %.3f, sd %.3f: %s); confident answers %d/%d right (%.3f)",
			c.name, k, h.accuracy, mean, sd, fmtFolds(h.perFold), h.good, h.sure, float64(h.good)/float64(max(h.sure, 1)))
		if h.accuracy < c.floor {
			t.Errorf("%s: held-out accuracy %.3f, want ≥ %.2f", c.name, h.accuracy, c.floor)
		}
		if float64(h.good) < c.sure*float64(h.sure) || (c.sure > 0 && h.sure < len(docs)/3) {
			t.Errorf("%s: %d/%d confident answers right, want ≥ %.2f of at least a third of the articles", c.name, h.good, h.sure, c.sure)
		}
	}

	labels := loadNewsLabels(t)
	items := map[string]feedItem{}
	for _, f := range feedFiles {
		for _, it := range loadFeed(t, f) {
			items[f+"\t"+it.Title] = it
		}
	}
	right, sure, sureRight := 0, 0, 0
	for _, l := range labels {
		it, ok := items[l.file+"\t"+l.title]
		if !ok {
			t.Fatalf("labelled item %q not in %s", l.title, l.file)
		}
		content := it.Content
		if strings.TrimSpace(content) == "" {
			content = it.Description
		}
		subject, conf := ClassifySubject(CleanTitle(it.Title), Clean(TextFromHTML(content)))
		got := subject
		if conf < SubjectMinConfidence {
			got = "-"
		}
		if slices.Contains(l.accept, subject) {
			right++
		}
		if got != "-" {
			sure++
			if slices.Contains(l.accept, got) {
				sureRight++
			}
		}
		if testing.Verbose() {
			t.Logf("%-11s %.2f %-17s %s", subject, conf, strings.Join(l.accept, ","), l.title)
		}
	}
	n := len(labels)
	t.Logf("news items: first answer accepted %d/%d (%.3f); confident answers (≥ %.2f) %d/%d accepted (%.3f)",
		right, n, float64(right)/float64(n), SubjectMinConfidence, sureRight, sure, float64(sureRight)/float64(sure))
	if float64(right)/float64(n) < 0.75 {
		t.Errorf("news items: %d/%d first answers accepted, want ≥ 75%%", right, n)
	}
	// What a topic subscription acts on must be right far more often than not.
	if float64(sureRight)/float64(sure) < 0.9 || sure < n/2 {
		t.Errorf("news items: %d/%d confident answers accepted, want ≥ 90%% of at least half the items", sureRight, sure)
	}
}

func fmtFolds(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

func TestSubjectOf(t *testing.T) {
	for name, want := range map[string]string{
		"رياضة": SubjectSport, "الرياضة": SubjectSport, "رياضه": SubjectSport, "كرة القدم": SubjectSport,
		"#كرة_القدم": SubjectSport, "Sports": SubjectSport, " sport ": SubjectSport,
		"اقتصاد": SubjectEconomy, "الاقتصاد": SubjectEconomy, "إقتصاد": SubjectEconomy, "Business": SubjectEconomy,
		"مال وأعمال": SubjectEconomy, "سياسة": SubjectPolitics, "السياسة": SubjectPolitics,
		"الثقافة والفنون": SubjectArts, "ثقافة وفنون": SubjectArts, "Art and Music": SubjectArts,
		"علوم وتكنولوجيا": SubjectScience, "العلوم والتكنولوجيا": SubjectScience, "Science & Technology": "",
		"الصحة": SubjectHealth, "طب": SubjectHealth, "الطب": SubjectHealth,
		"محليات": "", "عربي ودولي": "", "المغرب": "", "": "", "عاجل": "",
	} {
		if got := SubjectOf(name); got != want {
			t.Errorf("SubjectOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestSubjectSeedsAreKnown: every seed word survives Terms (a stop word would silently
// add nothing) and every subject has seeds and names.
func TestSubjectSeedsAreKnown(t *testing.T) {
	for _, s := range subjectList {
		words := strings.Fields(subjectSeeds[s])
		if len(words) < 20 || len(subjectNames[s]) == 0 {
			t.Errorf("%s: %d seed words, %d names", s, len(words), len(subjectNames[s]))
		}
		for _, w := range words {
			if len(Terms(w)) != 1 {
				t.Errorf("%s: seed %q gives terms %q, want one", s, w, Terms(w))
			}
		}
	}
}

func TestClassifySubjectEdges(t *testing.T) {
	if s, c := ClassifySubject("", ""); s != "" || c != 0 {
		t.Errorf("empty item = %q, %v", s, c)
	}
	if s, c := ClassifySubject("xyzzy qwerty", "plugh"); s != "" || c != 0 {
		t.Errorf("unknown words = %q, %v", s, c)
	}
	s, c := ClassifySubject("المنتخب الوطني يفوز على ضيفه بثلاثية في تصفيات كأس آسيا", "سجل المهاجم هدفين في الشوط الثاني من المباراة.")
	if s != SubjectSport || c < SubjectMinConfidence {
		t.Errorf("a match report = %q, %.2f; want sport, sure", s, c)
	}
}

func BenchmarkClassifySubject(b *testing.B) {
	items := loadFeed(b, "asharq-al-awsat.xml")
	type in struct{ title, text string }
	var ins []in
	for _, it := range items {
		ins = append(ins, in{CleanTitle(it.Title), Clean(TextFromHTML(it.Description))})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ClassifySubject(ins[i%len(ins)].title, ins[i%len(ins)].text)
		i++
	}
}
