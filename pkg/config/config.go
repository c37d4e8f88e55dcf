package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix is the prefix of askpro's environment variables.
const EnvPrefix = "ASKPRO"

// DefaultFile is the config file read from the working directory when no
// --config is given. A missing default file is not an error.
const DefaultFile = "askpro.yaml"

// Config is askpro's effective configuration. The mapstructure tags are the
// config keys (dotted paths); DESIGN.md fixes their names.
//
// Keys marked "Reserved" below are part of DESIGN.md's contract but not read
// by any command yet; they are accepted, shown by `askpro config show`, and
// will be read by the feature named in their comment.
type Config struct {
	// Environment names the deployment ("production"), reported by
	// GET /health and `askpro health`.
	Environment string          `mapstructure:"environment"`
	Database    DatabaseConfig  `mapstructure:"database"`
	Redis       RedisConfig     `mapstructure:"redis"`
	HTTP        HTTPConfig      `mapstructure:"http"`
	Queue       QueueConfig     `mapstructure:"queue"`
	Retell      RetellConfig    `mapstructure:"retell"`
	Calcom      CalcomConfig    `mapstructure:"calcom"`
	Stripe      StripeConfig    `mapstructure:"stripe"`
	Metrics     MetricsConfig   `mapstructure:"metrics"`
	Security    SecurityConfig  `mapstructure:"security"`
	Log         LogConfig       `mapstructure:"log"`
	RateLimit   RateLimitConfig `mapstructure:"ratelimit"`
	Health      HealthConfig    `mapstructure:"health"`
}

// DatabaseConfig selects the database and its pool policy.
type DatabaseConfig struct {
	// URL is mysql://user:pass@tcp(host:3306)/askpro?parseTime=true or
	// sqlite://path/to/askpro.db.
	URL  string     `mapstructure:"url" secret:"url"`
	Pool PoolConfig `mapstructure:"pool"`
}

// PoolConfig is the spec's connection pool policy. Its defaults are
// pkg/pool's (pool.DefaultMinConns, ...), so the two cannot drift apart.
type PoolConfig struct {
	MinConnections    int           `mapstructure:"min_connections"`
	MaxConnections    int           `mapstructure:"max_connections"`
	ConnectionTimeout time.Duration `mapstructure:"connection_timeout"`
	IdleTimeout       time.Duration `mapstructure:"idle_timeout"`
	MaxLifetime       time.Duration `mapstructure:"max_lifetime"`
	RetryAttempts     int           `mapstructure:"retry_attempts"`
	RetryDelay        time.Duration `mapstructure:"retry_delay"`
	HealthInterval    time.Duration `mapstructure:"health_interval"`
	QueryTimeout      time.Duration `mapstructure:"query_timeout"`
}

// Pool returns the section as a pool.Config (without a Logger): the one
// mapping from configuration keys to the pool's policy.
func (c PoolConfig) Pool() pool.Config {
	return pool.Config{
		MinConns:          c.MinConnections,
		MaxConns:          c.MaxConnections,
		ConnectionTimeout: c.ConnectionTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxLifetime:       c.MaxLifetime,
		RetryAttempts:     c.RetryAttempts,
		RetryDelay:        c.RetryDelay,
		HealthInterval:    c.HealthInterval,
		QueryTimeout:      c.QueryTimeout,
	}
}

// RedisConfig points at Redis. An empty URL means no Redis: the in-process
// dedup store and rate limiter serve one process.
type RedisConfig struct {
	URL string `mapstructure:"url" secret:"url"`
	// Pipeline sends the dedup commands of concurrent webhooks to Redis in
	// one pipeline (fewer round trips and less CPU under load).
	Pipeline bool `mapstructure:"pipeline"`
}

