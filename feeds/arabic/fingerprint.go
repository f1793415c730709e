package arabic

import "math/bits"

// SameStoryMaxDistance is the largest Hamming distance between two fingerprints of the same
// story. Measured by TestSameStory on 122 real stories (the four feeds and EASC), each
// against five light rewrites (sentences reordered, a sentence dropped, another dateline and
// boilerplate, tashkeel added, a site suffix on the title) and against every other story:
// rewrites landed at 0-11 bits but for 3 of 522 (13, 15, 21: short texts that lost a third
// of their words), different stories at 19 bits or more. 12 keeps a margin of 7 bits
// against false merges, which cost more than a repeated card: precision 1.000, recall 0.994.
const SameStoryMaxDistance = 12

// Feature weights: the title says what the story is, so its terms count more.
const (
	fpTitleWeight = 3
	fpBodyWeight  = 1
	fpMaxTerms    = 3000 // body terms used: enough for any news article, bounded for huge input
)

// Fingerprint returns a 64-bit SimHash of the story: features are the normalised, stemmed,
// stop-word-free terms of title and text, as unigrams and adjacent pairs (shingles), title
// features weighted fpTitleWeight times; the title goes through CleanTitle first, so a
// site suffix does not count. Stories that share most features get fingerprints
// a few bits apart, whatever the dateline, diacritics or boilerplate; see SameStory.
func Fingerprint(title, text string) uint64 {
	full, _ := fingerprints(title, text, false)
	return full
}

// MinBodyTerms is how many terms a text needs before its body fingerprint says anything:
// shorter bodies (a one-line excerpt, an empty description) collide, as measured by
// TestSameStory (bodies under 20 terms: 6 different-story pairs at distance 0; 20 or more:
// 19 bits or more).
const MinBodyTerms = 20

// BodyFingerprint is Fingerprint of the text alone, without the title, or 0 when the text has
// fewer than MinBodyTerms terms. Outlets that run the same agency copy under headlines of
// their own share the body, not the title: a new headline moves Fingerprint about 17 bits,
// past SameStoryMaxDistance, and leaves BodyFingerprint where it was.
func BodyFingerprint(text string) uint64 {
	_, body := fingerprints("", text, true)
	return body
}

// Fingerprints returns Fingerprint(title, text) and BodyFingerprint(text) from one pass over
// the text: the body's features are the same in both, only the votes they join differ.
func Fingerprints(title, text string) (full, body uint64) {
	return fingerprints(title, text, true)
}

// simhash is the SimHash vote: a bit of the result is set when more than half of the total
// feature weight sets it. The 64 per-bit counters are kept bit-sliced (slice k holds bit k
// of every counter), so adding a feature is a ripple-carry add of its hash, a couple of
// word operations instead of one per bit. 16 slices count past any feature total
// fpMaxTerms allows.
type simhash struct {
	slice [16]uint64
	total int
}

// add votes for h (already mixed) with weight w.
func (v *simhash) add(h uint64, w int32) {
	v.total += int(w)
	// Adding h w times is adding h at the level of each set bit of w.
	for lvl := 0; w != 0; lvl, w = lvl+1, w>>1 {
		if w&1 == 0 {
			continue
		}
		carry := h
		for k := lvl; carry != 0 && k < len(v.slice); k++ {
			v.slice[k], carry = v.slice[k]^carry, v.slice[k]&carry
		}
	}
}

// sum is the fingerprint the votes give.
func (v *simhash) sum() uint64 {
	var fp uint64
	for bit := range 64 {
		count := 0
		for k := range v.slice {
			count |= int(v.slice[k]>>bit&1) << k
		}
		if 2*count > v.total {
			fp |= 1 << bit
		}
	}
	return fp
}

// fingerprints computes Fingerprint and, when withBody, BodyFingerprint, in one pass.
func fingerprints(title, text string, withBody bool) (full, body uint64) {
	var all, only simhash
	buf := make([]byte, 0, 64)
	// feed votes for the terms of s and their shingles, into the body vote too when
	// inBody, and returns how many terms it fed.
	feed := func(s string, w int32, inBody bool) int {
		var prev uint64
		n := 0
		buf, _ = forEachTerm(s, buf, func(t []byte) {
			if n >= fpMaxTerms {
				return
			}
			h := fnv64(t)
			vote := func(x uint64) {
				x = mix64(x)
				all.add(x, w)
				if inBody {
					only.add(x, fpBodyWeight)
				}
			}
			vote(h)
			if n > 0 {
				vote(prev*0x9E3779B97F4A7C15 ^ h)
			}
			prev = h
			n++
		})
		return n
	}
	feed(CleanTitle(title), fpTitleWeight, false) // a site suffix is not the story
	n := feed(text, fpBodyWeight, withBody)
	full = all.sum()
	if withBody && n >= MinBodyTerms {
		body = only.sum()
	}
	return full, body
}

// SameBody reports whether two body fingerprints (see BodyFingerprint) are of the same
// story: both known and at most SameStoryMaxDistance bits apart.
func SameBody(a, b uint64) bool {
	return a != 0 && b != 0 && SameStory(a, b)
}

// fnv64 is FNV-1a over the bytes of s.
func fnv64(s []byte) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is the splitmix64 finaliser: FNV's high bits are weak, SimHash needs every bit even.
func mix64(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 27
	h *= 0x94D049BB133111EB
	h ^= h >> 31
	return h
}

// Distance returns the Hamming distance between two fingerprints: the number of differing
// bits, 0 for the same text, about 32 for unrelated ones.
func Distance(a, b uint64) int {
	return bits.OnesCount64(a ^ b)
}

// SameStory reports whether two fingerprints are at most SameStoryMaxDistance bits apart,
// which in our measurements means the same story told with small edits.
func SameStory(a, b uint64) bool {
	return Distance(a, b) <= SameStoryMaxDistance
}
