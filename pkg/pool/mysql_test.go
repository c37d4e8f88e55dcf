package pool_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
)

// openMySQL opens a pool on a fresh test database.
func openMySQL(t *testing.T, cfg pool.Config) *pool.Pool {
	t.Helper()
	url, _ := mysqlURL(t)
	if cfg.Logger == nil {
		cfg.Logger = nopLogger()
	}
	p, err := pool.Open(ctxT(t), url, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestOpen_MySQLWarmUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     pool.Config
		wantMin int
		wantMax int
	}{
		{"spec defaults", pool.Config{HealthInterval: -1}, 10, 50},
		{"small pool", pool.Config{MinConns: 3, MaxConns: 5, HealthInterval: -1}, 3, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := openMySQL(t, tt.cfg)
			st := p.Stats()
			assert.GreaterOrEqual(t, st.Open, tt.wantMin, "warm-up opens MinConns connections")
			assert.Equal(t, tt.wantMax, st.MaxOpen)
			assert.Equal(t, st.Open, st.Idle, "warm connections are returned to the pool")
			assert.GreaterOrEqual(t, st.Created, int64(tt.wantMin-1), "the first ping opened one, warm-up the rest")
			assert.Equal(t, pool.MySQL, p.Dialect())
			assert.Same(t, p.DB(), p.Writer(), "MySQL has one pool for reads and writes")
			assert.NoError(t, p.Healthy())
		})
	}
}

