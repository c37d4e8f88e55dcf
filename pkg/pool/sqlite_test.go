package pool_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
)

// openSQLite opens a pool on a new database file in a directory that does
// not exist yet.
func openSQLite(t *testing.T, cfg pool.Config) (*pool.Pool, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nested", "dir", "askpro.db")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o750))
	if cfg.Logger == nil {
		cfg.Logger = nopLogger()
	}
	p, err := pool.Open(ctxT(t), "sqlite://"+path, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p, path
}

func TestOpen_SQLiteWarmUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     pool.Config
		wantMin int
		wantMax int
	}{
		{"spec defaults", pool.Config{}, 10, 50},
		{"small pool", pool.Config{MinConns: 3, MaxConns: 4}, 3, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, path := openSQLite(t, tt.cfg)
			_, err := os.Stat(path)
			require.NoError(t, err, "the database file exists")
			st := p.Stats()
			assert.GreaterOrEqual(t, st.Open, tt.wantMin)
			assert.Equal(t, tt.wantMax, st.MaxOpen)
			assert.Equal(t, 1, st.Writer.OpenConnections, "the writer connection is open")
			assert.Equal(t, 1, st.Writer.MaxOpenConnections)
			assert.Equal(t, pool.SQLite, p.Dialect())
			assert.NotSame(t, p.DB(), p.Writer())
			assert.Equal(t, "sqlite://"+path, p.URL())
			assert.NoError(t, p.Healthy())
		})
	}
}

func TestSQLite_Pragmas(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	p, _ := openSQLite(t, pool.Config{MinConns: 3, MaxConns: 3, HealthInterval: -1})

	check := func(t *testing.T, c *sql.Conn) {
		t.Helper()
		var journal string
		var fk, busy, sync int
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal))
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
		assert.Equal(t, "wal", journal)
		assert.Equal(t, 1, fk)
		assert.Equal(t, 5000, busy)
		assert.Equal(t, 1, sync, "NORMAL")
	}
	// Every reader connection, not just one, has the pragmas.
	var conns []*sql.Conn
	for range 3 {
		c, err := p.Acquire(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for i, c := range conns {
		t.Run(fmt.Sprintf("reader %d", i), func(t *testing.T) { check(t, c) })
		require.NoError(t, c.Close())
	}
	w, err := p.AcquireWriter(ctx)
	require.NoError(t, err)
	t.Run("writer", func(t *testing.T) { check(t, w) })
	require.NoError(t, w.Close())

	// Foreign keys are enforced.
	_, err = p.Writer().ExecContext(ctx, `CREATE TABLE companies (id INTEGER PRIMARY KEY);
		CREATE TABLE branches (id INTEGER PRIMARY KEY, company_id INTEGER NOT NULL REFERENCES companies(id))`)
	require.NoError(t, err)
	_, err = p.Writer().ExecContext(ctx, "INSERT INTO branches (id, company_id) VALUES (1, 42)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "FOREIGN KEY")
}

func TestSQLite_WriterSingleConnection(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	const timeout = 200 * time.Millisecond
	p, _ := openSQLite(t, pool.Config{MinConns: 1, MaxConns: 4, ConnectionTimeout: timeout, HealthInterval: -1})
	assert.Equal(t, 1, p.Writer().Stats().MaxOpenConnections)

	w, err := p.AcquireWriter(ctx)
	require.NoError(t, err)
	start := time.Now()
	_, err = p.AcquireWriter(ctx)
	assert.GreaterOrEqual(t, time.Since(start), timeout*9/10)
	assert.ErrorIs(t, err, pool.ErrAcquireTimeout)
	assert.Equal(t, "pool: no connection free within 200ms (1 of 1 in use)", err.Error())
	require.NoError(t, w.Close())
	assert.LessOrEqual(t, p.Writer().Stats().OpenConnections, 1)
}

func TestAcquire_SQLiteTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	p, _ := openSQLite(t, pool.Config{MinConns: 1, MaxConns: 2, ConnectionTimeout: timeout, HealthInterval: -1})
	assertAcquireTimeout(t, ctxT(t), p, timeout, 2)
}

// TestSQLite_ConcurrentWrites runs many writing transactions and readers at
// once: the single writer connection with BEGIN IMMEDIATE serialises the
// writers in the pool, so none fails with SQLITE_BUSY.
func TestSQLite_ConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	p, _ := openSQLite(t, pool.Config{MinConns: 4, MaxConns: 8, HealthInterval: -1})
	_, err := p.Writer().ExecContext(ctx, "CREATE TABLE events (id INTEGER PRIMARY KEY, worker INTEGER NOT NULL, n INTEGER NOT NULL)")
	require.NoError(t, err)

	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := range workers {
		wg.Go(func() {
			for n := range perWorker {
				err := func() error {
					// Read-then-write in one transaction: the pattern that
					// fails with SQLITE_BUSY under deferred transactions.
					tx, err := p.Writer().BeginTx(ctx, nil)
					if err != nil {
						return err
					}
					defer func() { _ = tx.Rollback() }()
					var count int
					if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM events WHERE worker = ?", w).Scan(&count); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, "INSERT INTO events (worker, n) VALUES (?, ?)", w, count); err != nil {
						return err
					}
					return tx.Commit()
				}()
				if err != nil {
					errs <- fmt.Errorf("worker %d write %d: %w", w, n, err)
				}
			}
		})
		wg.Go(func() { // a reader beside each writer
			for range perWorker {
				var count int
				if err := p.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&count); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}

	var total, distinct int
	require.NoError(t, p.DB().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT worker || ':' || n) FROM events").Scan(&total, &distinct))
	assert.Equal(t, workers*perWorker, total)
	assert.Equal(t, total, distinct, "each transaction saw the previous writes of its worker")
	assert.LessOrEqual(t, p.Stats().Writer.OpenConnections, 1)
}

func TestSQLite_HealthAndClose(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	p, _ := openSQLite(t, pool.Config{MinConns: 2, MaxConns: 4, HealthInterval: 10 * time.Millisecond})
	require.Eventually(t, func() bool { return p.Stats().HealthChecks >= 2 }, 20*time.Second, 5*time.Millisecond,
		"the health loop runs")
	assert.NoError(t, p.Healthy())
	assert.False(t, p.LastHealthCheck().IsZero())
	require.NoError(t, p.Ping(ctx))
	require.NoError(t, p.Close())
	assert.ErrorIs(t, p.Ping(ctx), pool.ErrClosed)
	n := p.Stats().HealthChecks
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, n, p.Stats().HealthChecks, "Close stopped the health loop")
}

