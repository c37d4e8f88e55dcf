package query

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Limits every [Schema] enforces. They bound what one request can make the
// database do and how much of a bad request an error message echoes.
const (
	// MaxValueBytes is the longest filter, sort or page value accepted, in
	// bytes (an IN list counts as one value).
	MaxValueBytes = 1000
	// MaxInValues is the most items of one in or not in list.
	MaxInValues = 100
	// MaxFilters is the most filter parameters of one query.
	MaxFilters = 20
	// MaxSortKeys is the most columns of one sort parameter.
	MaxSortKeys = 4
	// MaxWindow bounds the rows a query can reach: offset + per_page must
	// stay at or below it, so that no page makes the database walk past
	// more rows than this. Totals are counted up to it too (see [Result]).
	MaxWindow = 10000
)

// Kind is the type of a column's values. It decides how a filter value is
// parsed and which operators a column allows by default ([DefaultOps]).
type Kind int

// The kinds of column. The zero Kind is invalid: every [Column] names one.
const (
	// String values are taken as given (valid UTF-8, no control
	// characters).
	String Kind = iota + 1
	// Int values are base-10 64-bit integers ("-3", "1000").
	Int
	// Time values are RFC 3339 ("2025-03-01T10:00:00Z",
	// "2025-03-01T11:00:00+01:00") or a date ("2025-03-01", midnight UTC);
	// they are bound in UTC.
	Time
	// Bool values are true, false, 1 or 0.
	Bool
)

// String returns the kind's name: string, int, time or bool.
func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "int"
	case Time:
		return "time"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Op is a filter operator. Its value is its canonical URL spelling; each
// also has a word alias (see [ParseOp]).
type Op string

// The operators. Like and NotLike apply to String columns only.
const (
	Eq      Op = "="        // alias eq
	Ne      Op = "!="       // alias ne
	Lt      Op = "<"        // alias lt
	Gt      Op = ">"        // alias gt
	Le      Op = "<="       // alias lte
	Ge      Op = ">="       // alias gte
	Like    Op = "like"     // the value is a pattern: % and _ are wildcards, \ escapes them
	NotLike Op = "not like" // alias not_like
	In      Op = "in"       // the value is a comma-separated list
	NotIn   Op = "not in"   // alias not_in
)

// ops maps every accepted spelling to its operator, in the order messages
// list them.
var ops = []struct {
	name string
	op   Op
}{
	{"=", Eq}, {"eq", Eq}, {"!=", Ne}, {"ne", Ne}, {"<", Lt}, {"lt", Lt}, {">", Gt}, {"gt", Gt},
	{"<=", Le}, {"lte", Le}, {">=", Ge}, {"gte", Ge}, {"like", Like}, {"not like", NotLike}, {"not_like", NotLike},
	{"in", In}, {"not in", NotIn}, {"not_in", NotIn},
}

// ParseOp returns the operator spelled s: its canonical form (=, !=, <, >,
// <=, >=, like, not like, in, not in) or its word alias (eq, ne, lt, gt,
// lte, gte, not_like, not_in). Spellings are lowercase and exact; ok is
// false for anything else.
func ParseOp(s string) (op Op, ok bool) {
	for _, o := range ops {
		if o.name == s {
			return o.op, true
		}
	}
	return "", false
}

// DefaultOps returns the operators a column of kind k allows when its
// [Column.Ops] is nil:
//
//	string: = != like "not like" in "not in"
//	int:    = != < > <= >= in "not in"
//	time:   = != < > <= >=
//	bool:   = !=
func DefaultOps(k Kind) []Op {
	switch k {
	case String:
		return []Op{Eq, Ne, Like, NotLike, In, NotIn}
	case Int:
		return []Op{Eq, Ne, Lt, Gt, Le, Ge, In, NotIn}
	case Time:
		return []Op{Eq, Ne, Lt, Gt, Le, Ge}
	case Bool:
		return []Op{Eq, Ne}
	}
	return nil
}

// Column is one allow-listed column of a [Resource].
type Column struct {
	// Name is what requests call the column, in filter[NAME][op] and
	// sort=NAME: lowercase ASCII letters, digits and _, starting with a
	// letter, at most 64 bytes. Required.
	Name string
	// Kind types the column's values. Required.
	Kind Kind
	// Ops are the operators the column allows. Nil means DefaultOps(Kind).
	Ops []Op
	// Sortable allows sort=NAME and sort=-NAME. Allow it only on columns
	// an index orders within a tenant (or that are otherwise cheap).
	Sortable bool
	// Expr is the column in SQL: an identifier, optionally qualified
	// ("calls.status"). Defaults to Name. It is trusted program text, never
	// request input.
	Expr string
}

// Sort is one key of an ORDER BY.
type Sort struct {
	// Column is a [Column.Name].
	Column string
	// Desc sorts descending.
	Desc bool
}

// Resource is the allow-list of one kind of row: what a request may filter
// and sort on. Compile it with [New].
type Resource struct {
	// Name names the resource in error messages ("calls"). Required.
	Name string
	// Columns are the columns requests may use. Required; a column not
	// listed here (a tenant key such as company_id) cannot be named by a
	// request at all.
	Columns []Column
	// Key is the unique column appended to every ORDER BY, so that pages
	// are stable when sort keys tie. It must be one of Columns. Defaults to
	// "id".
	Key string
	// DefaultSort is the order without a sort parameter. Its columns must
	// be Columns (they need not be Sortable). Nil means Key descending.
	DefaultSort []Sort
	// MaxPerPage caps per_page: a larger value is lowered to it. Defaults
	// to 100; at most MaxWindow.
	MaxPerPage int
	// DefaultPerPage is per_page when the request has none. Defaults to
	// 25, or MaxPerPage when that is lower.
	DefaultPerPage int
}

