package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/askproai/askpro/pkg/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadyzReportsFailingChecks(t *testing.T) {
	t.Parallel()
	s, err := server.New(server.Config{
		Logger: slog.New(slog.DiscardHandler),
		Ready: []server.Check{
			{Name: "database", Run: func(context.Context) error { return nil }},
			{Name: "redis", Run: func(context.Context) error { return errors.New("dial tcp 127.0.0.1:6379: connection refused") }},
		},
		MetricsToken: "s3cret",
	})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/readyz", nil)
	code, body, _ := do(t, req)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.JSONEq(t, `{"status":"unavailable","checks":{"database":"ok","redis":"dial tcp 127.0.0.1:6379: connection refused"}}`, body)

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
	code, _, _ = do(t, req)
	assert.Equal(t, http.StatusOK, code)

	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/webhooks/retell", nil)
	code, _, _ = do(t, req)
	assert.Equal(t, http.StatusNotFound, code, "no provider configured, no webhook route")
}