func TestOpen_InvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		cfg  pool.Config
		want error
	}{
		{"unsupported scheme", "postgres://localhost/askpro", pool.Config{}, pool.ErrUnsupportedScheme},
		{"invalid url", "sqlite://", pool.Config{}, pool.ErrInvalidURL},
		{"MinConns above MaxConns", "sqlite://x.db", pool.Config{MinConns: 5, MaxConns: 2}, pool.ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := pool.Open(context.Background(), tt.url, tt.cfg)
			assert.ErrorIs(t, err, tt.want)
			assert.Nil(t, p)
		})
	}
}

func TestOpen_SQLiteUnwritableDirectory(t *testing.T) {
	t.Parallel()
	// A path below a regular file cannot be created, even by root.
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	p, err := pool.Open(ctxT(t), "sqlite://"+filepath.Join(file, "sub", "askpro.db"), pool.Config{Logger: nopLogger()})
	require.ErrorIs(t, err, pool.ErrNoDirectory)
	assert.Nil(t, p)
	assert.Contains(t, err.Error(), "not a directory")
}

// Issue 7 defect 10: a SQLite path in a missing directory is reported as
// such (not as an unmigrated database), and nothing is created.
func TestOpen_SQLiteMissingDirectory(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	p, err := pool.Open(ctxT(t), "sqlite://"+filepath.Join(missing, "askpro.db"), pool.Config{Logger: nopLogger()})
	require.ErrorIs(t, err, pool.ErrNoDirectory)
	assert.Nil(t, p)
	assert.Contains(t, err.Error(), `directory "`+missing+`" does not exist`)
	_, statErr := os.Stat(missing)
	assert.True(t, errors.Is(statErr, fs.ErrNotExist), "the directory is not created")
}
