package metricstest_test

import (
	"testing"

	"github.com/askproai/askpro/pkg/metrics/metricstest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const scrape = `# HELP jobs_total Jobs.
# TYPE jobs_total counter
jobs_total{queue="normal",outcome="processed",event_type="call_started"} 3
jobs_total{queue="normal",outcome="processed",event_type="call_ended"} 2
jobs_total{queue="normal",outcome="failed",event_type="call_ended"} 1
# HELP lag_seconds Lag.
# TYPE lag_seconds histogram
lag_seconds_bucket{queue="normal",le="1"} 4
lag_seconds_bucket{queue="normal",le="+Inf"} 5
lag_seconds_sum{queue="normal"} 2.5
lag_seconds_count{queue="normal"} 5
`

func TestParseAndValue(t *testing.T) {
	t.Parallel()
	f, err := metricstest.Parse([]byte(scrape))
	require.NoError(t, err)
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
		ok     bool
	}{
		{"jobs_total", map[string]string{"outcome": "processed"}, 5, true},
		{"jobs_total", map[string]string{"outcome": "processed", "event_type": "call_ended"}, 2, true},
		{"jobs_total", nil, 6, true},
		{"jobs_total", map[string]string{"outcome": "dead"}, 0, false},
		{"lag_seconds", map[string]string{"queue": "normal"}, 5, true},
		{"no_such_metric", nil, 0, false},
	} {
		v, ok := f.Value(tt.name, tt.labels)
		assert.Equal(t, tt.ok, ok, "%s %v", tt.name, tt.labels)
		assert.Equal(t, tt.want, v, "%s %v", tt.name, tt.labels)
	}
	_, err = metricstest.Parse([]byte("not { a scrape"))
	assert.Error(t, err)
}

func TestGather(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "queue_size", Help: "Size."}, []string{"queue"})
	reg.MustRegister(g)
	g.WithLabelValues("critical").Set(7)
	g.WithLabelValues("normal").Set(3)
	f, err := metricstest.Gather(reg)
	require.NoError(t, err)
	v, ok := f.Value("queue_size", map[string]string{"queue": "critical"})
	assert.True(t, ok)
	assert.Equal(t, 7.0, v)
	v, _ = f.Value("queue_size", nil)
	assert.Equal(t, 10.0, v)
}
