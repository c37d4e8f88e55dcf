package config

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// Validate checks the values Load cannot check by type. It returns a
// [*KeyError] naming the first bad key.
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &KeyError{Key: key, Err: fmt.Errorf(format, args...)}
	}
	scheme, _, ok := strings.Cut(c.Database.URL, "://")
	switch {
	case c.Database.URL == "":
		return bad("database.url", "must not be empty (e.g. sqlite://askpro.db)")
	case !ok:
		return bad("database.url", "%q has no scheme: use mysql://... or sqlite://...", MaskURL(c.Database.URL))
	case scheme != "mysql" && scheme != "sqlite":
		return bad("database.url", "unknown database scheme %q: use mysql:// or sqlite://", scheme)
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
	for key, d := range map[string]time.Duration{
		"database.pool.connection_timeout": p.ConnectionTimeout,
		"database.pool.idle_timeout":       p.IdleTimeout,
		"database.pool.retry_delay":        p.RetryDelay,
		"http.shutdown_timeout":            c.HTTP.ShutdownTimeout,
		"worker.drain_timeout":             c.Worker.DrainTimeout,
	} {
		if d < 0 {
			return bad(key, "must not be negative, got %s", d)
		}
	}
	if c.Database.Pool.ConnectionTimeout == 0 {
		return bad("database.pool.connection_timeout", "must be > 0")
	}
	if c.Redis.URL != "" {
		u, err := url.Parse(c.Redis.URL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return bad("redis.url", "want redis://host:6379/0, rediss://... or unix://...; got %q", MaskURL(c.Redis.URL))
		}
	}
	if c.HTTP.Addr == "" {
		return bad("http.addr", "must not be empty (e.g. 127.0.0.1:8080)")
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		return bad("http.max_body_bytes", "must be > 0, got %d", c.HTTP.MaxBodyBytes)
	}
	if c.Worker.Count < 0 {
		return bad("worker.count", "must be >= 0, got %d", c.Worker.Count)
	}
	for key, u := range map[string]string{"retell.base_url": c.Retell.BaseURL, "calcom.base_url": c.Calcom.BaseURL} {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return bad(key, "want an http(s) host URL such as https://api.example.com, got %q", u)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "want debug, info, warn or error; got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		return bad("log.format", "want json or text; got %q", c.Log.Format)
	}
	return nil
}

// MaskURL hides the password of a URL-like string (mysql://user:pass@tcp(...)
// or redis://:pass@host) for display.
func MaskURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return s
	}
	userinfo := rest[:at]
	user, _, hasPass := strings.Cut(userinfo, ":")
	if !hasPass {
		return s
	}
	return scheme + "://" + user + ":****" + rest[at:]
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
			if fv.String() != "" {
				s.Value = "****"
			}
		case "url":
			s.Value = MaskURL(fv.String())
		}
		*out = append(*out, s)
	}
}
