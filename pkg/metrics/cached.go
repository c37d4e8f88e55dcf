package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Cached defaults.
const (
	DefaultCacheTTL     = 5 * time.Second
	DefaultCacheTimeout = 2 * time.Second
)

// CachedConfig configures a [Cached] collector.
type CachedConfig struct {
	// Name names the collector in log lines ("queue", "active_calls").
	Name string
	// Descs are the descriptors of every metric Read may return. Required.
	Descs []*prometheus.Desc
	// Read returns the current metrics; it typically queries the database.
	// Its context ends after Timeout. Required.
	Read func(ctx context.Context) ([]prometheus.Metric, error)
	// TTL is how long an answer of Read (or its failure) is served before
	// Read runs again. Zero means [DefaultCacheTTL].
	TTL time.Duration
	// Timeout bounds one Read. Zero means [DefaultCacheTimeout].
	Timeout time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives a warning per failed Read. Nil means slog.Default().
	Logger *slog.Logger
}

// Cached is a [prometheus.Collector] whose metrics come from a function
// that is expensive to run (a database query): a scrape runs it at most
// once per TTL and otherwise serves its last answer, so that scrapes (and
// several Prometheus servers) never hammer the database. While Read fails,
// the metrics are left out of the scrape (the rest of /metrics is still
// served) and the failure is logged once per TTL. It is safe for
// concurrent use; concurrent scrapes share one Read.
type Cached struct {
	cfg CachedConfig

	mu     sync.Mutex
	at     time.Time
	valid  bool
	cached []prometheus.Metric
}

var _ prometheus.Collector = (*Cached)(nil)

// NewCached returns a Cached collector for cfg. It panics when Descs or
// Read is missing (a programmer error at setup).
func NewCached(cfg CachedConfig) *Cached {
	if len(cfg.Descs) == 0 || cfg.Read == nil {
		panic("metrics: CachedConfig needs Descs and Read")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultCacheTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultCacheTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Cached{cfg: cfg}
}

// Describe implements [prometheus.Collector].
func (c *Cached) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.cfg.Descs {
		ch <- d
	}
}

// Collect implements [prometheus.Collector]: it sends the cached metrics,
// reading them first when the cache is older than TTL.
func (c *Cached) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.metrics() {
		ch <- m
	}
}

func (c *Cached) metrics() []prometheus.Metric {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	if c.valid && now.Sub(c.at) < c.cfg.TTL {
		return c.cached
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	ms, err := c.cfg.Read(ctx)
	c.at, c.valid = now, true
	if err != nil {
		c.cfg.Logger.Warn("metrics: reading metrics failed; left out of the scrape", "collector", c.cfg.Name, "err", err)
		ms = nil
	}
	c.cached = ms
	return ms
}
