package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// startWorker starts `askpro worker` in dir; it returns at once.
func startWorker(t *testing.T, dir string, environ []string, args ...string) *proc {
	t.Helper()
	return startProc(t, dir, environ, append([]string{"worker"}, args...)...)
}

// envValue returns the value of key in environ ("KEY=value" entries), or "".
func envValue(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if x, ok := strings.CutPrefix(kv, key+"="); ok {
			v = x
		}
	}
	return v
}

// demoBackends are sharedBackends with the demo salon created (the branch
// +493012345678 the fixtures call) from dir: the environment, the
// database, its URL and the directory.
func demoBackends(t *testing.T) (environ []string, db *sql.DB, dbURL, dir string) {
	t.Helper()
	environ, db, _ = sharedBackends(t)
	dir = t.TempDir()
	_, code := run(t, dir, environ, "demo")
	require.Equal(t, 0, code)
	return environ, db, envValue(environ, "ASKPRO_DATABASE_URL"), dir
}

// storeEvents writes the bodies to webhook_events as serve would (parsed
// for type and key), through the Inbox.
func storeEvents(t *testing.T, dbURL string, bodies [][]byte) {
	t.Helper()
	ctx := context.Background()
	p, err := pool.Open(ctx, dbURL, pool.Config{MinConns: 1, MaxConns: 8})
	require.NoError(t, err)
	defer p.Close()
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect()})
	require.NoError(t, err)
	defer func() { require.NoError(t, in.Close()) }()
	errs := make(chan error, len(bodies))
	for _, b := range bodies {
		go func() {
			ev, err := webhook.Parse("retell", b)
			if err == nil {
				_, err = in.Insert(ctx, queue.Event{Provider: "retell", Type: ev.Type, Key: ev.Key, Payload: b})
			}
			errs <- err
		}()
	}
	for range bodies {
		require.NoError(t, <-errs)
	}
}

func countWhere(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(q, args...).Scan(&n))
	return n
}

// TestWorkerKilledMidJob: a worker process is killed with SIGKILL while it
// holds leased jobs; after the leases expire another worker process takes
// them back and finishes them. Nothing is lost (every event processed) and
// nothing is done twice (one call row per call, one customer).
func TestWorkerKilledMidJob(t *testing.T) {
	t.Parallel()
	environ, db, dbURL, dir := demoBackends(t)

	const calls = 1500
	run := runID()
	var bodies [][]byte
	for i := range calls {
		id := fmt.Sprintf("call_%s_%d", run, i)
		for _, ev := range []string{"call_started", "call_ended"} {
			b, err := webhooktest.Sample("retell", ev, id)
			require.NoError(t, err)
			bodies = append(bodies, b)
		}
	}
	storeEvents(t, dbURL, bodies)
	require.Equal(t, 2*calls, countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status = 'pending'"))

	// Short attempts and leases, so that the test waits seconds, not minutes.
	wenv := append(environ, "ASKPRO_QUEUE_TIMEOUT=2s", "ASKPRO_QUEUE_LEASE=3s", "ASKPRO_QUEUE_BATCH=16", "ASKPRO_QUEUE_POLL_INTERVAL=20ms")
	a := startWorker(t, dir, wenv, "--workers", "4")
	deadline := time.Now().Add(60 * time.Second)
	for countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status = 'processed'") < 200 {
		require.True(t, time.Now().Before(deadline), "worker A processed nothing within 60 s:\n%s", a.logs.String())
		select {
		case <-a.exited:
			t.Fatalf("worker A exited: %v\n%s", a.err, a.logs.String())
		case <-time.After(2 * time.Millisecond):
		}
	}
	a.kill(t)
	leased := countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status = 'processing'")
	processedByA := countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status = 'processed'")
	t.Logf("killed worker A with %d jobs processed and %d leased", processedByA, leased)
	require.Positive(t, leased, "A was killed while holding jobs")
	require.Less(t, processedByA, 2*calls, "A was killed before the end")

	b := startWorker(t, dir, wenv, "--workers", "4")
	require.Eventually(t, func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status IN ('pending', 'retrying', 'processing')") == 0
	}, 90*time.Second, 20*time.Millisecond, "worker B finishes what A left")
	require.NoError(t, b.stop(t), "worker B stops cleanly on SIGTERM")

	assert.Equal(t, 2*calls, countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status = 'processed'"), "nothing lost")
	assert.Equal(t, 0, countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE status = 'dead_letter'"))
	assert.Equal(t, leased, countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE attempts = 2"),
		"the jobs A held were taken back once each (their second attempt)")
	assert.Equal(t, 0, countWhere(t, db, "SELECT COUNT(*) FROM webhook_events WHERE attempts > 2"))
	assert.Equal(t, calls, countWhere(t, db, "SELECT COUNT(*) FROM calls"), "one call row per call")
	assert.Equal(t, calls, countWhere(t, db, "SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL AND status = 'ended'"),
		"call_ended applied to every call, whatever the order")
	assert.Equal(t, 1, countWhere(t, db, "SELECT COUNT(*) FROM customers"), "the one caller is one customer")
}
