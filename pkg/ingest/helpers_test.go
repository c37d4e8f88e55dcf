package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/ingest"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/server"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

const (
	retellKey    = "key_test_retell_0001"
	calcomSecret = "calcom-secret-0001"
	stripeSecret = "whsec_test_0001"
)

type testBundle struct {
	srv    *httptest.Server
	app    *app.App
	reg    *prometheus.Registry
	failer *failingInbox
	logs   *syncBuffer
}

// failingInbox wraps the real inbox and fails the next n inserts, to inject
// a failure between claim and insert.
type failingInbox struct {
	next  ingest.Inserter
	fails atomic.Int32
}

func (f *failingInbox) Insert(ctx context.Context, ev queue.Event) (queue.InsertResult, error) {
	if f.fails.Add(-1) >= 0 {
		return queue.InsertResult{}, errors.New("injected: database write failed")
	}
	return f.next.Insert(ctx, ev)
}

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

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// backend selects the database and dedup store of a test server.
type backend struct {
	name  string
	dbURL func(t testing.TB) string
	redis bool
}

var backends = []backend{
	{"sqlite+memory", dbtest.SQLite, false},
	{"mysql+redis", dbtest.MySQL, true},
}

// testConfig is the configuration of a test app on be.
func testConfig(t *testing.T, be backend) (*config.Config, string) {
	t.Helper()
	cfg := config.Default()
	cfg.Database.URL = be.dbURL(t)
	cfg.Database.Pool.MinConnections = -1
	cfg.Database.Pool.MaxConnections = 20
	cfg.Database.Pool.HealthInterval = -1
	var prefix string
	if be.redis {
		cfg.Redis.URL, prefix = testenv.RedisPrefix(t)
	}
	cfg.Retell.APIKey, cfg.Calcom.WebhookSecret, cfg.Stripe.WebhookSecret = retellKey, calcomSecret, stripeSecret
	return &cfg, prefix
}

// newApp builds the whole stack on be with internal/app.
func newApp(t *testing.T, cfg *config.Config, prefix string, log *slog.Logger) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), cfg, app.Options{Logger: log, DedupKeyPrefix: prefix, NoProcessCollectors: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// setup builds the stack with internal/app, then serves a webhook handler
// on the app's guard and inbox wrapped in a failingInbox, behind
// pkg/server's middleware, with a JSON log in b.logs.
func setup(t *testing.T, be backend) testBundle {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(correlation.NewHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}), "test-host", "test"))
	cfg, prefix := testConfig(t, be)
	a := newApp(t, cfg, prefix, log)

	rt, err := webhook.NewRetell(webhook.RetellConfig{APIKey: retellKey})
	require.NoError(t, err)
	cc, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: calcomSecret})
	require.NoError(t, err)
	sp, err := webhook.NewStripe(webhook.StripeConfig{Secret: stripeSecret})
	require.NoError(t, err)
	failer := &failingInbox{next: a.Inbox}
	reg := prometheus.NewRegistry()
	wh, err := ingest.NewWebhooks(ingest.WebhookConfig{
		Verifiers:  []ingest.Verifier{rt, cc, sp},
		Guard:      a.Guard,
		Inbox:      failer,
		Registerer: reg,
		Logger:     log,
	})
	require.NoError(t, err)
	s, err := server.New(server.Config{
		Routes:     []server.Route{{Pattern: ingest.WebhookPattern, Handler: wh}},
		Ready:      []server.Check{{Name: "database", Run: a.Pool.Ping}},
		Registerer: reg,
		Logger:     log,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return testBundle{srv: srv, app: a, reg: reg, failer: failer, logs: logs}
}

func eachBackend(t *testing.T, fn func(t *testing.T, b testBundle)) {
	t.Helper()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, be))
		})
	}
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

func rows(t *testing.T, b testBundle) int {
	t.Helper()
	var n int
	require.NoError(t, b.app.Pool.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM webhook_events").Scan(&n))
	return n
}
