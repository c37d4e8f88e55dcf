package pool

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults from the spec's pool configuration ("database.pool.*").
const (
	DefaultMinConns          = 10
	DefaultMaxConns          = 50
	DefaultConnectionTimeout = 10 * time.Second
	DefaultIdleTimeout       = 300 * time.Second
	DefaultMaxLifetime       = 30 * time.Minute
	DefaultQueryTimeout      = 30 * time.Second
	DefaultRetryAttempts     = 3
	DefaultRetryDelay        = 100 * time.Millisecond
	DefaultHealthInterval    = 15 * time.Second
	// DefaultSQLiteBusyTimeout is how long a SQLite connection waits for a
	// lock before it fails with SQLITE_BUSY.
	DefaultSQLiteBusyTimeout = 5 * time.Second
)

// Config is the pool policy. The zero value is valid and gives the spec's
// defaults; every field says what its zero value means.
type Config struct {
	// MinConns is the number of connections Open opens ahead of use
	// (warm-up) and the health loop keeps open (top-up). On SQLite it counts
	// reader connections; the single writer connection is warmed as well.
	// Zero means 10, capped at MaxConns; negative means no warm-up.
	MinConns int

	// MaxConns bounds the open connections (readers on SQLite).
	// Zero means 50.
	MaxConns int

	// ConnectionTimeout bounds getting a connection: [Pool.Acquire] fails
	// with [ErrAcquireTimeout] when none is free within it, each connect
	// attempt of Open and each health check gives up after it, and it is the
	// MySQL dial timeout unless the URL sets timeout=. Zero means 10s.
	ConnectionTimeout time.Duration

	// IdleTimeout closes connections idle for longer
	// ([sql.DB.SetConnMaxIdleTime]); the health loop opens new ones to keep
	// MinConns. Zero means 300s; negative means idle connections are kept.
	IdleTimeout time.Duration

	// MaxLifetime closes connections older than this
	// ([sql.DB.SetConnMaxLifetime]). Zero means 30m; negative means no limit.
	MaxLifetime time.Duration

	// QueryTimeout is the bound [Pool.Context] puts on an operation (waiting
	// for a connection included) and the MySQL readTimeout/writeTimeout
	// unless the URL sets them. Zero means 30s.
	QueryTimeout time.Duration

	// RetryAttempts is how many times a failed attempt is retried: the first
	// connect in Open when the server refuses or cannot be reached, and
	// transient errors in [Pool.Retry] and [WithRetry]. Zero means 3 (so up
	// to 4 attempts); negative means no retries.
	RetryAttempts int

	// RetryDelay is the wait before the first retry; it doubles for each
	// further retry (100ms, 200ms, 400ms, ...). Zero means 100ms.
	RetryDelay time.Duration

	// HealthInterval is the period of the health check that pings the
	// database, records the result for [Pool.Healthy] and tops up MinConns.
	// Zero means 15s; negative disables the health loop (call
	// [Pool.CheckHealth] yourself).
	HealthInterval time.Duration

	// Logger receives connect retries, health changes and driver messages.
	// Nil means [slog.Default].
	Logger *slog.Logger

	// Now is the clock used for health check timestamps. Nil means
	// [time.Now].
	Now func() time.Time
}

// withDefaults returns cfg with zero values replaced by defaults.
func (cfg Config) withDefaults() Config {
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MinConns == 0 {
		cfg.MinConns = min(DefaultMinConns, cfg.MaxConns)
	}
	if cfg.MinConns < 0 {
		cfg.MinConns = 0
	}
	if cfg.ConnectionTimeout == 0 {
		cfg.ConnectionTimeout = DefaultConnectionTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if cfg.RetryAttempts == 0 {
		cfg.RetryAttempts = DefaultRetryAttempts
	}
	if cfg.RetryAttempts < 0 {
		cfg.RetryAttempts = 0
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.HealthInterval == 0 {
		cfg.HealthInterval = DefaultHealthInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// validate reports a config that cannot work. It expects withDefaults to
// have run.
func (cfg Config) validate() error {
	switch {
	case cfg.MaxConns < 0:
		return fmt.Errorf("%w: MaxConns %d is negative", ErrInvalidConfig, cfg.MaxConns)
	case cfg.MinConns > cfg.MaxConns:
		return fmt.Errorf("%w: MinConns %d exceeds MaxConns %d", ErrInvalidConfig, cfg.MinConns, cfg.MaxConns)
	case cfg.ConnectionTimeout < 0:
		return fmt.Errorf("%w: ConnectionTimeout %s is negative", ErrInvalidConfig, cfg.ConnectionTimeout)
	case cfg.QueryTimeout < 0:
		return fmt.Errorf("%w: QueryTimeout %s is negative", ErrInvalidConfig, cfg.QueryTimeout)
	case cfg.RetryDelay < 0:
		return fmt.Errorf("%w: RetryDelay %s is negative", ErrInvalidConfig, cfg.RetryDelay)
	}
	return nil
}

// durationOrZero maps a negative "disabled" duration to database/sql's zero
// ("no limit").
func durationOrZero(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}
