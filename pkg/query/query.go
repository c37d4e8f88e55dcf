package query

import (
	"slices"
	"strings"
)

// Query is a parsed, checked request: filters on allow-listed columns, an
// order and a page. Only [Parse] makes one; the zero Query belongs to no
// schema and has no page. A Query is a value and safe to share.
type Query struct {
	schema  *Schema
	filters []Filter
	sort    []sortKey // nil: the schema's default
	page    int
	perPage int
}

// Filter is one condition of a [Query]: Column Op Values.
type Filter struct {
	// Column is the column's name.
	Column string
	// Op is the operator.
	Op Op
	// Values are the typed values (string, int64, time.Time in UTC or
	// bool): one, or the items of an in list. A like pattern is shown as
	// bound, with '!' escaping its literal %, _ and !.
	Values []any
	col    *column
}

// Result is one page of rows found by a query, and how many rows match in
// all.
type Result[T any] struct {
	// Rows are the page's rows; never nil.
	Rows []T
	// Total is the number of matching rows, at most MaxWindow.
	Total int
	// Capped reports that more than MaxWindow rows match: Total is then
	// MaxWindow, not the count.
	Capped bool
}

// Schema returns the schema q was parsed against (nil for the zero Query).
// Repositories compare it with their own, so that a query parsed for one
// table is never run on another.
func (q Query) Schema() *Schema { return q.schema }

// Filters returns a copy of q's filters in the order Where writes them
// (sorted by parameter name).
func (q Query) Filters() []Filter { return slices.Clone(q.filters) }

// Sort returns q's order as given, or the schema's default.
func (q Query) Sort() []Sort {
	keys := q.sortKeys()
	out := make([]Sort, len(keys))
	for i, k := range keys {
		out[i] = Sort{Column: k.col.name, Desc: k.desc}
	}
	return out
}

// Page returns the 1-based page number.
func (q Query) Page() int { return q.page }

// PerPage returns the rows per page (after the cap).
func (q Query) PerPage() int { return q.perPage }

// Limit returns the SQL LIMIT: PerPage.
func (q Query) Limit() int { return q.perPage }

// Offset returns the SQL OFFSET: (Page-1) * PerPage.
func (q Query) Offset() int { return max(q.page-1, 0) * q.perPage }

// Where returns q's filters as one SQL condition, the filters joined with
// AND, and its arguments in placeholder order; "" and nil when q has no
// filter. The text holds only the schema's column expressions, operators,
// ? placeholders and the constant ESCAPE '!': every value is an argument.
// It is the same for MySQL/MariaDB and SQLite. Callers AND it after their
// own tenant condition, in parentheses:
//
//	where, args := q.Where()
//	sql := "SELECT ... WHERE company_id = ?"
//	if where != "" { sql += " AND (" + where + ")" }
//
// Comparisons follow SQL: a NULL column matches no operator (also not !=
// or not in), and string comparison follows the column's collation (on
// MySQL usually case-insensitive; on SQLite = is exact and LIKE
// case-insensitive for ASCII).
func (q Query) Where() (string, []any) {
	if len(q.filters) == 0 {
		return "", nil
	}
	var b strings.Builder
	var args []any
	for i, f := range q.filters {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(f.col.expr)
		switch f.Op {
		case Eq:
			b.WriteString(" = ?")
		case Ne:
			b.WriteString(" <> ?")
		case Lt, Gt, Le, Ge:
			b.WriteString(" " + string(f.Op) + " ?")
		case Like:
			b.WriteString(" LIKE ? ESCAPE '!'")
		case NotLike:
			b.WriteString(" NOT LIKE ? ESCAPE '!'")
		case In, NotIn:
			if f.Op == In {
				b.WriteString(" IN (")
			} else {
				b.WriteString(" NOT IN (")
			}
			b.WriteString(strings.Repeat("?, ", len(f.Values)-1))
			b.WriteString("?)")
		}
		args = append(args, f.Values...)
	}
	return b.String(), args
}

func (q Query) sortKeys() []sortKey {
	if q.sort != nil {
		return q.sort
	}
	if q.schema == nil {
		return nil
	}
	return q.schema.defaultSort
}

// OrderBy returns the ORDER BY list (without the keywords): the requested
// order or the schema's default, then the schema's Key column in the
// direction of the last key unless it is already in the order, so that
// pages do not overlap when sort keys tie. "" for the zero Query.
func (q Query) OrderBy() string {
	keys := q.sortKeys()
	if len(keys) == 0 {
		return ""
	}
	parts := make([]string, 0, len(keys)+1)
	hasKey := false
	for _, k := range keys {
		parts = append(parts, orderTerm(k))
		hasKey = hasKey || k.col == q.schema.key
	}
	if !hasKey {
		parts = append(parts, orderTerm(sortKey{col: q.schema.key, desc: keys[len(keys)-1].desc}))
	}
	return strings.Join(parts, ", ")
}

func orderTerm(k sortKey) string {
	if k.desc {
		return k.col.expr + " DESC"
	}
	return k.col.expr + " ASC"
}
