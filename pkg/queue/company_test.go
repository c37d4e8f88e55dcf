package queue_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompanyCostsNoStatement counts the statements a worker executes for a
// batch (through a counting wrapper around the real driver, on the real
// database): the company each job resolves rides on the batch's one
// completion UPDATE, so a batch of 12 jobs of 3 companies executes as many
// statements as a batch of one job, or one that resolves no company.
func TestCompanyCostsNoStatement(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		db, count := countingDB(t, p)
		in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect(), Flushers: 1})
		require.NoError(t, err)
		t.Cleanup(func() { _ = in.Close() })

		tests := []struct {
			name      string
			jobs      int
			companies int64 // 0: the handler resolves none
		}{
			{"one job, no company", 1, 0},
			{"one job, a company", 1, 1},
			{"12 jobs, 3 companies", 12, 3},
			{"12 jobs, no company", 12, 0},
		}
		got := map[string]int64{}
		for i, tt := range tests {
			var ids []int64
			for k := range tt.jobs {
				key := fmt.Sprintf("stripe:evt_cost_%d_%d", i, k)
				_, err := in.Insert(context.Background(), ev(key))
				require.NoError(t, err)
				var id int64
				require.NoError(t, p.DB().QueryRow("SELECT id FROM webhook_events WHERE idempotency_key = ?", []byte(key)).Scan(&id))
				ids = append(ids, id)
			}
			h := queue.HandlerFunc(func(_ context.Context, _ *sql.Tx, j *queue.Job) error {
				if tt.companies > 0 {
					j.SetCompany(100 + j.ID%tt.companies)
				}
				return nil
			})
			w, err := queue.NewWorker(queue.WorkerConfig{DB: db, Dialect: p.Dialect(), Handler: h, Batch: 16,
				Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			before := count.Load()
			n, err := w.RunOnce(context.Background(), "w")
			require.NoError(t, err)
			require.Equal(t, tt.jobs, n, tt.name)
			got[tt.name] = count.Load() - before

			for _, id := range ids {
				var status string
				var company sql.NullInt64
				require.NoError(t, p.DB().QueryRow("SELECT status, company_id FROM webhook_events WHERE id = ?", id).Scan(&status, &company))
				assert.Equal(t, "processed", status, tt.name)
				if tt.companies > 0 {
					assert.Equal(t, 100+id%tt.companies, company.Int64, "%s: job %d has its own company", tt.name, id)
				} else {
					assert.False(t, company.Valid, tt.name)
				}
			}
		}
		// The claim (MySQL: SELECT ... FOR UPDATE SKIP LOCKED and UPDATE;
		// SQLite: one UPDATE ... RETURNING) and the completion; begin and
		// commit are not statements here.
		want := int64(2)
		if p.Dialect() == pool.MySQL {
			want = 3
		}
		for name, n := range got {
			assert.Equal(t, want, n, "%s: statements of the batch", name)
		}
		t.Logf("%s: statements per batch %v", p.Dialect(), got)
	})
}

// countingDB opens a second handle on p's database, one connection, whose
// every executed statement (Exec or Query, prepared or not) adds one to the
// counter. It wraps the real driver: the statements run on the database.
func countingDB(t *testing.T, p *pool.Pool) (*sql.DB, *atomic.Int64) {
	t.Helper()
	_, dsn, err := pool.ParseURL(p.URL())
	require.NoError(t, err)
	if p.Dialect() == pool.SQLite {
		dsn += "&_txlock=immediate" // as the pool's writer
	}
	var n atomic.Int64
	db := sql.OpenDB(&countingConnector{drv: p.Writer().Driver(), dsn: dsn, n: &n})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.Ping())
	return db, &n
}

type countingConnector struct {
	drv driver.Driver
	dsn string
	n   *atomic.Int64
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	var conn driver.Conn
	var err error
	if dc, ok := c.drv.(driver.DriverContext); ok {
		var cn driver.Connector
		if cn, err = dc.OpenConnector(c.dsn); err == nil {
			conn, err = cn.Connect(ctx)
		}
	} else {
		conn, err = c.drv.Open(c.dsn)
	}
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

func (c *countingConnector) Driver() driver.Driver { return c.drv }

// countingConn counts the statements run on conn.
type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // the fallback database/sql uses too
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var s driver.Stmt
	var err error
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		s, err = pc.PrepareContext(ctx, query)
	} else {
		s, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: s, n: c.n}, nil
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	r, err := e.ExecContext(ctx, query, args)
	if err != driver.ErrSkip { //nolint:errorlint // the driver's own sentinel, returned as is
		c.n.Add(1)
	}
	return r, err
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	r, err := q.QueryContext(ctx, query, args)
	if err != driver.ErrSkip { //nolint:errorlint // the driver's own sentinel, returned as is
		c.n.Add(1)
	}
	return r, err
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// countingStmt counts the executions of a prepared statement.
type countingStmt struct {
	driver.Stmt
	n *atomic.Int64
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.Add(1)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, fmt.Errorf("counting driver: %T has no ExecContext", s.Stmt)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.Add(1)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, fmt.Errorf("counting driver: %T has no QueryContext", s.Stmt)
}

func (s *countingStmt) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}
