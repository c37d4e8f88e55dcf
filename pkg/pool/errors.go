package pool

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors returned by this package. Callers match them with
// [errors.Is]; the returned errors wrap them together with the cause.
var (
	// ErrUnsupportedScheme is returned by [ParseURL] and [Open] for a database
	// URL whose scheme is neither mysql:// nor sqlite://. The message names
	// the scheme that was given.
	ErrUnsupportedScheme = errors.New("pool: unsupported database URL scheme")

	// ErrInvalidURL is returned by [ParseURL] and [Open] for a database URL
	// that has a supported scheme but cannot be used: a malformed MySQL DSN, a
	// missing database name or path, an in-memory SQLite database.
	ErrInvalidURL = errors.New("pool: invalid database URL")

	// ErrNoDirectory is returned by [Open] for a SQLite URL whose file lies
	// in a directory that does not exist (or is not a directory). The
	// message names the directory. Open creates the database file, never
	// its directory, so that a mistyped path is reported, not created.
	ErrNoDirectory = errors.New("pool: database directory does not exist")

	// ErrInvalidConfig is returned by [Open] for a [Config] that cannot work,
	// such as MinConns greater than MaxConns.
	ErrInvalidConfig = errors.New("pool: invalid config")

	// ErrUnreachable is returned by [Open] when the database could not be
	// reached within the retry budget (RetryAttempts retries after the first
	// attempt). Permanent failures such as bad credentials or an unknown
	// database are returned at once and do not wrap it.
	ErrUnreachable = errors.New("pool: database unreachable")

	// ErrAcquireTimeout is matched by the error [Pool.Acquire] returns when no
	// connection could be had within ConnectionTimeout. The concrete error is
	// an [*AcquireTimeoutError] that tells how many connections were in use.
	ErrAcquireTimeout = errors.New("pool: acquire timeout")

	// ErrRetriesExhausted is returned by [WithRetry] and [Pool.Retry] when
	// every attempt failed with a transient error; the last error is wrapped
	// too.
	ErrRetriesExhausted = errors.New("pool: retries exhausted")

	// ErrUnhealthy is wrapped by the errors [Pool.Healthy] and
	// [Pool.CheckHealth] return when the last health check failed.
	ErrUnhealthy = errors.New("pool: database unhealthy")

	// ErrClosed is returned by methods of a [Pool] after [Pool.Close].
	ErrClosed = errors.New("pool: closed")
)

// AcquireTimeoutError is returned by [Pool.Acquire] when no connection could
// be had within the pool's ConnectionTimeout. It matches [ErrAcquireTimeout]
// with [errors.Is] and unwraps to the underlying context error.
type AcquireTimeoutError struct {
	// Timeout is the ConnectionTimeout that elapsed.
	Timeout time.Duration
	// InUse is the number of connections in use when the wait ended.
	InUse int
	// MaxOpen is the pool's limit on open connections (MaxConns, or 1 for
	// the SQLite writer).
	MaxOpen int
	// Err is the error the wait ended with, usually
	// [context.DeadlineExceeded] or a dial error.
	Err error
}

// Error says what happened, e.g.
// "pool: no connection free within 10s (50 of 50 in use)".
func (e *AcquireTimeoutError) Error() string {
	if e.MaxOpen > 0 && e.InUse >= e.MaxOpen {
		return fmt.Sprintf("pool: no connection free within %s (%d of %d in use)", e.Timeout, e.InUse, e.MaxOpen)
	}
	return fmt.Sprintf("pool: no connection established within %s (%d of %d in use): %v", e.Timeout, e.InUse, e.MaxOpen, e.Err)
}

// Is reports whether target is [ErrAcquireTimeout].
func (e *AcquireTimeoutError) Is(target error) bool { return target == ErrAcquireTimeout }

// Unwrap returns the error the wait ended with.
func (e *AcquireTimeoutError) Unwrap() error { return e.Err }
