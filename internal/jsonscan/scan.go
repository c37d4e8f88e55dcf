package jsonscan

import (
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// SyntaxError describes why a document is not RFC 8259 JSON and where.
type SyntaxError struct {
	// Offset is the byte offset of the offending byte; len(document) when
	// the input ended too early.
	Offset int
	// Msg says what is wrong, e.g. "invalid UTF-8 in string".
	Msg string
}

// Error returns "jsonscan: <Msg> at byte offset <Offset>".
func (e *SyntaxError) Error() string {
	return "jsonscan: " + e.Msg + " at byte offset " + strconv.Itoa(e.Offset)
}

// Kind is the JSON type of a [Value].
type Kind uint8

// The kinds. Missing is the zero value: the path is absent.
const (
	Missing Kind = iota
	Null
	Bool
	Number
	String
	Object
	Array
)

var kindNames = [...]string{"missing", "null", "boolean", "number", "string", "object", "array"}

// String returns the kind's name in lower case ("string", "number", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one value found by [Query.Scan].
type Value struct {
	// Kind is the value's JSON type; Missing when the path is absent.
	Kind Kind
	// Raw is the value's text as it appears in the document, quotes of a
	// string included; a sub-slice of the scanned document. Nil when
	// Missing.
	Raw []byte
	// Offset is the byte offset of Raw in the document.
	Offset int
}

// MaxPaths is the largest number of paths one [Query] may hold.
const MaxPaths = 64

// MaxPathLen is the largest number of keys in one path.
const MaxPathLen = 16

// Query is a compiled set of object-key paths. It is immutable and safe for
// concurrent use.
type Query struct {
	paths [][]string
	all   uint64
	// ends[n] is the set of paths with n keys.
	ends []uint64
}

// NewQuery compiles paths; each path is a sequence of object keys from the
// root. It panics (a programmer error) when a path is empty or longer than
// [MaxPathLen], or there are more than [MaxPaths].
func NewQuery(paths ...[]string) *Query {
	if len(paths) > MaxPaths {
		panic(fmt.Sprintf("jsonscan: %d paths, at most %d", len(paths), MaxPaths))
	}
	q := &Query{paths: make([][]string, len(paths))}
	for i, p := range paths {
		if len(p) == 0 || len(p) > MaxPathLen {
			panic(fmt.Sprintf("jsonscan: path %q: want 1 to %d keys", p, MaxPathLen))
		}
		q.paths[i] = append([]string(nil), p...)
		q.all |= 1 << i
		for len(q.ends) <= len(p) {
			q.ends = append(q.ends, 0)
		}
		q.ends[len(p)] |= 1 << i
	}
	return q
}

// Len returns the number of paths.
func (q *Query) Len() int { return len(q.paths) }

// Scan checks that b is one RFC 8259 JSON text, like [Valid], and sets
// dst[i] to the value at path i of the query (Kind Missing when absent). It
// makes one pass over b. On error every dst[i] is reset to Missing and the
// error is a *[SyntaxError]. It panics when len(dst) < q.Len().
func (q *Query) Scan(b []byte, dst []Value) error {
	if len(dst) < len(q.paths) {
		panic("jsonscan: Scan: dst shorter than the query")
	}
	dst = dst[:len(q.paths)]
	clear(dst)
	if err := scan(b, q, dst); err != nil {
		clear(dst)
		return err
	}
	return nil
}

// Valid returns nil when b is exactly one RFC 8259 JSON text (surrounded by
// optional whitespace), else a *[SyntaxError] saying what is wrong and at
// which byte offset. Nesting depth is unlimited; strings must be valid
// UTF-8 without unescaped control characters (U+0000 to U+001F); every
// \uXXXX escape is accepted, lone surrogates included. Valid does not
// allocate unless nesting exceeds 256 levels or b is invalid.
func Valid(b []byte) error { return scan(b, nil, nil) }

// Lookup validates b like [Valid] and returns the value at path. found is
// false when the path is absent.
func Lookup(b []byte, path ...string) (v Value, found bool, err error) {
	q := NewQuery(path)
	var dst [1]Value
	if err := q.Scan(b, dst[:]); err != nil {
		return Value{}, false, err
	}
	return dst[0], dst[0].Kind != Missing, nil
}

// pending is a container value being captured for the paths in mask; it
// ends when the container at depth closes.
type pending struct {
	depth int
	mask  uint64
	start int
	kind  Kind
}

// scanner holds the path-matching state. It lives on the caller's stack
// and is never stored through (escape analysis is field-insensitive: one
// store of a heap slice into it would move the caller's dst to the heap).
type scanner struct {
	b     []byte
	depth int // number of open containers

	q *Query
	// masks[d], d < nmasks, is the set of paths still matching inside the
	// object at depth d; it exists only for the leading run of objects on
	// the current chain that some path still follows.
	masks  [MaxPathLen]uint64
	nmasks int
	pend   [MaxPathLen + 1]pending
	npend  int
}

func scan(b []byte, q *Query, dst []Value) error {
	s := scanner{b: b, q: q}
	// The container stack, one bit per open container, 1 = object: the
	// array covers 256 levels, big the rest (allocated only that deep).
	var small [4]uint64
	var big []uint64
	var cur uint64 // paths that end at or pass through the next value
	if q != nil {
		cur = q.all
	}
	i := skipWS(b, 0)
	var err error
value:
	for {
		if i >= len(b) {
			return eof(b, "looking for a value")
		}
		if cur != 0 {
			s.reset(dst, cur)
		}
		start := i
		switch c := b[i]; c {
		case '{':
			big = setBit(&small, big, s.depth, true)
			s.open(true, cur, start)
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == '}' {
				i++
				s.close(dst, b, i)
				break
			}
			if i, cur, err = s.readKey(i); err != nil {
				return err
			}
			continue value
		case '[':
			big = setBit(&small, big, s.depth, false)
			s.open(false, cur, start)
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
				s.close(dst, b, i)
				break
			}
			cur = 0
			continue value
		case '"':
			if i, err = scanString(b, i); err != nil {
				return err
			}
			s.scalar(dst, b, cur, String, start, i)
		case 't':
			if i, err = literal(b, i, "true"); err != nil {
				return err
			}
			s.scalar(dst, b, cur, Bool, start, i)
		case 'f':
			if i, err = literal(b, i, "false"); err != nil {
				return err
			}
			s.scalar(dst, b, cur, Bool, start, i)
		case 'n':
			if i, err = literal(b, i, "null"); err != nil {
				return err
			}
			s.scalar(dst, b, cur, Null, start, i)
		default:
			if c != '-' && (c < '0' || c > '9') {
				return syntaxErr(i, "invalid character "+describe(c)+" looking for a value")
			}
			if i, err = scanNumber(b, i); err != nil {
				return err
			}
			s.scalar(dst, b, cur, Number, start, i)
		}

		// After a value: a separator, the end of containers, or the end.
		for {
			i = skipWS(b, i)
			if s.depth == 0 {
				if i != len(b) {
					return syntaxErr(i, "invalid character "+describe(b[i])+" after the top-level value")
				}
				return nil
			}
			obj := getBit(&small, big, s.depth-1)
			if i >= len(b) {
				if obj {
					return eof(b, "in an unclosed object")
				}
				return eof(b, "in an unclosed array")
			}
			switch c := b[i]; {
			case c == ',':
				i = skipWS(b, i+1)
				if obj {
					if i, cur, err = s.readKey(i); err != nil {
						return err
					}
				} else {
					cur = 0
				}
				continue value
			case c == '}' && obj, c == ']' && !obj:
				i++
				s.close(dst, b, i)
			case obj:
				return syntaxErr(i, "invalid character "+describe(c)+" after an object member, want ',' or '}'")
			default:
				return syntaxErr(i, "invalid character "+describe(c)+" after an array element, want ',' or ']'")
			}
		}
	}
}

