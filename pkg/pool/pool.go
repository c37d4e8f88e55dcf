package pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Pool is a database connection pool for MySQL or SQLite: one or two
// [sql.DB] with the spec's pool policy, a first connect with retries, warm-up
// of MinConns connections, a bounded [Pool.Acquire], a periodic health check
// and Prometheus metrics. Create it with [Open]; it is safe for concurrent
// use.
type Pool struct {
	cfg     Config
	log     *slog.Logger
	dialect Dialect
	url     string // masked
	db      *sql.DB
	writer  *sql.DB // == db on MySQL

	created         atomic.Int64
	healthChecks    atomic.Int64
	unhealthy       atomic.Int64
	acquireTimeouts atomic.Int64
	retries         atomic.Int64
	health          atomic.Pointer[healthState]

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
}

type healthState struct {
	err error
	at  time.Time
}

// Open connects to the database at rawURL (see [ParseURL] for the format)
// with the policy in cfg and returns a ready pool:
//
//  1. It pings the database, retrying cfg.RetryAttempts times with
//     exponential backoff while the server refuses or cannot be reached;
//     after that it fails with an error wrapping [ErrUnreachable]. Other
//     errors, such as bad credentials or an unknown database, are returned
//     at once. Each attempt is bounded by ConnectionTimeout.
//  2. It opens MinConns connections concurrently (warm-up), so
//     [Pool.Stats].Open is at least MinConns when Open returns. A warm-up
//     failure is logged; the health loop tries again.
//  3. It starts the health loop (every HealthInterval), which [Pool.Close]
//     stops.
//
// On SQLite the database file is created if missing, but not its
// directory: a directory that does not exist (usually a typo in the URL) is
// refused with [ErrNoDirectory] rather than created. A separate writer
// [sql.DB] with one connection is opened first (see [Pool.Writer]). ctx bounds Open only, not the pool's life.
func Open(ctx context.Context, rawURL string, cfg Config) (*Pool, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t, err := parseURL(rawURL, cfg)
	if err != nil {
		return nil, err
	}
	p := &Pool{
		cfg:     cfg,
		log:     cfg.Logger.With("db", t.masked),
		dialect: t.dialect,
		url:     t.masked,
		done:    make(chan struct{}),
	}
	if err := p.open(ctx, t); err != nil {
		if p.writer != nil && p.writer != p.db {
			_ = p.writer.Close()
		}
		if p.db != nil {
			_ = p.db.Close()
		}
		return nil, err
	}
	p.setHealth(nil)

	if _, err := p.warm(ctx, p.db, cfg.MinConns); err != nil {
		p.log.WarnContext(ctx, "pool: warm-up incomplete, the health loop will top up", "min_conns", cfg.MinConns, "error", err)
	}

	loopCtx, stop := context.WithCancel(context.Background())
	p.stop = stop
	if cfg.HealthInterval > 0 {
		go p.loop(loopCtx)
	} else {
		close(p.done)
	}
	st := p.db.Stats()
	p.log.InfoContext(ctx, "pool: connected", "dialect", string(p.dialect), "open", st.OpenConnections,
		"min_conns", cfg.MinConns, "max_conns", cfg.MaxConns)
	return p, nil
}

func (p *Pool) open(ctx context.Context, t *target) error {
	cfg := p.cfg
	switch t.dialect {
	case MySQL:
		t.mysql.Logger = mysqlLogger{p.log}
		connector, err := mysql.NewConnector(t.mysql)
		if err != nil {
			return fmt.Errorf("%w: %q: %w", ErrInvalidURL, t.masked, err)
		}
		p.db = sql.OpenDB(connector)
		p.writer = p.db
		p.configure(p.db, cfg.MaxConns)
		return p.connect(ctx, p.db, "")

	case SQLite:
		if err := checkDir(t.path, t.masked); err != nil {
			return err
		}
		w, err := sql.Open("sqlite", t.writerDSN)
		if err != nil {
			return fmt.Errorf("pool: open sqlite writer %s: %w", t.masked, err)
		}
		p.writer = w
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxIdleTime(0) // keep the single writer connection
		w.SetConnMaxLifetime(durationOrZero(cfg.MaxLifetime))
		// The writer connects first: it creates the file and switches it to
		// WAL before any reader opens it.
		if err := p.connect(ctx, w, " writer"); err != nil {
			return err
		}
		r, err := sql.Open("sqlite", t.readerDSN)
		if err != nil {
			return fmt.Errorf("pool: open sqlite %s: %w", t.masked, err)
		}
		p.db = r
		p.configure(r, cfg.MaxConns)
		return p.connect(ctx, r, "")
	}
	return fmt.Errorf("%w %q", ErrUnsupportedScheme, t.dialect)
}

// CheckDirectory returns an error wrapping [ErrNoDirectory] when rawURL is a
// SQLite URL whose file lies in a directory that does not exist, and nil for
// every other URL it can parse (a MySQL URL is always nil). Tools that open
// the database file by other means (migrations) call it to report a mistyped
// path the way [Open] does.
func CheckDirectory(rawURL string) error {
	t, err := parseURL(rawURL, Config{}.withDefaults())
	if err != nil {
		return err
	}
	if t.dialect != SQLite {
		return nil
	}
	return checkDir(t.path, t.masked)
}