func TestOpen_MySQLSession(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	p := openMySQL(t, pool.Config{MinConns: 2, MaxConns: 3})
	// Check the session of several distinct connections.
	var conns []*sql.Conn
	for range 3 {
		c, err := p.Acquire(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for _, c := range conns {
		var charset, collation, sqlMode, tz string
		require.NoError(t, c.QueryRowContext(ctx,
			"SELECT @@character_set_connection, @@collation_connection, @@SESSION.sql_mode, @@SESSION.time_zone").
			Scan(&charset, &collation, &sqlMode, &tz))
		assert.Equal(t, "utf8mb4", charset)
		assert.Equal(t, "utf8mb4_unicode_ci", collation)
		for _, mode := range []string{"STRICT_TRANS_TABLES", "STRICT_ALL_TABLES", "NO_ZERO_DATE", "NO_AUTO_VALUE_ON_ZERO"} {
			assert.Contains(t, sqlMode, mode)
		}
		assert.Equal(t, "+00:00", tz)
		require.NoError(t, c.Close())
	}

	// Strict mode refuses truncation instead of warning.
	_, err := p.DB().ExecContext(ctx, "CREATE TABLE s (v VARCHAR(3) NOT NULL)")
	require.NoError(t, err)
	_, err = p.DB().ExecContext(ctx, "INSERT INTO s VALUES (?)", "too long")
	var me *mysql.MySQLError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, uint16(1406), me.Number, "data too long")

	// parseTime: DATETIME scans into time.Time in UTC.
	var now time.Time
	require.NoError(t, p.DB().QueryRowContext(ctx, "SELECT NOW()").Scan(&now))
	assert.Equal(t, time.UTC, now.Location())
}

func TestAcquire_MySQLTimeout(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	const timeout = 200 * time.Millisecond
	p := openMySQL(t, pool.Config{MinConns: 1, MaxConns: 2, ConnectionTimeout: timeout, HealthInterval: -1})
	assertAcquireTimeout(t, ctx, p, timeout, 2)
}

// assertAcquireTimeout holds all maxConns connections and checks that one
// more Acquire waits for the timeout and fails with ErrAcquireTimeout, and
// succeeds once a connection is returned.
func assertAcquireTimeout(t *testing.T, ctx context.Context, p *pool.Pool, timeout time.Duration, maxConns int) {
	t.Helper()
	var held []*sql.Conn
	for range maxConns {
		c, err := p.Acquire(ctx)
		require.NoError(t, err)
		held = append(held, c)
	}
	start := time.Now()
	c, err := p.Acquire(ctx)
	waited := time.Since(start)
	require.Error(t, err)
	assert.Nil(t, c)
	assert.ErrorIs(t, err, pool.ErrAcquireTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var ate *pool.AcquireTimeoutError
	require.ErrorAs(t, err, &ate)
	assert.Equal(t, maxConns, ate.InUse)
	assert.Equal(t, maxConns, ate.MaxOpen)
	assert.Equal(t, "pool: no connection free within "+timeout.String()+" (2 of 2 in use)", err.Error())
	assert.GreaterOrEqual(t, waited, timeout*9/10, "Acquire waited for the timeout")

	st := p.Stats()
	assert.Equal(t, int64(1), st.AcquireTimeouts)
	assert.GreaterOrEqual(t, st.WaitCount, int64(1))
	assert.Equal(t, maxConns, st.InUse)

	// The caller's own deadline is not a pool timeout.
	short, cancel := context.WithTimeout(ctx, timeout/4)
	_, err = p.Acquire(short)
	cancel()
	require.Error(t, err)
	assert.NotErrorIs(t, err, pool.ErrAcquireTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, held[0].Close())
	c, err = p.Acquire(ctx)
	require.NoError(t, err, "a returned connection can be acquired again")
	require.NoError(t, c.Close())
	for _, c := range held[1:] {
		require.NoError(t, c.Close())
	}
}

func TestOpen_MySQLLateDatabase(t *testing.T) {
	t.Parallel()
	url, addr := mysqlURL(t)
	px := newProxy(t, addr)
	logger, logs := newLogger()
	// The "database" comes up while Open waits before its third attempt.
	logs.setOnLog(func(msg string) {
		if strings.Contains(msg, "not reachable, retrying") && logs.count("not reachable, retrying") == 2 {
			px.start()
		}
	})
	p, err := pool.Open(ctxT(t), viaAddr(t, url, px.addr), pool.Config{
		MinConns: 2, MaxConns: 4, RetryAttempts: 5, RetryDelay: 20 * time.Millisecond,
		ConnectionTimeout: 5 * time.Second, HealthInterval: -1, Logger: logger,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	assert.Equal(t, 2, logs.count("not reachable, retrying"), "two attempts were refused, the third connected")
	assert.Equal(t, int64(2), p.Stats().Retries)
	assert.GreaterOrEqual(t, px.accepted.Load(), int64(2), "connections went through the proxy")
	assert.GreaterOrEqual(t, p.Stats().Open, 2)
	require.NoError(t, p.Ping(ctxT(t)))
}

func TestOpen_MySQLNeverUp(t *testing.T) {
	t.Parallel()
	url, addr := mysqlURL(t)
	px := newProxy(t, addr) // never started: the port refuses
	logger, logs := newLogger()
	start := time.Now()
	p, err := pool.Open(ctxT(t), viaAddr(t, url, px.addr), pool.Config{
		RetryAttempts: 3, RetryDelay: 10 * time.Millisecond, HealthInterval: -1, Logger: logger,
	})
	require.Error(t, err)
	assert.Nil(t, p)
	assert.ErrorIs(t, err, pool.ErrUnreachable)
	assert.Contains(t, err.Error(), "gave up after 4 attempts")
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, err.Error(), px.addr)
	assert.Equal(t, 3, logs.count("not reachable, retrying"))
	assert.GreaterOrEqual(t, time.Since(start), 70*time.Millisecond*9/10, "waited 10+20+40ms between attempts")
}

func TestOpen_MySQLPermanentErrorsNotRetried(t *testing.T) {
	t.Parallel()
	url, _ := mysqlURL(t)
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(url, "mysql://"))
	require.NoError(t, err)

	badUser := cfg.Clone()
	badUser.User, badUser.Passwd = "askpro_no_such_user", "hunter2"
	unknownDB := cfg.Clone()
	unknownDB.DBName = "askpro_no_such_db_" + strings.ReplaceAll(t.Name(), "/", "_")

	tests := []struct {
		name        string
		url         string
		wantNumbers []uint16
	}{
		// MariaDB answers 1698 where a socket-auth plugin is configured.
		{"bad credentials", "mysql://" + badUser.FormatDSN(), []uint16{1045, 1698}},
		{"unknown database", "mysql://" + unknownDB.FormatDSN(), []uint16{1049}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newLogger()
			p, err := pool.Open(ctxT(t), tt.url, pool.Config{RetryDelay: time.Second, HealthInterval: -1, Logger: logger})
			require.Error(t, err)
			assert.Nil(t, p)
			var me *mysql.MySQLError
			require.ErrorAs(t, err, &me)
			assert.Contains(t, tt.wantNumbers, me.Number)
			assert.NotErrorIs(t, err, pool.ErrUnreachable)
			assert.Zero(t, logs.count("retrying"), "permanent errors are not retried")
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestHealth_MySQLGoesAwayAndRecovers(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	url, addr := mysqlURL(t)
	px := newProxy(t, addr)
	px.start()
	p, err := pool.Open(ctx, viaAddr(t, url, px.addr), pool.Config{
		MinConns: 2, MaxConns: 4, ConnectionTimeout: 2 * time.Second, HealthInterval: -1, Logger: nopLogger(),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })

	require.NoError(t, p.CheckHealth(ctx))
	require.NoError(t, p.Healthy())

	px.stop()
	err = p.CheckHealth(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, pool.ErrUnhealthy)
	assert.Equal(t, err, p.Healthy(), "Healthy reports the last check")
	st := p.Stats()
	assert.False(t, st.Healthy)
	assert.Equal(t, int64(1), st.Unhealthy)
	assert.Equal(t, int64(2), st.HealthChecks)

	px.start()
	require.NoError(t, p.CheckHealth(ctx))
	require.NoError(t, p.Healthy())
	st = p.Stats()
	assert.True(t, st.Healthy)
	assert.GreaterOrEqual(t, st.Open, 2, "the health check topped the pool up to MinConns again")
}

func TestHealth_MySQLLoop(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	url, addr := mysqlURL(t)
	px := newProxy(t, addr)
	px.start()
	p, err := pool.Open(ctx, viaAddr(t, url, px.addr), pool.Config{
		MinConns: 1, MaxConns: 2, ConnectionTimeout: 2 * time.Second, HealthInterval: 20 * time.Millisecond, Logger: nopLogger(),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })

	px.stop()
	require.Eventually(t, func() bool { return errors.Is(p.Healthy(), pool.ErrUnhealthy) },
		20*time.Second, 10*time.Millisecond, "the loop notices the database went away")
	px.start()
	require.Eventually(t, func() bool { return p.Healthy() == nil },
		20*time.Second, 10*time.Millisecond, "the loop notices it is back")
	assert.GreaterOrEqual(t, p.Stats().HealthChecks, int64(2))

	require.NoError(t, p.Close())
	assert.ErrorIs(t, p.Healthy(), pool.ErrClosed)
	assert.ErrorIs(t, p.CheckHealth(ctx), pool.ErrClosed)
	_, err = p.Acquire(ctx)
	assert.ErrorIs(t, err, pool.ErrClosed)
	assert.NoError(t, p.Close(), "Close is idempotent")
}

func TestPool_MySQLURL(t *testing.T) {
	t.Parallel()
	url, _ := mysqlURL(t)
	p, err := pool.Open(ctxT(t), url, pool.Config{MinConns: 1, MaxConns: 2, HealthInterval: -1, Logger: nopLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	assert.Equal(t, url, p.URL(), "no password to mask in the test URL")
}

func TestPool_Context(t *testing.T) {
	t.Parallel()
	p := openMySQL(t, pool.Config{MinConns: 1, MaxConns: 1, QueryTimeout: 300 * time.Millisecond, HealthInterval: -1})
	ctx, cancel := p.Context(context.Background())
	defer cancel()
	dl, ok := ctx.Deadline()
	require.True(t, ok)
	assert.LessOrEqual(t, time.Until(dl), 300*time.Millisecond)

	// With the only connection held, a query under p.Context fails instead of
	// waiting forever.
	held, err := p.Acquire(ctxT(t))
	require.NoError(t, err)
	defer held.Close()
	var one int
	err = p.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
