package query

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxParamName bounds a parameter name: filter[ + a 64-byte column + ][ +
// the longest operator + ], with room to spare.
const maxParamName = 128

// Parse checks the request parameters v against s and returns the query
// they describe. The parameters are
//
//	filter[COLUMN][OP]=VALUE   (filter[COLUMN]=VALUE means the = operator)
//	sort=COLUMN,-COLUMN        (- is descending)
//	page=N                     (1-based; default 1)
//	per_page=N                 (default Resource.DefaultPerPage; lowered to MaxPerPage)
//
// Anything else is refused: an unknown parameter, column or operator, a
// value that does not parse as its column's kind, a limit exceeded (see the
// constants). Every refusal is an [*Error]; parameters are checked in
// sorted order, so the same request always gets the same error. Parse never
// puts a value into SQL text: [Query.Where] binds every value as a
// parameter.
//
// Parse takes url.Values as url.ParseQuery returns them. Use
// url.ParseQuery(r.URL.RawQuery) and refuse its error: r.URL.Query() drops
// malformed pairs without a word, which would drop a filter.
func Parse(s *Schema, v url.Values) (Query, error) {
	q := Query{schema: s, page: 1, perPage: s.defPer}
	keys := make([]string, 0, len(v))
	filters := 0
	for k := range v {
		keys = append(keys, k)
		if strings.HasPrefix(k, "filter[") {
			filters++
		}
	}
	slices.Sort(keys)
	if filters > MaxFilters {
		return Query{}, errorf("filter", CodeTooManyFilters, "%d filters: at most %d are allowed", filters, MaxFilters)
	}
	for _, k := range keys {
		vals := v[k]
		if len(vals) == 0 {
			continue
		}
		if err := checkName(k); err != nil {
			return Query{}, err
		}
		if len(vals) > 1 {
			return Query{}, errorf(k, CodeInvalidParameter, "parameter %s is given %d times: give it once", Quote(k), len(vals))
		}
		val := vals[0]
		var err *Error
		switch {
		case k == "sort":
			err = q.parseSort(val)
		case k == "page":
			q.page, err = positive(k, val)
		case k == "per_page":
			q.perPage, err = positive(k, val)
			q.perPage = min(q.perPage, s.maxPer)
		case strings.HasPrefix(k, "filter["):
			err = q.parseFilter(k, val)
		default:
			err = errorf(k, CodeUnknownParameter, "unknown parameter %s (want filter[column][operator], sort, page or per_page)", Quote(k))
		}
		if err != nil {
			return Query{}, err
		}
	}
	if q.page > MaxWindow || q.page*q.perPage > MaxWindow {
		return Query{}, errorf("page", CodePageOutOfRange,
			"page %d of %d rows reaches past row %d: narrow the filter instead of paging this deep", q.page, q.perPage, MaxWindow)
	}
	return q, nil
}

// checkName refuses a parameter name that is too long, not UTF-8 or holds
// control characters.
func checkName(k string) *Error {
	switch {
	case len(k) > maxParamName:
		return errorf(k, CodeInvalidParameter, "parameter name %s is longer than %d bytes", Quote(k), maxParamName)
	case !utf8.ValidString(k):
		return errorf(k, CodeInvalidParameter, "parameter name %s is not valid UTF-8", Quote(k))
	case hasControl(k):
		return errorf(k, CodeInvalidParameter, "parameter name %s holds a control character", Quote(k))
	}
	return nil
}

// checkValue refuses a value that is too long, not UTF-8 or holds a NUL
// byte or another control character.
func checkValue(param, val string) *Error {
	switch {
	case len(val) > MaxValueBytes:
		return errorf(param, CodeValueTooLong, "%s: value of %d bytes is longer than %d", Quote(param), len(val), MaxValueBytes)
	case !utf8.ValidString(val):
		return errorf(param, CodeInvalidValue, "%s: value %s is not valid UTF-8", Quote(param), Quote(val))
	case strings.IndexByte(val, 0) >= 0:
		return errorf(param, CodeInvalidValue, "%s: value %s holds a NUL byte", Quote(param), Quote(val))
	case hasControl(val):
		return errorf(param, CodeInvalidValue, "%s: value %s holds a control character", Quote(param), Quote(val))
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

func positive(param, val string) (int, *Error) {
	if err := checkValue(param, val); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < 1 || strings.HasPrefix(val, "+") {
		return 0, errorf(param, CodeInvalidValue, "%s: %s is not a positive integer", param, Quote(val))
	}
	return n, nil
}

// splitFilter splits "filter[col][op]" or "filter[col]" into col and op.
func splitFilter(k string) (col, op string, ok bool) {
	rest := strings.TrimPrefix(k, "filter[")
	col, rest, ok = strings.Cut(rest, "]")
	if !ok || col == "" || strings.ContainsAny(col, "[]") {
		return "", "", false
	}
	if rest == "" {
		return col, string(Eq), true
	}
	if len(rest) < 2 || rest[0] != '[' || rest[len(rest)-1] != ']' {
		return "", "", false
	}
	op = rest[1 : len(rest)-1]
	if op == "" || strings.ContainsAny(op, "[]") {
		return "", "", false
	}
	return col, op, true
}

func (q *Query) parseFilter(k, val string) *Error {
	s := q.schema
	name, opName, ok := splitFilter(k)
	if !ok {
		hint := "want filter[column][operator]"
		if strings.Count(k, "[") > strings.Count(k, "]") {
			// url.ParseQuery splits filter[x][=]=v at the first '='.
			hint += "; write the operator as a word (eq, gte, ...) or encode '=' as %3D"
		}
		return errorf(k, CodeInvalidParameter, "malformed filter parameter %s: %s", Quote(k), hint)
	}
	col := s.cols[name]
	if col == nil {
		return errorf(k, CodeUnknownColumn, "unknown column %s for %s (filterable: %s)", Quote(name), s.name, strings.Join(s.names, ", "))
	}
	op, ok := ParseOp(opName)
	if !ok {
		return errorf(k, CodeUnknownOperator, "unknown operator %s (want one of =, !=, <, >, <=, >=, like, not like, in, not in "+
			"or eq, ne, lt, gt, lte, gte, not_like, not_in)", Quote(opName))
	}
	if !col.allows(op) {
		return errorf(k, CodeOperatorNotAllowed, "operator %s is not allowed on %s (%s; allowed: %s)", Quote(string(op)), name, col.kind, opList(col.ops))
	}
	if err := checkValue(k, val); err != nil {
		return err
	}
	f := Filter{Column: name, Op: op, col: col}
	switch op {
	case In, NotIn:
		items := strings.Split(val, ",")
		if len(items) > MaxInValues {
			return errorf(k, CodeTooManyValues, "%s: %d values: at most %d are allowed", Quote(k), len(items), MaxInValues)
		}
		for _, it := range items {
			if it == "" {
				return errorf(k, CodeInvalidValue, "%s: empty item in list %s", Quote(k), Quote(val))
			}
			v, err := typed(k, col.kind, it)
			if err != nil {
				return err
			}
			f.Values = append(f.Values, v)
		}
	case Like, NotLike:
		p, err := likePattern(k, val)
		if err != nil {
			return err
		}
		f.Values = []any{p}
	default:
		v, err := typed(k, col.kind, val)
		if err != nil {
			return err
		}
		f.Values = []any{v}
	}
	q.filters = append(q.filters, f)
	return nil
}

// typed parses one value as kind.
func typed(param string, kind Kind, val string) (any, *Error) {
	switch kind {
	case Int:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, errorf(param, CodeInvalidValue, "%s: %s is not an integer", Quote(param), Quote(val))
		}
		return n, nil
	case Time:
		if t, err := time.Parse(time.RFC3339Nano, val); err == nil {
			return t.UTC(), nil
		}
		if t, err := time.Parse(time.DateOnly, val); err == nil {
			return t, nil
		}
		hint := ""
		if strings.Contains(val, " ") {
			hint = " (a + in a URL is a space: encode it as %2B)"
		}
		return nil, errorf(param, CodeInvalidValue, "%s: %s is not an RFC 3339 time or a YYYY-MM-DD date%s", Quote(param), Quote(val), hint)
	case Bool:
		switch val {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, errorf(param, CodeInvalidValue, "%s: %s is not a boolean (true, false, 1 or 0)", Quote(param), Quote(val))
	}
	return val, nil
}

// likeEscape is the ESCAPE character of every LIKE Where writes. It is not
// the user's escape character (\): MySQL reads a backslash in a string
// literal as an escape and SQLite does not, so '\' cannot be written the
// same way for both; '!' can.
const likeEscape = '!'

// likePattern turns the user's pattern (% and _ wildcards, \ escaping a
// literal %, _ or \) into a LIKE pattern with ESCAPE '!'.
func likePattern(param, val string) (string, *Error) {
	var b strings.Builder
	b.Grow(len(val) + 4)
	for i := 0; i < len(val); i++ {
		c := val[i]
		switch c {
		case '\\':
			if i+1 >= len(val) || (val[i+1] != '%' && val[i+1] != '_' && val[i+1] != '\\') {
				return "", errorf(param, CodeInvalidValue, `%s: in pattern %s a \ must precede %%, _ or \`, Quote(param), Quote(val))
			}
			i++
			if val[i] != '\\' {
				b.WriteByte(likeEscape)
			}
			b.WriteByte(val[i])
		case likeEscape:
			b.WriteByte(likeEscape)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func (q *Query) parseSort(val string) *Error {
	s := q.schema
	if err := checkValue("sort", val); err != nil {
		return err
	}
	items := strings.Split(val, ",")
	if len(items) > MaxSortKeys {
		return errorf("sort", CodeInvalidSort, "sort by %d columns: at most %d are allowed", len(items), MaxSortKeys)
	}
	q.sort = nil
	for _, it := range items {
		desc := strings.HasPrefix(it, "-")
		name := strings.TrimPrefix(it, "-")
		if name == "" {
			return errorf("sort", CodeInvalidSort, "sort %s has an empty column", Quote(val))
		}
		col := s.cols[name]
		if col == nil {
			return errorf("sort", CodeUnknownColumn, "unknown sort column %s for %s (sortable: %s)", Quote(name), s.name, strings.Join(s.sortable, ", "))
		}
		if !col.sortable {
			return errorf("sort", CodeNotSortable, "%s cannot be sorted by %s (sortable: %s)", s.name, name, strings.Join(s.sortable, ", "))
		}
		for _, k := range q.sort {
			if k.col == col {
				return errorf("sort", CodeInvalidSort, "sort names %s twice", name)
			}
		}
		q.sort = append(q.sort, sortKey{col: col, desc: desc})
	}
	return nil
}