// reset marks the paths in mask missing: a later key replaces an earlier
// value as a whole.
func (s *scanner) reset(dst []Value, mask uint64) {
	for m := mask; m != 0; m &= m - 1 {
		dst[bits.TrailingZeros64(m)] = Value{}
	}
}

// ending returns the paths of mask that end at a value on level n (n keys
// from the root).
func (s *scanner) ending(mask uint64, n int) uint64 {
	if n >= len(s.q.ends) {
		return 0
	}
	return mask & s.q.ends[n]
}

// scalar records the scalar b[start:end] for the paths in cur that end here.
// b and dst are parameters, not fields: see scanner.
func (s *scanner) scalar(dst []Value, b []byte, cur uint64, kind Kind, start, end int) {
	if cur == 0 {
		return
	}
	v := Value{Kind: kind, Raw: b[start:end:end], Offset: start}
	for m := s.ending(cur, s.depth); m != 0; m &= m - 1 {
		dst[bits.TrailingZeros64(m)] = v
	}
}

// open pushes a container starting at start; cur are the paths that end at
// it or pass through it.
func (s *scanner) open(obj bool, cur uint64, start int) {
	d := s.depth
	s.depth++
	if cur == 0 {
		return
	}
	end := s.ending(cur, d)
	if end != 0 {
		kind := Array
		if obj {
			kind = Object
		}
		s.pend[s.npend] = pending{depth: d, mask: end, start: start, kind: kind}
		s.npend++
	}
	if deeper := cur &^ end; obj && deeper != 0 && s.nmasks == d {
		s.masks[d] = deeper
		s.nmasks++
	}
}

// setBit records whether the container at depth d is an object, growing
// big beyond the 256 levels of small as needed; it returns big.
func setBit(small *[4]uint64, big []uint64, d int, obj bool) []uint64 {
	w := d >> 6
	var word *uint64
	if w < len(small) {
		word = &small[w]
	} else {
		w -= len(small)
		for w >= len(big) {
			big = append(big, 0)
		}
		word = &big[w]
	}
	if obj {
		*word |= 1 << (d & 63)
	} else {
		*word &^= 1 << (d & 63)
	}
	return big
}

