// Package querytest holds what tests of code built on pkg/query share: a
// corpus of injection attempts and a check that SQL text holds nothing but
// a schema's vocabulary.
package querytest

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/query"
)

// Attempt is one hostile request: a raw (URL-encoded) query string.
type Attempt struct {
	// Name says what the attempt tries.
	Name string
	// Raw is the query string as it arrives after the '?'.
	Raw string
}

// Values decodes a.Raw. It fails the test if Raw is not a valid query
// string (the corpus's entries all are).
func (a Attempt) Values(t testing.TB) url.Values {
	t.Helper()
	v, err := url.ParseQuery(a.Raw)
	if err != nil {
		t.Fatalf("querytest: attempt %q: %v", a.Name, err)
	}
	return v
}

func enc(s string) string { return url.QueryEscape(s) }

// Injections returns the corpus of injection attempts, written against the
// columns status (string, = != in not in), to_number (string, like),
// duration_ms and id (int), started_at (time, sortable) of a calls-like
// resource. Each must be refused with a *query.Error, or parse into a query
// whose SQL holds none of the value (check with [AssertSafe]); run through
// an HTTP API, each must be a 400 or a correct result, the database
// unchanged.
func Injections() []Attempt {
	long := strings.Repeat("' OR 1=1 -- ", 90) // > 1000 bytes
	items := strings.Repeat("a,", 100) + "a"   // 101 items
	f := func(col, op, val string) string {
		k := "filter[" + col + "]"
		if op != "" {
			k += "[" + op + "]"
		}
		return enc(k) + "=" + enc(val)
	}
	return []Attempt{
		// Values: bound, so at worst a correct empty result.
		{"value: quote or true", f("status", "=", "' OR '1'='1")},
		{"value: comment", f("status", "=", "ended' --")},
		{"value: hash comment", f("status", "=", "ended' #")},
		{"value: block comment", f("status", "=", "x'/**/OR/**/1=1/*")},
		{"value: stacked drop", f("status", "=", "ended'; DROP TABLE calls; --")},
		{"value: union select", f("status", "=", "x' UNION SELECT id, key_hash FROM api_keys --")},
		{"value: double quotes", f("status", "!=", `x" OR ""="`)},
		{"value: backslash quote", f("status", "=", `x\' OR 1=1 -- `)},
		{"value: concat subquery", f("status", "=", "x'||(SELECT key_hash FROM api_keys LIMIT 1)||'")},
		{"value: sleep", f("status", "=", "x' AND SLEEP(5) --")},
		{"value: in list breakout", f("status", "in", "a','b') OR ('1'='1")},
		{"value: not in list breakout", f("status", "not in", "a) OR (1=1")},
		{"value: like everything", f("to_number", "like", "%")},
		{"value: like one char", f("to_number", "like", "_")},
		{"value: like with quote", f("to_number", "like", "%' OR '1'='1")},
		{"value: like escaped wildcards", f("to_number", "like", `\%\_\\`)},
		{"value: like escape char", f("to_number", "not_like", "!%'")},
		{"value: int with or", f("duration_ms", "gt", "1 OR 1=1")},
		{"value: int stacked", f("duration_ms", "gt", "1;DROP TABLE calls")},
		{"value: int hex", f("id", "=", "0x41")},
		{"value: int in list breakout", f("id", "in", "1) OR (1=1")},
		{"value: time with quote", f("started_at", "gt", "2025-01-01' OR '1'='1")},
		{"value: NUL byte", f("status", "=", "ended\x00' OR 1=1")},
		{"value: CRLF header", f("status", "=", "x\r\nSet-Cookie: a=b")},
		{"value: invalid UTF-8", f("status", "=", "\xff' OR 1=1")},
		{"value: oversized", f("status", "=", long)},
		{"value: too many items", f("status", "in", items)},
		// Column names: never in SQL; unknown is a 400.
		{"column: quote", f("status' OR '1'='1", "=", "x")},
		{"column: comment", f("status--", "=", "x")},
		{"column: block comment", f("status/**/", "=", "x")},
		{"column: hash", f("status#", "=", "x")},
		{"column: stacked", f("status;DROP TABLE calls", "=", "x")},
		{"column: subquery", f("(SELECT 1)", "=", "x")},
		{"column: parenthesis breakout", f("1=1) OR (status", "=", "x")},
		{"column: union", f("status UNION SELECT key_hash FROM api_keys", "=", "x")},
		{"column: company_id", f("company_id", "=", "2")},
		{"column: qualified company_id", f("calls.company_id", "=", "2")},
		{"column: fullwidth letter", f("\uff53tatus", "=", "x")},
		{"column: cyrillic a", f("st\u0430tus", "=", "x")},
		{"column: uppercase", f("STATUS", "=", "x")},
		{"column: NUL", f("status\x00", "=", "x")},
		{"column: backtick", f("`status`", "=", "x")},
		// Operators.
		{"operator: or true", f("status", "= OR 1=1 --", "x")},
		{"operator: fullwidth equals", f("status", "\uff1d", "x")},
		{"operator: stacked", f("status", ";DROP TABLE calls", "x")},
		{"operator: comment", f("status", "/**/=", "x")},
		{"operator: uppercase LIKE", f("to_number", "LIKE", "%")},
		{"operator: regexp", f("status", "regexp", ".*")},
		// Bracket tricks.
		{"brackets: extra operator", enc("filter[status][=][x]") + "=1"},
		{"brackets: doubled close", enc("filter[status]][=]") + "=x"},
		{"brackets: nested open", enc("filter[[status]][=]") + "=x"},
		{"brackets: array suffix", enc("filter[status][in][]") + "=x"},
		{"brackets: raw equals", "filter[status][=]=ended"},
		{"brackets: no close", enc("filter[status") + "=x"},
		// Sort.
		{"sort: stacked", "sort=" + enc("started_at; DROP TABLE calls")},
		{"sort: comment", "sort=" + enc("started_at--")},
		{"sort: subquery", "sort=" + enc("(SELECT 1)")},
		{"sort: company_id", "sort=" + enc("-company_id")},
		{"sort: sleep", "sort=" + enc("started_at DESC, (SELECT SLEEP(5))")},
		{"sort: ordinal", "sort=1"},
		{"sort: fullwidth", "sort=" + enc("\uff53tarted_at")},
		{"sort: case when", "sort=" + enc("CASE WHEN 1=1 THEN id END")},
		// Pages.
		{"page: stacked", "page=" + enc("1; DROP TABLE calls")},
		{"per_page: union", "per_page=" + enc("10 UNION SELECT 1")},
		{"page: exponent", "page=1e3"},
		{"page: deep", "page=10000&per_page=100"},
		// Parameters.
		{"parameter: unknown", "where=" + enc("1=1")},
		{"parameter: raw sql", enc("1=1; DROP TABLE calls") + "=1"},
	}
}

