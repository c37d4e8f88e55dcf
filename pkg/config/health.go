package config

import (
	"fmt"
	"time"
)

// HealthConfig holds the thresholds of the comprehensive health checks
// (GET /health and `askpro health`; docs/health.md).
type HealthConfig struct {
	// QueueMaxAge is how long the oldest waiting webhook event may wait
	// before the queue check is degraded. Defaults to 5m.
	QueueMaxAge time.Duration `mapstructure:"queue_max_age"`
	// DiskMinFree is the free space, in bytes, of the data directory (the
	// SQLite file's directory, or the working directory) under which the
	// disk check is degraded. Defaults to 1 GiB.
	DiskMinFree int64 `mapstructure:"disk_min_free"`
	// ExternalTimeout bounds one ping of Retell or Cal.com. Defaults to 3s.
	ExternalTimeout time.Duration `mapstructure:"external_timeout"`
	// ExternalCacheTTL is how long the result of a Retell or Cal.com ping
	// is reused, so that probes never hammer them. Defaults to 60s.
	ExternalCacheTTL time.Duration `mapstructure:"external_cache_ttl"`
	// TLSWarnBefore is how long before http.tls_cert expires the TLS check
	// is degraded. Defaults to 336h (14 days).
	TLSWarnBefore time.Duration `mapstructure:"tls_warn_before"`
	// CheckTimeout bounds each check of a health report. Defaults to 5s.
	CheckTimeout time.Duration `mapstructure:"check_timeout"`
}

// defaultHealth is the health section of [Default].
func defaultHealth() HealthConfig {
	return HealthConfig{
		QueueMaxAge:      5 * time.Minute,
		DiskMinFree:      1 << 30,
		ExternalTimeout:  3 * time.Second,
		ExternalCacheTTL: 60 * time.Second,
		TLSWarnBefore:    14 * 24 * time.Hour,
		CheckTimeout:     5 * time.Second,
	}
}

// validate refuses thresholds that are zero or negative.
func (h HealthConfig) validate() error {
	for _, d := range []struct {
		key string
		d   time.Duration
	}{
		{"health.queue_max_age", h.QueueMaxAge},
		{"health.external_timeout", h.ExternalTimeout},
		{"health.external_cache_ttl", h.ExternalCacheTTL},
		{"health.tls_warn_before", h.TLSWarnBefore},
		{"health.check_timeout", h.CheckTimeout},
	} {
		if d.d <= 0 {
			return &KeyError{Key: d.key, Err: fmt.Errorf("must be > 0, got %s", d.d)}
		}
	}
	if h.DiskMinFree < 0 {
		return &KeyError{Key: "health.disk_min_free", Err: fmt.Errorf("must be >= 0 bytes, got %d", h.DiskMinFree)}
	}
	return nil
}
