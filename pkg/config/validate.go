package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/redis/go-redis/v9"
)

// Validate checks the values Load cannot check by type, so that a command
// finds a bad setting before it changes anything. It returns a [*KeyError]
// naming the first bad key. database.url is parsed by pool.ParseURL and
// redis.url by go-redis' ParseURL, the parsers that will open them.
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &KeyError{Key: key, Err: fmt.Errorf(format, args...)}
	}
	if c.Database.URL == "" {
		return bad("database.url", "must not be empty (e.g. sqlite://askpro.db)")
	}
	if _, _, err := pool.ParseURL(c.Database.URL); err != nil {
		return &KeyError{Key: "database.url", Err: err}
	}
	p := c.Database.Pool
	switch {
	case p.MinConnections < 0:
		return bad("database.pool.min_connections", "must be >= 0, got %d", p.MinConnections)
	case p.MaxConnections < 1:
		return bad("database.pool.max_connections", "must be >= 1, got %d", p.MaxConnections)
	case p.MinConnections > p.MaxConnections:
		return bad("database.pool.min_connections", "%d is greater than database.pool.max_connections %d", p.MinConnections, p.MaxConnections)
	case p.RetryAttempts < 0:
		return bad("database.pool.retry_attempts", "must be >= 0, got %d", p.RetryAttempts)
	}
	durations := []struct {
		key string
		d   time.Duration
	}{
		{"database.pool.connection_timeout", p.ConnectionTimeout},
		{"database.pool.idle_timeout", p.IdleTimeout},
		{"database.pool.max_lifetime", p.MaxLifetime},
		{"database.pool.retry_delay", p.RetryDelay},
		{"database.pool.health_interval", p.HealthInterval},
		{"database.pool.query_timeout", p.QueryTimeout},
		{"http.read_timeout", c.HTTP.ReadTimeout},
		{"http.write_timeout", c.HTTP.WriteTimeout},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout},
		{"queue.lease", c.Queue.Lease},
	}
	for _, d := range durations {
		if d.d < 0 {
			return bad(d.key, "must not be negative, got %s", d.d)
		}
	}
	if err := c.Health.validate(); err != nil {
		return err
	}
	if c.Queue.Workers < 1 {
		return bad("queue.workers", "must be >= 1, got %d", c.Queue.Workers)
	}
	if c.Queue.Batch < 1 || c.Queue.Batch > 256 {
		return bad("queue.batch", "must be 1-256, got %d", c.Queue.Batch)
	}
	for _, d := range []struct {
		key string
		d   time.Duration
	}{{"queue.timeout", c.Queue.Timeout}, {"queue.poll_interval", c.Queue.PollInterval}, {"queue.drain_timeout", c.Queue.DrainTimeout}} {
		if d.d <= 0 {
			return bad(d.key, "must be > 0, got %s", d.d)
		}
	}
	if c.Queue.Lease != 0 && c.Queue.Lease <= c.Queue.Timeout {
		return bad("queue.lease", "must be longer than queue.timeout (%s), got %s", c.Queue.Timeout, c.Queue.Lease)
	}
	if c.Database.Pool.ConnectionTimeout == 0 {
		return bad("database.pool.connection_timeout", "must be > 0")
	}
	if c.Redis.URL != "" {
		if _, err := redis.ParseURL(c.Redis.URL); err != nil {
			return bad("redis.url", "want redis://host:6379/0, rediss://... or unix://...; got %q: %v",
				pool.MaskURL(c.Redis.URL), maskErr(err, c.Redis.URL))
		}
	}
	if err := checkListenAddr(c.HTTP.Addr); err != nil {
		return &KeyError{Key: "http.addr", Err: err}
	}
	if c.Metrics.Addr != "" {
		if err := checkListenAddr(c.Metrics.Addr); err != nil {
			return &KeyError{Key: "metrics.addr", Err: err}
		}
	}
	if c.HTTP.PublicURL != "" {
		if err := checkHostURL(c.HTTP.PublicURL); err != nil {
			return &KeyError{Key: "http.public_url", Err: err}
		}
	}
	if d := c.HTTP.BaseDomain; d != "" {
		if strings.Contains(d, "://") || strings.ContainsAny(d, "/:@ ") || strings.HasPrefix(d, ".") || !strings.Contains(d, ".") {
			return bad("http.base_domain", "%q is not a domain name such as askpro.example (no scheme, port or path)", d)
		}
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		return bad("http.max_body_bytes", "must be > 0, got %d", c.HTTP.MaxBodyBytes)
	}
	for _, u := range []struct{ key, url string }{{"retell.base_url", c.Retell.BaseURL}, {"calcom.base_url", c.Calcom.BaseURL}} {
		if err := checkHostURL(u.url); err != nil {
			return &KeyError{Key: u.key, Err: err}
		}
	}
	if c.Calcom.RequestsPerMinute < 1 || c.Calcom.RequestsPerMinute > 120 {
		return bad("calcom.requests_per_minute", "must be 1 to 120 (Cal.com allows 120 a minute per key), got %d", c.Calcom.RequestsPerMinute)
	}
	if strings.TrimSpace(c.Retell.VoiceID) == "" {
		return bad("retell.voice_id", "must not be empty")
	}
	if strings.TrimSpace(c.Retell.Model) == "" {
		return bad("retell.model", "must not be empty")
	}
	if _, err := c.HTTP.TrustedProxyPrefixes(); err != nil {
		return err
	}
	rl := c.RateLimit
	rl.Enabled = true // checked even when disabled, so that enabling them cannot fail later
	if _, err := rl.Limits(); err != nil {
		return err
	}
	if _, err := c.Security.Keyring(); err != nil {
		return err
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "want debug, info, warn or error; got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "", "json", "text":
	default:
		return bad("log.format", "want json or text (or empty: text on a terminal, else json); got %q", c.Log.Format)
	}
	return nil
}

