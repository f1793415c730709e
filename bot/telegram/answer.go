package telegram

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Reading a send's answer with encoding/json scanned the whole Message
// twice (once to validate, once to decode) with a step function per
// byte: a card's answer is a few kilobytes of text, entities and buttons,
// and that was a tenth of the bot's CPU per delivery. quick reads the
// same answer in one pass, looking at the few fields the bot needs and
// skipping the rest, and gives up on whatever it does not expect, which
// encoding/json then reads as before. It never takes what encoding/json
// would refuse and never reads a field differently (FuzzQuickAnswer).

// maxDepth is how deep quick follows nested values before giving up.
const maxDepth = 64

var (
	keyOK          = []byte("ok")
	keyErrorCode   = []byte("error_code")
	keyDescription = []byte("description")
	keyParameters  = []byte("parameters")
	keyResult      = []byte("result")
	keyMessageID   = []byte("message_id")
)

// quick reads data into a as encoding/json would (keys matched without
// regard to case, a null leaving a field as it is, a later key winning)
// and reports whether it could; false leaves a half read. The result's
// message_id is read only when wantID, as an edit's result may be true.
func (a *sentAnswer) quick(data []byte, wantID bool) bool {
	r := jsonReader{b: data}
	r.space()
	ok := r.object(func(key []byte) bool {
		switch {
		case bytes.EqualFold(key, keyOK):
			return r.boolInto(&a.OK)
		case bytes.EqualFold(key, keyErrorCode):
			return r.intInto(&a.ErrorCode)
		case bytes.EqualFold(key, keyDescription):
			return r.stringInto(&a.Description)
		case bytes.EqualFold(key, keyParameters):
			return r.parametersInto(&a.Parameters)
		case wantID && bytes.EqualFold(key, keyResult):
			if r.null() {
				return true
			}
			return r.object(func(key []byte) bool {
				if bytes.EqualFold(key, keyMessageID) {
					return r.intInto(&a.Result.MessageID)
				}
				return r.skip(1)
			})
		}
		return r.skip(0)
	})
	r.space()
	return ok && r.i == len(r.b)
}

// jsonReader reads JSON from b at i, strictly: each method consumes one
// value and reports false on anything that is not valid JSON of the kind
// it expects.
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// object reads an object, calling value for each key to read its value.
// Keys with escapes are not compared: it gives up on them.
func (r *jsonReader) object(value func(key []byte) bool) bool {
	if r.i >= len(r.b) || r.b[r.i] != '{' {
		return false
	}
	r.i++
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return true
	}
	for {
		key, plain, ok := r.str()
		if !ok || !plain {
			return false
		}
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return false
		}
		r.i++
		r.space()
		if !value(key) {
			return false
		}
		r.space()
		if r.i >= len(r.b) {
			return false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
			r.space()
		case '}':
			r.i++
			return true
		default:
			return false
		}
	}
}

// skip reads any value at depth.
func (r *jsonReader) skip(depth int) bool {
	if r.i >= len(r.b) || depth > maxDepth {
		return false
	}
	switch c := r.b[r.i]; {
	case c == '{':
		return r.object(func([]byte) bool { return r.skip(depth + 1) })
	case c == '[':
		r.i++
		r.space()
		if r.i < len(r.b) && r.b[r.i] == ']' {
			r.i++
			return true
		}
		for {
			if !r.skip(depth + 1) {
				return false
			}
			r.space()
			if r.i >= len(r.b) {
				return false
			}
			switch r.b[r.i] {
			case ',':
				r.i++
				r.space()
			case ']':
				r.i++
				return true
			default:
				return false
			}
		}
	case c == '"':
		_, _, ok := r.str()
		return ok
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	}
	_, ok := r.number()
	return ok
}

func (r *jsonReader) literal(lit string) bool {
	if string(r.b[r.i:min(len(r.b), r.i+len(lit))]) != lit {
		return false
	}
	r.i += len(lit)
	return true
}

func (r *jsonReader) null() bool { return r.literal("null") }

// str reads a string; raw is its text between the quotes, plain that it
// has no escapes.
func (r *jsonReader) str() (raw []byte, plain, ok bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false, false
	}
	plain = true
	for i := r.i + 1; i < len(r.b); {
		switch c := r.b[i]; {
		case c == '"':
			raw = r.b[r.i+1 : i]
			r.i = i + 1
			return raw, plain, true
		case c == '\\':
			plain = false
			if i+1 >= len(r.b) {
				return nil, false, false
			}
			switch r.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(r.b) || !isHex(r.b[i+2]) || !isHex(r.b[i+3]) || !isHex(r.b[i+4]) || !isHex(r.b[i+5]) {
					return nil, false, false
				}
				i += 6
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			i++
		}
	}
	return nil, false, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads a number as JSON's grammar has it.
func (r *jsonReader) number() ([]byte, bool) {
	b, i := r.b, r.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return nil, false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return nil, false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	num := b[r.i:i]
	r.i = i
	return num, true
}

func (r *jsonReader) boolInto(dst *bool) bool {
	switch {
	case r.null():
	case r.literal("true"):
		*dst = true
	case r.literal("false"):
		*dst = false
	default:
		return false
	}
	return true
}

// intInto reads an integer that fits an int; a fraction or an exponent,
// which encoding/json refuses for an int, is given up on.
func (r *jsonReader) intInto(dst *int) bool {
	if r.null() {
		return true
	}
	num, ok := r.number()
	if !ok {
		return false
	}
	digits, neg := num, false
	if digits[0] == '-' {
		digits, neg = digits[1:], true
	}
	if len(digits) > 19 { // more than any int holds; 19 digits fit a uint64
		return false
	}
	const maxInt = 1<<(strconv.IntSize-1) - 1
	var n uint64
	for _, c := range digits {
		if !isDigit(c) {
			return false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > maxInt+1 {
		return false
	}
	if !neg && n > maxInt {
		return false
	}
	if neg {
		*dst = int(-n)
	} else {
		*dst = int(n)
	}
	return true
}

// stringInto reads a string as encoding/json does: escapes resolved and
// invalid UTF-8 replaced, which the rare string needing either is left
// to encoding/json for.
func (r *jsonReader) stringInto(dst *string) bool {
	if r.null() {
		return true
	}
	start := r.i
	raw, plain, ok := r.str()
	if !ok {
		return false
	}
	if plain && utf8.Valid(raw) {
		*dst = string(raw)
		return true
	}
	var s string // not dst: handing dst to encoding/json would put the whole answer on the heap
	if json.Unmarshal(r.b[start:r.i], &s) != nil {
		return false
	}
	*dst = s
	return true
}

// parametersInto reads the parameters of a refusal, which only refusals
// have, with encoding/json: into the parameters read so far, as
// encoding/json does with a key given twice.
func (r *jsonReader) parametersInto(dst **tgbotapi.ResponseParameters) bool {
	if r.null() {
		*dst = nil
		return true
	}
	start := r.i
	if r.i >= len(r.b) || r.b[r.i] != '{' || !r.skip(0) {
		return false
	}
	if *dst == nil {
		*dst = new(tgbotapi.ResponseParameters)
	}
	return json.Unmarshal(r.b[start:r.i], *dst) == nil
}
