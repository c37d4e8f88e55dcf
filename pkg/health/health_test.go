package health_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/health"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixed(r health.Result) health.CheckFunc {
	return func(context.Context) health.Result { return r }
}

func TestCheckerStatusIsTheWorst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		results []health.Result
		want    health.Status
	}{
		{"no checks", nil, health.StatusHealthy},
		{"all healthy", []health.Result{health.Healthy("a", nil), health.Healthy("b", nil)}, health.StatusHealthy},
		{"one degraded", []health.Result{health.Healthy("a", nil), health.Degraded("b", nil)}, health.StatusDegraded},
		{"unhealthy wins", []health.Result{health.Degraded("a", nil), health.Unhealthy("b", nil), health.Healthy("c", nil)}, health.StatusUnhealthy},
		{"a forgotten status is unhealthy", []health.Result{{Message: "oops"}}, health.StatusUnhealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var checks []health.Check
			for i, r := range tt.results {
				checks = append(checks, health.Check{Name: string(rune('a' + i)), Run: fixed(r)})
			}
			c, err := health.New(health.Config{Checks: checks, Version: "v1", Environment: "test"})
			require.NoError(t, err)
			rep := c.Run(context.Background())
			assert.Equal(t, tt.want, rep.Status)
			assert.Equal(t, tt.want != health.StatusUnhealthy, rep.Healthy())
			assert.Len(t, rep.Checks, len(tt.results))
			assert.Equal(t, "v1", rep.Version)
			assert.Equal(t, "test", rep.Environment)
		})
	}
}

// The checks run concurrently, and one that hangs is cut at its own
// timeout without holding up the report.
func TestCheckerRunsConcurrentlyWithTimeouts(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	var started atomic.Int32
	both := make(chan struct{})
	waitBoth := func(ctx context.Context) health.Result {
		if started.Add(1) == 2 {
			close(both)
		}
		select {
		case <-both: // only reached if the other check runs at the same time
			return health.Healthy("together", nil)
		case <-ctx.Done():
			return health.Unhealthy("alone", nil)
		}
	}
	hang := func(context.Context) health.Result { <-release; return health.Healthy("late", nil) }
	c, err := health.New(health.Config{Timeout: 5 * time.Second, Checks: []health.Check{
		{Name: "a", Run: waitBoth}, {Name: "b", Run: waitBoth},
		{Name: "hang", Run: hang, Timeout: 50 * time.Millisecond},
		{Name: "panics", Run: func(context.Context) health.Result { panic("boom") }},
	}})
	require.NoError(t, err)
	start := time.Now()
	rep := c.Run(context.Background())
	assert.Less(t, time.Since(start), 4*time.Second, "the hanging check did not hold the report")
	assert.Equal(t, health.StatusHealthy, rep.Checks["a"].Status, rep.Checks["a"].Message)
	assert.Equal(t, health.StatusHealthy, rep.Checks["b"].Status)
	assert.Equal(t, health.StatusUnhealthy, rep.Checks["hang"].Status)
	assert.Contains(t, rep.Checks["hang"].Message, "timed out after 50ms")
	assert.GreaterOrEqual(t, rep.Checks["hang"].DurationMS, 50.0)
	assert.Equal(t, health.StatusUnhealthy, rep.Checks["panics"].Status)
	assert.Contains(t, rep.Checks["panics"].Message, "boom")
	assert.Equal(t, health.StatusUnhealthy, rep.Status)
}

func TestNewRefusesBadChecks(t *testing.T) {
	t.Parallel()
	ok := fixed(health.Healthy("", nil))
	for name, cfg := range map[string]health.Config{
		"no name":          {Checks: []health.Check{{Run: ok}}},
		"no run":           {Checks: []health.Check{{Name: "x"}}},
		"duplicate":        {Checks: []health.Check{{Name: "x", Run: ok}, {Name: "x", Run: ok}}},
		"negative timeout": {Timeout: -time.Second},
		"negative check":   {Checks: []health.Check{{Name: "x", Run: ok, Timeout: -1}}},
	} {
		_, err := health.New(cfg)
		assert.Error(t, err, name)
	}
}

