package ratelimit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/tenant"
)

// testBundle holds what a middleware test inspects besides the handler.
type testBundle struct {
	reg    *prometheus.Registry
	logs   *bytes.Buffer
	clock  *clock
	served int // requests that reached the inner handler
}

// limiters are the two Limiter implementations every middleware test runs
// against.
var limiters = []struct {
	name string
	new  func(t *testing.T, clk *clock) ratelimit.Limiter
}{
	{"local", func(t *testing.T, clk *clock) ratelimit.Limiter {
		return ratelimit.NewLocal(ratelimit.LocalConfig{Now: clk.Now})
	}},
	{"redis", func(t *testing.T, clk *clock) ratelimit.Limiter { return newRedisLimiter(t) }},
}

// setup returns a handler behind a middleware with cfg's rules on limiter
// (cfg.Limiter, if set, wins). A request header X-Test-Key: <id> stands
// for an authenticated API key (tenant.WithPrincipal), as the API's
// authentication would put it in the context before the middleware runs.
func setup(t *testing.T, limiter func(t *testing.T, clk *clock) ratelimit.Limiter, cfg ratelimit.MiddlewareConfig) (http.Handler, *testBundle) {
	t.Helper()
	b := &testBundle{reg: prometheus.NewRegistry(), logs: &bytes.Buffer{}, clock: newClock()}
	if cfg.Limiter == nil {
		cfg.Limiter = limiter(t, b.clock)
	}
	metrics, err := ratelimit.NewMetrics(b.reg)
	require.NoError(t, err)
	cfg.Metrics = metrics
	cfg.Logger = slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.Now = b.clock.Now
	m, err := ratelimit.NewMiddleware(cfg)
	require.NoError(t, err)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.served++
		w.WriteHeader(http.StatusOK)
	})
	h := m.Wrap(inner)
	return authenticate(h), b
}

func authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("X-Test-Key"); v != "" {
			id, _ := strconv.ParseInt(v, 10, 64)
			r = r.WithContext(tenant.WithPrincipal(r.Context(), tenant.Principal{KeyID: id, CompanyID: 7}))
		}
		next.ServeHTTP(w, r)
	})
}

type req struct {
	remote string
	key    string
	xff    string
}

func do(h http.Handler, q req) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/api/v1/calls", nil)
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	if q.key != "" {
		r.Header.Set("X-Test-Key", q.key)
	}
	if q.xff != "" {
		r.Header.Set("X-Forwarded-For", q.xff)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func counter(t *testing.T, reg *prometheus.Registry, rule, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "askproai_ratelimit_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["rule"] == rule && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no askproai_ratelimit_requests_total{rule=%q,outcome=%q}", rule, outcome)
	return 0
}

var hourly3 = ratelimit.Limit{Rate: 3, Period: time.Hour, Burst: 3}

