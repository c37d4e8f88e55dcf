package query_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/query/querytest"
)

// FuzzParse feeds arbitrary query strings (and an arbitrary single
// parameter) to Parse: it must not panic, must refuse with a *query.Error
// only, and a query it accepts must have SQL made of the schema's
// vocabulary alone, with no fuzzed value in it.
func FuzzParse(f *testing.F) {
	for _, a := range querytest.Injections() {
		f.Add(a.Raw, "filter[status][in]", "a,b")
	}
	f.Add("filter[to_number][like]=%2B49%25&sort=-started_at,id&page=2&per_page=10", "filter[started_at][gte]", "2025-03-01")
	f.Fuzz(func(t *testing.T, raw, key, val string) {
		check := func(v url.Values) {
			q, err := query.Parse(calls, v)
			if err != nil {
				var qe *query.Error
				if !errors.As(err, &qe) {
					t.Fatalf("Parse error %T %v is no *query.Error", err, err)
				}
				return
			}
			querytest.AssertSafe(t, calls, q, v)
			if q.Limit() < 1 || q.Limit() > 100 || q.Offset()+q.Limit() > query.MaxWindow {
				t.Fatalf("page out of bounds: limit %d offset %d", q.Limit(), q.Offset())
			}
		}
		if v, err := url.ParseQuery(raw); err == nil {
			check(v)
		}
		check(url.Values{key: {val}})
	})
}
