package health_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/health"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openPool(t *testing.T, url string) *pool.Pool {
	t.Helper()
	p, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func eachDialect(t *testing.T, fn func(t *testing.T, p *pool.Pool)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, openPool(t, dbtest.SQLite(t))) })
	t.Run("mysql", func(t *testing.T) { t.Parallel(); fn(t, openPool(t, dbtest.MySQL(t))) })
}

func TestDatabase(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		ctx := context.Background()
		res := health.Database(p)(ctx)
		assert.Equal(t, health.StatusHealthy, res.Status, res.Message)
		assert.Equal(t, string(p.Dialect()), res.Details["dialect"])
		assert.NotZero(t, res.Details["schema_version"])

		_, err := p.Writer().Exec("UPDATE schema_migrations SET dirty = 1")
		require.NoError(t, err)
		res = health.Database(p)(ctx)
		assert.Equal(t, health.StatusUnhealthy, res.Status)
		assert.Contains(t, res.Message, "dirty")
		_, err = p.Writer().Exec("UPDATE schema_migrations SET dirty = 0, version = version - 1")
		require.NoError(t, err)
		res = health.Database(p)(ctx)
		assert.Equal(t, health.StatusUnhealthy, res.Status)
		assert.Contains(t, res.Message, "askpro migrate up")
		_, err = p.Writer().Exec("UPDATE schema_migrations SET version = version + 100")
		require.NoError(t, err)
		assert.Equal(t, health.StatusDegraded, health.Database(p)(ctx).Status, "a newer schema: this binary is the old one")

		require.NoError(t, p.Close())
		res = health.Database(p)(ctx)
		assert.Equal(t, health.StatusUnhealthy, res.Status, "a closed pool does not answer")
	})
}

// TestQueueAge stores real events and moves the clock: the queue is
// degraded once the oldest waiting event has waited longer than MaxAge.
func TestQueueAge(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		storedAt := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect(), Logger: slog.New(slog.DiscardHandler),
			Now: func() time.Time { return storedAt }})
		require.NoError(t, err)
		ctx := context.Background()
		for _, ev := range []queue.Event{
			{Provider: "retell", Type: "call_ended", Key: "retell:call_ended:c1", Payload: []byte(`{}`)},
			{Provider: "stripe", Type: "charge.failed", Key: "evt_1", Payload: []byte(`{}`)},
			{Provider: "stripe", Type: "charge.failed", Key: "evt_2", Payload: []byte(`{}`)},
		} {
			_, err := in.Insert(ctx, ev)
			require.NoError(t, err)
		}
		require.NoError(t, in.Close())
		var last int64
		require.NoError(t, p.DB().QueryRow("SELECT MAX(id) FROM webhook_events WHERE provider = 'stripe'").Scan(&last))
		_, err = p.Writer().Exec("UPDATE webhook_events SET status = 'dead_letter' WHERE id = ?", last)
		require.NoError(t, err)
		r, err := queue.NewReader(p)
		require.NoError(t, err)

		now := storedAt.Add(time.Minute)
		check := health.Queue(r, health.QueueOpts{MaxAge: 5 * time.Minute, Now: func() time.Time { return now }})
		res := check(ctx)
		assert.Equal(t, health.StatusHealthy, res.Status, res.Message)
		assert.Equal(t, map[string]int64{"critical": 1, "high": 1, "normal": 0}, res.Details["backlog"])
		assert.Equal(t, map[string]int64{"high": 1}, res.Details["dead_letter"])
		assert.InDelta(t, 60, res.Details["oldest_pending_age"], 1)

		now = storedAt.Add(6 * time.Minute)
		res = check(ctx)
		assert.Equal(t, health.StatusDegraded, res.Status, "over the threshold")
		assert.Contains(t, res.Message, "over 5m0s")
		assert.InDelta(t, 360, res.Details["oldest_pending_age"], 1)

		_, err = p.Writer().Exec("UPDATE webhook_events SET status = 'processed' WHERE status = 'pending'")
		require.NoError(t, err)
		res = check(ctx)
		assert.Equal(t, health.StatusHealthy, res.Status, "nothing waits any more")
		assert.Nil(t, res.Details["oldest_pending_time"])
	})
}

func TestQueueUnreadable(t *testing.T) {
	t.Parallel()
	p := openPool(t, dbtest.SQLite(t))
	r, err := queue.NewReader(p)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	assert.Equal(t, health.StatusUnhealthy, health.Queue(r, health.QueueOpts{})(context.Background()).Status)
}