var (
	tokenRE  = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_.]*|\?|\(|\)|,|'!'|<>|<=|>=|=|<|>`)
	keywords = []string{"AND", "LIKE", "NOT", "IN", "ESCAPE", "ASC", "DESC"}
)

// AssertSafe checks the SQL of q, parsed against s from v: Where and
// OrderBy hold only s's column expressions, SQL keywords, operators and
// placeholders; Where has one placeholder per argument; and no value of v
// of 4 bytes or more (that is not itself vocabulary) appears in the text.
func AssertSafe(t testing.TB, s *query.Schema, q query.Query, v url.Values) {
	t.Helper()
	vocab := slices.Clone(keywords)
	for _, c := range s.Columns() {
		vocab = append(vocab, s.Expr(c))
	}
	where, args := q.Where()
	for _, text := range []string{where, q.OrderBy()} {
		rest := tokenRE.ReplaceAllStringFunc(text, func(tok string) string {
			if (tok[0] >= 'A' && tok[0] <= 'Z' || tok[0] >= 'a' && tok[0] <= 'z' || tok[0] == '_') && !slices.Contains(vocab, tok) {
				t.Errorf("querytest: SQL %q holds %q, which is no column or keyword", text, tok)
			}
			return ""
		})
		if strings.TrimSpace(rest) != "" {
			t.Errorf("querytest: SQL %q holds text outside the vocabulary: %q", text, rest)
		}
	}
	if n := strings.Count(where, "?"); n != len(args) {
		t.Errorf("querytest: SQL %q has %d placeholders for %d arguments", where, n, len(args))
	}
	all := strings.Join(vocab, " ")
	for _, vals := range v {
		for _, val := range vals {
			if len(val) >= 4 && !strings.Contains(all, val) && (strings.Contains(where, val) || strings.Contains(q.OrderBy(), val)) {
				t.Errorf("querytest: value %q appears in the SQL %q", val, where)
			}
		}
	}
}
