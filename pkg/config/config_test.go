package config_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "askpro.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}})
	require.NoError(t, err)
	assert.Equal(t, "sqlite://askpro.db", cfg.Database.URL)
	assert.Equal(t, 10, cfg.Database.Pool.MinConnections)
	assert.Equal(t, 50, cfg.Database.Pool.MaxConnections)
	assert.Equal(t, 10*time.Second, cfg.Database.Pool.ConnectionTimeout)
	assert.Equal(t, 300*time.Second, cfg.Database.Pool.IdleTimeout)
	assert.Equal(t, 3, cfg.Database.Pool.RetryAttempts)
	assert.Equal(t, 100*time.Millisecond, cfg.Database.Pool.RetryDelay)
	assert.Equal(t, "https://api.retellai.com", cfg.Retell.BaseURL)
	assert.Equal(t, "https://api.cal.com", cfg.Calcom.BaseURL)
	assert.Equal(t, "127.0.0.1:8080", cfg.HTTP.Addr)
	assert.Empty(t, cfg.Redis.URL)
}

func TestLayering(t *testing.T) {
	t.Parallel()
	file := writeFile(t, `
database:
  url: mysql://app:s3cret@tcp(db:3306)/askpro?parseTime=true
  pool:
    max_connections: 20
    connection_timeout: 5s
http:
  addr: 0.0.0.0:9000
retell:
  api_key: from-file
`)
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	addr := fs.String("addr", "", "")
	require.NoError(t, fs.Parse([]string{"--addr", "127.0.0.1:7000"}))
	_ = addr
	cfg, err := config.Load(config.LoadOptions{
		File: file,
		Environ: []string{
			"ASKPRO_DATABASE_POOL_MAX_CONNECTIONS=30",
			"ASKPRO_RETELL_API_KEY=from-env",
			"ASKPRO_CALCOM_WEBHOOK_SECRET=whsec",
			"OTHER_VAR=x",
		},
		Flags: map[string]*pflag.Flag{"http.addr": fs.Lookup("addr")},
	})
	require.NoError(t, err)
	assert.Equal(t, "mysql://app:s3cret@tcp(db:3306)/askpro?parseTime=true", cfg.Database.URL, "file beats default")
	assert.Equal(t, 30, cfg.Database.Pool.MaxConnections, "env beats file")
	assert.Equal(t, 5*time.Second, cfg.Database.Pool.ConnectionTimeout, "file beats default")
	assert.Equal(t, "from-env", cfg.Retell.APIKey, "env beats file")
	assert.Equal(t, "whsec", cfg.Calcom.WebhookSecret)
	assert.Equal(t, "127.0.0.1:7000", cfg.HTTP.Addr, "flag beats file")
	assert.Equal(t, 10, cfg.Database.Pool.MinConnections, "untouched keys keep defaults")
}

func TestBadValuesNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ []string
		key     string
	}{
		{"unparsable duration", []string{"ASKPRO_DATABASE_POOL_CONNECTION_TIMEOUT=soon"}, "database.pool.connection_timeout"},
		{"bare number duration", []string{"ASKPRO_DATABASE_POOL_IDLE_TIMEOUT=300"}, "database.pool.idle_timeout"},
		{"unknown scheme", []string{"ASKPRO_DATABASE_URL=postgres://localhost/askpro"}, "database.url"},
		{"no scheme", []string{"ASKPRO_DATABASE_URL=askpro.db"}, "database.url"},
		{"min > max", []string{"ASKPRO_DATABASE_POOL_MIN_CONNECTIONS=60"}, "database.pool.min_connections"},
		{"not a number", []string{"ASKPRO_DATABASE_POOL_MAX_CONNECTIONS=many"}, "database.pool.max_connections"},
		{"bad redis", []string{"ASKPRO_REDIS_URL=http://x"}, "redis.url"},
		{"bad base url", []string{"ASKPRO_RETELL_BASE_URL=api.retellai.com"}, "retell.base_url"},
		{"bad log level", []string{"ASKPRO_LOG_LEVEL=loud"}, "log.level"},
		{"mysql url without database", []string{"ASKPRO_DATABASE_URL=mysql://root@tcp(db:3306)/"}, "database.url"},
		{"sqlite url without path", []string{"ASKPRO_DATABASE_URL=sqlite://"}, "database.url"},
		{"redis url with a bad db", []string{"ASKPRO_REDIS_URL=redis://localhost:6379/zero"}, "redis.url"},
		{"addr without port", []string{"ASKPRO_HTTP_ADDR=localhost"}, "http.addr"},
		{"addr with a named port", []string{"ASKPRO_HTTP_ADDR=127.0.0.1:http"}, "http.addr"},
		{"addr with port out of range", []string{"ASKPRO_HTTP_ADDR=127.0.0.1:65536"}, "http.addr"},
		{"addr with negative port", []string{"ASKPRO_HTTP_ADDR=127.0.0.1:-1"}, "http.addr"},
		{"metrics addr without port", []string{"ASKPRO_METRICS_ADDR=localhost"}, "metrics.addr"},
		{"metrics addr with port out of range", []string{"ASKPRO_METRICS_ADDR=:70000"}, "metrics.addr"},
		{"addr garbage", []string{"ASKPRO_HTTP_ADDR=not an address"}, "http.addr"},
		{"empty addr", []string{"ASKPRO_HTTP_ADDR="}, "http.addr"},
		{"public url without scheme", []string{"ASKPRO_HTTP_PUBLIC_URL=askpro.example.com"}, "http.public_url"},
		{"base domain with a scheme", []string{"ASKPRO_HTTP_BASE_DOMAIN=https://askpro.example"}, "http.base_domain"},
		{"base domain with a port", []string{"ASKPRO_HTTP_BASE_DOMAIN=askpro.example:8080"}, "http.base_domain"},
		{"negative read timeout", []string{"ASKPRO_HTTP_READ_TIMEOUT=-1s"}, "http.read_timeout"},
		{"rate limit without period", []string{"ASKPRO_RATELIMIT_API_PER_KEY=600"}, "ratelimit.api_per_key"},
		{"rate limit with a bad period", []string{"ASKPRO_RATELIMIT_API_PER_IP=1200/minute"}, "ratelimit.api_per_ip"},
		{"rate limit with zero burst", []string{"ASKPRO_RATELIMIT_WEBHOOKS_PER_IP=100/1s:0"}, "ratelimit.webhooks_per_ip"},
		{"rate limit not a number", []string{"ASKPRO_RATELIMIT_FUNCTIONS_PER_IP=lots/1s"}, "ratelimit.functions_per_ip"},
		{"bad rate limit while disabled", []string{"ASKPRO_RATELIMIT_ENABLED=false", "ASKPRO_RATELIMIT_API_PER_KEY=fast"}, "ratelimit.api_per_key"},
		{"trusted proxy not a CIDR", []string{"ASKPRO_HTTP_TRUSTED_PROXIES=10.0.0.0/8,lb.internal"}, "http.trusted_proxies"},
		{"trusted proxy bad mask", []string{"ASKPRO_HTTP_TRUSTED_PROXIES=10.0.0.0/33"}, "http.trusted_proxies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(config.LoadOptions{Environ: tt.environ})
			require.Error(t, err)
			var ke *config.KeyError
			require.True(t, errors.As(err, &ke), "want *KeyError, got %T: %v", err, err)
			assert.Equal(t, tt.key, ke.Key)
			assert.Contains(t, err.Error(), tt.key)
		})
	}
}

func TestRateLimitDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}})
	require.NoError(t, err)
	assert.True(t, cfg.RateLimit.Enabled)
	l, err := cfg.RateLimit.Limits()
	require.NoError(t, err)
	assert.Equal(t, config.RateLimits{
		APIPerKey:      ratelimit.Limit{Rate: 600, Period: time.Minute, Burst: 60},
		APIPerIP:       ratelimit.Limit{Rate: 1200, Period: time.Minute, Burst: 120},
		WebhooksPerIP:  ratelimit.Limit{Rate: 1000, Period: time.Second, Burst: 2000},
		FunctionsPerIP: ratelimit.Limit{Rate: 100, Period: time.Second, Burst: 500},
	}, l)
	p, err := cfg.HTTP.TrustedProxyPrefixes()
	require.NoError(t, err)
	assert.Empty(t, p, "no proxy is trusted by default")
}

