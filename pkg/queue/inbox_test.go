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

func ev(key string) queue.Event {
	return queue.Event{Provider: "stripe", Type: "charge.failed", Key: key, Queue: queue.High, Payload: []byte(`{"id":"` + key + `"}`),
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
		in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: string(p.Dialect()), Flushers: 1,
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
				errs <- in.Insert(context.Background(), ev(fmt.Sprintf("evt_%d", i)))
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
		require.NoError(t, p.DB().QueryRow("SELECT status, queue, priority, attempts, max_attempts, headers, correlation_id FROM webhook_events WHERE idempotency_key = 'evt_7'").
			Scan(&status, &q, &prio, &attempts, &maxAttempts, &headers, &corr))
		assert.Equal(t, "pending", status)
		assert.Equal(t, "high", q)
		assert.Equal(t, 1, prio)
		assert.Equal(t, 0, attempts)
		assert.Equal(t, 3, maxAttempts)
		assert.JSONEq(t, `{"user-agent":"Stripe/1.0"}`, headers)
		assert.Equal(t, "c-evt_7", corr)
	})
}

func TestInboxDuplicatesAreSuccess(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: string(p.Dialect())})
		require.NoError(t, err)
		defer in.Close()
		require.NoError(t, in.Insert(context.Background(), ev("evt_dup")))
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, in.Insert(context.Background(), ev("evt_dup")), "a redelivery is not an error")
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, countRows(t, p))
	})
}

func TestInboxBadRowDoesNotFailTheBatch(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: string(p.Dialect()), Flushers: 1})
		require.NoError(t, err)
		defer in.Close()
		var wg sync.WaitGroup
		results := make([]error, 40)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				e := ev(fmt.Sprintf("evt_b%d", i))
				if i == 13 {
					e.Payload = []byte(`{not json`) // the JSON CHECK refuses it
				}
				results[i] = in.Insert(context.Background(), e)
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
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: "sqlite"})
	require.NoError(t, err)
	err = in.Insert(context.Background(), queue.Event{Provider: "retell", Key: "k", Payload: []byte(`{}`)})
	assert.ErrorIs(t, err, queue.ErrInvalidEvent)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Refused at the hand-off, or dropped by the flusher before its batch:
	// either way the caller hears the cancellation and nothing is written.
	assert.ErrorIs(t, in.Insert(ctx, ev("evt_cancelled")), context.Canceled)
	require.NoError(t, in.Close())
	assert.ErrorIs(t, in.Insert(context.Background(), ev("evt_late")), queue.ErrClosed)
	require.NoError(t, in.Close(), "Close is idempotent")
	var n int
	require.NoError(t, p.DB().QueryRow("SELECT COUNT(*) FROM webhook_events WHERE idempotency_key IN ('evt_late', 'evt_cancelled')").Scan(&n))
	assert.Zero(t, n)

	_, err = queue.NewInbox(queue.InboxConfig{Dialect: "sqlite"})
	assert.Error(t, err)
	_, err = queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: "postgres"})
	assert.Error(t, err)
}

func TestPriority(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 0, queue.Priority(queue.Critical))
	assert.Equal(t, 1, queue.Priority(queue.High))
	assert.Equal(t, 2, queue.Priority(queue.Normal))
	assert.Equal(t, 2, queue.Priority("other"))
}
