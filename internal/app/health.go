package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/health"
	"github.com/askproai/askpro/pkg/outbound"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/server"
	"github.com/redis/go-redis/v9"
)

// HealthDeps are what [NewHealthChecker] checks besides the configuration.
type HealthDeps struct {
	// Pool is the database. Nil means it could not be opened: PoolErr is
	// then reported by the database and queue checks.
	Pool    *pool.Pool
	PoolErr error
	// Redis is the Redis client; nil without redis.url.
	Redis redis.UniversalClient
	// CalcomBudget is the request budget of the Cal.com ping (the App's
	// shared one). Nil means calcom's process-wide in-process budget.
	CalcomBudget calcom.Budget
	// Observer is told of the pings' requests (the App's outbound
	// metrics). Nil means none.
	Observer outbound.Observer
	// Version is reported in the report.
	Version string
	// Metrics adds the process metrics (uptime since Start, memory, CPU,
	// goroutines, pool): a server's report. The CLI leaves them out.
	Metrics bool
	// Start is when the process started. Zero means now.
	Start time.Time
	// Logger receives checks that are not healthy. Nil means none.
	Logger *slog.Logger
}

// NewHealthChecker builds the checks of GET /health and `askpro health`
// from cfg (docs/health.md): database, redis (with redis.url), queue,
// disk (the SQLite file's directory, or the working directory), retell
// and calcom (cached pings, "not configured" without their API keys) and
// tls (with http.tls_cert). Its errors are clients that cannot be built
// from the configuration.
func NewHealthChecker(cfg *config.Config, d HealthDeps) (*health.Checker, error) {
	hc := cfg.Health
	var checks []health.Check
	if d.Pool != nil {
		r, err := queue.NewReader(d.Pool)
		if err != nil {
			return nil, err
		}
		checks = append(checks,
			health.Check{Name: "database", Run: health.Database(d.Pool)},
			health.Check{Name: "queue", Run: health.Queue(r, health.QueueOpts{MaxAge: hc.QueueMaxAge})})
	} else {
		err := d.PoolErr
		if err == nil {
			err = fmt.Errorf("no database")
		}
		checks = append(checks,
			health.Check{Name: "database", Run: health.Failing(err)},
			health.Check{Name: "queue", Run: health.Failing(fmt.Errorf("no database: %w", err))})
	}
	if cfg.Redis.URL != "" {
		ping := func(ctx context.Context) error { return fmt.Errorf("redis client not built") }
		if d.Redis != nil {
			rdb := d.Redis
			ping = func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
		}
		checks = append(checks, health.Check{Name: "redis", Run: health.Ping("redis", ping)})
	}
	checks = append(checks, health.Check{Name: "disk", Run: health.Disk(dataDir(cfg.Database.URL), health.DiskOpts{MinFree: uint64(max(hc.DiskMinFree, 0))})})

	ext := health.ExternalOpts{Timeout: hc.ExternalTimeout, TTL: hc.ExternalCacheTTL}
	var retellPing, calcomPing func(context.Context) error
	if cfg.Retell.APIKey != "" {
		c, err := retell.New(retell.Config{BaseURL: cfg.Retell.BaseURL, APIKey: cfg.Retell.APIKey, Timeout: hc.ExternalTimeout,
			MaxRetries: -1, Breakers: retell.NewBreakers(retell.BreakerConfig{}), Logger: d.Logger, Observer: d.Observer})
		if err != nil {
			return nil, &config.KeyError{Key: "retell.api_key", Err: err}
		}
		retellPing = c.Ping
	}
	if cfg.Calcom.APIKey != "" {
		c, err := calcom.New(calcom.Config{BaseURL: cfg.Calcom.BaseURL, APIKey: cfg.Calcom.APIKey, Timeout: hc.ExternalTimeout,
			MaxRetries: -1, Budget: d.CalcomBudget, Breaker: calcom.NewBreakers(calcom.BreakerConfig{}), Logger: d.Logger, Observer: d.Observer})
		if err != nil {
			return nil, &config.KeyError{Key: "calcom.api_key", Err: err}
		}
		calcomPing = c.Ping
	}
	// The pings are bounded by their own timeout; the check's must be longer.
	extTimeout := max(hc.CheckTimeout, hc.ExternalTimeout+time.Second)
	checks = append(checks,
		health.Check{Name: "retell", Run: health.External(retellPing, ext), Timeout: extTimeout},
		health.Check{Name: "calcom", Run: health.External(calcomPing, ext), Timeout: extTimeout})
	if cfg.HTTP.TLSCert != "" {
		checks = append(checks, health.Check{Name: "tls", Run: health.TLSCert(cfg.HTTP.TLSCert, health.TLSOpts{WarnBefore: hc.TLSWarnBefore})})
	}

	hcfg := health.Config{Checks: checks, Timeout: hc.CheckTimeout, Version: d.Version, Environment: cfg.Environment, Logger: d.Logger}
	if d.Metrics {
		po := health.ProcessMetricsOpts{Start: d.Start}
		if d.Pool != nil {
			po.Pool = d.Pool.Stats
		}
		hcfg.Metrics = health.NewProcessMetrics(po)
	}
	return health.New(hcfg)
}