// checkDir returns an error wrapping [ErrNoDirectory] when the directory
// of the SQLite file at path does not exist or is not a directory.
func checkDir(path, masked string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("%w: %s: %q is not a directory", ErrNoDirectory, masked, dir)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s: directory %q does not exist (create it, or correct the path)", ErrNoDirectory, masked, dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("%w: %s: a parent of %q is not a directory", ErrNoDirectory, masked, dir)
	default:
		return fmt.Errorf("pool: check the directory of %s: %w", masked, err)
	}
}

// configure applies the pool limits to db.
func (p *Pool) configure(db *sql.DB, maxOpen int) {
	db.SetMaxOpenConns(maxOpen)
	// Keep every connection a burst opened until IdleTimeout closes it;
	// this is at least MinConns, so the warm connections stay.
	db.SetMaxIdleConns(maxOpen)
	db.SetConnMaxIdleTime(durationOrZero(p.cfg.IdleTimeout))
	db.SetConnMaxLifetime(durationOrZero(p.cfg.MaxLifetime))
}

// connect pings db until it answers, retrying while it is unreachable.
func (p *Pool) connect(ctx context.Context, db *sql.DB, role string) error {
	attempts := 0
	var last error
	err := retry(ctx, p.cfg.RetryAttempts, p.cfg.RetryDelay, func(err error) bool {
		return IsTransient(err) || errors.Is(err, context.DeadlineExceeded) // an attempt's own timeout
	}, func(attempt int, delay time.Duration, err error) {
		p.retries.Add(1)
		p.log.WarnContext(ctx, "pool: database not reachable, retrying",
			"role", role, "attempt", attempt, "max_attempts", p.cfg.RetryAttempts+1, "delay", delay, "error", err)
	}, func(ctx context.Context) error {
		attempts++
		actx, cancel := context.WithTimeout(ctx, p.cfg.ConnectionTimeout)
		defer cancel()
		last = db.PingContext(actx)
		return last
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRetriesExhausted):
		return fmt.Errorf("%w: connect%s to %s: gave up after %d attempts: %w",
			ErrUnreachable, role, p.url, attempts, last)
	default:
		return fmt.Errorf("pool: connect%s to %s: %w", role, p.url, err)
	}
}

// warm makes db hold at least target open connections by acquiring the idle
// ones plus the missing number concurrently, pinging each, and returning
// them to the pool. It returns how many connections it added.
func (p *Pool) warm(ctx context.Context, db *sql.DB, target int) (int, error) {
	before := db.Stats()
	need := target - before.OpenConnections
	if need <= 0 {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectionTimeout)
	defer cancel()
	take := before.Idle + need
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []*sql.Conn
		errs  []error
	)
	for range take {
		wg.Go(func() {
			c, err := db.Conn(ctx)
			if err == nil {
				if err = c.PingContext(ctx); err != nil {
					_ = c.Close()
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			conns = append(conns, c)
		})
	}
	wg.Wait()
	for _, c := range conns {
		_ = c.Close() // returns it to the pool
	}
	added := max(db.Stats().OpenConnections-before.OpenConnections, 0)
	p.created.Add(int64(added))
	if len(errs) > 0 {
		return added, fmt.Errorf("pool: warm up %d connections: %d failed: %w", take, len(errs), errors.Join(errs...))
	}
	return added, nil
}

// DB returns the pool's [sql.DB]: for all work on MySQL, for reads on SQLite
// (where writes go through [Pool.Writer]). Bound each call with a context,
// e.g. from [Pool.Context].
func (p *Pool) DB() *sql.DB { return p.db }

// Writer returns the [sql.DB] for writes. On SQLite it is a separate pool
// limited to one open connection (SQLite allows one writer at a time) whose
// transactions begin with BEGIN IMMEDIATE (_txlock=immediate), so
// concurrent writers queue in the pool instead of failing with SQLITE_BUSY.
// On MySQL it is the same as [Pool.DB].
func (p *Pool) Writer() *sql.DB { return p.writer }

// Dialect returns the pool's database dialect.
func (p *Pool) Dialect() Dialect { return p.dialect }

// URL returns the database URL with the password masked, for logs.
func (p *Pool) URL() string { return p.url }

// Config returns the effective configuration, defaults filled in.
func (p *Pool) Config() Config { return p.cfg }

// Acquire returns a dedicated connection from [Pool.DB], waiting at most
// ConnectionTimeout for one to become free. When none does it returns an
// [*AcquireTimeoutError] (matching [ErrAcquireTimeout]) saying how many
// connections were in use. A dial error or the end of ctx is returned
// wrapped as it is, and [ErrClosed] after Close. The caller must Close the
// connection to return it to the pool. It is safe for concurrent use.
func (p *Pool) Acquire(ctx context.Context) (*sql.Conn, error) {
	return p.acquire(ctx, p.db)
}

// AcquireWriter is [Pool.Acquire] on [Pool.Writer]; on SQLite it waits for
// the single writer connection.
func (p *Pool) AcquireWriter(ctx context.Context) (*sql.Conn, error) {
	return p.acquire(ctx, p.writer)
}

var errAcquireDeadline = errors.New("pool: acquire deadline")

func (p *Pool) acquire(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	actx, cancel := context.WithTimeoutCause(ctx, p.cfg.ConnectionTimeout, errAcquireDeadline)
	defer cancel()
	c, err := db.Conn(actx)
	if err == nil {
		return c, nil
	}
	if ctx.Err() == nil && errors.Is(context.Cause(actx), errAcquireDeadline) {
		p.acquireTimeouts.Add(1)
		st := db.Stats()
		return nil, &AcquireTimeoutError{Timeout: p.cfg.ConnectionTimeout, InUse: st.InUse, MaxOpen: st.MaxOpenConnections, Err: err}
	}
	return nil, fmt.Errorf("pool: acquire connection: %w", err)
}

// Context returns ctx bounded by QueryTimeout (default 30s), or by ctx's own
// deadline if that is sooner. database/sql waits for a free connection for as
// long as the context allows, so every query should run under a bounded
// context:
//
//	ctx, cancel := p.Context(ctx)
//	defer cancel()
//	rows, err := p.DB().QueryContext(ctx, q, args...)
//
// Use [Pool.Acquire] where the wait for a connection alone must be bounded
// by ConnectionTimeout.
func (p *Pool) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.cfg.QueryTimeout)
}

