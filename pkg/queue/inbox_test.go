package queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/queue/queuetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openPool(t *testing.T, url string) *pool.Pool {
	t.Helper()
	p, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 16, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func eachDialect(t *testing.T, fn func(t *testing.T, p *pool.Pool)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, openPool(t, dbtest.SQLite(t))) })
	t.Run("mysql", func(t *testing.T) { t.Parallel(); fn(t, openPool(t, dbtest.MySQL(t))) })
}

// TestDriver runs the drivers' conformance suite on both real databases.
func TestDriver(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		queuetest.RunDriver(t, func(t *testing.T) *pool.Pool { return openPool(t, dbtest.SQLite(t)) })
	})
	t.Run("mysql", func(t *testing.T) {
		t.Parallel()
		queuetest.RunDriver(t, func(t *testing.T) *pool.Pool { return openPool(t, dbtest.MySQL(t)) })
	})
}

func ev(key string) queue.Event {
	return queue.Event{Provider: "stripe", Type: "charge.failed", Key: key, Payload: []byte(`{"id":"` + key + `"}`),
		Headers: map[string]string{"user-agent": "Stripe/1.0"}, CorrelationID: "c-" + key, IPAddress: "127.0.0.1"}
}

func countRows(t *testing.T, p *pool.Pool) int {
	t.Helper()
	var n int
	require.NoError(t, p.DB().QueryRow("SELECT COUNT(*) FROM webhook_events").Scan(&n))
	return n
}

func TestInboxStoresAndGroups(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		var flushes, flushed atomic.Int64
		var maxBatch atomic.Int64
		in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect(), Flushers: 1,
			OnFlush: func(size int, _ time.Duration, err error) {
				flushes.Add(1)
				flushed.Add(int64(size))
				for {
					m := maxBatch.Load()
					if int64(size) <= m || maxBatch.CompareAndSwap(m, int64(size)) {
						break
					}
				}
			}})
		require.NoError(t, err)
		defer in.Close()

		const n = 300
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res, err := in.Insert(context.Background(), ev(fmt.Sprintf("evt_%d", i)))
				if err == nil && res.Duplicate {
					err = fmt.Errorf("evt_%d reported as a duplicate", i)
				}
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, n, countRows(t, p), "every insert that returned nil is committed")
		assert.Equal(t, int64(n), flushed.Load())
		assert.Less(t, flushes.Load(), int64(n), "concurrent inserts were grouped into fewer statements")
		assert.Greater(t, maxBatch.Load(), int64(1))

		var status, q, headers, corr string
		var prio, attempts, maxAttempts int
		require.NoError(t, p.DB().QueryRow("SELECT status, queue, priority, attempts, max_attempts, headers, correlation_id FROM webhook_events WHERE idempotency_key = ?", []byte("evt_7")).
			Scan(&status, &q, &prio, &attempts, &maxAttempts, &headers, &corr))
		assert.Equal(t, "pending", status)
		assert.Equal(t, "high", q, "charge.failed is routed to high")
		assert.Equal(t, 1, prio)
		assert.Equal(t, 0, attempts)
		assert.Equal(t, 3, maxAttempts)
		assert.JSONEq(t, `{"user-agent":"Stripe/1.0"}`, headers)
		assert.Equal(t, "c-evt_7", corr)
	})
}

// failOnKey makes the database refuse one key, as a row only the database
// can find fault with would: every event the Inbox accepts fits the table.
func failOnKey(t *testing.T, p *pool.Pool, key string) {
	t.Helper()
	q := `CREATE TRIGGER fail_one BEFORE INSERT ON webhook_events FOR EACH ROW
		BEGIN IF NEW.idempotency_key = '` + key + `' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'; END IF; END`
	if p.Dialect() == pool.SQLite {
		q = `CREATE TRIGGER fail_one BEFORE INSERT ON webhook_events WHEN NEW.idempotency_key = CAST('` + key + `' AS BLOB)
			BEGIN SELECT RAISE(ABORT, 'refused'); END`
	}
	_, err := p.Writer().Exec(q)
	require.NoError(t, err)
}

func TestInboxBadRowDoesNotFailTheBatch(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		failOnKey(t, p, "evt_b13")
		in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect(), Flushers: 1, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		defer in.Close()
		var wg sync.WaitGroup
		results := make([]error, 40)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, results[i] = in.Insert(context.Background(), ev(fmt.Sprintf("evt_b%d", i)))
			}(i)
		}
		wg.Wait()
		for i, err := range results {
			if i == 13 {
				assert.Error(t, err, "the bad row fails")
				continue
			}
			assert.NoError(t, err, "row %d", i)
		}
		assert.Equal(t, 39, countRows(t, p))
	})
}

func TestInboxRefusesInvalidAndClosed(t *testing.T) {
	t.Parallel()
	p := openPool(t, dbtest.SQLite(t))
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: pool.SQLite})
	require.NoError(t, err)
	for name, bad := range map[string]queue.Event{
		"no type":          {Provider: "retell", Key: "k", Payload: []byte(`{}`)},
		"no payload":       {Provider: "retell", Type: "call_ended", Key: "k"},
		"unknown provider": {Provider: "twilio", Type: "sms", Key: "k", Payload: []byte(`{}`)},
		"long event type":  {Provider: "retell", Type: string(make([]byte, queue.MaxEventTypeBytes+1)), Key: "k", Payload: []byte(`{}`)},
	} {
		_, err = in.Insert(context.Background(), bad)
		assert.ErrorIs(t, err, queue.ErrInvalidEvent, name)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Refused at the hand-off, or dropped by the flusher before its batch:
	// either way the caller hears the cancellation and nothing is written.
	_, err = in.Insert(ctx, ev("evt_cancelled"))
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, in.Close())
	_, err = in.Insert(context.Background(), ev("evt_late"))
	assert.ErrorIs(t, err, queue.ErrClosed)
	require.NoError(t, in.Close(), "Close is idempotent")
	assert.Zero(t, countRows(t, p))

	_, err = queue.NewInbox(queue.InboxConfig{Dialect: pool.SQLite})
	assert.Error(t, err)
	_, err = queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: "postgres"})
	assert.Error(t, err)
}