// dataDir is the directory whose free space the disk check watches: the
// SQLite file's, or the working directory for MySQL.
func dataDir(dbURL string) string {
	rest, ok := strings.CutPrefix(dbURL, "sqlite://")
	if !ok {
		return "."
	}
	rest, _, _ = strings.Cut(rest, "?")
	if rest == "" || strings.HasPrefix(rest, ":memory:") {
		return "."
	}
	return filepath.Dir(filepath.FromSlash(rest))
}

// healthParts are the App's health machinery: the checker of GET /health
// and the background Redis probe that /readyz reads.
type healthParts struct {
	checker  *health.Checker
	redisMon *health.Monitor
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// newRedisMonitor probes Redis every database.pool.health_interval (15s
// when the pool's loop is off) and records the first result now, so that
// /readyz is right from the first request.
func (a *App) newRedisMonitor(ctx context.Context, rdb redis.UniversalClient) error {
	interval := a.Config.Database.Pool.HealthInterval
	if interval <= 0 {
		interval = pool.DefaultHealthInterval
	}
	a.health.redisMon = health.NewMonitor(func(ctx context.Context) error { return rdb.Ping(ctx).Err() }, interval, 2*time.Second)
	return a.health.redisMon.Check(ctx)
}

// readyChecks are the checks of /readyz: the pool's health loop and the
// Redis monitor, read without I/O.
func (a *App) readyChecks() []server.Check {
	p := a.Pool
	ready := []server.Check{{Name: "database", Run: func(context.Context) error { return p.Healthy() }}}
	if m := a.health.redisMon; m != nil {
		ready = append(ready, server.Check{Name: "redis", Run: func(context.Context) error { return m.Err() }})
	}
	return ready
}

// buildHealth builds the checker of GET /health, starts the Redis
// monitor's loop, and returns the handler.
func (a *App) buildHealth(version string) (http.Handler, error) {
	var budget calcom.Budget
	if a.Calcom != nil {
		budget = a.Calcom.budget
	}
	var obs outbound.Observer
	if a.Outbound != nil {
		obs = a.Outbound
	}
	c, err := NewHealthChecker(a.Config, HealthDeps{Pool: a.Pool, Redis: a.Redis, CalcomBudget: budget, Observer: obs, Version: version,
		Metrics: true, Start: time.Now(), Logger: a.Logger})
	if err != nil {
		return nil, err
	}
	a.health.checker = c
	if m := a.health.redisMon; m != nil {
		ctx, cancel := context.WithCancel(context.Background())
		a.health.stop = cancel
		a.health.wg.Go(func() { m.Run(ctx) })
	}
	return health.Handler(c, health.HandlerOpts{Token: a.Config.Metrics.Token, MaxAge: HealthReportMaxAge}), nil
}

// HealthReportMaxAge is how long GET /health answers requests without
// metrics.token from the last report before it runs the checks again: the
// route needs no token, so a flood of anonymous probes costs the database
// at most one run of the checks a second (see health.HandlerOpts.MaxAge).
const HealthReportMaxAge = time.Second

// Health runs the checks of GET /health now.
func (a *App) Health(ctx context.Context) health.Report { return a.health.checker.Run(ctx) }

// stopHealth stops the Redis monitor's loop.
func (a *App) stopHealth() {
	if a.health.stop != nil {
		a.health.stop()
		a.health.wg.Wait()
	}
}
