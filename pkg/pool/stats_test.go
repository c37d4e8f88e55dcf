package pool_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
)

// gather registers p in a fresh pedantic registry and returns its metrics
// by name, each as the list of its samples.
func gather(t *testing.T, p *pool.Pool) map[string][]*dto.Metric {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(p))
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string][]*dto.Metric{}
	for _, f := range families {
		out[f.GetName()] = f.GetMetric()
	}
	return out
}

// value returns the value of the sample of name whose labels include all of
// labels (name=value pairs).
func value(t *testing.T, metrics map[string][]*dto.Metric, name string, labels ...string) float64 {
	t.Helper()
	samples, ok := metrics[name]
	require.True(t, ok, "metric %s is exported", name)
next:
	for _, m := range samples {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no sample of %s with labels %v", name, labels)
	return 0
}

func TestCollector(t *testing.T) {
	t.Parallel()
	type open func(t *testing.T, cfg pool.Config) *pool.Pool
	tests := []struct {
		name       string
		open       open
		wantWriter bool
	}{
		{"mysql", openMySQL, false},
		{"sqlite", func(t *testing.T, cfg pool.Config) *pool.Pool { p, _ := openSQLite(t, cfg); return p }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.open(t, pool.Config{MinConns: 3, MaxConns: 5, HealthInterval: -1})
			require.NoError(t, p.CheckHealth(ctxT(t)))
			m := gather(t, p)

			assert.GreaterOrEqual(t, value(t, m, "askproai_db_pool_open", "role", "main"), 3.0)
			assert.Equal(t, 5.0, value(t, m, "askproai_db_pool_max_open", "role", "main"))
			assert.Equal(t, 0.0, value(t, m, "askproai_db_pool_in_use", "role", "main"))
			assert.GreaterOrEqual(t, value(t, m, "askproai_db_pool_idle", "role", "main"), 3.0)
			assert.Equal(t, 0.0, value(t, m, "askproai_db_pool_wait_count_total", "role", "main"))
			assert.Equal(t, 0.0, value(t, m, "askproai_db_pool_wait_duration_seconds_total", "role", "main"))
			assert.Equal(t, 0.0, value(t, m, "askproai_db_pool_closed_total", "role", "main", "reason", "max_lifetime"))
			assert.GreaterOrEqual(t, value(t, m, "askproai_db_pool_created_total"), 2.0)
			assert.Equal(t, 1.0, value(t, m, "askproai_db_pool_health_checks_total"))
			assert.Equal(t, 0.0, value(t, m, "askproai_db_pool_unhealthy_total"))
			assert.Equal(t, 1.0, value(t, m, "askproai_db_pool_healthy"))
			assert.Equal(t, 0.0, value(t, m, "askproai_db_pool_acquire_timeouts_total"))
			assert.Equal(t, 0.0, value(t, m, "askproai_db_pool_retries_total"))
			if tt.wantWriter {
				assert.Equal(t, 1.0, value(t, m, "askproai_db_pool_max_open", "role", "writer"))
				assert.Equal(t, 1.0, value(t, m, "askproai_db_pool_open", "role", "writer"))
			} else {
				assert.Len(t, m["askproai_db_pool_open"], 1, "MySQL has no writer pool")
			}

			// In-use connections show up.
			c, err := p.Acquire(ctxT(t))
			require.NoError(t, err)
			assert.Equal(t, 1.0, value(t, gather(t, p), "askproai_db_pool_in_use", "role", "main"))
			require.NoError(t, c.Close())
		})
	}
}

func TestCollector_Lint(t *testing.T) {
	t.Parallel()
	p, _ := openSQLite(t, pool.Config{MinConns: 1, MaxConns: 2, HealthInterval: -1})
	problems, err := testutil.CollectAndLint(p)
	require.NoError(t, err)
	assert.Empty(t, problems)
	// 7 database/sql metrics (closed_total has 3 reasons) for main and
	// writer, plus 6 pool metrics.
	assert.Equal(t, 2*9+6, testutil.CollectAndCount(p))
	const want = `
# HELP askproai_db_pool_max_open Maximum number of open connections (MaxConns).
# TYPE askproai_db_pool_max_open gauge
askproai_db_pool_max_open{role="main"} 2
askproai_db_pool_max_open{role="writer"} 1
`
	require.NoError(t, testutil.CollectAndCompare(p, strings.NewReader(want), "askproai_db_pool_max_open"))
}
