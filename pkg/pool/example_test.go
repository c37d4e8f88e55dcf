package pool_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/askproai/askpro/pkg/pool"
)

func ExampleParseURL() {
	d, dsn, err := pool.ParseURL("mysql://askpro:secret@tcp(db:3306)/askpro?parseTime=true")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d)
	fmt.Println(dsn)

	d, dsn, _ = pool.ParseURL("sqlite://data/askpro.db")
	fmt.Println(d)
	fmt.Println(dsn)

	_, _, err = pool.ParseURL("postgres://localhost/askpro")
	fmt.Println(errors.Is(err, pool.ErrUnsupportedScheme), err)
	// Output:
	// mysql
	// askpro:secret@tcp(db:3306)/askpro?charset=utf8mb4&collation=utf8mb4_unicode_ci&parseTime=true&readTimeout=30s&timeout=10s&writeTimeout=30s&sql_mode=%27TRADITIONAL%2CNO_AUTO_VALUE_ON_ZERO%27&time_zone=%27%2B00%3A00%27
	// sqlite
	// data/askpro.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite
	// true pool: unsupported database URL scheme "postgres" in "postgres://localhost/askpro" (want mysql:// or sqlite://)
}

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "askpro-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	p, err := pool.Open(ctx, "sqlite://"+filepath.Join(dir, "askpro.db"), pool.Config{
		MinConns: 2,
		MaxConns: 4,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	// Writes go through Writer (one connection on SQLite), reads through DB.
	if _, err := p.Writer().ExecContext(ctx, "CREATE TABLE companies (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := p.Writer().ExecContext(ctx, "INSERT INTO companies (name) VALUES (?)", "Salon Schmidt"); err != nil {
		fmt.Println(err)
		return
	}

	qctx, cancel := p.Context(ctx) // bounded by QueryTimeout
	defer cancel()
	var name string
	if err := p.DB().QueryRowContext(qctx, "SELECT name FROM companies WHERE id = 1").Scan(&name); err != nil {
		fmt.Println(err)
		return
	}
	st := p.Stats()
	fmt.Println(p.Dialect(), name, st.Open >= 2, st.MaxOpen, p.Healthy())
	// Output: sqlite Salon Schmidt true 4 <nil>
}

func ExamplePool_Acquire() {
	dir, _ := os.MkdirTemp("", "askpro-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	p, err := pool.Open(ctx, "sqlite://"+filepath.Join(dir, "askpro.db"), pool.Config{
		MinConns: 1, MaxConns: 1, ConnectionTimeout: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	conn, err := p.Acquire(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close() // returns the connection to the pool

	// The only connection is taken: the next Acquire gives up.
	_, err = p.Acquire(ctx)
	fmt.Println(errors.Is(err, pool.ErrAcquireTimeout))
	fmt.Println(err)
	// Output:
	// true
	// pool: no connection free within 50ms (1 of 1 in use)
}

func ExampleWithRetry() {
	attempts := 0
	err := pool.WithRetry(context.Background(), pool.Config{RetryDelay: time.Millisecond, Logger: slog.New(slog.DiscardHandler)},
		func(ctx context.Context) error {
			attempts++
			if attempts < 3 {
				return driver.ErrBadConn // transient: tried again
			}
			return nil
		})
	fmt.Println(attempts, err)
	// Output: 3 <nil>
}
