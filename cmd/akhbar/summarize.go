package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/akhbar/akhbar/feeds/arabic"
)

// runSummarize prints the extractive summary of an article given as text
// or HTML (a file, or stdin): the tool operators and the evaluation use.
//
//	akhbar summarize [-words N | -chars N | -sentences N] [-title T] [file]
func runSummarize(args []string, _ environment, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	words := fs.Int("words", 0, "budget in words")
	chars := fs.Int("chars", 0, "budget in characters")
	sentences := fs.Int("sentences", 0, "budget in sentences")
	title := fs.String("title", "", "article title (sentences repeating it are skipped)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *words == 0 && *chars == 0 && *sentences == 0 {
		*chars, *sentences = 400, 3 // the card budget
	}
	var in io.Reader = os.Stdin
	if fs.NArg() > 0 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "summarize:", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, 16<<20))
	if err != nil {
		fmt.Fprintln(stderr, "summarize:", err)
		return 1
	}
	text := arabic.Clean(arabic.TextFromHTML(string(data)))
	sents := arabic.Summarize(arabic.CleanTitle(*title), text, arabic.Budget{Words: *words, Chars: *chars, Sentences: *sentences})
	fmt.Fprintln(stdout, strings.Join(sents, "\n"))
	return 0
}
