package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/askproai/askpro/internal/dbtest"
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
