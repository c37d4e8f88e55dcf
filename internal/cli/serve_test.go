package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/askproai/askpro/pkg/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeRunServesUntilCancelled runs serve's run function on a fresh
// SQLite file: it migrates, answers /healthz, serves only the provider
// with a secret, and returns nil once its context ends.
func TestServeRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Database.URL = "sqlite://" + filepath.Join(t.TempDir(), "askpro.db")
	cfg.Database.Pool.MinConnections, cfg.Database.Pool.HealthInterval = -1, -1
	cfg.Stripe.WebhookSecret = "whsec_serve_test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveRun(ctx, &ServeOptions{
			Config:   func() (*config.Config, error) { return &cfg, nil },
			Logger:   func() (*slog.Logger, error) { return slog.New(slog.NewJSONHandler(&logs, nil)), nil },
			Version:  "test",
			Listener: ln,
			Ready:    func(addr string) { ready <- addr },
		})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve returned before it was ready: %v", err)
	}
	status := func(resp *http.Response, err error) int {
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	post := func(path string) int {
		return status(http.Post("http://"+addr+path, "application/json", bytes.NewReader([]byte(`{}`))))
	}
	assert.Equal(t, http.StatusOK, status(http.Get("http://"+addr+"/healthz")))
	assert.Equal(t, http.StatusUnauthorized, post("/webhooks/stripe"), "a provider with a secret is verified")
	assert.Equal(t, http.StatusNotFound, post("/webhooks/retell"), "a provider without one is not served")
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, logs.String(), "serve: stopped cleanly")
}

// TestServeRunConfigError returns the configuration error as it is (the
// factory has already made it exit 2) and opens nothing.
func TestServeRunConfigError(t *testing.T) {
	t.Parallel()
	bad := errors.New("bad config")
	err := serveRun(context.Background(), &ServeOptions{
		Config: func() (*config.Config, error) { return nil, bad },
		Logger: func() (*slog.Logger, error) { t.Error("logger built after a config error"); return slog.Default(), nil },
	})
	assert.ErrorIs(t, err, bad)
}
