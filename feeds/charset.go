package feeds

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

var (
	// xmlDeclEncoding finds the encoding pseudo-attribute of an XML
	// declaration at the start of a document.
	xmlDeclEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)
	// htmlMetaCharset finds <meta charset> and the http-equiv form.
	htmlMetaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)`)
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// toUTF8 returns body as UTF-8, deciding its encoding in this order: a byte
// order mark; UTF-8 itself when the bytes are valid UTF-8; then each of
// labels in turn (the caller orders them: an XML declaration, the HTTP
// charset, an HTML meta tag); then statistical detection.
//
// Valid UTF-8 beats a declared legacy charset because Arabic text in
// windows-1256 or ISO-8859-6 is practically never valid UTF-8, while a feed
// re-encoded to UTF-8 by a CMS that kept the old declaration is common. It
// returns the name of the encoding used.
func toUTF8(body []byte, labels ...string) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(body, bomUTF8):
		return body[len(bomUTF8):], "utf-8", nil
	case bytes.HasPrefix(body, bomUTF16LE):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), body, "utf-16le")
	case bytes.HasPrefix(body, bomUTF16BE):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), body, "utf-16be")
	}
	if utf8.Valid(body) {
		return body, "utf-8", nil
	}
	for _, l := range labels {
		if l == "" {
			continue
		}
		e, name := charset.Lookup(l)
		if e == nil || name == "utf-8" {
			continue
		}
		return decodeWith(e, body, name)
	}
	if r, err := chardet.NewHtmlDetector().DetectBest(body); err == nil {
		if e, name := charset.Lookup(r.Charset); e != nil && name != "utf-8" {
			return decodeWith(e, body, name)
		}
	}
	return []byte(strings.ToValidUTF8(string(body), "\uFFFD")), "utf-8", nil
}

func decodeWith(e encoding.Encoding, body []byte, name string) ([]byte, string, error) {
	out, err := e.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode %s: %w", name, err)
	}
	return out, name, nil
}

// xmlToUTF8 converts an XML document to UTF-8 and rewrites its declaration
// to say so, so that gofeed's own charset handling (which trusts the
// declaration) does not decode it a second time. The declaration is trusted
// before the HTTP charset: it was written by the software that produced the
// bytes, while HTTP charsets are often a server-wide default.
func xmlToUTF8(body []byte, httpCharset string) ([]byte, error) {
	var declared string
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	loc := xmlDeclEncoding.FindSubmatchIndex(head)
	if loc != nil {
		declared = string(head[loc[2]:loc[3]])
	}
	out, _, err := toUTF8(body, declared, httpCharset)
	if err != nil {
		return nil, err
	}
	if declared != "" && !strings.EqualFold(declared, "utf-8") {
		// The BOM, if any, was stripped; find the declaration again.
		if l := xmlDeclEncoding.FindSubmatchIndex(out); l != nil {
			fixed := make([]byte, 0, len(out))
			fixed = append(fixed, out[:l[2]]...)
			fixed = append(fixed, "UTF-8"...)
			fixed = append(fixed, out[l[3]:]...)
			out = fixed
		}
	}
	return out, nil
}

// htmlToUTF8 converts an HTML page to UTF-8: BOM, valid UTF-8, the HTTP
// charset, a meta charset in the first 4 KiB, then detection.
func htmlToUTF8(body []byte, httpCharset string) ([]byte, string, error) {
	head := body
	if len(head) > 4096 {
		head = head[:4096]
	}
	var meta string
	if m := htmlMetaCharset.FindSubmatch(head); m != nil {
		meta = string(m[1])
	}
	return toUTF8(body, httpCharset, meta)
}
