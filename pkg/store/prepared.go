package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// maxPrepared bounds the statement texts a Store prepares and keeps per
// database handle. The repositories' statements are a few dozen; texts
// built per call (IN lists, LIMIT values) beyond the bound run unprepared.
const maxPrepared = 256

// stmts prepares each statement text once per database handle and keeps it:
// database/sql then prepares it once per connection and reuses it, so a
// statement costs one round trip (execute), not two (prepare and execute,
// as an unprepared statement with arguments does on MySQL), and no parse.
type stmts struct {
	db      *sql.DB
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background
}

func newStmts(db *sql.DB) *stmts {
	return &stmts{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns the prepared statement of q if there is one; if there is
// none it starts preparing q in the background and returns nil, so that the
// caller, which holds a transaction, runs q unprepared this time. Preparing
// in the caller would take a second connection while the transaction holds
// one: on a pool of one connection (SQLite's writer), or an exhausted one,
// that waits forever.
func (c *stmts) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[q]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	if c.pending[q] || len(c.m)+len(c.pending) >= maxPrepared {
		c.mu.Unlock()
		return nil
	}
	c.pending[q] = true
	c.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := c.db.PrepareContext(ctx, q)
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.pending, q)
		if err == nil {
			c.m[q] = st
		}
	}()
	return nil
}

// get returns the prepared statement of q, or nil when q is not kept (the
// cache is full, or preparing failed: the caller then runs q unprepared and
// gets the database's own error, if any).
func (c *stmts) get(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[q]
	full := len(c.m)+len(c.pending) >= maxPrepared
	c.mu.RUnlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok { // another goroutine was first
		_ = st.Close()
		return prev
	}
	if len(c.m)+len(c.pending) >= maxPrepared {
		_ = st.Close()
		return nil
	}
	c.m[q] = st
	return st
}

// dbQuerier runs statements on a *sql.DB through its prepared statements.
type dbQuerier struct {
	db *sql.DB
	c  *stmts
}

func (q dbQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.c.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.db.ExecContext(ctx, query, args...)
}

func (q dbQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.c.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.db.QueryContext(ctx, query, args...)
}

func (q dbQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.c.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.db.QueryRowContext(ctx, query, args...)
}

// txQuerier runs statements in a transaction through the prepared
// statements of the handle the transaction was begun on (tx.StmtContext
// reuses the statement already prepared on the transaction's connection).
type txQuerier struct {
	tx *sql.Tx
	c  *stmts
}

func (q txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.c.lookup(query); st != nil {
		return q.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.c.lookup(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.c.lookup(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}
