package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: "things_total", Help: "Things."}, []string{"outcome"})
}

func TestRegister(t *testing.T) {
	t.Parallel()
	t.Run("twice returns the first", func(t *testing.T) {
		t.Parallel()
		reg := prometheus.NewPedanticRegistry()
		a, err := metrics.Register(reg, newCounter())
		require.NoError(t, err)
		b, err := metrics.Register(reg, newCounter())
		require.NoError(t, err)
		require.Same(t, a, b)
		b.WithLabelValues("ok").Inc()
		assert.Equal(t, 1.0, testutil.ToFloat64(a.WithLabelValues("ok")))
	})
	t.Run("nil registerer", func(t *testing.T) {
		t.Parallel()
		c := newCounter()
		got, err := metrics.Register(nil, c)
		require.NoError(t, err)
		assert.Same(t, c, got)
	})
	t.Run("other type", func(t *testing.T) {
		t.Parallel()
		reg := prometheus.NewRegistry()
		_, err := metrics.Register(reg, newCounter())
		require.NoError(t, err)
		var c prometheus.Collector = newCounter()
		_, err = metrics.Register(reg, c) // same type through the interface: fine
		require.NoError(t, err)
		type wrapped struct{ *prometheus.CounterVec }
		_, err = metrics.Register(reg, wrapped{newCounter()})
		require.ErrorContains(t, err, "already registered")
	})
	t.Run("conflicting labels", func(t *testing.T) {
		t.Parallel()
		reg := prometheus.NewRegistry()
		_, err := metrics.Register(reg, newCounter())
		require.NoError(t, err)
		other := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: "things_total", Help: "Things."}, []string{"reason"})
		_, err = metrics.Register(reg, other)
		require.Error(t, err)
		assert.Panics(t, func() { metrics.MustRegister(reg, other) })
	})
}

func TestBuckets(t *testing.T) {
	t.Parallel()
	// The spec's MetricsCollector.
	assert.Equal(t, []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}, metrics.APIBuckets)
	assert.Equal(t, []float64{.1, .5, 1, 2, 5, 10, 30, 60}, metrics.ProcessingBuckets)
}

func TestCap(t *testing.T) {
	t.Parallel()
	c := &metrics.Cap{Max: 2, Known: []string{"call_started"}}
	assert.Equal(t, "call_started", c.Value("call_started"))
	assert.Equal(t, "a", c.Value("a"))
	assert.Equal(t, "b", c.Value("b"))
	assert.Equal(t, metrics.Other, c.Value("c"))
	assert.Equal(t, "a", c.Value("a"), "kept values stay kept")
	assert.Equal(t, "call_started", c.Value("call_started"), "known values do not count")
	assert.Equal(t, "unknown", c.Value(""))
	var zero metrics.Cap
	for i := range 64 {
		require.Equal(t, fmt.Sprint(i), zero.Value(fmt.Sprint(i)))
	}
	assert.Equal(t, metrics.Other, zero.Value("64"))
}

func TestCached(t *testing.T) {
	t.Parallel()
	desc := prometheus.NewDesc("askproai_test_size", "Size.", nil, nil)
	var (
		reads atomic.Int64
		fail  atomic.Bool
		now   = time.Unix(1000, 0)
	)
	c := metrics.NewCached(metrics.CachedConfig{
		Name:  "test",
		Descs: []*prometheus.Desc{desc},
		TTL:   5 * time.Second,
		Now:   func() time.Time { return now },
		Read: func(ctx context.Context) ([]prometheus.Metric, error) {
			n := reads.Add(1)
			if _, ok := ctx.Deadline(); !ok {
				return nil, errors.New("no deadline")
			}
			if fail.Load() {
				return nil, errors.New("database down")
			}
			return []prometheus.Metric{prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n))}, nil
		},
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	scrape := func() string {
		t.Helper()
		var b strings.Builder
		mfs, err := reg.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				fmt.Fprintf(&b, "%s %g\n", mf.GetName(), m.GetGauge().GetValue())
			}
		}
		return b.String()
	}
	assert.Equal(t, "askproai_test_size 1\n", scrape())
	assert.Equal(t, "askproai_test_size 1\n", scrape(), "within the TTL: cached")
	assert.EqualValues(t, 1, reads.Load())
	now = now.Add(5 * time.Second)
	assert.Equal(t, "askproai_test_size 2\n", scrape(), "after the TTL: read again")
	fail.Store(true)
	now = now.Add(5 * time.Second)
	assert.Empty(t, scrape(), "a failed read leaves the metric out, the scrape still works")
	assert.Empty(t, scrape())
	assert.EqualValues(t, 3, reads.Load(), "a failure is cached too")
	fail.Store(false)
	now = now.Add(5 * time.Second)
	assert.Equal(t, "askproai_test_size 4\n", scrape(), "recovers")
	assert.Panics(t, func() { metrics.NewCached(metrics.CachedConfig{}) })
}
