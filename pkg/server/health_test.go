package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/pkg/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func do(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body), resp.Header
}

func TestReadyzHidesErrorsAndLogsThem(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	const secretAddr = "dial tcp 10.1.2.3:6379: connection refused"
	s, err := server.New(server.Config{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Ready: []server.Check{
			{Name: "database", Run: func(context.Context) error { return nil }},
			{Name: "redis", Run: func(context.Context) error { return errors.New(secretAddr) }},
		},
		MetricsToken: "s3cret",
	})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/readyz", nil)
	code, body, _ := do(t, req)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.JSONEq(t, `{"status":"unavailable","checks":{"database":"ok","redis":"unavailable"}}`, body)
	assert.NotContains(t, body, "10.1.2.3", "an unauthenticated probe learns no address")
	assert.Contains(t, logs.String(), secretAddr, "the error is logged instead")

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
	code, _, _ = do(t, req)
	assert.Equal(t, http.StatusOK, code, "liveness does not depend on backends")

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	code, _, _ = do(t, req)
	assert.Equal(t, http.StatusUnauthorized, code, "metrics need the token when one is set")
	req.Header.Set("Authorization", "Bearer wrong")
	code, _, _ = do(t, req)
	assert.Equal(t, http.StatusUnauthorized, code)
	req.Header.Set("Authorization", "Bearer s3cret")
	code, body, _ = do(t, req)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "askproai_api_request_duration_seconds")

	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/webhooks/retell", nil)
	code, _, _ = do(t, req)
	assert.Equal(t, http.StatusNotFound, code, "nothing mounted, no webhook route")
}

func TestRoutesAndMiddleware(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	var seen string
	s, err := server.New(server.Config{
		Logger:     slog.New(slog.DiscardHandler),
		Registerer: reg,
		Gatherer:   reg,
		Routes: []server.Route{
			{Pattern: "POST /things/{id}", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = correlation.CorrelationID(r.Context())
				w.WriteHeader(http.StatusAccepted)
			})},
			{Pattern: "GET /boom", Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })},
		},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	tests := []struct {
		name, in string
		echoed   bool
	}{
		{"valid id is kept", "corr-1", true},
		{"64 characters are kept", strings.Repeat("a", 64), true},
		{"100 characters are replaced", strings.Repeat("a", 100), false},
		{"bad characters are replaced", "a b", false},
		{"missing gets one", "", false},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/things/7", nil)
		if tt.in != "" {
			req.Header.Set(server.CorrelationHeader, tt.in)
		}
		code, _, h := do(t, req)
		require.Equal(t, http.StatusAccepted, code, tt.name)
		got := h.Get(server.CorrelationHeader)
		assert.Equal(t, got, seen, "%s: the handler's context carries the echoed id", tt.name)
		assert.True(t, correlation.Valid(got), tt.name)
		if tt.echoed {
			assert.Equal(t, tt.in, got, tt.name)
		} else {
			assert.NotEqual(t, tt.in, got, tt.name)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/boom", nil)
	code, _, _ := do(t, req)
	assert.Equal(t, http.StatusInternalServerError, code, "a panic is answered 500")

	mfs, err := reg.Gather()
	require.NoError(t, err)
	var endpoints []string
	for _, mf := range mfs {
		if mf.GetName() != "askproai_api_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "endpoint" {
					endpoints = append(endpoints, l.GetValue())
				}
			}
		}
	}
	assert.Contains(t, endpoints, "/things/{id}", "requests are observed under the route pattern")
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	h := http.NotFoundHandler()
	tests := []struct {
		name string
		cfg  server.Config
	}{
		{"no method", server.Config{Routes: []server.Route{{Pattern: "/x", Handler: h}}}},
		{"no handler", server.Config{Routes: []server.Route{{Pattern: "GET /x"}}}},
		{"conflicting routes", server.Config{Routes: []server.Route{{Pattern: "GET /x", Handler: h}, {Pattern: "GET /x", Handler: h}}}},
		{"registerer without gatherer", server.Config{Registerer: prometheus.WrapRegistererWith(nil, prometheus.NewRegistry())}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			_, err := server.New(tt.cfg)
			assert.Error(t, err)
		})
	}
}

func TestHealthRouteIsMountedWhenGiven(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		h    http.Handler
		want int
	}{
		{"given", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }), http.StatusTeapot},
		{"nil", nil, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := server.New(server.Config{Logger: slog.New(slog.DiscardHandler), Health: tt.h})
			require.NoError(t, err)
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/health", nil)
			code, _, _ := do(t, req)
			assert.Equal(t, tt.want, code)
		})
	}
}

// The ops handler serves the built-in routes and none of Config.Routes; its
// requests count in the same metrics, and /metrics keeps its token.
func TestOpsHandlerServesOnlyTheBuiltInRoutes(t *testing.T) {
	t.Parallel()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	s, err := server.New(server.Config{
		Logger:       slog.New(slog.DiscardHandler),
		Routes:       []server.Route{{Pattern: "POST /webhooks/{provider}", Handler: api}},
		Health:       http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }),
		MetricsToken: "s3cret",
	})
	require.NoError(t, err)
	full := httptest.NewServer(s.Handler())
	defer full.Close()
	ops := httptest.NewServer(s.OpsHandler())
	defer ops.Close()

	post := func(base string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/retell", nil)
		code, _, _ := do(t, req)
		return code
	}
	assert.Equal(t, http.StatusAccepted, post(full.URL), "the full handler serves the API")
	assert.Equal(t, http.StatusNotFound, post(ops.URL), "the ops handler does not")

	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK, "/health": http.StatusTeapot, "/metrics": http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodGet, ops.URL+path, nil)
		code, _, _ := do(t, req)
		assert.Equal(t, want, code, path)
	}
	req, _ := http.NewRequest(http.MethodGet, ops.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	code, body, _ := do(t, req)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), `askproai_api_request_duration_seconds_count{endpoint="/healthz",method="GET",status="200"} 1`,
		"the ops handler's requests count in the server's metrics")
}
