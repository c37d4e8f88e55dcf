package pool

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"github.com/askproai/askpro/internal/ctxtime"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// MySQL and MariaDB server error numbers that IsTransient treats as worth a
// retry.
const (
	erLockWaitTimeout   = 1205 // ER_LOCK_WAIT_TIMEOUT
	erLockDeadlock      = 1213 // ER_LOCK_DEADLOCK
	erConCount          = 1040 // ER_CON_COUNT_ERROR: too many connections
	erServerShutdown    = 1053 // ER_SERVER_SHUTDOWN
	erNetReadInterrupt  = 1159 // ER_NET_READ_INTERRUPTED
	erNetWriteInterrupt = 1161 // ER_NET_WRITE_INTERRUPTED
	erServerGone        = 2006 // CR_SERVER_GONE_ERROR
	erServerLost        = 2013 // CR_SERVER_LOST
	erConnectionKilled  = 1927 // ER_CONNECTION_KILLED (MariaDB)
	erQueryInterrupted  = 1317 // ER_QUERY_INTERRUPTED: server shutting down or KILL QUERY
)

// Server error numbers of the other classifiers.
const (
	erDupEntry        = 1062 // ER_DUP_ENTRY
	erTooManyPrepared = 1461 // ER_MAX_PREPARED_STMT_COUNT_REACHED
)

// IsTransient reports whether err is a database error that may succeed when
// the whole operation is tried again: the server refused or dropped the
// connection (connection refused/reset, bad or invalid connection, server
// gone or lost, too many connections, shutdown), MySQL deadlock (1213) and
// lock wait timeout (1205), and SQLite BUSY and LOCKED. Context cancellation
// and deadline errors of the caller, constraint violations, syntax errors,
// bad credentials and unknown databases are not transient.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erLockWaitTimeout, erLockDeadlock, erConCount, erServerShutdown, erNetReadInterrupt,
			erNetWriteInterrupt, erServerGone, erServerLost, erConnectionKilled, erQueryInterrupted:
			return true
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary result code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	// Network errors come before the context check: a dial timeout also
	// matches context.DeadlineExceeded.
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ETIMEDOUT} {
		if errors.Is(err, errno) {
			return true
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// WithRetry calls fn and, while it fails with a transient error (see
// [IsTransient]), calls it again up to cfg.RetryAttempts more times, waiting
// cfg.RetryDelay before the first retry and twice as long before each next
// one. Only RetryAttempts, RetryDelay and Logger of cfg are used; zero values
// get the defaults of [Config].
//
// fn must be safe to run again: a whole transaction or an idempotent
// statement, never half of one. WithRetry returns nil on success, a
// non-transient error of fn as it is, ctx's error wrapped with the last error
// when ctx ends during a wait, and an error wrapping [ErrRetriesExhausted] and
// the last error when every attempt failed.
func WithRetry(ctx context.Context, cfg Config, fn func(ctx context.Context) error) error {
	cfg = cfg.withDefaults()
	return retry(ctx, cfg.RetryAttempts, cfg.RetryDelay, IsTransient, func(attempt int, delay time.Duration, err error) {
		cfg.Logger.WarnContext(ctx, "pool: transient database error, retrying",
			"attempt", attempt, "delay", delay, "error", err)
	}, fn)
}

// Retry is [WithRetry] with the pool's RetryAttempts, RetryDelay and Logger;
// it counts retries in the pool's metrics. It is safe for concurrent use.
func (p *Pool) Retry(ctx context.Context, fn func(ctx context.Context) error) error {
	return retry(ctx, p.cfg.RetryAttempts, p.cfg.RetryDelay, IsTransient, func(attempt int, delay time.Duration, err error) {
		p.retries.Add(1)
		p.log.WarnContext(ctx, "pool: transient database error, retrying",
			"attempt", attempt, "delay", delay, "error", err)
	}, fn)
}

// retry runs fn up to attempts+1 times while retryable says its error is
// worth another try, with exponential backoff from delay. onRetry is called
// before each wait with the attempt that failed (1-based).
func retry(ctx context.Context, attempts int, delay time.Duration, retryable func(error) bool,
	onRetry func(attempt int, delay time.Duration, err error), fn func(ctx context.Context) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = fn(ctx)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		if attempt > attempts {
			return fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, attempt, err)
		}
		wait := backoff(delay, attempt)
		onRetry(attempt, wait, err)
		if werr := ctxtime.Sleep(ctx, wait); werr != nil {
			return fmt.Errorf("pool: retry wait: %w (last error: %w)", werr, err)
		}
	}
}

// backoff returns the wait after the given failed attempt (1-based):
// delay, 2*delay, 4*delay, ...; it saturates instead of overflowing.
func backoff(delay time.Duration, attempt int) time.Duration {
	d := delay
	for i := 1; i < attempt; i++ {
		if d > time.Duration(1<<62)/2 {
			return d
		}
		d *= 2
	}
	return d
}

// IsUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// violation: MySQL/MariaDB 1062 (ER_DUP_ENTRY), SQLite
// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
func IsUniqueViolation(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == erDupEntry
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsTooManyPreparedStatements reports whether err is MySQL's
// ER_MAX_PREPARED_STMT_COUNT_REACHED (1461): the server's
// max_prepared_stmt_count, shared by every client, is used up, and a
// statement should be sent unprepared.
func IsTooManyPreparedStatements(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == erTooManyPrepared
}
