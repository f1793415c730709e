package arabic

import (
	"embed"
	"strings"
	"unicode/utf8"
)

//go:embed stopwords/mohataher.txt stopwords/savoy.txt
var stopwordFiles embed.FS

// stopwords holds the normalised stop words of both embedded lists. It is built once at
// start-up and only read afterwards.
var stopwords = loadStopwords()

func loadStopwords() map[string]struct{} {
	set := make(map[string]struct{}, 1024)
	for _, name := range []string{"stopwords/mohataher.txt", "stopwords/savoy.txt"} {
		data, err := stopwordFiles.ReadFile(name)
		if err != nil {
			panic("arabic: embedded stop words: " + err.Error()) // cannot happen: embedded at build time
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			n := Normalize(line)
			for i := 0; ; {
				var tok string
				tok, i = nextToken(n, i)
				if tok == "" {
					break
				}
				set[tok] = struct{}{}
			}
		}
	}
	return set
}

// IsStopWord reports whether the token, once normalised, is an Arabic stop word.
func IsStopWord(token string) bool {
	_, ok := stopwords[Normalize(token)]
	return ok
}

// Prefixes and suffixes of the light stemmer (Larkey's light10 family, as in Lucene's
// ArabicStemmer), written after normalisation (ة is already ه). Longest prefixes first.
var (
	stemPrefixes = [...]string{"وال", "بال", "كال", "فال", "ال", "لل", "و"}
	stemSuffixes = [...]string{"ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"}
)

// Stem returns a light stem of one token: the token is normalised, then one article or
// conjunction prefix (ال وال بال كال فال لل و) and the common suffixes (ها ان ات ون ين ية ه ي)
// are removed, never leaving fewer than two letters (و only from words of four letters or
// more). Light stemming conflates "الحكومة" and "حكومات" without the errors of root
// extraction, which is what matching news needs.
func Stem(token string) string {
	return stemNormalized(Normalize(token))
}

// stemNormalized stems an already normalised token by slicing it, without allocating.
func stemNormalized(tok string) string {
	n := utf8.RuneCountInString(tok)
	for _, p := range stemPrefixes {
		pl := utf8.RuneCountInString(p)
		if strings.HasPrefix(tok, p) && n-pl >= 2 && (pl > 1 || n >= 4) {
			tok = tok[len(p):]
			n -= pl
			break
		}
	}
	for _, sfx := range stemSuffixes {
		sl := utf8.RuneCountInString(sfx)
		if strings.HasSuffix(tok, sfx) && n-sl >= 2 {
			tok = tok[:len(tok)-len(sfx)]
			n -= sl
		}
	}
	return tok
}

// appendTerms appends the index terms of an already normalised string to dst: tokens that
// are not stop words, light-stemmed. Single-letter tokens carry no topic and are skipped.
func appendTerms(dst []string, norm string) []string {
	for i := 0; ; {
		var tok string
		tok, i = nextToken(norm, i)
		if tok == "" {
			return dst
		}
		if _, stop := stopwords[tok]; stop {
			continue
		}
		if len(tok) == 1 || utf8.RuneCountInString(tok) < 2 {
			continue
		}
		dst = append(dst, stemNormalized(tok))
	}
}

// Terms returns the normalised, stop-word-free, light-stemmed tokens of s in order, for
// search indexes and scoring. They are never shown to readers.
func Terms(s string) []string {
	return appendTerms(nil, Normalize(s))
}
