package queue

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/askproai/askpro/pkg/pool"
)

// driver is the SQL of one dialect. Everything the queue writes or reads
// goes through it, and one conformance suite (queuetest.RunDriver) runs on
// each implementation against a real database.
//
// The worker's claim differs by dialect (SELECT … FOR UPDATE SKIP LOCKED
// on MySQL, one UPDATE … RETURNING on SQLite's single writer); the lease
// renewal and the guarded transitions (UPDATE … WHERE id = ? AND status = ?
// AND locked_by = ?) are shared (claim.go).
type driver interface {
	// dialect names the database.
	dialect() pool.Dialect
	// flushers is the Inbox's default number of batch writers.
	flushers() int
	// batchLen returns how many of n pending events one INSERT takes.
	batchLen(n int) int
	// insertSQL is the INSERT of n rows (insertCols) that skips rows whose
	// (provider, idempotency_key) is already stored without failing the
	// statement; its affected-row count is the number of rows inserted.
	insertSQL(n int) string
	// tooManyPrepared reports whether err says the server holds too many
	// prepared statements, so the statement must run unprepared.
	tooManyPrepared(err error) bool
	// claim takes up to a.n waiting jobs in claim order and leases them to
	// a.token until a.until; no job is ever leased to two owners.
	claim(ctx context.Context, db *sql.DB, a claimArgs) ([]Job, error)
}

// newDriver returns the driver of d.
func newDriver(d pool.Dialect) (driver, error) {
	switch d {
	case pool.MySQL:
		return mysqlDriver{}, nil
	case pool.SQLite:
		return sqliteDriver{}, nil
	}
	return nil, fmt.Errorf("queue: unknown dialect %q (want %s or %s)", d, pool.MySQL, pool.SQLite)
}

const insertCols = "(provider, event_type, idempotency_key, company_id, payload, headers, correlation_id, ip_address, " +
	"user_agent, status, queue, priority, attempts, max_attempts, available_at, created_at, updated_at)"

// insertArgs is the number of placeholders of one row of rowPlaceholders.
const insertArgs = 15

const rowPlaceholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, 0, ?, ?, ?, ?)"

// valuesSQL is the INSERT of n rows up to its VALUES list, then suffix.
func valuesSQL(n int, suffix string) string {
	var b strings.Builder
	b.Grow(len(insertCols) + n*(len(rowPlaceholders)+2) + len(suffix) + 40)
	b.WriteString("INSERT INTO webhook_events ")
	b.WriteString(insertCols)
	b.WriteString(" VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(rowPlaceholders)
	}
	b.WriteString(suffix)
	return b.String()
}

// existingSQL selects the stored rows of n (provider, idempotency_key)
// pairs with their created_at: how an Inbox tells its own rows from rows that
// were already there. It is the same on both dialects.
func existingSQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT provider, idempotency_key, created_at FROM webhook_events WHERE ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(provider = ? AND idempotency_key = ?)")
	}
	return b.String()
}

// exactBatch is the largest batch written with its own statement on MySQL;
// larger batches are cut to a multiple of it (see InboxConfig.MaxBatch).
const exactBatch = 16

// mysqlDriver is MySQL 8 and MariaDB 10.6+.
type mysqlDriver struct{}

func (mysqlDriver) dialect() pool.Dialect { return pool.MySQL }

// Two flushers let one batch execute while the other waits for its commit
// to reach the disk.
func (mysqlDriver) flushers() int { return 2 }

// batchLen bounds the distinct prepared statements, which every pooled
// connection keeps: batches up to exactBatch as they are, larger ones cut
// to a multiple of it.
func (mysqlDriver) batchLen(n int) int {
	if n <= exactBatch {
		return n
	}
	return n - n%exactBatch
}

// insertSQL uses ON DUPLICATE KEY UPDATE id = id, not INSERT IGNORE, which
// would also turn real errors (a value too long) into warnings. An existing
// row left as it is counts 0 affected rows (the driver does not set
// CLIENT_FOUND_ROWS).
func (mysqlDriver) insertSQL(n int) string { return valuesSQL(n, " ON DUPLICATE KEY UPDATE id = id") }

func (mysqlDriver) tooManyPrepared(err error) bool { return pool.IsTooManyPreparedStatements(err) }

func (mysqlDriver) claim(ctx context.Context, db *sql.DB, a claimArgs) ([]Job, error) {
	return claimMySQL(ctx, db, a)
}

// sqliteDriver is SQLite through modernc.org/sqlite, with the pool's single
// writer connection.
type sqliteDriver struct{}

func (sqliteDriver) dialect() pool.Dialect { return pool.SQLite }

// One writer: a second flusher would only wait for the first.
func (sqliteDriver) flushers() int { return 1 }

// batchLen takes every batch whole: one connection keeps few statements.
func (sqliteDriver) batchLen(n int) int { return n }

func (sqliteDriver) insertSQL(n int) string {
	return valuesSQL(n, " ON CONFLICT (provider, idempotency_key) DO NOTHING")
}

func (sqliteDriver) tooManyPrepared(error) bool { return false }

func (sqliteDriver) claim(ctx context.Context, db *sql.DB, a claimArgs) ([]Job, error) {
	return claimSQLite(ctx, db, a)
}