func TestMiddleware_LimitThen429(t *testing.T) {
	t.Parallel()
	for _, lt := range limiters {
		t.Run(lt.name, func(t *testing.T) {
			t.Parallel()
			h, b := setup(t, lt.new, ratelimit.MiddlewareConfig{Rules: []ratelimit.Rule{
				{Name: "api_per_ip", Limit: hourly3, Key: ratelimit.ByClientIP(nil)},
			}})
			client := req{remote: "198.51.100.7:4000"}
			for want := 2; want >= 0; want-- {
				w := do(h, client)
				require.Equal(t, http.StatusOK, w.Code)
				assert.Equal(t, "3", w.Header().Get("RateLimit-Limit"))
				assert.Equal(t, strconv.Itoa(want), w.Header().Get("RateLimit-Remaining"))
				reset, err := strconv.Atoi(w.Header().Get("RateLimit-Reset"))
				require.NoError(t, err)
				assert.InDelta(t, (3-want)*1200, reset, 1, "seconds until the bucket is full again")
				assert.Empty(t, w.Header().Get("Retry-After"))
			}

			w := do(h, client)
			require.Equal(t, http.StatusTooManyRequests, w.Code)
			retry, err := strconv.Atoi(w.Header().Get("Retry-After"))
			require.NoError(t, err, "Retry-After is whole seconds")
			assert.InDelta(t, 1200, retry, 1, "one request refills every 20 minutes")
			assert.Equal(t, w.Header().Get("Retry-After"), w.Header().Get("RateLimit-Reset"))
			assert.Equal(t, "0", w.Header().Get("RateLimit-Remaining"))
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Equal(t, "rate_limited", body.Error.Code)
			assert.Contains(t, body.Error.Message, "retry in "+w.Header().Get("Retry-After")+"s")
			assert.Equal(t, 3, b.served, "the refused request never reaches the handler")

			assert.Equal(t, http.StatusOK, do(h, req{remote: "198.51.100.8:4000"}).Code, "another address has its own budget")
			assert.Equal(t, 4.0, counter(t, b.reg, "api_per_ip", "allowed"))
			assert.Equal(t, 1.0, counter(t, b.reg, "api_per_ip", "limited"))
			assert.Equal(t, 0.0, counter(t, b.reg, "api_per_ip", "error"))
		})
	}
}

// TestMiddleware_PerKeyAndPerIP: keys behind one address have their own
// budgets, and the address's budget bounds them all.
func TestMiddleware_PerKeyAndPerIP(t *testing.T) {
	t.Parallel()
	for _, lt := range limiters {
		t.Run(lt.name, func(t *testing.T) {
			t.Parallel()
			h, b := setup(t, lt.new, ratelimit.MiddlewareConfig{Rules: []ratelimit.Rule{
				{Name: "api_per_ip", Limit: ratelimit.Limit{Rate: 6, Period: time.Hour}, Key: ratelimit.ByClientIP(nil)},
				{Name: "api_per_key", Limit: ratelimit.Limit{Rate: 2, Period: time.Hour}, Key: ratelimit.ByAPIKey()},
			}})
			office := "203.0.113.50:1000"
			codes := func(q req, n int) []int {
				var out []int
				for i := 0; i < n; i++ {
					out = append(out, do(h, q).Code)
				}
				return out
			}
			assert.Equal(t, []int{200, 200, 429}, codes(req{remote: office, key: "1"}, 3), "key 1: its own limit of 2 (the address has 3 of 6 left)")
			w := do(h, req{remote: office, key: "2"})
			assert.Equal(t, 200, w.Code, "key 2 from the same office has its own budget")
			assert.Equal(t, "2", w.Header().Get("RateLimit-Limit"), "headers show the tighter rule (key: 1 of 2 left, address: 2 of 6)")
			assert.Equal(t, "1", w.Header().Get("RateLimit-Remaining"))
			assert.Equal(t, []int{200, 429}, codes(req{remote: office, key: "2"}, 2), "key 2 used up; the address too (its refused request counted against the address)")
			assert.Equal(t, []int{429}, codes(req{remote: office, key: "3"}, 1), "a fresh key behind an exhausted address is refused")
			assert.Equal(t, []int{429}, codes(req{remote: office}, 1), "and so is a request without a key")
			assert.Equal(t, []int{200, 200}, codes(req{remote: "198.51.100.1:1", key: "3"}, 2), "key 3 from elsewhere")
			assert.Equal(t, 6, b.served)
			assert.Equal(t, 2.0, counter(t, b.reg, "api_per_ip", "limited"))
			assert.Equal(t, 2.0, counter(t, b.reg, "api_per_key", "limited"))
		})
	}
}

