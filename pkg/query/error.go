package query

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The codes of [Error]. They are stable: API clients branch on them.
const (
	// CodeUnknownParameter: a query parameter that is not filter[...],
	// sort, page or per_page (a typo must not silently return every row).
	CodeUnknownParameter = "unknown_parameter"
	// CodeInvalidParameter: a malformed parameter name (filter[a][=][x],
	// an unclosed bracket, a raw '=' in the operator), a parameter given
	// twice, or a query string that does not decode.
	CodeInvalidParameter = "invalid_parameter"
	// CodeUnknownColumn: a filter or sort on a column that is not in the
	// allow-list.
	CodeUnknownColumn = "unknown_column"
	// CodeUnknownOperator: an operator that is not one of the operators.
	CodeUnknownOperator = "unknown_operator"
	// CodeOperatorNotAllowed: an operator the column does not allow (like
	// on an int column).
	CodeOperatorNotAllowed = "operator_not_allowed"
	// CodeInvalidValue: a value that does not parse as the column's kind,
	// holds a NUL byte, a control character or invalid UTF-8, or a bad
	// escape in a like pattern; also a page or per_page that is not a
	// positive integer.
	CodeInvalidValue = "invalid_value"
	// CodeValueTooLong: a value longer than [MaxValueBytes].
	CodeValueTooLong = "value_too_long"
	// CodeTooManyValues: an in or not in list of more than [MaxInValues].
	CodeTooManyValues = "too_many_values"
	// CodeTooManyFilters: more than [MaxFilters] filters.
	CodeTooManyFilters = "too_many_filters"
	// CodeNotSortable: a sort on a column that is filterable but not
	// sortable.
	CodeNotSortable = "not_sortable"
	// CodeInvalidSort: an empty or repeated sort key, or more than
	// [MaxSortKeys].
	CodeInvalidSort = "invalid_sort"
	// CodePageOutOfRange: page * per_page beyond [MaxWindow].
	CodePageOutOfRange = "page_out_of_range"
)

// Error is why [Parse] refused a request. Its message names the bad
// parameter, column, operator or value, quoted with [Quote]: never more
// than a few dozen bytes of it and never a control character, so that it
// is safe to return to the client and to log.
type Error struct {
	// Param is the offending query parameter's name, quoted like the
	// message quotes names (without the quotes).
	Param string
	// Code is one of the Code constants.
	Code string
	// Message says what is wrong, for people.
	Message string
}

func (e *Error) Error() string { return "query: " + e.Message }

// quoteMax is how many bytes of a request string [Quote] keeps.
const quoteMax = 40

// Quote returns s as a Go string literal with every byte outside printable
// ASCII escaped (so control characters, invalid UTF-8 and look-alike
// letters such as Cyrillic 'с' show as \u0441), cut to its first 40 bytes
// (followed by "..." when cut). It is how error messages show request input.
func Quote(s string) string {
	body, cut := quoteBody(s)
	if cut {
		return `"` + body + `"...`
	}
	return `"` + body + `"`
}

// plain is Quote without the quotes, for Error.Param.
func plain(s string) string {
	body, cut := quoteBody(s)
	if cut {
		return body + "..."
	}
	return body
}

func quoteBody(s string) (body string, cut bool) {
	if len(s) > quoteMax {
		i := quoteMax
		// Do not split a UTF-8 sequence: cut before the rune s[i] is in.
		for i > quoteMax-utf8.UTFMax && !utf8.RuneStart(s[i]) {
			i--
		}
		s, cut = s[:i], true
	}
	q := strconv.QuoteToASCII(s)
	return q[1 : len(q)-1], cut
}

func errorf(param, code, format string, args ...any) *Error {
	return &Error{Param: plain(param), Code: code, Message: fmt.Sprintf(format, args...)}
}