func TestHandlerTokenAndStatusCodes(t *testing.T) {
	t.Parallel()
	var status atomic.Value
	status.Store(health.StatusHealthy)
	c, err := health.New(health.Config{
		Version: "v9", Environment: "prod",
		Checks: []health.Check{{Name: "database", Run: func(context.Context) health.Result {
			return health.Result{Status: status.Load().(health.Status), Message: "db.internal:3306 says hi", Details: map[string]any{"host": "db.internal"}}
		}}},
		Metrics: health.NewProcessMetrics(health.ProcessMetricsOpts{Start: time.Now().Add(-time.Minute)}),
	})
	require.NoError(t, err)
	srv := httptest.NewServer(health.Handler(c, health.HandlerOpts{Token: "s3cret"}))
	t.Cleanup(srv.Close)

	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		return resp.StatusCode, string(b)
	}

	code, body := get("")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"healthy","timestamp":`+timestampOf(t, body)+`,"checks":{"database":{"status":"healthy"}}}`, body,
		"without the token: names and statuses only")
	assert.NotContains(t, body, "db.internal")
	_, body = get("wrong")
	assert.NotContains(t, body, "db.internal", "a wrong token is no token")

	code, body = get("s3cret")
	assert.Equal(t, http.StatusOK, code)
	var rep health.Report
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	assert.Equal(t, "db.internal:3306 says hi", rep.Checks["database"].Message)
	assert.Equal(t, "db.internal", rep.Checks["database"].Details["host"])
	assert.Equal(t, "v9", rep.Version)
	assert.Equal(t, "prod", rep.Environment)
	require.NotNil(t, rep.Metrics)
	assert.GreaterOrEqual(t, rep.Metrics.UptimeSeconds, 60.0)
	assert.Positive(t, rep.Metrics.Goroutines)
	assert.Positive(t, rep.Metrics.Memory.SysBytes)
	require.NotNil(t, rep.Metrics.CPU, "CPU time is measured on linux")
	assert.Positive(t, rep.Metrics.CPU.TotalSeconds)

	status.Store(health.StatusDegraded)
	code, _ = get("")
	assert.Equal(t, http.StatusOK, code, "degraded still answers 200")
	status.Store(health.StatusUnhealthy)
	code, body = get("")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, `"unhealthy"`)
}

func timestampOf(t *testing.T, body string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	return string(m["timestamp"])
}

func TestMonitorKeepsTheLastResult(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	var calls atomic.Int32
	m := health.NewMonitor(func(context.Context) error {
		calls.Add(1)
		if fail.Load() {
			return io.ErrUnexpectedEOF
		}
		return nil
	}, 10*time.Millisecond, 0)
	assert.ErrorIs(t, m.Err(), health.ErrNotChecked)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	require.Eventually(t, func() bool { return m.Err() == nil }, 5*time.Second, time.Millisecond)
	fail.Store(true)
	require.Eventually(t, func() bool { return m.Err() != nil }, 5*time.Second, time.Millisecond, "a failure is seen within an interval")
	assert.ErrorIs(t, m.Err(), io.ErrUnexpectedEOF)
	fail.Store(false)
	require.Eventually(t, func() bool { return m.Err() == nil }, 5*time.Second, time.Millisecond, "and the recovery")
	cancel()
	<-done
	n := calls.Load()
	assert.False(t, m.LastCheck().IsZero())
	assert.Equal(t, n, calls.Load(), "no probe after Run returned")
}

func TestCheckerLogsChangesOnly(t *testing.T) {
	t.Parallel()
	var buf syncBuf
	var status atomic.Value
	status.Store(health.StatusDegraded)
	c, err := health.New(health.Config{Logger: slog.New(slog.NewTextHandler(&buf, nil)), Checks: []health.Check{
		{Name: "calcom", Run: func(context.Context) health.Result {
			return health.Result{Status: status.Load().(health.Status), Message: "down"}
		}},
	}})
	require.NoError(t, err)
	for range 3 {
		c.Run(context.Background())
	}
	assert.Equal(t, 1, strings.Count(buf.String(), "health: check degraded"), buf.String())
	status.Store(health.StatusHealthy)
	c.Run(context.Background())
	c.Run(context.Background())
	assert.Equal(t, 1, strings.Count(buf.String(), "health: check healthy again"), buf.String())
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestHandlerSharesARunInFlight: probes arriving while a run is in flight
// share its report instead of running the checks again.
func TestHandlerSharesARunInFlight(t *testing.T) {
	t.Parallel()
	var runs, entered atomic.Int32
	gate := make(chan struct{})
	c, err := health.New(health.Config{Checks: []health.Check{{Name: "slow", Run: func(ctx context.Context) health.Result {
		runs.Add(1)
		<-gate
		return health.Healthy("", nil)
	}}}})
	require.NoError(t, err)
	h := health.Handler(c, health.HandlerOpts{})
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			entered.Add(1)
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
			codes[i] = rec.Code
		})
	}
	// Every request has arrived while the one run waits at the gate.
	require.Eventually(t, func() bool { return runs.Load() == 1 && entered.Load() == 10 }, 5*time.Second, time.Millisecond)
	close(gate)
	wg.Wait()
	for _, code := range codes {
		assert.Equal(t, http.StatusOK, code)
	}
	assert.Equal(t, int32(1), runs.Load(), "ten probes, one run")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	assert.Equal(t, int32(2), runs.Load(), "a later request starts a new run")
}

// TestHandlerMaxAge: within MaxAge of a finished run, probes are answered
// from it; after MaxAge, or without it, they run the checks again.
func TestHandlerMaxAge(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	c, err := health.New(health.Config{Checks: []health.Check{{Name: "count", Run: func(ctx context.Context) health.Result {
		return health.Healthy(fmt.Sprintf("run %d", runs.Add(1)), nil)
	}}}})
	require.NoError(t, err)
	var mu sync.Mutex
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	probe := func(h http.Handler) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		var rep health.Report
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
		return rep.Checks["count"].Message
	}

	h := health.Handler(c, health.HandlerOpts{MaxAge: time.Second, Now: clock})
	assert.Equal(t, "run 1", probe(h))
	for range 50 {
		assert.Equal(t, "run 1", probe(h), "a flood within MaxAge runs nothing")
	}
	advance(999 * time.Millisecond)
	assert.Equal(t, "run 1", probe(h))
	advance(time.Millisecond)
	assert.Equal(t, "run 2", probe(h), "MaxAge after the run, the checks run again")
	assert.Equal(t, int32(2), runs.Load())
	advance(-time.Hour) // a clock that went back does not pin an old report
	assert.Equal(t, "run 3", probe(h))

	none := health.Handler(c, health.HandlerOpts{Now: clock})
	assert.Equal(t, "run 4", probe(none))
	assert.Equal(t, "run 5", probe(none), "without MaxAge every probe runs the checks")

	// With a token, anonymous probes reuse the last report; the token
	// holder always gets a new run (and the anonymous then see that one).
	tok := health.Handler(c, health.HandlerOpts{Token: "t", MaxAge: time.Second, Now: clock})
	withToken := func() string {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/health", nil)
		req.Header.Set("Authorization", "Bearer t")
		tok.ServeHTTP(rec, req)
		var rep health.Report
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
		return rep.Checks["count"].Message
	}
	anonymous := func() health.Status {
		rec := httptest.NewRecorder()
		tok.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
		var rep health.Report
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
		assert.Empty(t, rep.Checks["count"].Message, "redacted without the token")
		return rep.Checks["count"].Status
	}
	assert.Equal(t, health.StatusHealthy, anonymous())
	assert.Equal(t, int32(6), runs.Load())
	assert.Equal(t, health.StatusHealthy, anonymous())
	assert.Equal(t, int32(6), runs.Load(), "the anonymous reuse the report")
	assert.Equal(t, "run 7", withToken())
	assert.Equal(t, "run 8", withToken(), "the token holder never gets a finished report")
	assert.Equal(t, health.StatusHealthy, anonymous())
	assert.Equal(t, int32(8), runs.Load())
}