func TestRateLimitFromEnvAndFile(t *testing.T) {
	t.Parallel()
	file := writeFile(t, `
http:
  trusted_proxies: [10.0.0.0/8, 192.0.2.10]
ratelimit:
  api_per_key: 120/1m:20
`)
	cfg, err := config.Load(config.LoadOptions{File: file, Environ: []string{
		"ASKPRO_RATELIMIT_WEBHOOKS_PER_IP=off",
		"ASKPRO_RATELIMIT_API_PER_IP=50/s",
	}})
	require.NoError(t, err)
	l, err := cfg.RateLimit.Limits()
	require.NoError(t, err)
	assert.Equal(t, ratelimit.Limit{Rate: 120, Period: time.Minute, Burst: 20}, l.APIPerKey)
	assert.Equal(t, ratelimit.PerSecond(50), l.APIPerIP)
	assert.True(t, l.WebhooksPerIP.IsZero(), "off")
	assert.False(t, l.FunctionsPerIP.IsZero(), "untouched keys keep defaults")
	p, err := cfg.HTTP.TrustedProxyPrefixes()
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.10/32")}, p)

	cfg, err = config.Load(config.LoadOptions{Environ: []string{
		"ASKPRO_HTTP_TRUSTED_PROXIES=10.0.0.0/8, 2001:db8::/32",
		"ASKPRO_RATELIMIT_ENABLED=false",
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.0/8", "2001:db8::/32"}, cfg.HTTP.TrustedProxies, "a comma-separated list in the environment, trimmed")
	p, err = cfg.HTTP.TrustedProxyPrefixes()
	require.NoError(t, err)
	assert.Len(t, p, 2)
	l, err = cfg.RateLimit.Limits()
	require.NoError(t, err)
	assert.Equal(t, config.RateLimits{}, l, "disabled: every limit off")
}

func TestGoodListenAddrs(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"127.0.0.1:8080", ":8080", "0.0.0.0:0", "[::1]:65535", "localhost:443"} {
		_, err := config.Load(config.LoadOptions{Environ: []string{"ASKPRO_HTTP_ADDR=" + addr}})
		assert.NoError(t, err, addr)
	}
}

// TestPoolDefaultsArePools: the config's pool defaults are pkg/pool's, so a
// change there reaches askpro.yaml's defaults and README's table.
func TestPoolDefaultsArePools(t *testing.T) {
	t.Parallel()
	p := config.Default().Database.Pool
	assert.Equal(t, pool.DefaultMinConns, p.MinConnections)
	assert.Equal(t, pool.DefaultMaxConns, p.MaxConnections)
	assert.Equal(t, pool.DefaultConnectionTimeout, p.ConnectionTimeout)
	assert.Equal(t, pool.DefaultIdleTimeout, p.IdleTimeout)
	assert.Equal(t, pool.DefaultMaxLifetime, p.MaxLifetime)
	assert.Equal(t, pool.DefaultRetryAttempts, p.RetryAttempts)
	assert.Equal(t, pool.DefaultRetryDelay, p.RetryDelay)
	assert.Equal(t, pool.DefaultHealthInterval, p.HealthInterval)
	assert.Equal(t, pool.DefaultQueryTimeout, p.QueryTimeout)
}

func TestMissingExplicitFile(t *testing.T) {
	t.Parallel()
	_, err := config.Load(config.LoadOptions{File: filepath.Join(t.TempDir(), "nope.yaml"), Environ: []string{}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope.yaml")
}

func TestSecretsMasked(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{
		"ASKPRO_DATABASE_URL=mysql://app:s3cret@tcp(db:3306)/askpro",
		"ASKPRO_RETELL_API_KEY=key_live_123",
		"ASKPRO_REDIS_URL=redis://:redispw@localhost:6379/0",
	}})
	require.NoError(t, err)
	m := cfg.Masked()
	assert.Equal(t, "mysql://app:****@tcp(db:3306)/askpro", m["database"].(map[string]any)["url"])
	assert.Equal(t, "****", m["retell"].(map[string]any)["api_key"])
	assert.Equal(t, "", m["stripe"].(map[string]any)["webhook_secret"], "unset secrets show empty")
	assert.Equal(t, "redis://:****@localhost:6379/0", m["redis"].(map[string]any)["url"])
	assert.Equal(t, "10s", m["database"].(map[string]any)["pool"].(map[string]any)["connection_timeout"])
	for _, s := range cfg.Settings() {
		v := fmt.Sprint(s.Value)
		assert.NotContains(t, v, "s3cret", s.Key)
		assert.NotContains(t, v, "key_live_123", s.Key)
	}
}
