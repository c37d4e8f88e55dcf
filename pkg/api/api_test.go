package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/askproai/askpro/pkg/api"
	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/query/querytest"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var resources = []string{"calls", "appointments", "customers", "webhook-events"}

func (c company) of(resource string) []int64 {
	return map[string][]int64{"calls": c.calls, "appointments": c.appointments, "customers": c.customers, "webhook-events": c.events}[resource]
}

func TestListAndGet(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, h http.Handler, b testBundle) {
		for _, res := range resources {
			r := get(t, h, b.a.id, "/api/v1/"+res)
			require.Equal(t, http.StatusOK, r.status, r.raw)
			assert.Equal(t, b.a.of(res), r.ids(t), "%s: newest first", res)
			assert.Equal(t, map[string]any{"page": 1.0, "per_page": 25.0, "total": float64(len(b.a.of(res))), "total_capped": false}, r.meta(t), res)
			for _, row := range r.rows(t) {
				assert.Equal(t, float64(b.a.id), row["company_id"], res)
				assert.NotContains(t, row, "transcript", "%s: lists leave transcripts out", res)
				assert.NotContains(t, row, "payload", "%s: lists leave payloads out", res)
			}

			id := b.a.of(res)[0]
			r = get(t, h, b.a.id, fmt.Sprintf("/api/v1/%s/%d", res, id))
			require.Equal(t, http.StatusOK, r.status, r.raw)
			one, ok := r.body["data"].(map[string]any)
			require.True(t, ok, r.raw)
			assert.Equal(t, float64(id), one["id"])
			assert.Equal(t, float64(b.a.id), one["company_id"])
		}
		call := get(t, h, b.a.id, fmt.Sprintf("/api/v1/calls/%d", b.a.calls[0])).body["data"].(map[string]any)
		assert.Equal(t, "Agent: Hallo a", call["transcript"], "get has the transcript")
		assert.Equal(t, "+49309999999", call["to_number"], "the owner sees the number")
		ev := get(t, h, b.a.id, fmt.Sprintf("/api/v1/webhook-events/%d", b.a.events[0])).body["data"].(map[string]any)
		assert.Equal(t, map[string]any{"id": "evt_a2", "secret_of": "a"}, ev["payload"])
		for _, k := range []string{"headers", "ip_address", "locked_by", "last_error", "user_agent"} {
			assert.NotContains(t, ev, k, "operators' fields stay out")
		}
	})
}

func TestFiltersSortPages(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, h http.Handler, b testBundle) {
		c := b.a
		tests := []struct {
			name, path string
			want       []int64
			total      float64
		}{
			// calls: index 0 is the newest (call 4: ongoing), 4 the oldest (call 0).
			{"calls by status", "/api/v1/calls?filter[status][in]=ended,error&sort=started_at", []int64{c.calls[4], c.calls[3], c.calls[2], c.calls[1]}, 4},
			{"calls by duration", "/api/v1/calls?filter[duration_ms][gte]=120000&filter[successful]=true", []int64{c.calls[0], c.calls[2]}, 2},
			{"calls by number", "/api/v1/calls?filter[from_number][like]=%2B4930%251&per_page=1", []int64{c.calls[0]}, 2},
			{"calls by time", "/api/v1/calls?filter[started_at][gte]=2025-03-01T10:00:00Z&filter[started_at][lt]=2025-03-01T12:00:00Z",
				[]int64{c.calls[2], c.calls[3]}, 2},
			{"calls page 2", "/api/v1/calls?per_page=2&page=2&sort=-id", []int64{c.calls[2], c.calls[3]}, 5},
			{"calls page past the end", "/api/v1/calls?per_page=2&page=9", []int64{}, 5},
			{"appointments booked", "/api/v1/appointments?filter[status]=booked&sort=starts_at", []int64{c.appointments[3], c.appointments[1]}, 2},
			{"appointments from a day", "/api/v1/appointments?filter[starts_at][gte]=2025-03-03&per_page=1", []int64{c.appointments[0]}, 2},
			{"customers by name", "/api/v1/customers?filter[name][like]=Kunde+a%25&sort=phone_number&per_page=2", []int64{c.customers[2], c.customers[1]}, 3},
			{"customers by number", "/api/v1/customers?filter[phone_number]=%2B493010000001", []int64{c.customers[1]}, 1},
			{"events by type", "/api/v1/webhook-events?filter[event_type]=charge.failed&filter[provider][ne]=retell&sort=id&per_page=2&page=2",
				[]int64{c.events[0]}, 3},
		}
		for _, tt := range tests {
			r := get(t, h, c.id, tt.path)
			require.Equal(t, http.StatusOK, r.status, "%s: %s", tt.name, r.raw)
			assert.Equal(t, tt.want, r.ids(t), tt.name)
			assert.Equal(t, tt.total, r.meta(t)["total"], tt.name)
		}
		r := get(t, h, c.id, "/api/v1/calls?per_page=500")
		assert.Equal(t, 100.0, r.meta(t)["per_page"], "per_page is capped")
	})
}

