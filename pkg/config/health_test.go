package config_test

import (
	"errors"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealthKeys(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}})
	require.NoError(t, err)
	assert.Equal(t, config.HealthConfig{QueueMaxAge: 5 * time.Minute, DiskMinFree: 1 << 30, ExternalTimeout: 3 * time.Second,
		ExternalCacheTTL: time.Minute, TLSWarnBefore: 14 * 24 * time.Hour, CheckTimeout: 5 * time.Second}, cfg.Health)
	assert.Empty(t, cfg.HTTP.TLSCert)

	cfg, err = config.Load(config.LoadOptions{Environ: []string{
		"ASKPRO_HEALTH_QUEUE_MAX_AGE=90s", "ASKPRO_HEALTH_DISK_MIN_FREE=5000", "ASKPRO_HEALTH_EXTERNAL_CACHE_TTL=2m",
		"ASKPRO_HTTP_TLS_CERT=/etc/askpro/cert.pem",
	}})
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, cfg.Health.QueueMaxAge)
	assert.Equal(t, int64(5000), cfg.Health.DiskMinFree)
	assert.Equal(t, 2*time.Minute, cfg.Health.ExternalCacheTTL)
	assert.Equal(t, "/etc/askpro/cert.pem", cfg.HTTP.TLSCert)

	for env, key := range map[string]string{
		"ASKPRO_HEALTH_QUEUE_MAX_AGE=0s":      "health.queue_max_age",
		"ASKPRO_HEALTH_CHECK_TIMEOUT=-1s":     "health.check_timeout",
		"ASKPRO_HEALTH_DISK_MIN_FREE=-1":      "health.disk_min_free",
		"ASKPRO_HEALTH_EXTERNAL_TIMEOUT=3":    "health.external_timeout",
		"ASKPRO_HEALTH_TLS_WARN_BEFORE=never": "health.tls_warn_before",
	} {
		_, err := config.Load(config.LoadOptions{Environ: []string{env}})
		var ke *config.KeyError
		require.True(t, errors.As(err, &ke), "%s: %v", env, err)
		assert.Equal(t, key, ke.Key, env)
	}
}