// Schema is a compiled [Resource]: what [Parse] checks requests against.
// It is immutable and safe for concurrent use.
type Schema struct {
	name        string
	cols        map[string]*column
	names       []string // filterable columns, in Resource order
	sortable    []string
	key         *column
	defaultSort []sortKey
	maxPer      int
	defPer      int
}

type column struct {
	name     string
	expr     string
	kind     Kind
	ops      []Op
	sortable bool
}

type sortKey struct {
	col  *column
	desc bool
}

var (
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	exprRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63})?$`)
)

// ErrResource is wrapped by the errors of [New]: the Resource is not a
// valid allow-list (a programmer error).
var ErrResource = errors.New("query: invalid resource")

// New validates r and compiles it. It returns an error wrapping
// [ErrResource] for a missing name or columns, a column name or Expr that is
// not a plain identifier, a duplicate column, an unknown kind or operator,
// like on a column that is not a String, or a Key, DefaultSort column or
// per-page limit that does not fit.
func New(r Resource) (*Schema, error) {
	bad := func(format string, args ...any) (*Schema, error) {
		return nil, fmt.Errorf("%w %q: %s", ErrResource, r.Name, fmt.Sprintf(format, args...))
	}
	if r.Name == "" {
		return bad("Name is required")
	}
	if len(r.Columns) == 0 {
		return bad("Columns are required")
	}
	s := &Schema{name: r.Name, cols: make(map[string]*column, len(r.Columns))}
	for _, c := range r.Columns {
		if !nameRE.MatchString(c.Name) {
			return bad("column name %q: want [a-z][a-z0-9_]*, at most 64 bytes", c.Name)
		}
		if _, dup := s.cols[c.Name]; dup {
			return bad("column %q listed twice", c.Name)
		}
		if DefaultOps(c.Kind) == nil {
			return bad("column %q: unknown kind %v", c.Name, c.Kind)
		}
		expr := c.Expr
		if expr == "" {
			expr = c.Name
		}
		if !exprRE.MatchString(expr) {
			return bad("column %q: Expr %q is not an identifier", c.Name, expr)
		}
		colOps := c.Ops
		if colOps == nil {
			colOps = DefaultOps(c.Kind)
		}
		for _, op := range colOps {
			if p, ok := ParseOp(string(op)); !ok || p != op {
				return bad("column %q: unknown operator %q", c.Name, op)
			}
			if (op == Like || op == NotLike) && c.Kind != String {
				return bad("column %q: %s needs a string column", c.Name, op)
			}
		}
		col := &column{name: c.Name, expr: expr, kind: c.Kind, ops: slices.Clone(colOps), sortable: c.Sortable}
		s.cols[c.Name] = col
		s.names = append(s.names, c.Name)
		if c.Sortable {
			s.sortable = append(s.sortable, c.Name)
		}
	}
	key := r.Key
	if key == "" {
		key = "id"
	}
	if s.key = s.cols[key]; s.key == nil {
		return bad("Key %q is not a column", key)
	}
	for _, o := range r.DefaultSort {
		c := s.cols[o.Column]
		if c == nil {
			return bad("DefaultSort column %q is not a column", o.Column)
		}
		s.defaultSort = append(s.defaultSort, sortKey{col: c, desc: o.Desc})
	}
	if s.defaultSort == nil {
		s.defaultSort = []sortKey{{col: s.key, desc: true}}
	}
	s.maxPer, s.defPer = r.MaxPerPage, r.DefaultPerPage
	if s.maxPer == 0 {
		s.maxPer = 100
	}
	if s.maxPer < 0 || s.maxPer > MaxWindow {
		return bad("MaxPerPage %d: want 1 to %d", s.maxPer, MaxWindow)
	}
	if s.defPer == 0 {
		s.defPer = min(25, s.maxPer)
	}
	if s.defPer < 0 || s.defPer > s.maxPer {
		return bad("DefaultPerPage %d: want 1 to MaxPerPage (%d)", s.defPer, s.maxPer)
	}
	return s, nil
}

// MustNew is like [New] but panics on error. It is for package-level
// schemas built from literals.
func MustNew(r Resource) *Schema {
	s, err := New(r)
	if err != nil {
		panic(err)
	}
	return s
}

// Name returns the resource's name.
func (s *Schema) Name() string { return s.name }

// Columns returns the names of the filterable columns, in the Resource's
// order.
func (s *Schema) Columns() []string { return slices.Clone(s.names) }

// Sortable returns the names of the sortable columns.
func (s *Schema) Sortable() []string { return slices.Clone(s.sortable) }

// Ops returns the operators column allows (nil for an unknown column).
func (s *Schema) Ops(column string) []Op {
	if c := s.cols[column]; c != nil {
		return slices.Clone(c.ops)
	}
	return nil
}

// Expr returns the SQL expression of column ("" for an unknown column).
func (s *Schema) Expr(column string) string {
	if c := s.cols[column]; c != nil {
		return c.expr
	}
	return ""
}

func (c *column) allows(op Op) bool { return slices.Contains(c.ops, op) }

func opList(list []Op) string {
	parts := make([]string, len(list))
	for i, o := range list {
		parts[i] = string(o)
	}
	return strings.Join(parts, ", ")
}
