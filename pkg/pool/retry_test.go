package pool_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
)

func TestIsTransient(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connection refused"}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"deadlock", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}, true},
		{"lock wait timeout", &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, true},
		{"wrapped deadlock", fmt.Errorf("insert call: %w", &mysql.MySQLError{Number: 1213}), true},
		{"too many connections", &mysql.MySQLError{Number: 1040}, true},
		{"server shutdown", &mysql.MySQLError{Number: 1053}, true},
		{"server gone", &mysql.MySQLError{Number: 2006}, true},
		{"duplicate key", &mysql.MySQLError{Number: 1062}, false},
		{"access denied", &mysql.MySQLError{Number: 1045}, false},
		{"unknown database", &mysql.MySQLError{Number: 1049}, false},
		{"bad conn", driver.ErrBadConn, true},
		{"wrapped bad conn", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"invalid conn", mysql.ErrInvalidConn, true},
		{"dial error", refused, true},
		{"connection refused errno", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"connection reset errno", syscall.ECONNRESET, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"canceled", context.Canceled, false},
		{"deadline", context.DeadlineExceeded, false},
		{"no rows", sql.ErrNoRows, false},
		{"other", errBoom, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, pool.IsTransient(tt.err))
		})
	}
}

// TestIsTransient_SQLiteBusy produces a real SQLITE_BUSY: two connections
// without busy timeout both begin an immediate transaction.
func TestIsTransient_SQLiteBusy(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	dsn := filepath.Join(t.TempDir(), "busy.db") + "?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)")
	require.NoError(t, err)

	tx1, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx1.Rollback() })
	_, err = db.BeginTx(ctx, nil)
	require.Error(t, err)
	assert.True(t, pool.IsTransient(err), "SQLITE_BUSY is transient: %v", err)

	_, err = db.ExecContext(ctx, "SELECT * FROM no_such_table")
	require.Error(t, err)
	assert.False(t, pool.IsTransient(err), "a missing table is not transient: %v", err)
}

func TestWithRetry(t *testing.T) {
	t.Parallel()
	deadlock := &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}
	tests := []struct {
		name      string
		attempts  int
		errs      []error // returned by successive calls; nil after the end
		wantCalls int
		wantErr   []error
	}{
		{"success first time", 3, nil, 1, nil},
		{"transient then success", 3, []error{deadlock, driver.ErrBadConn}, 3, nil},
		{"permanent not retried", 3, []error{errBoom}, 1, []error{errBoom}},
		{"exhausted", 2, []error{deadlock, deadlock, deadlock, deadlock}, 3, []error{pool.ErrRetriesExhausted, deadlock}},
		{"no retries", -1, []error{deadlock}, 1, []error{pool.ErrRetriesExhausted, deadlock}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newLogger()
			calls := 0
			err := pool.WithRetry(ctxT(t), pool.Config{RetryAttempts: tt.attempts, RetryDelay: time.Millisecond, Logger: logger},
				func(context.Context) error {
					calls++
					if calls <= len(tt.errs) {
						return tt.errs[calls-1]
					}
					return nil
				})
			assert.Equal(t, tt.wantCalls, calls)
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				for _, want := range tt.wantErr {
					assert.ErrorIs(t, err, want)
				}
			}
			retried := tt.wantCalls - 1
			assert.Equal(t, retried, logs.count("retrying"))
		})
	}
}

func TestWithRetry_ContextEndsDuringWait(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := pool.WithRetry(ctx, pool.Config{RetryAttempts: 5, RetryDelay: time.Hour, Logger: nopLogger()},
		func(context.Context) error {
			calls++
			cancel()
			return driver.ErrBadConn
		})
	assert.Equal(t, 1, calls)
	assert.ErrorIs(t, err, driver.ErrBadConn)
}

// TestPoolRetry_MySQLDeadlock provokes a real InnoDB deadlock between two
// transactions and shows that Retry recognises it and that the retried
// transaction commits.
func TestPoolRetry_MySQLDeadlock(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	url, _ := mysqlURL(t)
	p, err := pool.Open(ctx, url, pool.Config{MinConns: 2, MaxConns: 4, RetryDelay: 10 * time.Millisecond, Logger: nopLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	db := p.DB()
	_, err = db.ExecContext(ctx, "CREATE TABLE acc (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO acc VALUES (1, 0), (2, 0)")
	require.NoError(t, err)

	// Both transactions lock their first row, wait until the other has too,
	// then lock the other's row: InnoDB kills one with error 1213.
	var locked sync.WaitGroup
	locked.Add(2)
	transfer := func(first, second int) func(context.Context) error {
		tries := 0
		return func(ctx context.Context) error {
			tries++
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback() }()
			if _, err := tx.ExecContext(ctx, "UPDATE acc SET n = n + 1 WHERE id = ?", first); err != nil {
				return err
			}
			if tries == 1 {
				locked.Done()
				locked.Wait()
			}
			if _, err := tx.ExecContext(ctx, "UPDATE acc SET n = n + 1 WHERE id = ?", second); err != nil {
				return err
			}
			return tx.Commit()
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- p.Retry(ctx, transfer(1, 2)) }()
	go func() { errs <- p.Retry(ctx, transfer(2, 1)) }()
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)

	var total int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT SUM(n) FROM acc").Scan(&total))
	assert.Equal(t, 4, total, "both transfers committed exactly once")
	assert.GreaterOrEqual(t, p.Stats().Retries, int64(1), "the deadlock victim was retried")
}

func TestWithRetry_DeadlockErrorShape(t *testing.T) {
	t.Parallel()
	err := pool.WithRetry(context.Background(), pool.Config{RetryAttempts: 1, RetryDelay: time.Millisecond, Logger: nopLogger()},
		func(context.Context) error { return &mysql.MySQLError{Number: 1213, Message: "Deadlock"} })
	var me *mysql.MySQLError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, uint16(1213), me.Number)
	assert.Contains(t, err.Error(), "pool: retries exhausted after 2 attempts")
	assert.True(t, errors.Is(err, pool.ErrRetriesExhausted))
}