// checkListenAddr accepts what net.Listen("tcp", addr) accepts for a fixed
// address: host:port with a numeric port 0-65535 (0 = any free port) and an
// optional host ("" listens on every interface).
func checkListenAddr(addr string) error {
	if addr == "" {
		return errors.New("must not be empty (e.g. 127.0.0.1:8080)")
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080 or :8080): %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// checkHostURL accepts an absolute http(s) URL with a host.
func checkHostURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http(s) URL such as https://api.example.com, got %q", pool.MaskURL(raw))
	}
	return nil
}

// maskErr removes the unmasked URL from a parser's error message.
func maskErr(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, pool.MaskURL(raw))
}

// Setting is one effective config key and its display value.
type Setting struct {
	Key    string `json:"key"`
	Value  any    `json:"value"`
	Secret bool   `json:"secret,omitempty"`
}

// Settings lists every key with its effective value, secrets masked ("****"
// when set, "" when not), URLs with their passwords masked. Durations are
// shown as strings ("10s").
func (c *Config) Settings() []Setting {
	var out []Setting
	walk("", reflect.ValueOf(*c), &out)
	return out
}

// Masked returns the config as nested maps with secrets masked, for JSON.
func (c *Config) Masked() map[string]any {
	root := map[string]any{}
	for _, s := range c.Settings() {
		parts := strings.Split(s.Key, ".")
		m := root
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = s.Value
	}
	return root
}

func walk(prefix string, rv reflect.Value, out *[]Setting) {
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		key := f.Tag.Get("mapstructure")
		if prefix != "" {
			key = prefix + "." + key
		}
		fv := rv.Field(i)
		if f.Type.Kind() == reflect.Struct {
			walk(key, fv, out)
			continue
		}
		s := Setting{Key: key, Value: fv.Interface()}
		if d, ok := s.Value.(time.Duration); ok {
			s.Value = d.String()
		}
		switch f.Tag.Get("secret") {
		case "true":
			s.Secret = true
			if fv.Kind() == reflect.Slice {
				masked := make([]string, fv.Len())
				for i := range masked {
					masked[i] = "****"
				}
				s.Value = masked
			} else if fv.String() != "" {
				s.Value = "****"
			}
		case "url":
			s.Value = pool.MaskURL(fv.String())
		}
		*out = append(*out, s)
	}
}
