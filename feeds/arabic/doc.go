// Package arabic normalises, splits and summarises Arabic news text.
//
// The pipeline the bot runs for every item is
//
//	sents := arabic.Summarize(arabic.CleanTitle(title), arabic.Clean(arabic.TextFromHTML(content)), arabic.Budget{Chars: 400, Sentences: 3})
//
// TextFromHTML turns feed HTML into plain text, Clean removes what must never reach a card
// (bidi and zero-width controls, share-link and "read also" lines, datelines, trailing source
// signatures, excerpt ellipses), and Summarize picks whole sentences of that cleaned text.
//
// Normalised text (Normalize, Terms, Stem) is for matching and scoring only: it drops
// tashkeel, folds letter variants and rewrites digits, so it is not what the publisher wrote.
// Cards always quote the original: every sentence Summarize returns is a substring of the
// cleaned text it was given, never rewritten and never cut.
//
// Everything here is a pure function over strings with no I/O and no shared mutable state,
// safe for concurrent use.
package arabic
