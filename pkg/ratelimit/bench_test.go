package ratelimit_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/tenant"
)

// benchMiddleware measures the cost the API's two rules (per address,
// per key) add to a request that is allowed, against a handler that does
// nothing: the added per-request cost. Keys rotate over 1,000 clients, so
// no bucket runs dry.
func benchMiddleware(b *testing.B, lim ratelimit.Limiter) {
	m := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{
		{Name: "api_per_ip", Limit: ratelimit.Limit{Rate: 1_000_000, Period: time.Second}, Key: ratelimit.ByClientIP(nil)},
		{Name: "api_per_key", Limit: ratelimit.Limit{Rate: 1_000_000, Period: time.Second}, Key: ratelimit.ByAPIKey()},
	}})
	h := m.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	const clients = 1000
	reqs := make([]*http.Request, clients)
	for i := range reqs {
		r := httptest.NewRequest("GET", "/api/v1/calls", nil)
		r.RemoteAddr = "198.51." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + ":4000"
		reqs[i] = r.WithContext(tenant.WithPrincipal(r.Context(), tenant.Principal{KeyID: int64(i + 1), CompanyID: 1}))
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := httptest.NewRecorder()
		i := 0
		for pb.Next() {
			clear(w.Header())
			h.ServeHTTP(w, reqs[i%clients])
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
			i++
		}
	})
}

func BenchmarkMiddlewareLocal(b *testing.B) {
	benchMiddleware(b, ratelimit.NewLocal(ratelimit.LocalConfig{}))
}

// BenchmarkMiddlewareRedis: two GCRA scripts (one round trip each) per
// request on the test Redis.
func BenchmarkMiddlewareRedis(b *testing.B) {
	benchMiddleware(b, newRedisLimiter(b))
}