// getBit reports whether the container at depth d is an object.
func getBit(small *[4]uint64, big []uint64, d int) bool {
	w := d >> 6
	if w < len(small) {
		return small[w]&(1<<(d&63)) != 0
	}
	return big[w-len(small)]&(1<<(d&63)) != 0
}

// close pops the container that ends just before end.
func (s *scanner) close(dst []Value, b []byte, end int) {
	s.depth--
	d := s.depth
	if s.nmasks == d+1 {
		s.nmasks = d
	}
	if n := s.npend; n > 0 && s.pend[n-1].depth == d {
		p := s.pend[n-1]
		s.npend--
		v := Value{Kind: p.kind, Raw: b[p.start:end:end], Offset: p.start}
		for m := p.mask; m != 0; m &= m - 1 {
			dst[bits.TrailingZeros64(m)] = v
		}
	}
}

// readKey reads `"key" ws : ws` at i inside the object on top and returns
// the offset of the member's value and the paths that follow the key.
func (s *scanner) readKey(i int) (int, uint64, error) {
	b := s.b
	if i >= len(b) {
		return 0, 0, eof(b, "looking for an object key")
	}
	if b[i] != '"' {
		return 0, 0, syntaxErr(i, "invalid character "+describe(b[i])+" looking for an object key")
	}
	end, err := scanString(b, i)
	if err != nil {
		return 0, 0, err
	}
	var cur uint64
	if d := s.depth - 1; s.nmasks == d+1 {
		cur = s.match(s.masks[d], d, b[i+1:end-1])
	}
	i = skipWS(b, end)
	if i >= len(b) {
		return 0, 0, eof(b, "after an object key")
	}
	if b[i] != ':' {
		return 0, 0, syntaxErr(i, "invalid character "+describe(b[i])+" after an object key, want ':'")
	}
	return skipWS(b, i+1), cur, nil
}

// match returns the paths of mask whose key at index d equals the raw
// (still escaped, already validated) key.
func (s *scanner) match(mask uint64, d int, raw []byte) uint64 {
	var buf [64]byte
	key := raw
	for _, c := range raw {
		if c == '\\' {
			key = appendUnescaped(buf[:0], raw)
			break
		}
	}
	var out uint64
	for m := mask; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		if s.q.paths[i][d] == string(key) {
			out |= 1 << i
		}
	}
	return out
}

// safe marks the bytes that may appear in a string without further checks.
var safe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString validates the string starting at b[i] == '"' and returns the
// offset after its closing quote.
func scanString(b []byte, i int) (int, error) {
	i++
	for {
		for i < len(b) && safe[b[i]] {
			i++
		}
		if i >= len(b) {
			return 0, eof(b, "in a string")
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return 0, eof(b, "in a string escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(b) {
						return 0, eof(b, "in a \\u escape")
					}
					if _, ok := unhex(b[k]); !ok {
						return 0, syntaxErr(k, "invalid character "+describe(b[k])+" in a \\u escape")
					}
				}
				i += 6
			default:
				return 0, syntaxErr(i+1, "invalid escape character "+describe(b[i+1])+" in a string")
			}
		case c < 0x20:
			return 0, syntaxErr(i, "control character "+describe(c)+" in a string")
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return 0, syntaxErr(i, "invalid UTF-8 in a string")
			}
			i += size
		}
	}
}

// scanNumber validates the number starting at b[i] and returns the offset
// after it.
func scanNumber(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, eof(b, "in a number")
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return 0, syntaxErr(i, "invalid character "+describe(b[i])+" in a number, want a digit")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) {
			return 0, eof(b, "in a number's fraction")
		}
		if b[i] < '0' || b[i] > '9' {
			return 0, syntaxErr(i, "invalid character "+describe(b[i])+" after a decimal point, want a digit")
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) {
			return 0, eof(b, "in a number's exponent")
		}
		if b[i] < '0' || b[i] > '9' {
			return 0, syntaxErr(i, "invalid character "+describe(b[i])+" in an exponent, want a digit")
		}
		i = digits(b, i)
	}
	return i, nil
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// literal checks that lit (true, false or null) starts at b[i].
func literal(b []byte, i int, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return 0, eof(b, "in the literal "+lit)
		}
		if b[i+k] != lit[k] {
			return 0, syntaxErr(i+k, "invalid character "+describe(b[i+k])+" in the literal "+lit)
		}
	}
	return i + len(lit), nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func unhex(c byte) (rune, bool) {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0'), true
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10), true
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}

// describe names a byte for an error message: 'x' for printable ASCII,
// else its hex value.
func describe(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("0x%02X", c)
}

func syntaxErr(off int, msg string) error { return &SyntaxError{Offset: off, Msg: msg} }

func eof(b []byte, where string) error {
	return &SyntaxError{Offset: len(b), Msg: "unexpected end of input " + where}
}
