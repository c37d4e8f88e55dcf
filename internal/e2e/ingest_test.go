package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	_ "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

const (
	calcomSecret = "e2e-calcom-secret"
	stripeSecret = "whsec_e2e"
	retellKey    = "e2e-retell-key"
)

func runID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// backends returns the environment of serve processes sharing one fresh
// MariaDB database and the test Redis, and a handle on that database.
func sharedBackends(t *testing.T) ([]string, *sql.DB, *redis.Client) {
	t.Helper()
	dbURL := dbtest.MySQL(t)
	redisURL := testenv.RedisURL(t)
	db, err := sql.Open("mysql", strings.TrimPrefix(dbURL, "mysql://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	opts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return env(
		"ASKPRO_DATABASE_URL="+dbURL,
		"ASKPRO_REDIS_URL="+redisURL,
		"ASKPRO_DATABASE_POOL_MIN_CONNECTIONS=2",
		"ASKPRO_DATABASE_POOL_MAX_CONNECTIONS=20",
		"ASKPRO_RETELL_API_KEY="+retellKey,
		"ASKPRO_CALCOM_WEBHOOK_SECRET="+calcomSecret,
		"ASKPRO_STRIPE_WEBHOOK_SECRET="+stripeSecret,
		"ASKPRO_LOG_LEVEL=warn",
	), db, rdb
}

// event is one webhook of a test run.
type event struct {
	provider, key string
	body          []byte
}

// events builds n distinct events, cycling through the three providers.
func events(run string, n int) []event {
	out := make([]event, n)
	for i := range out {
		id := fmt.Sprintf("%s_%d", run, i)
		switch i % 3 {
		case 0:
			out[i] = event{"retell", "retell:call_ended:call_" + id, webhooktest.RetellBody("call_ended", "call_"+id)}
		case 1:
			out[i] = event{"calcom", "calcom:BOOKING_CREATED:" + id, webhooktest.CalcomBody("BOOKING_CREATED", id)}
		default:
			out[i] = event{"stripe", "stripe:evt_" + id, webhooktest.StripeBody("evt_"+id, "payment_intent.succeeded")}
		}
	}
	return out
}

// post delivers ev to a serve at base, signed now, and returns the status
// (0 when the connection failed).
func post(t *testing.T, client *http.Client, base string, ev event) int {
	url := base + "/webhooks/" + ev.provider
	var req *http.Request
	switch ev.provider {
	case "retell":
		req = webhooktest.RetellRequest(t, url, retellKey, ev.body)
	case "calcom":
		req = webhooktest.CalcomRequest(t, url, calcomSecret, ev.body)
	default:
		req = webhooktest.StripeRequest(t, url, stripeSecret, ev.body)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func rowsFor(t *testing.T, db *sql.DB, key string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM webhook_events WHERE idempotency_key = ?", []byte(key)).Scan(&n)) // keys are bytes
	return n
}

func totalRows(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM webhook_events").Scan(&n))
	return n
}

// TestThreeServesOneDatabase: three serve processes on one database and one
// Redis each receive the same 200 events at once; exactly 200 rows result.
func TestThreeServesOneDatabase(t *testing.T) {
	t.Parallel()
	environ, db, _ := sharedBackends(t)
	dir := t.TempDir()
	// Ingestion only: the events stay pending for the checks below
	// (TestWorkerKilledMidJob covers processing).
	procs := []*proc{startServe(t, dir, environ, "--no-workers"), startServe(t, dir, environ, "--no-workers"), startServe(t, dir, environ, "--no-workers")}
	evs := events(runID(), 200)

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	var ok, bad atomic.Int64
	sem := make(chan struct{}, 48)
	for _, ev := range evs {
		for _, p := range procs {
			wg.Add(1)
			sem <- struct{}{}
			go func(base string, ev event) {
				defer wg.Done()
				defer func() { <-sem }()
				if code := post(t, client, base, ev); code >= 200 && code < 300 {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}(p.url, ev)
		}
	}
	wg.Wait()
	assert.Equal(t, int64(600), ok.Load(), "every delivery to every process is acknowledged")
	assert.Zero(t, bad.Load())
	assert.Equal(t, 200, totalRows(t, db), "200 events through 3 processes store exactly 200 rows")
	var dups int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM (SELECT idempotency_key FROM webhook_events GROUP BY provider, idempotency_key HAVING COUNT(*) > 1) d").Scan(&dups))
	assert.Zero(t, dups)
	for _, p := range procs {
		assert.NoError(t, p.stop(t))
	}

	// The operator's view of the inbox agrees.
	out, code := run(t, dir, environ, "webhooks", "stats", "-o", "json")
	require.Equal(t, 0, code)
	var stats struct {
		ByProvider []struct {
			Provider string `json:"provider"`
			Status   string `json:"status"`
			Count    int    `json:"count"`
		} `json:"by_provider"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &stats))
	total := 0
	for _, s := range stats.ByProvider {
		assert.Equal(t, "pending", s.Status)
		total += s.Count
	}
	assert.Equal(t, 200, total)
	out, code = run(t, dir, environ, "webhooks", "list", "--provider", "stripe", "--limit", "1000", "-o", "json")
	require.Equal(t, 0, code)
	var list []struct {
		ID       int64  `json:"id"`
		Provider string `json:"provider"`
		Key      string `json:"idempotency_key"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	assert.Len(t, list, 66, "every third event is a Stripe event")
	out, code = run(t, dir, environ, "webhooks", "show", fmt.Sprint(list[0].ID), "-o", "json")
	require.Equal(t, 0, code)
	var shown struct {
		Key     string          `json:"idempotency_key"`
		Payload json.RawMessage `json:"payload"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &shown))
	assert.Equal(t, list[0].Key, shown.Key)
	assert.Contains(t, string(shown.Payload), "payment_intent.succeeded")
	_, code = run(t, dir, environ, "webhooks", "list", "--status", "bogus")
	assert.Equal(t, 2, code)
}

// TestKilledUnderLoad: a serve process is SIGKILLed while events pour in.
// Every event that got a 2xx is in the database exactly once; the provider's
// retries of the others, including events whose dedup claim the dead process
// left in flight, are stored and acknowledged by the next process.
func TestKilledUnderLoad(t *testing.T) {
	t.Parallel()
	environ, db, rdb := sharedBackends(t)
	dir := t.TempDir()
	a := startServe(t, dir, environ)
	evs := events(runID(), 3000)

	status := make([]atomic.Int32, len(evs))
	var acked atomic.Int64
	var next atomic.Int64
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(evs) {
					return
				}
				code := post(t, client, a.url, evs[i])
				status[i].Store(int32(code))
				if code >= 200 && code < 300 {
					acked.Add(1)
				}
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for acked.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	require.GreaterOrEqual(t, acked.Load(), int64(300), "load reached the kill point")
	a.kill(t)
	cancel()
	wg.Wait()

	sent := int(next.Load())
	if sent > len(evs) {
		sent = len(evs)
	}
	var ackedKeys, unacked []event
	for i := 0; i < sent; i++ {
		if c := status[i].Load(); c >= 200 && c < 300 {
			ackedKeys = append(ackedKeys, evs[i])
		} else {
			unacked = append(unacked, evs[i])
		}
	}
	t.Logf("killed after %d acknowledged; %d sent without acknowledgement", len(ackedKeys), len(unacked))
	for _, ev := range ackedKeys {
		require.Equal(t, 1, rowsFor(t, db, ev.key), "acknowledged event %s is stored exactly once", ev.key)
	}

	// A claim the dead process left in flight, with no row, made the way a
	// dying process leaves it (timing guarantees no real one).
	orphan := events(runID(), 1)[0]
	store := dedup.NewRedisStore(rdb, dedup.RedisConfig{})
	c, err := store.Claim(context.Background(), orphan.key, 10*time.Minute)
	require.NoError(t, err)
	require.Equal(t, dedup.Claimed, c.State)
	require.Equal(t, 0, rowsFor(t, db, orphan.key))
	unacked = append(unacked, orphan)
	inflight := 0
	for _, ev := range unacked {
		v, err := rdb.Get(context.Background(), dedup.DefaultKeyPrefix+ev.key).Result()
		if err == nil && strings.HasPrefix(v, "inflight") {
			inflight++
		}
	}
	t.Logf("%d unacknowledged events (with the orphan) had an in-flight claim at restart", inflight)

	// The provider retries everything it got no 2xx for, at a new process.
	b := startServe(t, dir, environ)
	for _, ev := range unacked {
		code := post(t, client, b.url, ev)
		require.True(t, code >= 200 && code < 300, "retry of %s answered %d", ev.key, code)
		require.Equal(t, 1, rowsFor(t, db, ev.key), "retried event %s stored exactly once", ev.key)
	}
	assert.Equal(t, sent+1, totalRows(t, db), "every sent event is stored exactly once, nothing more")
	// The orphan's retry went past the in-flight claim to the database and
	// then completed the key: a further redelivery is a known duplicate.
	v, err := rdb.Get(context.Background(), dedup.DefaultKeyPrefix+orphan.key).Result()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(v, "done:"), "the orphan's key is completed after its retry was stored, got %q", v)
	assert.NoError(t, b.stop(t))
}

// TestRedisDownFailsOpenToDatabase: with Redis unreachable, deliveries are
// still stored exactly once and acknowledged (the UNIQUE key decides), and
// readiness reports Redis.
func TestRedisDownFailsOpenToDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dead := freeAddr(t) // nothing listens here
	p := startServe(t, dir, env(
		"ASKPRO_REDIS_URL=redis://"+dead+"/0",
		"ASKPRO_CALCOM_WEBHOOK_SECRET="+calcomSecret,
	))
	resp, err := http.Get(p.url + "/readyz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.JSONEq(t, `{"status":"unavailable","checks":{"database":"ok","redis":"unavailable"}}`, string(body))
	assert.NotContains(t, string(body), dead, "readiness does not show the Redis address")

	ev := events(runID(), 2)[1] // a Cal.com event
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < 3; i++ {
		assert.Equal(t, http.StatusOK, post(t, client, p.url, ev), "delivery %d", i)
	}
	require.NoError(t, p.stop(t))
	logs := p.logs.String()
	assert.Contains(t, logs, `"component":"go-redis"`, "go-redis' lines are logged through slog")
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		assert.True(t, strings.HasPrefix(line, "{"), "every stderr line is a JSON log record: %q", line)
	}

	db, err := sql.Open("sqlite", dir+"/askpro.db")
	require.NoError(t, err)
	defer db.Close()
	assert.Equal(t, 1, rowsFor(t, db, ev.key), "stored exactly once without Redis")
}