func writeCert(t *testing.T, notBefore, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "askpro.example"},
		DNSNames: []string{"askpro.example"}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	// A key before the certificate: the check takes the first CERTIFICATE.
	data := append(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	path := filepath.Join(t.TempDir(), "cert.pem")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestTLSCert(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tests := []struct {
		name      string
		from, to  time.Time
		want      health.Status
		inMessage string
	}{
		{"valid for months", now.AddDate(0, -1, 0), now.AddDate(0, 3, 0), health.StatusHealthy, "valid for 92 days"},
		{"expires in 10 days", now.AddDate(0, -1, 0), now.AddDate(0, 0, 10), health.StatusDegraded, "expires in 10 days"},
		{"expires in 13 hours", now.AddDate(0, -1, 0), now.Add(13 * time.Hour), health.StatusDegraded, "expires in 13h0m0s"},
		{"expired", now.AddDate(0, -3, 0), now.Add(-time.Hour), health.StatusUnhealthy, "expired on 2026-06-01T11:00:00Z"},
		{"not yet valid", now.Add(time.Hour), now.AddDate(1, 0, 0), health.StatusUnhealthy, "not valid before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := health.TLSCert(writeCert(t, tt.from, tt.to), health.TLSOpts{Now: clock})(context.Background())
			assert.Equal(t, tt.want, res.Status)
			assert.Contains(t, res.Message, tt.inMessage)
			assert.Equal(t, tt.to.UTC(), res.Details["not_after"])
			assert.Equal(t, "CN=askpro.example", res.Details["subject"])
		})
	}
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		res := health.TLSCert(filepath.Join(t.TempDir(), "none.pem"), health.TLSOpts{})(context.Background())
		assert.Equal(t, health.StatusUnhealthy, res.Status)
	})
	t.Run("not PEM", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "x.pem")
		require.NoError(t, os.WriteFile(path, []byte("hello"), 0o600))
		res := health.TLSCert(path, health.TLSOpts{})(context.Background())
		assert.Equal(t, health.StatusUnhealthy, res.Status)
		assert.Contains(t, res.Message, "no PEM CERTIFICATE")
	})
}

// settable is a clock tests move by hand.
type settable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settable) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settable) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestExternalIsCached counts the fakes' requests: however many probes
// arrive, concurrently or not, the service is asked once per TTL.
func TestExternalIsCached(t *testing.T) {
	t.Parallel()
	rt := retelltest.Start(t, retelltest.Config{})
	cal := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(cal.Close)
	cal.AddAPIKey("cal_live_key")
	rcfg := rt.ClientConfig()
	rcfg.MaxRetries = -1
	rc, err := retell.New(rcfg)
	require.NoError(t, err)
	cc, err := calcom.New(calcom.Config{BaseURL: cal.URL, APIKey: "cal_live_key", MaxRetries: -1, Breaker: calcom.NewBreakers(calcom.BreakerConfig{})})
	require.NoError(t, err)

	tests := []struct {
		name  string
		ping  func(context.Context) error
		count func() int
		fail  func()
	}{
		{"retell", rc.Ping, func() int { return len(rt.RequestsTo("list-retell-llms")) },
			func() { rt.Fail("list-retell-llms", 500, "down", 100) }},
		{"calcom", cc.Ping, func() int { return len(cal.RequestsOf(calcomtest.OpEventTypes)) },
			func() { cal.Fail(calcomtest.OpEventTypes, 500, "down", 100) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &settable{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			check := health.External(tt.ping, health.ExternalOpts{TTL: time.Minute, Timeout: 2 * time.Second, Now: clock.Now})
			var wg sync.WaitGroup
			results := make([]health.Result, 20)
			for i := range results {
				wg.Go(func() { results[i] = check(context.Background()) })
			}
			wg.Wait()
			for _, r := range results {
				assert.Equal(t, health.StatusHealthy, r.Status, r.Message)
			}
			assert.Equal(t, 1, tt.count(), "20 concurrent probes, one request")

			clock.Add(59 * time.Second)
			res := check(context.Background())
			assert.Equal(t, true, res.Details["cached"])
			assert.Equal(t, 1, tt.count(), "still within the TTL")

			tt.fail()
			clock.Add(2 * time.Second)
			res = check(context.Background())
			assert.Equal(t, health.StatusDegraded, res.Status, "an unreachable service degrades, it does not fail askpro")
			assert.Contains(t, res.Message, "ping failed")
			assert.Equal(t, false, res.Details["cached"])
			assert.Equal(t, 2, tt.count())
			for range 5 {
				assert.Equal(t, health.StatusDegraded, check(context.Background()).Status)
			}
			assert.Equal(t, 2, tt.count(), "a failure is cached too: a down service is not hammered")
		})
	}
}

func TestExternalNotConfiguredAndTimeout(t *testing.T) {
	t.Parallel()
	res := health.External(nil, health.ExternalOpts{})(context.Background())
	assert.Equal(t, health.StatusHealthy, res.Status)
	assert.Equal(t, false, res.Details["configured"])

	rt := retelltest.Start(t, retelltest.Config{})
	rt.Delay("list-retell-llms", 5*time.Second)
	start := time.Now()
	res = health.External(rt.Client(t).Ping, health.ExternalOpts{Timeout: 100 * time.Millisecond})(context.Background())
	assert.Equal(t, health.StatusDegraded, res.Status)
	assert.Less(t, time.Since(start), 3*time.Second, "bounded by the short timeout")
}

func TestDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := health.Disk(dir, health.DiskOpts{MinFree: 1})(context.Background())
	assert.Equal(t, health.StatusHealthy, res.Status, res.Message)
	free, ok := res.Details["free_bytes"].(uint64)
	require.True(t, ok)
	assert.Positive(t, free)

	res = health.Disk(dir, health.DiskOpts{MinFree: 1 << 62})(context.Background())
	assert.Equal(t, health.StatusDegraded, res.Status, "no disk has 4 EiB free")
	assert.Contains(t, res.Message, "under 4.0 EiB")

	res = health.Disk(filepath.Join(dir, "missing"), health.DiskOpts{})(context.Background())
	assert.Equal(t, health.StatusUnhealthy, res.Status)
}
