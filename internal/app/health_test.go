package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/health"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tcpProxy forwards connections from its own address to target until it
// is cut: then it stops listening and closes every connection, as a
// database host that went away; restore listens on the same address again.
type tcpProxy struct {
	t      *testing.T
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tcpProxy{t: t, addr: ln.Addr().String(), target: target, conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(func() { p.cut(); p.wg.Wait() })
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			if !p.track(c, up) {
				continue
			}
			p.wg.Go(func() { _, _ = io.Copy(up, c); up.Close(); c.Close() })
			p.wg.Go(func() { _, _ = io.Copy(c, up); up.Close(); c.Close() })
		}
	})
}

// track registers both ends, or closes them when the proxy was cut meanwhile.
func (p *tcpProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *tcpProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	require.NoError(p.t, err, "listen again on %s", p.addr)
	p.serve(ln)
}

var mysqlHost = regexp.MustCompile(`tcp\(([^)]+)\)`)

func getJSON(t *testing.T, url, token string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	return resp.StatusCode
}

// TestDatabaseOutageAndRecovery runs MariaDB through a proxy the test cuts:
// /readyz (which reads the pool's health loop) turns 503 and /health names
// the failing check; when the database is back both recover, without a
// restart.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	t.Parallel()
	url := dbtest.MySQL(t)
	m := mysqlHost.FindStringSubmatch(url)
	require.Len(t, m, 2, "a tcp(host:port) address in %s", url)
	proxy := startProxy(t, m[1])

	cfg := config.Default()
	cfg.Database.URL = mysqlHost.ReplaceAllString(url, "tcp("+proxy.addr+")")
	cfg.Database.Pool.MinConnections = 1
	cfg.Database.Pool.HealthInterval = 50 * time.Millisecond
	cfg.Database.Pool.ConnectionTimeout = time.Second
	cfg.Database.Pool.RetryAttempts = 0
	rurl, prefix := testenv.RedisPrefix(t)
	cfg.Redis.URL = rurl
	cfg.Metrics.Token = "health-token"
	cfg.Health.DiskMinFree = 1
	cfg.Environment = "test"
	a, err := app.New(context.Background(), &cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true,
		Version: "v-test", DedupKeyPrefix: prefix})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)

	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	var rep health.Report
	assert.Equal(t, http.StatusOK, getJSON(t, srv.URL+"/readyz", "", &ready))
	assert.Equal(t, map[string]string{"database": "ok", "redis": "ok"}, ready.Checks)
	assert.Equal(t, http.StatusOK, getJSON(t, srv.URL+"/health", "health-token", &rep))
	assert.Equal(t, health.StatusHealthy, rep.Status, "%+v", rep.Checks)
	assert.Equal(t, []string{"calcom", "database", "disk", "queue", "redis", "retell"}, rep.Names())
	assert.Equal(t, "v-test", rep.Version)
	assert.Equal(t, "test", rep.Environment)
	require.NotNil(t, rep.Metrics)
	require.NotNil(t, rep.Metrics.Pool)
	assert.Positive(t, rep.Metrics.UptimeSeconds)

	proxy.cut()
	require.Eventually(t, func() bool {
		return getJSON(t, srv.URL+"/readyz", "", &ready) == http.StatusServiceUnavailable
	}, 10*time.Second, 20*time.Millisecond, "readiness sees the outage within a health interval")
	assert.Equal(t, map[string]string{"database": "unavailable", "redis": "ok"}, ready.Checks)

	rep = health.Report{}
	assert.Equal(t, http.StatusServiceUnavailable, getJSON(t, srv.URL+"/health", "health-token", &rep))
	assert.Equal(t, health.StatusUnhealthy, rep.Status)
	assert.Equal(t, health.StatusUnhealthy, rep.Checks["database"].Status)
	assert.NotEmpty(t, rep.Checks["database"].Message, "with the token, the cause")
	assert.Equal(t, health.StatusUnhealthy, rep.Checks["queue"].Status)
	assert.Equal(t, health.StatusHealthy, rep.Checks["redis"].Status)

	var raw map[string]any
	assert.Equal(t, http.StatusServiceUnavailable, getJSON(t, srv.URL+"/health", "", &raw))
	assert.Equal(t, map[string]any{"status": "unhealthy"}, raw["checks"].(map[string]any)["database"],
		"without the token: the failing check's name and status, nothing more")
	assert.NotContains(t, raw, "metrics")

	proxy.restore()
	require.Eventually(t, func() bool {
		return getJSON(t, srv.URL+"/readyz", "", &ready) == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "readiness recovers without a restart")
	assert.Equal(t, map[string]string{"database": "ok", "redis": "ok"}, ready.Checks)
	rep = health.Report{}
	assert.Equal(t, http.StatusOK, getJSON(t, srv.URL+"/health", "health-token", &rep))
	assert.Equal(t, health.StatusHealthy, rep.Checks["database"].Status, rep.Checks["database"].Message)
	assert.Equal(t, health.StatusHealthy, rep.Status)
}

// TestRedisOutageIsSeenByReadiness: /readyz reads the background Redis
// probe, which notices Redis going away and coming back.
func TestRedisOutageIsSeenByReadiness(t *testing.T) {
	t.Parallel()
	rurl, prefix := testenv.RedisPrefix(t)
	m := regexp.MustCompile(`^redis://([^/]+)(/.*)?$`).FindStringSubmatch(rurl)
	require.Len(t, m, 3, rurl)
	proxy := startProxy(t, m[1])
	cfg := testConfig(t)
	cfg.Database.Pool.HealthInterval = 50 * time.Millisecond
	cfg.Redis.URL = "redis://" + proxy.addr + m[2]
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true, DedupKeyPrefix: prefix})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)

	var ready struct {
		Checks map[string]string `json:"checks"`
	}
	assert.Equal(t, http.StatusOK, getJSON(t, srv.URL+"/readyz", "", &ready), "right from the start")
	proxy.cut()
	require.Eventually(t, func() bool { return getJSON(t, srv.URL+"/readyz", "", &ready) == http.StatusServiceUnavailable },
		10*time.Second, 20*time.Millisecond)
	assert.Equal(t, map[string]string{"database": "ok", "redis": "unavailable"}, ready.Checks)
	rep := a.Health(context.Background())
	assert.Equal(t, health.StatusUnhealthy, rep.Checks["redis"].Status)
	proxy.restore()
	require.Eventually(t, func() bool { return getJSON(t, srv.URL+"/readyz", "", &ready) == http.StatusOK },
		10*time.Second, 20*time.Millisecond)
}
