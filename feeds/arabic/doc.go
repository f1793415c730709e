// Package arabic normalises, splits and summarises Arabic news text.
//
// The pipeline the bot runs for every item is
//
//	title := arabic.CleanTitle(item.Title)
//	text := arabic.Clean(arabic.TextFromHTML(item.Content))
//	sents := arabic.Summarize(title, text, arabic.Budget{Chars: 400, Sentences: 3})
//	fp := arabic.Fingerprint(title, text)
//
// TextFromHTML turns feed HTML into plain text; Clean removes what must never reach a card
// (bidi and zero-width controls, share-link, "اقرأ أيضا" and "تابعونا" lines, WordPress
// "The post … appeared first on …" footers, datelines and bylines, a trailing source
// signature, an excerpt's "[…]" with the sentence it cuts); Summarize picks whole sentences
// of that cleaned text; Fingerprint and SameStory find the same story told twice.
//
// Normalised text (Normalize, Terms, Stem) is for matching and scoring only: it drops
// tashkeel, folds letter variants and rewrites digits, so it is not what the publisher wrote.
// Cards always quote the original: every sentence Summarize returns is a substring of the
// cleaned text it was given, never rewritten; only a last sentence too long for the budget
// is cut, at a clause, and then ends with "…".
//
// Two outcomes callers must handle: Clean returns "" for a feed excerpt that is a single cut
// sentence ("… في المدينة وفي […]"), which is the signal to fetch the article; Summarize
// returns no sentence when none fits the budget, and the card then shows the title alone.
//
// Everything here is a pure function over strings with no I/O and no shared mutable state,
// safe for concurrent use. Only the standard library is imported; the stop-word lists are
// embedded (see stopwords/README.md for their sources and licences).
package arabic
