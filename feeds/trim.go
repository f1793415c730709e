package feeds

import (
	"bytes"
)

// MaxParsedItems bounds the items gofeed is given to parse. gofeed builds
// every item of a document twice (its RSS or Atom item, then the generic
// one) before Parse can keep MaxItems of them: 5 MiB of minimal items is
// 160,000 of them and took 112 MiB of heap and seconds of CPU. A document
// with more items than this is cut before parsing to its first and last
// MaxParsedItems/2 items: a feed lists its items newest first or (an
// appending feed) oldest first, so the newest MaxItems are at one end or
// the other, and Parse then keeps them as before.
const MaxParsedItems = 2000

// maxTrackedDepth is how deep trimItems remembers element names: items sit
// at depth 1 (Atom's feed>entry, RSS 1.0's rdf:RDF>item) or 2 (RSS 2.0's
// rss>channel>item).
const maxTrackedDepth = 4

// trimItems scans an XML feed for its items without building anything and,
// when there are more than keep of them, returns the document without the
// items between the first keep/2 and the last keep/2 (and whatever lies
// between those). It also returns the number of items in the document. The
// scan knows comments, CDATA sections, processing instructions, DOCTYPE and
// quoted attribute values, so an "<item>" inside any of them is no item; a
// document it cannot follow is returned whole, for the parser to judge.
func trimItems(body []byte, keep int) ([]byte, int) {
	type span struct{ start, end int }
	var (
		items []span // start and end offsets of each item element
		names [maxTrackedDepth + 1][]byte
		depth int
		open  = -1 // offset of the item element open at itemDepth, or -1
		at    = -1 // depth of that item
	)
	for i := 0; i < len(body); {
		lt := bytes.IndexByte(body[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		rest := body[i:]
		var end int // offset just past this markup
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = skipPast(body, i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end = skipPast(body, i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			end = skipPast(body, i+2, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			// DOCTYPE, with any internal subset in brackets.
			if k := bytes.IndexByte(rest, '['); k >= 0 && k < bytes.IndexByte(rest, '>') {
				end = skipPast(body, i+k, "]>")
			} else {
				end = skipPast(body, i+2, ">")
			}
		default:
			closing := len(rest) > 1 && rest[1] == '/'
			n := 1
			if closing {
				n = 2
			}
			nameEnd := n
			for nameEnd < len(rest) && !isNameEnd(rest[nameEnd]) {
				nameEnd++
			}
			name := rest[n:nameEnd]
			end = tagEnd(body, i+nameEnd)
			if end < 0 || len(name) == 0 {
				return body, len(items)
			}
			selfClosing := body[end-2] == '/'
			switch {
			case closing:
				if open >= 0 && depth-1 == at {
					items = append(items, span{open, end})
					open, at = -1, -1
				}
				if depth > 0 {
					depth--
				}
			default:
				local := name
				if k := bytes.LastIndexByte(local, ':'); k >= 0 {
					local = local[k+1:]
				}
				if open < 0 && depth > 0 && depth <= maxTrackedDepth && (string(local) == "item" || string(local) == "entry") {
					parent := names[depth-1]
					if k := bytes.LastIndexByte(parent, ':'); k >= 0 {
						parent = parent[k+1:]
					}
					if p := string(parent); p == "channel" || p == "RDF" || p == "feed" {
						if selfClosing {
							items = append(items, span{i, end})
						} else {
							open, at = i, depth
						}
					}
				}
				if !selfClosing {
					if depth <= maxTrackedDepth {
						names[depth] = name
					}
					depth++
				}
			}
		}
		if end < 0 {
			return body, len(items)
		}
		i = end
	}
	if len(items) <= keep {
		return body, len(items)
	}
	head, tail := keep/2, keep-keep/2
	cut, resume := items[head].start, items[len(items)-1].end
	if tail > 0 {
		resume = items[len(items)-tail].start
	}
	out := make([]byte, 0, cut+len(body)-resume)
	out = append(out, body[:cut]...)
	out = append(out, body[resume:]...)
	return out, len(items)
}

// skipPast returns the offset just past the first sep at or after from, or
// -1.
func skipPast(body []byte, from int, sep string) int {
	k := bytes.Index(body[from:], []byte(sep))
	if k < 0 {
		return -1
	}
	return from + k + len(sep)
}

// tagEnd returns the offset just past the '>' closing the tag whose
// attributes start at from, skipping quoted values (which may hold '>'),
// or -1.
func tagEnd(body []byte, from int) int {
	var quote byte
	for j := from; j < len(body); j++ {
		c := body[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return -1
}

// isNameEnd reports whether c ends an element name.
func isNameEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>'
}