// TestCompanyIsolation: company a's context never sees b's rows, by any
// list, filter, sort, page or id.
func TestCompanyIsolation(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, h http.Handler, b testBundle) {
		for _, res := range resources {
			theirs := b.b.of(res)
			var seen []int64
			for page := 1; page <= 4; page++ {
				r := get(t, h, b.a.id, fmt.Sprintf("/api/v1/%s?per_page=1&page=%d&sort=id", res, page))
				require.Equal(t, http.StatusOK, r.status, r.raw)
				seen = append(seen, r.ids(t)...)
				assert.Equal(t, float64(len(b.a.of(res))), r.meta(t)["total"], "%s: the total counts a's rows only", res)
			}
			for _, path := range []string{
				fmt.Sprintf("/api/v1/%s?filter[id]=%d", res, theirs[0]),
				fmt.Sprintf("/api/v1/%s?filter[id][in]=%d,%d,%d", res, theirs[0], theirs[1], theirs[2]),
				fmt.Sprintf("/api/v1/%s?filter[id][gte]=%d&sort=-id", res, theirs[len(theirs)-1]),
				fmt.Sprintf("/api/v1/%s?filter[created_at][gte]=2000-01-01&per_page=100", res),
			} {
				r := get(t, h, b.a.id, path)
				require.Equal(t, http.StatusOK, r.status, r.raw)
				seen = append(seen, r.ids(t)...)
			}
			for _, id := range theirs {
				assert.NotContains(t, seen, id, "%s: a saw b's row", res)
				r := get(t, h, b.a.id, fmt.Sprintf("/api/v1/%s/%d", res, id))
				assert.Equal(t, http.StatusNotFound, r.status, r.raw)
				code, _ := r.errorOf(t)
				assert.Equal(t, api.CodeNotFound, code)
			}
			for _, path := range []string{
				fmt.Sprintf("/api/v1/%s?filter[company_id]=%d", res, b.b.id),
				fmt.Sprintf("/api/v1/%s?filter[company_id][in]=%d,%d", res, b.a.id, b.b.id),
				fmt.Sprintf("/api/v1/%s?sort=-company_id", res),
			} {
				r := get(t, h, b.a.id, path)
				assert.Equal(t, http.StatusBadRequest, r.status, r.raw)
				code, msg := r.errorOf(t)
				assert.Equal(t, query.CodeUnknownColumn, code, path)
				assert.Contains(t, msg, `"company_id"`)
			}
			r := get(t, h, b.b.id, "/api/v1/"+res)
			assert.Equal(t, b.b.of(res), r.ids(t), "b sees its own")

			r = get(t, h, 0, "/api/v1/"+res)
			assert.Equal(t, http.StatusBadRequest, r.status)
			code, msg := r.errorOf(t)
			assert.Equal(t, api.CodeTenantRequired, code)
			assert.Contains(t, msg, "X-Company-ID")
			r = get(t, h, 0, fmt.Sprintf("/api/v1/%s/%d", res, b.a.of(res)[0]))
			assert.Equal(t, http.StatusBadRequest, r.status)
		}
	})
}

