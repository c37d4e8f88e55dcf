package jsonscan

import (
	"bytes"
	"unicode/utf8"
)

// Str returns the decoded text of a String value and true, or "" and false
// for any other kind. Escapes are decoded losslessly: a lone surrogate
// becomes its WTF-8 bytes (see the package documentation), so the result is
// valid UTF-8 exactly when the string holds no lone surrogate. A string
// without escapes is returned without copying its bytes twice.
func (v Value) Str() (string, bool) {
	if v.Kind != String {
		return "", false
	}
	raw := v.Raw[1 : len(v.Raw)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw), true
	}
	return string(appendUnescaped(make([]byte, 0, len(raw)), raw)), true
}

// AppendStr appends the decoded text of a String value to dst, like
// [Value.Str], and reports true; for any other kind it returns dst and
// false.
func (v Value) AppendStr(dst []byte) ([]byte, bool) {
	if v.Kind != String {
		return dst, false
	}
	return appendUnescaped(dst, v.Raw[1:len(v.Raw)-1]), true
}

// StrLen returns the length in bytes of the decoded text of a String value,
// without decoding it, or -1 for any other kind.
func (v Value) StrLen() int {
	if v.Kind != String {
		return -1
	}
	raw := v.Raw[1 : len(v.Raw)-1]
	n := 0
	for len(raw) > 0 {
		j := bytes.IndexByte(raw, '\\')
		if j < 0 {
			return n + len(raw)
		}
		n += j
		if raw[j+1] != 'u' {
			n++
			raw = raw[j+2:]
			continue
		}
		r := hex4(raw[j+2:])
		raw = raw[j+6:]
		if isHigh(r) && len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' && isLow(hex4(raw[2:])) {
			n += 4
			raw = raw[6:]
			continue
		}
		n += runeLen(r)
	}
	return n
}

// appendUnescaped appends the decoding of raw, the validated contents of a
// JSON string between its quotes.
func appendUnescaped(dst, raw []byte) []byte {
	for len(raw) > 0 {
		j := bytes.IndexByte(raw, '\\')
		if j < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:j]...)
		e := raw[j+1]
		if e != 'u' {
			dst = append(dst, unescape[e])
			raw = raw[j+2:]
			continue
		}
		r := hex4(raw[j+2:])
		raw = raw[j+6:]
		if isHigh(r) && len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
			if lo := hex4(raw[2:]); isLow(lo) {
				dst = utf8.AppendRune(dst, 0x10000+(r-0xD800)<<10+(lo-0xDC00))
				raw = raw[6:]
				continue
			}
		}
		dst = appendWTF8(dst, r)
	}
	return dst
}

// unescape maps the character after a backslash to the byte it stands for.
var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 decodes four validated hex digits.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		d, _ := unhex(c)
		r = r<<4 | d
	}
	return r
}

func isHigh(r rune) bool { return 0xD800 <= r && r <= 0xDBFF }
func isLow(r rune) bool  { return 0xDC00 <= r && r <= 0xDFFF }

// appendWTF8 appends r (at most U+FFFF) in UTF-8 form, surrogates included.
func appendWTF8(dst []byte, r rune) []byte {
	if 0xD800 <= r && r <= 0xDFFF {
		return append(dst, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return utf8.AppendRune(dst, r)
}

func runeLen(r rune) int {
	switch {
	case r < 0x80:
		return 1
	case r < 0x800:
		return 2
	default:
		return 3
	}
}
