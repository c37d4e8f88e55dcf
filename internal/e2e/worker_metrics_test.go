package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/metrics/metricstest"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// TestWorkerServesMetrics: `askpro worker` with metrics.addr serves its
// own processing metrics (jobs, processing time) on /metrics behind
// metrics.token, and the probes, but no webhook route; without it, it
// listens on nothing.
func TestWorkerServesMetrics(t *testing.T) {
	t.Parallel()
	environ, db, dbURL, dir := demoBackends(t)

	const calls = 5
	run := runID()
	var bodies [][]byte
	for i := range calls {
		b, err := webhooktest.Sample("retell", "call_started", fmt.Sprintf("call_%s_%d", run, i))
		require.NoError(t, err)
		bodies = append(bodies, b)
	}
	storeEvents(t, dbURL, bodies)

	addr := freeAddr(t)
	const token = "worker-metrics-token"
	w := startWorker(t, dir, append(environ, "ASKPRO_METRICS_TOKEN="+token, "ASKPRO_QUEUE_POLL_INTERVAL=20ms"),
		"--workers", "2", "--metrics-addr", addr)
	base := "http://" + addr
	require.Eventually(t, func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status = 'processed'") == calls
	}, 60*time.Second, 20*time.Millisecond, "the worker processes the events:\n%s", w.logs.String())

	get := func(path, bearer string) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, b
	}
	c, _ := get("/healthz", "")
	assert.Equal(t, http.StatusOK, c)
	c, _ = get("/readyz", "")
	assert.Equal(t, http.StatusOK, c)
	c, _ = get("/metrics", "")
	assert.Equal(t, http.StatusUnauthorized, c, "metrics.token guards the worker's /metrics too")
	resp, err := http.Post(base+"/webhooks/retell", "application/json", bytes.NewReader(bodies[0]))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the worker serves no webhook route")

	c, text := get("/metrics", token)
	require.Equal(t, http.StatusOK, c)
	families, err := metricstest.Parse(text)
	require.NoError(t, err)
	sum := func(name string, labels map[string]string) float64 {
		v, ok := families.Value(name, labels)
		assert.True(t, ok, "%s%v is exported", name, labels)
		return v
	}
	assert.EqualValues(t, calls, sum("askproai_queue_jobs_total", map[string]string{"service": "retell", "outcome": "processed"}),
		"this worker's processed jobs")
	assert.EqualValues(t, calls, sum("askproai_webhook_processing_duration_seconds", map[string]string{"service": "retell", "event_type": "call_started"}))
	assert.Zero(t, sum("askproai_queue_size", nil), "nothing left waiting")

	require.NoError(t, w.stop(t), "the worker stops cleanly on SIGTERM")
	_, err = http.Get(base + "/healthz")
	assert.Error(t, err, "the listener is closed with the worker")
}