// TestMiddleware_TrustedProxies: behind a trusted proxy each client has its
// own budget; from an untrusted peer a spoofed X-Forwarded-For changes
// nothing.
func TestMiddleware_TrustedProxies(t *testing.T) {
	t.Parallel()
	for _, lt := range limiters {
		t.Run(lt.name, func(t *testing.T) {
			t.Parallel()
			trusted, err := ratelimit.ParsePrefixes([]string{"10.0.0.0/8"})
			require.NoError(t, err)
			one := ratelimit.Limit{Rate: 1, Period: time.Hour}
			h, _ := setup(t, lt.new, ratelimit.MiddlewareConfig{Rules: []ratelimit.Rule{
				{Name: "api_per_ip", Limit: one, Key: ratelimit.ByClientIP(trusted)},
			}})
			proxy := "10.0.0.2:443"
			assert.Equal(t, 200, do(h, req{remote: proxy, xff: "198.51.100.1"}).Code)
			assert.Equal(t, 200, do(h, req{remote: proxy, xff: "198.51.100.2"}).Code, "another client behind the proxy")
			assert.Equal(t, 429, do(h, req{remote: proxy, xff: "198.51.100.1"}).Code, "the first client again")
			assert.Equal(t, 429, do(h, req{remote: proxy, xff: "203.0.113.77, 198.51.100.1"}).Code,
				"a client-written hop left of the proxy's entry does not reset the budget")

			attacker := "192.0.2.66:5000"
			assert.Equal(t, 200, do(h, req{remote: attacker, xff: "1.1.1.1"}).Code)
			for i := 0; i < 5; i++ {
				assert.Equal(t, 429, do(h, req{remote: attacker, xff: "1.1.1." + strconv.Itoa(i+2)}).Code,
					"an untrusted peer rotating X-Forwarded-For stays one client")
			}
			assert.Equal(t, 200, do(h, req{remote: proxy, xff: "192.0.2.67"}).Code, "a real client's budget is not spent by a spoofer")
		})
	}
}

func TestMiddleware_IPv6ByPrefix(t *testing.T) {
	t.Parallel()
	h, _ := setup(t, limiters[0].new, ratelimit.MiddlewareConfig{Rules: []ratelimit.Rule{
		{Name: "api_per_ip", Limit: ratelimit.Limit{Rate: 2, Period: time.Hour}, Key: ratelimit.ByClientIP(nil)},
	}})
	assert.Equal(t, 200, do(h, req{remote: "[2001:db8:1:2::1]:1"}).Code)
	assert.Equal(t, 200, do(h, req{remote: "[2001:db8:1:2:ffff::9]:1"}).Code)
	assert.Equal(t, 429, do(h, req{remote: "[2001:db8:1:2:abcd::7]:1"}).Code, "one /64 is one client")
	assert.Equal(t, 200, do(h, req{remote: "[2001:db8:1:3::1]:1"}).Code, "the next /64 is another")
}

func TestMiddleware_RetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit ratelimit.Limit
		want  string
	}{
		{ratelimit.Limit{Rate: 4, Period: time.Second, Burst: 1}, "1"},             // 250ms
		{ratelimit.Limit{Rate: 2, Period: 3 * time.Second, Burst: 1}, "2"},         // 1.5s
		{ratelimit.Limit{Rate: 1, Period: 90 * time.Second, Burst: 1}, "90"},       // 90s
		{ratelimit.Limit{Rate: 1000, Period: time.Second, Burst: 1}, "1"},          // 1ms: at least 1
		{ratelimit.Limit{Rate: 10, Period: 25 * time.Second, Burst: 3}, "3"},       // 2.5s
		{ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}, "3600"},            // 1h
		{ratelimit.Limit{Rate: 3, Period: 10 * time.Second, Burst: 1}, "4"},        // 3.33s
		{ratelimit.Limit{Rate: 7, Period: 7 * time.Second, Burst: 7}, "1"},         // 1s exactly
		{ratelimit.Limit{Rate: 1, Period: 1001 * time.Millisecond, Burst: 1}, "2"}, // 1.001s
	}
	for _, tt := range tests {
		t.Run(tt.limit.String(), func(t *testing.T) {
			t.Parallel()
			h, _ := setup(t, limiters[0].new, ratelimit.MiddlewareConfig{Rules: []ratelimit.Rule{
				{Name: "r", Limit: tt.limit, Key: ratelimit.ByClientIP(nil)},
			}})
			for i := 0; i < tt.limit.Burst; i++ {
				require.Equal(t, 200, do(h, req{}).Code)
			}
			w := do(h, req{})
			require.Equal(t, 429, w.Code)
			assert.Equal(t, tt.want, w.Header().Get("Retry-After"))
		})
	}
}