// TestInjections sends the corpus to GET /api/v1/calls: each is a 400
// naming something, or a 200 of a's rows only; no table changes.
func TestInjections(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, h http.Handler, b testBundle) {
		before := checksum(t, b.pool.DB())
		corpus := querytest.Injections()
		require.GreaterOrEqual(t, len(corpus), 40)
		for _, a := range corpus {
			r := get(t, h, b.a.id, "/api/v1/calls?"+a.Raw)
			switch r.status {
			case http.StatusBadRequest:
				code, msg := r.errorOf(t)
				assert.NotEqual(t, api.CodeInternal, code, a.Name)
				for _, c := range msg {
					assert.True(t, c >= 0x20 && c < 0x7f, "%s: message %q holds %q", a.Name, msg, c)
				}
			case http.StatusOK:
				for _, row := range r.rows(t) {
					assert.Equal(t, float64(b.a.id), row["company_id"], a.Name)
				}
				// A value compared with = or in matches nothing: no call
				// has such a status or number.
				q, err := query.Parse(store.CallSchema(), a.Values(t))
				require.NoError(t, err, a.Name)
				if fs := q.Filters(); len(fs) == 1 && (fs[0].Op == query.Eq || fs[0].Op == query.In) {
					assert.Empty(t, r.ids(t), "%s: a bound value matches nothing", a.Name)
				}
			default:
				t.Errorf("%s: status %d: %s", a.Name, r.status, r.raw)
			}
		}
		// The wildcard attempts match as patterns, never as SQL.
		r := get(t, h, b.a.id, "/api/v1/calls?filter[to_number][like]=%25")
		assert.Equal(t, b.a.calls, r.ids(t), "% matches every number of a, and only a's")
		r = get(t, h, b.a.id, `/api/v1/calls?filter[to_number][like]=\%25`)
		assert.Empty(t, r.ids(t), `\% is a literal percent sign`)
		assert.Equal(t, before, checksum(t, b.pool.DB()), "the database is unchanged")
	})
}

func TestErrorsNameTheOffender(t *testing.T) {
	t.Parallel()
	eachDialect(t, testErrorsNameTheOffender)
}

func testErrorsNameTheOffender(t *testing.T, h http.Handler, b testBundle) {
	tests := []struct {
		path, code, inMsg string
		status            int
	}{
		{"/api/v1/calls?filter[nope][eq]=1", query.CodeUnknownColumn, `"nope"`, 400},
		{"/api/v1/calls?filter[status][%3D%3D]=x", query.CodeUnknownOperator, `"=="`, 400},
		{"/api/v1/calls?filter[status][=]=ended", query.CodeInvalidParameter, "%3D", 400},
		{"/api/v1/calls?filter[duration_ms][gt]=soon", query.CodeInvalidValue, `"soon"`, 400},
		{"/api/v1/calls?fliter[status]=x", query.CodeUnknownParameter, `"fliter[status]"`, 400},
		{"/api/v1/calls?filter[status]=%zz", query.CodeInvalidParameter, "%25", 400},
		{"/api/v1/calls?page=101&per_page=100", query.CodePageOutOfRange, "narrow the filter", 400},
		{"/api/v1/customers?sort=name", query.CodeNotSortable, "name", 400},
		{"/api/v1/calls/abc", api.CodeInvalidID, `"abc"`, 400},
		{"/api/v1/calls/0", api.CodeInvalidID, `"0"`, 400},
		{"/api/v1/calls/1?filter[status]=x", query.CodeUnknownParameter, `"filter[status]"`, 400},
		{"/api/v1/calls/999999", api.CodeNotFound, "999999", 404},
		{"/api/v1/nothing", api.CodeNotFound, "no such endpoint", 404},
	}
	for _, tt := range tests {
		r := get(t, h, b.a.id, tt.path)
		assert.Equal(t, tt.status, r.status, "%s: %s", tt.path, r.raw)
		code, msg := r.errorOf(t)
		assert.Equal(t, tt.code, code, tt.path)
		assert.Contains(t, msg, tt.inMsg, tt.path)
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	eachDialect(t, testInternalErrorsDoNotLeak)
}

func testInternalErrorsDoNotLeak(t *testing.T, h http.Handler, b testBundle) {
	_, err := b.pool.Writer().Exec("DROP TABLE appointments")
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/appointments?filter[status]=booked", nil)
	req.Header.Set("X-Correlation-ID", "corr-123")
	req = req.WithContext(tenantCtx(req, b.a.id))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.JSONEq(t, `{"error":{"code":"internal","message":"internal error (correlation id corr-123)"}}`, rec.Body.String())
	assert.Contains(t, b.logs.String(), "appointments", "the cause is logged")
	assert.Contains(t, b.logs.String(), `"route":"GET /api/v1/appointments"`)
}

func TestNew(t *testing.T) {
	t.Parallel()
	_, err := api.New(api.Config{})
	assert.ErrorContains(t, err, "Store")
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	api.WriteError(rec, http.StatusTooManyRequests, "rate_limited", "slow down")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":{"code":"rate_limited","message":"slow down"}}`, rec.Body.String())
}