// Ping checks that the database answers now, on [Pool.DB] and, on SQLite,
// [Pool.Writer]. Unlike [Pool.CheckHealth] it records nothing.
func (p *Pool) Ping(ctx context.Context) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if err := p.db.PingContext(ctx); err != nil {
		return fmt.Errorf("pool: ping %s: %w", p.url, err)
	}
	if p.writer != p.db {
		if err := p.writer.PingContext(ctx); err != nil {
			return fmt.Errorf("pool: ping writer %s: %w", p.url, err)
		}
	}
	return nil
}

// Healthy returns the result of the last health check: nil when the
// database answered, an error wrapping [ErrUnhealthy] when it did not, and
// [ErrClosed] after Close. Readiness probes read it; it does no I/O and is
// safe for concurrent use.
func (p *Pool) Healthy() error {
	if p.closed.Load() {
		return ErrClosed
	}
	if h := p.health.Load(); h != nil {
		return h.err
	}
	return nil
}

// LastHealthCheck returns when the last health check (or Open) finished,
// by the pool's clock.
func (p *Pool) LastHealthCheck() time.Time {
	if h := p.health.Load(); h != nil {
		return h.at
	}
	return time.Time{}
}

// CheckHealth runs one health check now, as the health loop does every
// HealthInterval: it pings the database within ConnectionTimeout, records
// the result for [Pool.Healthy] and the metrics, and when healthy opens
// connections up to MinConns (database/sql does not reopen the idle
// connections that IdleTimeout closes). It returns the recorded error.
func (p *Pool) CheckHealth(ctx context.Context) error {
	if p.closed.Load() {
		return ErrClosed
	}
	cctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectionTimeout)
	defer cancel()
	err := p.Ping(cctx)
	p.healthChecks.Add(1)
	if err != nil {
		p.unhealthy.Add(1)
		err = fmt.Errorf("%w: %w", ErrUnhealthy, err)
	}
	prev := p.health.Load()
	p.setHealth(err)
	switch {
	case err != nil && (prev == nil || prev.err == nil):
		p.log.ErrorContext(ctx, "pool: database became unhealthy", "error", err)
	case err == nil && prev != nil && prev.err != nil:
		p.log.InfoContext(ctx, "pool: database healthy again")
	}
	if err == nil {
		if added, werr := p.warm(ctx, p.db, p.cfg.MinConns); werr != nil {
			p.log.WarnContext(ctx, "pool: top-up incomplete", "added", added, "error", werr)
		} else if added > 0 {
			p.log.DebugContext(ctx, "pool: topped up", "added", added, "min_conns", p.cfg.MinConns)
		}
	}
	return err
}

func (p *Pool) setHealth(err error) {
	p.health.Store(&healthState{err: err, at: p.cfg.Now()})
}

func (p *Pool) loop(ctx context.Context) {
	defer close(p.done)
	t := time.NewTicker(p.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = p.CheckHealth(ctx)
		}
	}
}

// Close stops the health loop and closes all connections. Later calls
// return the first call's result; other methods then return [ErrClosed].
func (p *Pool) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.stop()
		<-p.done
		var errs []error
		if p.writer != p.db {
			if err := p.writer.Close(); err != nil {
				errs = append(errs, fmt.Errorf("pool: close writer: %w", err))
			}
		}
		if err := p.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("pool: close: %w", err))
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}

// mysqlLogger routes go-sql-driver's messages to slog.
type mysqlLogger struct{ l *slog.Logger }

func (m mysqlLogger) Print(v ...any) {
	m.l.Warn("pool: mysql driver: " + fmt.Sprint(v...))
}
