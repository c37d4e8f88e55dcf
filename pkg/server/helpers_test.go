package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/server"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	retellKey    = "key_test_retell_0001"
	calcomSecret = "calcom-secret-0001"
	stripeSecret = "whsec_test_0001"
)

type testBundle struct {
	srv    *httptest.Server
	pool   *pool.Pool
	dedup  *dedup.Deduper
	store  dedup.Store
	inbox  *queue.Inbox
	reg    *prometheus.Registry
	failer *failingInbox
}

// failingInbox wraps the real inbox and fails the next n inserts, to inject
// a failure between claim and insert.
type failingInbox struct {
	next  server.Inserter
	fails atomic.Int32
}

func (f *failingInbox) Insert(ctx context.Context, ev queue.Event) error {
	if f.fails.Add(-1) >= 0 {
		return errors.New("injected: database write failed")
	}
	return f.next.Insert(ctx, ev)
}

// backend selects the database and dedup store of a test server.
type backend struct {
	name  string
	dbURL func(t *testing.T) string
	dedup func(t *testing.T) dedup.Store
}

var backends = []backend{
	{"sqlite+memory", func(t *testing.T) string { return dbtest.SQLite(t) },
		func(t *testing.T) dedup.Store { return dedup.NewMemoryStore(dedup.MemoryConfig{}) }},
	{"mysql+redis", func(t *testing.T) string { return dbtest.MySQL(t) }, redisStore},
}

func redisStore(t *testing.T) dedup.Store {
	t.Helper()
	url, prefix := testenv.RedisPrefix(t)
	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	require.NoError(t, rdb.Ping(context.Background()).Err())
	return dedup.NewRedisStore(rdb, dedup.RedisConfig{KeyPrefix: prefix})
}

func setup(t *testing.T, be backend) testBundle {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	p, err := pool.Open(context.Background(), be.dbURL(t), pool.Config{MinConns: -1, MaxConns: 20, HealthInterval: -1, Logger: logger})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	inbox, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: string(p.Dialect()), Logger: logger})
	require.NoError(t, err)
	t.Cleanup(func() { _ = inbox.Close() })
	store := be.dedup(t)
	reg := prometheus.NewRegistry()
	dd, err := dedup.New(dedup.Config{Store: store, Logger: logger, Registerer: reg})
	require.NoError(t, err)

	rt, err := webhook.NewRetell(webhook.RetellConfig{APIKey: retellKey})
	require.NoError(t, err)
	cc, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: calcomSecret})
	require.NoError(t, err)
	sp, err := webhook.NewStripe(webhook.StripeConfig{Secret: stripeSecret})
	require.NoError(t, err)
	failer := &failingInbox{next: inbox}
	s, err := server.New(server.Config{
		Providers: []webhook.Provider{rt, cc, sp},
		Dedup:     dd,
		Inbox:     failer,
		Registry:  reg,
		Logger:    logger,
		Ready:     []server.Check{{Name: "database", Run: p.Ping}},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return testBundle{srv: srv, pool: p, dedup: dd, store: store, inbox: inbox, reg: reg, failer: failer}
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
	require.NoError(t, b.pool.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM webhook_events").Scan(&n))
	return n
}