func TestMiddleware_OnLimited(t *testing.T) {
	t.Parallel()
	var got ratelimit.Denied
	h, _ := setup(t, limiters[0].new, ratelimit.MiddlewareConfig{
		Rules: []ratelimit.Rule{{Name: "webhooks_per_ip", Limit: ratelimit.Limit{Rate: 1, Period: time.Minute}, Key: ratelimit.ByClientIP(nil)}},
		OnLimited: func(w http.ResponseWriter, r *http.Request, d ratelimit.Denied) {
			got = d
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("slow down"))
		},
	})
	require.Equal(t, 200, do(h, req{}).Code)
	w := do(h, req{})
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "slow down", w.Body.String())
	assert.Equal(t, "60", w.Header().Get("Retry-After"), "headers are set before the hook")
	assert.Equal(t, "webhooks_per_ip", got.Rule)
	assert.False(t, got.Result.Allowed)
	assert.Equal(t, 60, got.RetryAfterSeconds())
}

// TestMiddleware_FailsOpen: with Redis unreachable every request is served,
// each failure counted, and one warning logged per LogInterval.
func TestMiddleware_FailsOpen(t *testing.T) {
	t.Parallel()
	client, _ := deadRedis(t)
	lim, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: client, Backoff: -1})
	require.NoError(t, err)
	h, b := setup(t, nil, ratelimit.MiddlewareConfig{
		Limiter:     lim,
		LogInterval: time.Minute,
		Rules: []ratelimit.Rule{
			{Name: "api_per_ip", Limit: ratelimit.Limit{Rate: 1, Period: time.Hour}, Key: ratelimit.ByClientIP(nil)},
			{Name: "api_per_key", Limit: ratelimit.Limit{Rate: 1, Period: time.Hour}, Key: ratelimit.ByAPIKey()},
		},
	})
	for i := 0; i < 5; i++ {
		w := do(h, req{key: "1"})
		require.Equal(t, http.StatusOK, w.Code, "a limiter outage never refuses a request")
		assert.Empty(t, w.Header().Get("RateLimit-Remaining"), "no rule answered, so no RateLimit headers")
	}
	assert.Equal(t, 5, b.served)
	assert.Equal(t, 5.0, counter(t, b.reg, "api_per_ip", "error"))
	assert.Equal(t, 5.0, counter(t, b.reg, "api_per_key", "error"))
	assert.Equal(t, 0.0, counter(t, b.reg, "api_per_ip", "limited"))
	assert.Equal(t, 1, strings.Count(b.logs.String(), "ratelimit: limiter failed"), "one warning per interval, not per request:\n%s", b.logs)
	assert.Contains(t, b.logs.String(), "connection refused")

	b.clock.Advance(time.Minute)
	require.Equal(t, http.StatusOK, do(h, req{}).Code)
	assert.Equal(t, 2, strings.Count(b.logs.String(), "ratelimit: limiter failed"), "the next interval warns again")
}

// TestMiddleware_GoneClientIsNotAFailure: a request whose context is done
// is served to its handler (which sees the cancellation) and not counted
// as a limiter failure.
func TestMiddleware_GoneClientIsNotAFailure(t *testing.T) {
	t.Parallel()
	client, _ := deadRedis(t)
	lim, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: client, Backoff: -1})
	require.NoError(t, err)
	h, b := setup(t, nil, ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{
		{Name: "api_per_ip", Limit: ratelimit.PerSecond(1), Key: ratelimit.ByClientIP(nil)},
	}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, 1, b.served)
	assert.Equal(t, 0.0, counter(t, b.reg, "api_per_ip", "error"))
	assert.Empty(t, b.logs.String())
}

