package queue_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/metrics/metricstest"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlushMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := queue.NewFlushMetrics(reg)
	require.NoError(t, err)
	_, err = queue.NewFlushMetrics(reg)
	assert.Error(t, err, "registering twice is refused")

	p := openPool(t, dbtest.SQLite(t))
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: pool.SQLite, OnFlush: m.OnFlush})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := in.Insert(context.Background(), ev(fmt.Sprintf("evt_m%d", i)))
			assert.NoError(t, err)
		}(i)
	}
	wg.Wait()
	require.NoError(t, in.Close())

	mfs, err := reg.Gather()
	require.NoError(t, err)
	var events float64
	for _, mf := range mfs {
		if mf.GetName() == "askproai_inbox_batch_size" {
			events = mf.GetMetric()[0].GetHistogram().GetSampleSum()
		}
	}
	assert.Equal(t, 50.0, events, "the batch sizes add up to the events written")
	assert.Equal(t, 3, testutil.CollectAndCount(reg), "three metric families")
}

// gauge returns the value of the gauge name with the given labels in reg,
// and whether it is there.
func gauge(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	f, err := metricstest.Gather(reg)
	require.NoError(t, err)
	return f.Value(name, labels)
}

func TestQueueCollector(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		ids := store(t, p, stripeEv("evt_c1", "payment_intent.succeeded"), stripeEv("evt_c2", "payment_intent.succeeded"),
			stripeEv("evt_h1", "charge.failed"), stripeEv("evt_dead", "charge.failed"))
		setState(t, p, ids["evt_dead"], queue.DeadLetter, 3, "handler: boom")
		rd, err := queue.NewReader(p)
		require.NoError(t, err)
		now := storedAt.Add(90 * time.Second)
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		c, err := queue.NewQueueCollector(queue.QueueCollectorConfig{Reader: rd, Now: clock})
		require.NoError(t, err)
		reg := prometheus.NewPedanticRegistry()
		require.NoError(t, reg.Register(c))

		for q, want := range map[string]float64{"critical": 2, "high": 1, "normal": 0} {
			got, ok := gauge(t, reg, "askproai_queue_size", map[string]string{"queue": q})
			require.True(t, ok, q)
			assert.Equal(t, want, got, q)
		}
		got, _ := gauge(t, reg, "askproai_queue_events", map[string]string{"queue": "high", "status": "dead_letter"})
		assert.Equal(t, 1.0, got)
		got, ok := gauge(t, reg, "askproai_queue_events", map[string]string{"queue": "normal", "status": "processed"})
		assert.True(t, ok, "every queue and status, zeros included")
		assert.Zero(t, got)
		got, _ = gauge(t, reg, "askproai_queue_oldest_pending_seconds", map[string]string{"queue": "critical"})
		assert.InDelta(t, 90, got, 1)
		got, ok = gauge(t, reg, "askproai_queue_oldest_pending_seconds", map[string]string{"queue": "normal"})
		assert.True(t, ok)
		assert.Zero(t, got, "nothing waits")

		// Within the TTL the database is not read again.
		store(t, p, stripeEv("evt_c3", "payment_intent.succeeded"))
		got, _ = gauge(t, reg, "askproai_queue_size", map[string]string{"queue": "critical"})
		assert.Equal(t, 2.0, got, "cached")
		mu.Lock()
		now = now.Add(5 * time.Second)
		mu.Unlock()
		got, _ = gauge(t, reg, "askproai_queue_size", map[string]string{"queue": "critical"})
		assert.Equal(t, 3.0, got, "read again after the TTL")
		n, err := testutil.GatherAndCount(reg)
		require.NoError(t, err)
		assert.Equal(t, 3+3*len(queue.Statuses)+3, n)
	})
}

func TestWorkerMetrics_ProcessingDuration(t *testing.T) {
	t.Parallel()
	p := openPool(t, dbtest.SQLite(t))
	store(t, p, stripeEv("evt_p1", "charge.failed"), stripeEv("evt_p2", "charge.failed"), stripeEv("evt_p3", "invoice.payment_failed"))
	reg := prometheus.NewPedanticRegistry()
	wm, err := queue.NewWorkerMetrics(reg)
	require.NoError(t, err)
	w, err := queue.NewWorker(queue.WorkerConfig{DB: p.Writer(), Dialect: p.Dialect(), Metrics: wm, Logger: slog.New(slog.DiscardHandler),
		Handler: queue.HandlerFunc(func(context.Context, *sql.Tx, *queue.Job) error { return nil })})
	require.NoError(t, err)
	n, err := w.RunOnce(context.Background(), "w")
	require.NoError(t, err)
	require.Equal(t, 3, n)

	count := map[string]uint64{}
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "askproai_webhook_processing_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			lv := map[string]string{}
			for _, lp := range m.GetLabel() {
				lv[lp.GetName()] = lp.GetValue()
			}
			count[lv["service"]+" "+lv["event_type"]] = m.GetHistogram().GetSampleCount()
			assert.Len(t, m.GetHistogram().GetBucket(), 8, "the spec's processing buckets")
		}
	}
	assert.Equal(t, map[string]uint64{"stripe charge.failed": 2, "stripe invoice.payment_failed": 1}, count)
	assert.Equal(t, 3.0, testutil.ToFloat64(wm.JobsCounter("stripe", "high", "processed")))
}
