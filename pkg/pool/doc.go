// Package pool opens askpro's database, MySQL/MariaDB or SQLite, with the
// connection pool policy of the spec, on top of [database/sql], which already
// pools connections. It adds what database/sql lacks: one URL format for both
// dialects with the session settings applied to every connection, a first
// connect that waits for a database coming up late, warm connections, a
// bounded acquire, a periodic health check for readiness probes, retries of
// transient errors and Prometheus metrics.
//
// # Opening
//
// [Open] takes a database URL in golang-migrate's format, the same one
// migrations use, and a [Config] whose zero value gives the spec's defaults
// (MinConns 10, MaxConns 50, ConnectionTimeout 10s, IdleTimeout 300s,
// MaxLifetime 30m, RetryAttempts 3, RetryDelay 100ms):
//
//	p, err := pool.Open(ctx, "mysql://askpro:secret@tcp(db:3306)/askpro?parseTime=true", pool.Config{})
//	if err != nil {
//		return err
//	}
//	defer p.Close()
//	reg.MustRegister(p) // askproai_db_pool_* metrics
//
// [ParseURL] shows the driver DSN a URL becomes. MySQL connections get
// charset utf8mb4 with collation utf8mb4_unicode_ci, strict sql_mode
// TRADITIONAL,NO_AUTO_VALUE_ON_ZERO, time_zone +00:00, parseTime and loc=UTC,
// and server-side prepared statements. SQLite connections (modernc.org/sqlite,
// pure Go) get WAL, busy_timeout 5000 ms, foreign_keys ON and synchronous
// NORMAL; the file is created if missing, but a directory that does not
// exist is refused with [ErrNoDirectory] (a mistyped path is reported, not
// created).
//
// When the server refuses or cannot be reached, Open retries RetryAttempts
// times, waiting RetryDelay, then twice as long each time (100, 200, 400 ms),
// and then fails with [ErrUnreachable]. Bad credentials or an unknown
// database fail at once.
//
// # Reads and writes
//
// [Pool.DB] serves everything on MySQL. SQLite allows one writer at a time,
// so on SQLite [Pool.DB] serves reads and [Pool.Writer] is a second pool with
// exactly one connection whose transactions start with BEGIN IMMEDIATE:
// writers queue for that connection in Go instead of failing with
// SQLITE_BUSY. Code that writes should always use [Pool.Writer]; on MySQL it
// is the same [sql.DB].
//
// # Bounding queries
//
// database/sql waits for a free connection as long as the context lets it.
// Run every query under a bounded context; [Pool.Context] adds QueryTimeout
// (default 30s) unless the caller's deadline is sooner:
//
//	ctx, cancel := p.Context(ctx)
//	defer cancel()
//	err := p.DB().QueryRowContext(ctx, "SELECT name FROM companies WHERE id = ?", id).Scan(&name)
//
// [Pool.Acquire] bounds the wait for a connection alone by ConnectionTimeout
// and fails with [ErrAcquireTimeout], e.g.
// "pool: no connection free within 10s (50 of 50 in use)".
//
// # Warm connections and health
//
// Open opens MinConns connections at once, so the first requests do not pay
// for connecting. database/sql closes connections idle for IdleTimeout and
// never reopens them by itself; the health loop, every HealthInterval
// (default 15s), pings the database, records the result for [Pool.Healthy]
// (what a readiness probe reads, without I/O) and, while healthy, opens
// connections up to MinConns again. [Pool.Close] stops the loop.
//
// # Retries
//
// [Pool.Retry] and [WithRetry] run a function again on transient errors
// ([IsTransient]: connection refused or lost, bad connection, deadlock 1213,
// lock wait timeout 1205, server gone, SQLite BUSY) with the same backoff.
// The function must be safe to repeat: a whole transaction, not a part of one.
//
// # Metrics
//
// *Pool is a [prometheus.Collector] with the metrics askproai_db_pool_open,
// _in_use, _idle, _max_open, _wait_count_total, _wait_duration_seconds_total
// and _closed_total (label role: "main", or "writer" for the SQLite writer),
// and _created_total, _health_checks_total, _unhealthy_total, _healthy,
// _acquire_timeouts_total and _retries_total. The same numbers are in
// [Pool.Stats].
package pool