// HTTPConfig configures the HTTP server of askpro serve.
type HTTPConfig struct {
	// Addr is the listen address host:port (port 0-65535; an empty host
	// listens on every interface).
	Addr string `mapstructure:"addr"`
	// PublicURL is the URL Retell calls: provisioning points the agent's
	// webhook, its tools and the number's inbound webhook at it.
	PublicURL       string        `mapstructure:"public_url"`
	MaxBodyBytes    int64         `mapstructure:"max_body_bytes"`
	ReadTimeout     time.Duration `mapstructure:"read_timeout"`
	WriteTimeout    time.Duration `mapstructure:"write_timeout"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	// TrustedProxies are the networks (CIDRs or single addresses) of the
	// reverse proxies and load balancers in front of askpro. Only from
	// these peers is X-Forwarded-For read to find the client address (the
	// rightmost hop that is not itself trusted); empty means the TCP peer
	// is the client and X-Forwarded-For is ignored. A comma-separated list
	// in the environment.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	// BaseDomain is the domain whose subdomains name companies: a request
	// to salon-x.<BaseDomain> resolves to the company with subdomain
	// salon-x (pkg/tenant's Subdomain resolver). Empty means requests are
	// never resolved by host.
	BaseDomain string `mapstructure:"base_domain"`
	// TLSCert is the PEM file of the certificate clients see (served by the
	// proxy in front of askpro, or one day by askpro itself); the health
	// checks warn before it expires. Empty means no TLS check.
	TLSCert string `mapstructure:"tls_cert"`
}

// QueueConfig configures the workers of askpro serve and askpro worker
// (pkg/queue.WorkerConfig).
type QueueConfig struct {
	// Workers is the number of concurrent workers per process; the
	// --workers flag overrides it.
	Workers int `mapstructure:"workers"`
	// Batch bounds the jobs one worker claims and commits at once.
	Batch int `mapstructure:"batch"`
	// Timeout bounds one attempt of one job.
	Timeout time.Duration `mapstructure:"timeout"`
	// Lease is how long a claim holds its jobs before another worker may
	// take them back (a killed worker's jobs wait this long); 0 means
	// timeout + 30s.
	Lease time.Duration `mapstructure:"lease"`
	// PollInterval is how long an idle worker waits before it looks again.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// DrainTimeout bounds how long a stopping process waits for running jobs.
	DrainTimeout time.Duration `mapstructure:"drain_timeout"`
}

// RetellConfig holds the Retell API key (which also signs Retell webhooks)
// and the API host.
type RetellConfig struct {
	APIKey string `mapstructure:"api_key" secret:"true"`
	// BaseURL is the API host (pkg/retell appends the documented paths).
	BaseURL string `mapstructure:"base_url"`
	// VoiceID is the voice of provisioned agents. Defaults to retell-Cimo
	// (the Retell SDK's example voice): choose a German voice in the
	// Retell dashboard and set it here.
	VoiceID string `mapstructure:"voice_id"`
	// Model is the LLM of provisioned agents' Retell LLM. Defaults to
	// gpt-4.1 (Retell's default).
	Model string `mapstructure:"model"`
}

// CalcomConfig holds the platform Cal.com API key, the webhook secret and
// the API host.
type CalcomConfig struct {
	// APIKey is the platform Cal.com key, used for companies without a key
	// of their own.
	APIKey        string `mapstructure:"api_key" secret:"true"`
	WebhookSecret string `mapstructure:"webhook_secret" secret:"true"`
	// BaseURL is the API host for companies without a base URL of their
	// own (https://api.cal.com, or https://api.cal.eu).
	BaseURL string `mapstructure:"base_url"`
	// RequestsPerMinute is askpro's budget per Cal.com API key, shared by
	// all replicas through Redis when Redis is set. Cal.com allows 120 a
	// minute and then blocks the key for a minute; defaults to 100.
	RequestsPerMinute int `mapstructure:"requests_per_minute"`
}

// StripeConfig holds the Stripe webhook endpoint secret (whsec_...).
type StripeConfig struct {
	WebhookSecret string `mapstructure:"webhook_secret" secret:"true"`
}

// MetricsConfig protects /metrics and /health with a bearer token when set.
type MetricsConfig struct {
	Token string `mapstructure:"token" secret:"true"`
	// Addr is where `askpro worker` serves /metrics, /healthz, /readyz and
	// /health (no API routes). Empty means the worker serves no HTTP.
	// serve ignores it: its metrics are on http.addr.
	Addr string `mapstructure:"addr"`
}

// SecurityConfig holds the keys that seal secrets at rest (AES-256-GCM,
// pkg/secrets): per-company Cal.com API keys.
type SecurityConfig struct {
	// EncryptionKey is the current key: 32 bytes as base64 or hex
	// (`openssl rand -base64 32`). It seals new values and opens them.
	// Empty means no key: no company can be given its own Cal.com key,
	// and serve refuses to start while sealed keys exist.
	EncryptionKey string `mapstructure:"encryption_key" secret:"true"`
	// PreviousEncryptionKeys are retired keys that still open values
	// sealed under them until `askpro secrets rotate` has re-sealed those
	// under EncryptionKey. In the environment
	// (ASKPRO_SECURITY_PREVIOUS_ENCRYPTION_KEYS) they are comma-separated.
	// Empty means none.
	PreviousEncryptionKeys []string `mapstructure:"previous_encryption_keys" secret:"true"`
}

// Keyring parses the keys into a keyring (an empty one without
// EncryptionKey). Its errors are [*KeyError]s naming the bad key, never
// its value.
func (c SecurityConfig) Keyring() (*secrets.Keyring, error) {
	if c.EncryptionKey == "" && len(c.PreviousEncryptionKeys) > 0 {
		return nil, &KeyError{Key: "security.previous_encryption_keys", Err: errors.New("set, but security.encryption_key is not: the current key seals, the previous ones only open")}
	}
	if c.EncryptionKey != "" {
		if _, err := secrets.ParseKey(c.EncryptionKey); err != nil {
			return nil, &KeyError{Key: "security.encryption_key", Err: err}
		}
	}
	ring, err := secrets.ParseKeyring(c.EncryptionKey, c.PreviousEncryptionKeys)
	if err != nil {
		return nil, &KeyError{Key: "security.previous_encryption_keys", Err: err}
	}
	return ring, nil
}

// RateLimitConfig holds the rate limits of askpro serve (pkg/ratelimit).
// Each limit is "RATE/PERIOD[:BURST]" (see ratelimit.ParseLimit), or "off".
// With redis.url set the limits hold across every replica (GCRA on
// Redis); without it each process limits on its own. docs/ratelimit.md
// explains the defaults.
type RateLimitConfig struct {
	// Enabled switches every limit on or off.
	Enabled bool `mapstructure:"enabled"`
	// APIPerKey limits each API key on /api/v1.
	APIPerKey string `mapstructure:"api_per_key"`
	// APIPerIP limits each client address on /api/v1, before the key is
	// checked (so guessing keys is limited too).
	APIPerIP string `mapstructure:"api_per_ip"`
	// WebhooksPerIP limits each address on /webhooks/*: far above any
	// provider's real rate, never by provider account. It is kept in
	// process on each replica, also with redis.url, so that ingestion makes
	// no extra Redis round trip.
	WebhooksPerIP string `mapstructure:"webhooks_per_ip"`
	// FunctionsPerIP limits each address on Retell's /retell/functions/*
	// and /retell/inbound, with the same reasoning as WebhooksPerIP.
	FunctionsPerIP string `mapstructure:"functions_per_ip"`
}

// RateLimits are the parsed limits of a [RateLimitConfig]; a zero Limit
// (Limit.IsZero) is off.
type RateLimits struct {
	APIPerKey, APIPerIP, WebhooksPerIP, FunctionsPerIP ratelimit.Limit
}

// Limits parses the section. With Enabled false every limit is zero (off).
// It returns a [*KeyError] naming the first limit that does not parse
// (Validate has already refused those for a loaded config).
func (c RateLimitConfig) Limits() (RateLimits, error) {
	var out RateLimits
	if !c.Enabled {
		return out, nil
	}
	for _, f := range []struct {
		key string
		val string
		dst *ratelimit.Limit
	}{
		{"ratelimit.api_per_key", c.APIPerKey, &out.APIPerKey},
		{"ratelimit.api_per_ip", c.APIPerIP, &out.APIPerIP},
		{"ratelimit.webhooks_per_ip", c.WebhooksPerIP, &out.WebhooksPerIP},
		{"ratelimit.functions_per_ip", c.FunctionsPerIP, &out.FunctionsPerIP},
	} {
		l, err := ratelimit.ParseLimit(f.val)
		if err != nil {
			return RateLimits{}, &KeyError{Key: f.key, Err: err}
		}
		*f.dst = l
	}
	return out, nil
}

// TrustedProxyPrefixes parses TrustedProxies. It returns a [*KeyError] for
// http.trusted_proxies naming the first entry that is not a CIDR or an
// address.
func (c HTTPConfig) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	p, err := ratelimit.ParsePrefixes(c.TrustedProxies)
	if err != nil {
		return nil, &KeyError{Key: "http.trusted_proxies", Err: err}
	}
	return p, nil
}

// LogConfig configures log/slog output (docs/logging.md).
type LogConfig struct {
	// Level is debug, info (the default), warn or error.
	Level string `mapstructure:"level"`
	// Format is json or text. Empty (the default) means text when stderr
	// is a terminal, else json.
	Format string `mapstructure:"format"`
	// ErrorFile, when set, also receives every line at error level and
	// above, as JSON (append-only, mode 0600, created if missing). Empty
	// (the default) means no error file.
	ErrorFile string `mapstructure:"error_file"`
}

// Default returns the built-in defaults: an embedded SQLite database, no
// Redis, the spec's pool policy and the providers' public API hosts.
func Default() Config {
	return Config{
		Environment: "production",
		Database: DatabaseConfig{
			URL: "sqlite://askpro.db",
			Pool: PoolConfig{
				MinConnections:    pool.DefaultMinConns,
				MaxConnections:    pool.DefaultMaxConns,
				ConnectionTimeout: pool.DefaultConnectionTimeout,
				IdleTimeout:       pool.DefaultIdleTimeout,
				MaxLifetime:       pool.DefaultMaxLifetime,
				RetryAttempts:     pool.DefaultRetryAttempts,
				RetryDelay:        pool.DefaultRetryDelay,
				HealthInterval:    pool.DefaultHealthInterval,
				QueryTimeout:      pool.DefaultQueryTimeout,
			},
		},
		Redis: RedisConfig{Pipeline: true},
		HTTP: HTTPConfig{
			Addr:            "127.0.0.1:8080",
			MaxBodyBytes:    1 << 20,
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    30 * time.Second,
			ShutdownTimeout: 30 * time.Second,
			TrustedProxies:  []string{},
		},
		Queue: QueueConfig{
			Workers:      4,
			Batch:        16,
			Timeout:      120 * time.Second,
			PollInterval: 100 * time.Millisecond,
			DrainTimeout: 30 * time.Second,
		},
		Retell: RetellConfig{BaseURL: "https://api.retellai.com", VoiceID: "retell-Cimo", Model: "gpt-4.1"},
		Calcom: CalcomConfig{BaseURL: "https://api.cal.com", RequestsPerMinute: 100},
		Log:    LogConfig{Level: "info"},
		// docs/ratelimit.md says why these values.
		RateLimit: RateLimitConfig{
			Enabled:        true,
			APIPerKey:      "600/1m:60",
			APIPerIP:       "1200/1m:120",
			WebhooksPerIP:  "1000/1s:2000",
			FunctionsPerIP: "100/1s:500",
		},
		Health: defaultHealth(),
	}
}

// KeyError reports a bad value for one config key.
type KeyError struct {
	Key string // dotted config key, e.g. database.pool.connection_timeout
	Err error
}

// Error returns "config: KEY: reason".
func (e *KeyError) Error() string { return fmt.Sprintf("config: %s: %v", e.Key, e.Err) }

// Unwrap returns the reason.
func (e *KeyError) Unwrap() error { return e.Err }

// LoadOptions says where Load reads from. The zero value reads defaults,
// ./askpro.yaml if present, and the process environment.
type LoadOptions struct {
	// File is an explicit config file (--config). It must exist.
	File string
	// Flags maps config keys to flags that override them when set.
	Flags map[string]*pflag.Flag
	// Environ is the environment as KEY=VALUE pairs; nil means os.Environ().
	Environ []string
}

// Load resolves the layered configuration once and validates it. Errors for
// bad values are [*KeyError]s naming the key.
func Load(opts LoadOptions) (*Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	setDefaults(v, "", reflect.ValueOf(Default()))

	file := opts.File
	if file == "" {
		if _, err := os.Stat(DefaultFile); err == nil {
			file = DefaultFile
		}
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config: read %s: %w", file, err)
		}
	}

	environ := opts.Environ
	if environ == nil {
		environ = os.Environ()
	}
	env := map[string]string{}
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix+"_") {
			env[k] = val
		}
	}
	for _, key := range v.AllKeys() {
		name := EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		if val, ok := env[name]; ok {
			v.Set(key, val)
		}
	}
	for key, f := range opts.Flags {
		if f != nil && f.Changed {
			v.Set(key, f.Value.String())
		}
	}

	cfg := &Config{}
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           cfg,
		WeaklyTypedInput: true,
		ErrorUnused:      false,
		DecodeHook:       mapstructure.ComposeDecodeHookFunc(durationHook, listHook),
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := dec.Decode(v.AllSettings()); err != nil {
		return nil, keyErrorFrom(err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

var durationType = reflect.TypeOf(time.Duration(0))

// durationHook parses durations with units ("10s", "300ms") and refuses bare
// numbers, which would silently mean nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	switch d := data.(type) {
	case string:
		dur, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return nil, fmt.Errorf("invalid duration %q (want a number with a unit, e.g. 10s or 100ms)", d)
		}
		return dur, nil
	case time.Duration:
		return d, nil
	case int, int64, float64, uint, uint64, int32:
		return nil, fmt.Errorf("duration %v needs a unit, e.g. %vs or %vms", d, d, d)
	}
	return data, nil
}

var stringsType = reflect.TypeOf([]string(nil))

// listHook reads a list key given as one string (an environment variable,
// a flag) as comma-separated values, trimmed, empty ones dropped.
func listHook(from, to reflect.Type, data any) (any, error) {
	if to != stringsType || from.Kind() != reflect.String {
		return data, nil
	}
	out := []string{}
	for _, p := range strings.Split(data.(string), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func keyErrorFrom(err error) error {
	// mapstructure reports "decoding failed due to the following error(s):
	// 'database.pool.connection_timeout' <reason>".
	var de *mapstructure.DecodeError
	if errors.As(err, &de) {
		return &KeyError{Key: strings.ToLower(de.Name()), Err: de.Unwrap()}
	}
	msg := err.Error()
	if i := strings.Index(msg, "'"); i >= 0 {
		if j := strings.Index(msg[i+1:], "'"); j >= 0 {
			key := msg[i+1 : i+1+j]
			rest := strings.TrimSpace(msg[i+2+j:])
			return &KeyError{Key: strings.ToLower(key), Err: errors.New(rest)}
		}
	}
	return fmt.Errorf("config: %w", err)
}

func setDefaults(v *viper.Viper, prefix string, rv reflect.Value) {
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		key := f.Tag.Get("mapstructure")
		if prefix != "" {
			key = prefix + "." + key
		}
		fv := rv.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			setDefaults(v, key, fv)
			continue
		}
		if f.Type == durationType {
			v.SetDefault(key, fv.Interface().(time.Duration).String())
			continue
		}
		v.SetDefault(key, fv.Interface())
	}
}
