package app_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Database.URL = dbtest.SQLite(t)
	cfg.Database.Pool.MinConnections, cfg.Database.Pool.HealthInterval = -1, -1
	return &cfg
}

func post(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// Issue 7 defect 8: --insecure-skip-verify serves only the providers that
// have no secret, unverified; a provider whose secret is set is verified.
func TestInsecureSkipVerifyServesOnlyProvidersWithoutSecret(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Retell.APIKey = "key_retell_set"
	var logs bytes.Buffer
	a, err := app.New(context.Background(), cfg, app.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), InsecureSkipVerify: true, NoProcessCollectors: true,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	assert.Equal(t, []string{"retell"}, a.Verified)
	assert.Equal(t, []string{"calcom", "stripe"}, a.Unverified)
	assert.Contains(t, logs.String(), "signatures of these providers are NOT verified", "a loud warning")

	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	unsigned := func(provider string, body []byte) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/"+provider, bytes.NewReader(body))
		return req
	}
	assert.Equal(t, http.StatusUnauthorized, post(t, unsigned("retell", webhooktest.RetellBody("call_ended", "c1"))),
		"the provider with a secret is still verified")
	assert.Equal(t, http.StatusUnauthorized, post(t, webhooktest.RetellRequest(t, srv.URL+"/webhooks/retell", "another-key", webhooktest.RetellBody("call_ended", "c1"))))
	assert.Equal(t, http.StatusNoContent, post(t, webhooktest.RetellRequest(t, srv.URL+"/webhooks/retell", "key_retell_set", webhooktest.RetellBody("call_ended", "c1"))))
	assert.Equal(t, http.StatusOK, post(t, unsigned("calcom", webhooktest.CalcomBody("BOOKING_CREATED", "u1"))),
		"a provider without a secret is served unverified")
	assert.Equal(t, http.StatusOK, post(t, unsigned("stripe", webhooktest.StripeBody("evt_1", "charge.failed"))))
}

func TestWithoutInsecureProvidersWithoutSecretAreNotServed(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Stripe.WebhookSecret = "whsec_set"
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	assert.Equal(t, []string{"stripe"}, a.Verified)
	assert.Empty(t, a.Unverified)
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/calcom", bytes.NewReader(webhooktest.CalcomBody("BOOKING_CREATED", "u1")))
	assert.Equal(t, http.StatusNotFound, post(t, req))
}

// Configuration errors are found before anything is opened or created.
func TestNewRefusesConfigErrorsBeforeOpening(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*config.Config)
		key  string
	}{
		{"bad redis url", func(c *config.Config) { c.Redis.URL = "http://not-redis" }, "redis.url"},
		{"bad database url", func(c *config.Config) { c.Database.URL = "postgres://x/y" }, "database.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cfg := config.Default()
			cfg.Database.URL = "sqlite://" + filepath.ToSlash(filepath.Join(dir, "askpro.db"))
			tt.edit(&cfg)
			a, err := app.New(context.Background(), &cfg, app.Options{Logger: slog.New(slog.DiscardHandler), Migrate: true})
			require.Error(t, err)
			assert.Nil(t, a)
			var ke *config.KeyError
			require.True(t, errors.As(err, &ke), "%v is a *config.KeyError", err)
			assert.Equal(t, tt.key, ke.Key)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "no database file was created")
		})
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	t.Parallel()
	a, err := app.New(context.Background(), testConfig(t), app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true})
	require.NoError(t, err)
	require.NoError(t, a.Close())
	require.NoError(t, a.Close())
	assert.Error(t, a.Pool.Ping(context.Background()), "the pool is closed")
}

// A SQLite database in a missing directory is reported as such, by serve
// too, and nothing is created.
func TestNewReportsMissingSQLiteDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Database.URL = "sqlite://" + filepath.ToSlash(filepath.Join(dir, "missing", "askpro.db"))
	a, err := app.New(context.Background(), &cfg, app.Options{Logger: slog.New(slog.DiscardHandler), Migrate: true})
	require.ErrorIs(t, err, pool.ErrNoDirectory)
	assert.Nil(t, a)
	assert.Contains(t, err.Error(), "does not exist")
	assert.NotContains(t, err.Error(), "migrate up")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}