// TestMiddleware_Stacked: limit by address before authentication and by
// key after it; the headers show the tighter of the two.
func TestMiddleware_Stacked(t *testing.T) {
	t.Parallel()
	lim := ratelimit.NewLocal(ratelimit.LocalConfig{})
	perIP := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{
		{Name: "api_per_ip", Limit: ratelimit.Limit{Rate: 3, Period: time.Hour}, Key: ratelimit.ByClientIP(nil)},
	}})
	perKey := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{
		{Name: "api_per_key", Limit: ratelimit.Limit{Rate: 10, Period: time.Hour}, Key: ratelimit.ByAPIKey()},
	}})
	h := perIP.Wrap(authenticate(perKey.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))))

	w := do(h, req{key: "1"})
	require.Equal(t, 200, w.Code)
	assert.Equal(t, "3", w.Header().Get("RateLimit-Limit"), "the address rule (2 left) is tighter than the key rule (9 left)")
	assert.Equal(t, "2", w.Header().Get("RateLimit-Remaining"))
	do(h, req{key: "1"})
	do(h, req{key: "1"})
	w = do(h, req{key: "1"})
	assert.Equal(t, 429, w.Code, "the outer address rule refuses before authentication")
}

func TestNewMiddleware_Errors(t *testing.T) {
	t.Parallel()
	lim := ratelimit.NewLocal(ratelimit.LocalConfig{})
	key := ratelimit.ByClientIP(nil)
	ok := ratelimit.PerSecond(1)
	tests := []struct {
		name string
		cfg  ratelimit.MiddlewareConfig
		is   error
		says string
	}{
		{"no limiter", ratelimit.MiddlewareConfig{Rules: []ratelimit.Rule{{Name: "a", Limit: ok, Key: key}}}, ratelimit.ErrNoLimiter, "no limiter"},
		{"no rules", ratelimit.MiddlewareConfig{Limiter: lim}, nil, "no rules"},
		{"no name", ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{{Limit: ok, Key: key}}}, nil, "no Name"},
		{"no key", ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{{Name: "a", Limit: ok}}}, nil, `"a" has no Key`},
		{"duplicate", ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{{Name: "a", Limit: ok, Key: key}, {Name: "a", Limit: ok, Key: key}}}, nil, `"a" given twice`},
		{"zero limit", ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{{Name: "a", Key: key}}}, ratelimit.ErrInvalidLimit, `rule "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ratelimit.NewMiddleware(tt.cfg)
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.says)
			assert.Panics(t, func() { ratelimit.MustMiddleware(tt.cfg) })
		})
	}

}

// TestMetrics_Shared: one Metrics serves several middlewares, and is
// registered once.
func TestMetrics_Shared(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics, err := ratelimit.NewMetrics(reg)
	require.NoError(t, err)
	_, err = ratelimit.NewMetrics(reg)
	assert.ErrorContains(t, err, "register metrics", "registering twice fails")

	lim := ratelimit.NewLocal(ratelimit.LocalConfig{})
	api := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Metrics: metrics, Rules: []ratelimit.Rule{
		{Name: "api_per_ip", Limit: ratelimit.Limit{Rate: 1, Period: time.Hour}, Key: ratelimit.ByClientIP(nil)},
	}})
	hooks := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Metrics: metrics, Rules: []ratelimit.Rule{
		{Name: "webhooks_per_ip", Limit: ratelimit.Limit{Rate: 1, Period: time.Hour}, Key: ratelimit.ByClientIP(nil)},
	}})
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	do(api.Wrap(nop), req{})
	do(api.Wrap(nop), req{})
	do(hooks.Wrap(nop), req{})
	assert.Equal(t, 1.0, counter(t, reg, "api_per_ip", "allowed"))
	assert.Equal(t, 1.0, counter(t, reg, "api_per_ip", "limited"))
	assert.Equal(t, 1.0, counter(t, reg, "webhooks_per_ip", "allowed"), "a separate rule, a separate bucket")
}
