package query_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/query"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// calls is a schema shaped like the API's calls resource.
var calls = query.MustNew(query.Resource{
	Name: "calls",
	Columns: []query.Column{
		{Name: "id", Kind: query.Int, Sortable: true},
		{Name: "branch_id", Kind: query.Int},
		{Name: "to_number", Kind: query.String},
		{Name: "status", Kind: query.String, Ops: []query.Op{query.Eq, query.Ne, query.In, query.NotIn}},
		{Name: "started_at", Kind: query.Time, Sortable: true},
		{Name: "duration_ms", Kind: query.Int},
		{Name: "successful", Kind: query.Bool},
		{Name: "sentiment", Kind: query.String, Expr: "calls.sentiment"},
	},
	DefaultSort: []query.Sort{{Column: "started_at", Desc: true}},
})

func parse(t *testing.T, raw string) (query.Query, error) {
	t.Helper()
	v, err := url.ParseQuery(raw)
	require.NoError(t, err, "test input must be a valid query string")
	return query.Parse(calls, v)
}

func TestParseBuildsSQL(t *testing.T) {
	t.Parallel()
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		raw     string
		where   string
		args    []any
		orderBy string
		limit   int
		offset  int
	}{
		{name: "nothing", raw: "", orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "eq", raw: "filter[status][%3D]=ended", where: "status = ?", args: []any{"ended"}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "no operator means =", raw: "filter[status]=ended", where: "status = ?", args: []any{"ended"}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "word aliases", raw: "filter[duration_ms][gte]=1000&filter[id][lt]=7&filter[status][ne]=error",
			where: "duration_ms >= ? AND id < ? AND status <> ?", args: []any{int64(1000), int64(7), "error"}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "symbols", raw: "filter[duration_ms][%3E%3D]=1000&filter[duration_ms][%3C]=5000",
			where: "duration_ms < ? AND duration_ms >= ?", args: []any{int64(5000), int64(1000)}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "in", raw: "filter[status][in]=ended,error", where: "status IN (?, ?)", args: []any{"ended", "error"}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "not in ints", raw: "filter[branch_id][not_in]=1,2,3", where: "branch_id NOT IN (?, ?, ?)", args: []any{int64(1), int64(2), int64(3)},
			orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "not in with a space", raw: "filter[status][not+in]=x", where: "status NOT IN (?)", args: []any{"x"}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "like keeps the user's wildcards", raw: "filter[to_number][like]=%2B4930%25", where: "to_number LIKE ? ESCAPE '!'",
			args: []any{"+4930%"}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "like escapes", raw: `filter[to_number][not_like]=50\%25_off!\\\_`, where: "to_number NOT LIKE ? ESCAPE '!'",
			args: []any{`50!%_off!!\!_`}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "time rfc3339 to UTC", raw: "filter[started_at][gte]=2025-03-01T01:00:00%2B01:00", where: "started_at >= ?", args: []any{day},
			orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "date", raw: "filter[started_at][lt]=2025-03-01", where: "started_at < ?", args: []any{day}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "bools", raw: "filter[successful]=1", where: "successful = ?", args: []any{true}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "expr", raw: "filter[sentiment]=Positive", where: "calls.sentiment = ?", args: []any{"Positive"}, orderBy: "started_at DESC, id DESC", limit: 25},
		{name: "sort", raw: "sort=-started_at,id", orderBy: "started_at DESC, id ASC", limit: 25},
		{name: "sort ascending gets an ascending key", raw: "sort=started_at", orderBy: "started_at ASC, id ASC", limit: 25},
		{name: "page", raw: "page=3&per_page=10", orderBy: "started_at DESC, id DESC", limit: 10, offset: 20},
		{name: "per_page is capped", raw: "per_page=1000", orderBy: "started_at DESC, id DESC", limit: 100},
		{name: "last page in the window", raw: "page=100&per_page=100", orderBy: "started_at DESC, id DESC", limit: 100, offset: 9900},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := parse(t, tt.raw)
			require.NoError(t, err)
			where, args := q.Where()
			assert.Equal(t, tt.where, where)
			assert.Equal(t, tt.args, args)
			assert.Equal(t, tt.orderBy, q.OrderBy())
			assert.Equal(t, tt.limit, q.Limit())
			assert.Equal(t, tt.offset, q.Offset())
			assert.Same(t, calls, q.Schema())
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, code string
		inMsg           string // the message names the offender
	}{
		{"unknown parameter", "fitler[status]=x", query.CodeUnknownParameter, `"fitler[status]"`},
		{"typo of page", "pgae=2", query.CodeUnknownParameter, `"pgae"`},
		{"company_id", "filter[company_id][%3D]=2", query.CodeUnknownColumn, `"company_id"`},
		{"unknown column", "filter[nope]=1", query.CodeUnknownColumn, `"nope"`},
		{"unknown operator", "filter[status][%3D%3D]=x", query.CodeUnknownOperator, `"=="`},
		{"uppercase operator", "filter[status][IN]=x", query.CodeUnknownOperator, `"IN"`},
		{"operator not allowed", "filter[duration_ms][like]=1%25", query.CodeOperatorNotAllowed, `"like"`},
		{"like on a column without it", "filter[status][like]=x", query.CodeOperatorNotAllowed, "status"},
		{"raw = in the operator", "filter[status][=]=ended", query.CodeInvalidParameter, "%3D"},
		{"trailing bracket", "filter[status][%3D][x]=1", query.CodeInvalidParameter, `"filter[status][=][x]"`},
		{"empty operator", "filter[status][]=1", query.CodeInvalidParameter, "malformed"},
		{"empty column", "filter[][%3D]=1", query.CodeInvalidParameter, "malformed"},
		{"twice", "filter[status]=a&filter[status]=b", query.CodeInvalidParameter, "2 times"},
		{"int", "filter[duration_ms][gt]=abc", query.CodeInvalidValue, `"abc"`},
		{"int overflow", "filter[id]=99999999999999999999", query.CodeInvalidValue, "not an integer"},
		{"time", "filter[started_at][gt]=yesterday", query.CodeInvalidValue, `"yesterday"`},
		{"time with a + as space", "filter[started_at][gt]=2025-03-01T01:00:00+01:00", query.CodeInvalidValue, "%2B"},
		{"bool", "filter[successful]=yes", query.CodeInvalidValue, `"yes"`},
		{"empty int", "filter[id]=", query.CodeInvalidValue, `""`},
		{"NUL", "filter[status]=a%00b", query.CodeInvalidValue, "NUL"},
		{"control", "filter[status]=a%0Ab", query.CodeInvalidValue, "control"},
		{"invalid UTF-8", "filter[status]=%FF%FE", query.CodeInvalidValue, "UTF-8"},
		{"bad escape", `filter[to_number][like]=a\b`, query.CodeInvalidValue, `\`},
		{"trailing backslash", `filter[to_number][like]=a\`, query.CodeInvalidValue, "pattern"},
		{"too long", "filter[status]=" + strings.Repeat("a", 1001), query.CodeValueTooLong, "1001 bytes"},
		{"too many values", "filter[id][in]=" + strings.Repeat("1,", 100) + "1", query.CodeTooManyValues, "101 values"},
		{"empty list item", "filter[id][in]=1,,2", query.CodeInvalidValue, "empty item"},
		{"unknown sort", "sort=-nope", query.CodeUnknownColumn, `"nope"`},
		{"not sortable", "sort=duration_ms", query.CodeNotSortable, "duration_ms"},
		{"sort twice", "sort=id,-id", query.CodeInvalidSort, "twice"},
		{"empty sort", "sort=", query.CodeInvalidSort, "empty"},
		{"sort too many", "sort=id,id,id,id,id", query.CodeInvalidSort, "at most 4"},
		{"page 0", "page=0", query.CodeInvalidValue, `"0"`},
		{"page negative", "page=-1", query.CodeInvalidValue, `"-1"`},
		{"page word", "page=two", query.CodeInvalidValue, `"two"`},
		{"per_page 0", "per_page=0", query.CodeInvalidValue, `"0"`},
		{"deep page", "page=101&per_page=100", query.CodePageOutOfRange, "narrow the filter"},
		{"huge page", "page=9223372036854775807", query.CodePageOutOfRange, "narrow"},
		{"cyrillic column", "filter[st%D0%B0tus]=x", query.CodeUnknownColumn, `\u0430`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(t, tt.raw)
			var qe *query.Error
			require.ErrorAs(t, err, &qe)
			assert.Equal(t, tt.code, qe.Code, qe.Message)
			assert.Contains(t, qe.Message, tt.inMsg)
			assert.Less(t, len(qe.Message), 600, "messages stay short")
		})
	}
}

func TestTooManyFilters(t *testing.T) {
	t.Parallel()
	v := url.Values{}
	for i := range 21 {
		v.Set("filter[id][in]"+strings.Repeat(" ", i), "1") // distinct names; the count is checked first
	}
	_, err := query.Parse(calls, v)
	var qe *query.Error
	require.ErrorAs(t, err, &qe)
	assert.Equal(t, query.CodeTooManyFilters, qe.Code)

	v = url.Values{}
	for _, c := range []string{"id", "branch_id", "duration_ms"} {
		for _, op := range []string{"=", "!=", "<", ">", "<=", ">="} {
			v.Set("filter["+c+"]["+op+"]", "1")
		}
	}
	v.Set("filter[status]", "x")
	v.Set("filter[to_number][like]", "x")
	q, err := query.Parse(calls, v)
	require.NoError(t, err, "20 filters are allowed")
	assert.Len(t, q.Filters(), 20)
}

func TestQuoteIsSafe(t *testing.T) {
	t.Parallel()
	for _, s := range []string{strings.Repeat("ü", 100), "a\x00b\nc\x1b[31m", "\xff\xfe" + strings.Repeat("x", 100), strings.Repeat("😀", 30)} {
		q := query.Quote(s)
		assert.LessOrEqual(t, len(q), 10*40+5)
		for _, r := range q {
			assert.True(t, r >= 0x20 && r < 0x7f, "quoted %q has %q", s, r)
		}
	}
	assert.Equal(t, `"ab"`, query.Quote("ab"))
	assert.Equal(t, `"`+strings.Repeat("a", 40)+`"...`, query.Quote(strings.Repeat("a", 41)))
	// A cut never splits a rune: 13 runes of 3 bytes are 39 bytes.
	assert.Equal(t, `"`+strings.Repeat(`\u20ac`, 13)+`"...`, query.Quote(strings.Repeat("€", 20)))
}

func TestNewRefusesBadResources(t *testing.T) {
	t.Parallel()
	col := query.Column{Name: "id", Kind: query.Int}
	tests := []struct {
		name string
		r    query.Resource
	}{
		{"no name", query.Resource{Columns: []query.Column{col}}},
		{"no columns", query.Resource{Name: "x"}},
		{"bad column name", query.Resource{Name: "x", Columns: []query.Column{col, {Name: "a; DROP", Kind: query.String}}}},
		{"uppercase name", query.Resource{Name: "x", Columns: []query.Column{col, {Name: "Status", Kind: query.String}}}},
		{"bad expr", query.Resource{Name: "x", Columns: []query.Column{col, {Name: "a", Kind: query.String, Expr: "a) OR (1=1"}}}},
		{"duplicate", query.Resource{Name: "x", Columns: []query.Column{col, col}}},
		{"no kind", query.Resource{Name: "x", Columns: []query.Column{col, {Name: "a"}}}},
		{"like on int", query.Resource{Name: "x", Columns: []query.Column{{Name: "id", Kind: query.Int, Ops: []query.Op{query.Like}}}}},
		{"unknown op", query.Resource{Name: "x", Columns: []query.Column{{Name: "id", Kind: query.Int, Ops: []query.Op{"eq"}}}}},
		{"no key", query.Resource{Name: "x", Columns: []query.Column{{Name: "a", Kind: query.Int}}}},
		{"default sort unknown", query.Resource{Name: "x", Columns: []query.Column{col}, DefaultSort: []query.Sort{{Column: "b"}}}},
		{"per page too big", query.Resource{Name: "x", Columns: []query.Column{col}, MaxPerPage: 10001}},
		{"default above max", query.Resource{Name: "x", Columns: []query.Column{col}, MaxPerPage: 10, DefaultPerPage: 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := query.New(tt.r)
			assert.True(t, errors.Is(err, query.ErrResource), "%v", err)
		})
	}
	assert.Panics(t, func() { query.MustNew(query.Resource{}) })
}

func TestZeroQuery(t *testing.T) {
	t.Parallel()
	var q query.Query
	where, args := q.Where()
	assert.Empty(t, where)
	assert.Nil(t, args)
	assert.Empty(t, q.OrderBy())
	assert.Nil(t, q.Schema())
	assert.Zero(t, q.Limit())
}
