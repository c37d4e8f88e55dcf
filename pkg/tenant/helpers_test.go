package tenant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

const baseDomain = "askpro.example"

// testBundle holds a test's collaborators: the real store the sources read,
// and counters of the lookups that reached it.
type testBundle struct {
	st  *store.Store
	url string // database URL, to open a second handle (another process)
	sys context.Context

	companyLoads, subdomainLoads, phoneLoads atomic.Int64
}

// sources returns a CacheConfig reading the real store, counting each
// lookup that reaches it.
func (b *testBundle) sources() tenant.CacheConfig {
	return tenant.CacheConfig{
		Companies: tenant.CompanySourceFunc(func(ctx context.Context, id int64) (tenant.Status, error) {
			b.companyLoads.Add(1)
			return b.st.Companies.CompanyStatus(ctx, id)
		}),
		Subdomains: tenant.SubdomainSourceFunc(func(ctx context.Context, label string) (int64, error) {
			b.subdomainLoads.Add(1)
			return b.st.Companies.IDBySubdomain(ctx, label)
		}),
		Phones: tenant.PhoneSourceFunc(func(ctx context.Context, number string) (int64, error) {
			b.phoneLoads.Add(1)
			return b.st.Branches.CompanyByPhone(ctx, number)
		}),
	}
}

func openStore(t testing.TB, url string) *store.Store {
	t.Helper()
	p, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 8, HealthInterval: -1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	return st
}

// eachDialect runs fn against a fresh migrated SQLite database and a fresh
// migrated MariaDB database (failed under CI=true without
// ASKPRO_TEST_MYSQL_URL).
func eachDialect(t *testing.T, fn func(t *testing.T, b *testBundle)) {
	t.Helper()
	for _, d := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", dbtest.SQLite}, {"mysql", dbtest.MySQL}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			url := d.url(t)
			fn(t, &testBundle{st: openStore(t, url), url: url, sys: tenant.System(context.Background())})
		})
	}
}

// company creates an active company with one branch on number.
func (b *testBundle) company(t testing.TB, sub, number string) int64 {
	t.Helper()
	c, err := b.st.Companies.Create(b.sys, store.NewCompany{Name: "Salon " + sub, Subdomain: sub})
	require.NoError(t, err)
	if number != "" {
		_, err = b.st.Branches.Create(tenant.WithCompany(context.Background(), c.ID),
			store.NewBranch{Name: "Mitte", PhoneNumber: number})
		require.NoError(t, err)
	}
	return c.ID
}

func (b *testBundle) setActive(t testing.TB, st *store.Store, id int64, active bool) {
	t.Helper()
	_, err := st.Companies.Update(b.sys, id, store.CompanyPatch{IsActive: &active})
	require.NoError(t, err)
}

// newRedis returns a new client on the test Redis (one per replica), closed
// when the test ends.
func newRedis(t testing.TB) *redis.Client {
	t.Helper()
	url, _ := testenv.RedisPrefix(t)
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Ping(context.Background()).Err(), "ping test Redis")
	return c
}

// redisPrefix returns a key prefix no other test uses; its keys are deleted
// when the test ends.
func redisPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	_, prefix := testenv.RedisPrefix(t)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			_ = c.Del(ctx, iter.Val()).Err()
		}
	})
	return prefix
}

// clock is an injectable clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer captures JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// lines returns the captured lines, decoded.
func (l *logBuffer) lines(t testing.TB) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

// request builds a request to host with the given headers.
func request(host string, headers ...string) *http.Request {
	r := httptest.NewRequest("GET", "http://"+host+"/api/v1/calls", nil)
	r.RemoteAddr = "203.0.113.9:51000"
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
