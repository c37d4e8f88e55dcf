package queuetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
)

// RunDriver runs the conformance suite. open returns a pool on a fresh
// database migrated to the latest schema; it is called once per subtest,
// and the subtests run in parallel.
func RunDriver(t *testing.T, open func(t *testing.T) *pool.Pool) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, p *pool.Pool)
	}{
		{"BatchInsertSkipsDuplicates", testBatchInsert},
		{"DuplicateDetection", testDuplicateDetection},
		{"DuplicatesWithinOneBatch", testDuplicatesWithinOneBatch},
		{"Routing", testRouting},
		{"PayloadByteForByte", testPayloadBytes},
		{"KeysCompareAsBytes", testKeyBytes},
		{"HeaderValuesNeverFailTheInsert", testHeaderValues},
		{"CompanyThatDoesNotExist", testUnknownCompany},
		{"ReadModel", testReadModel},
	}
	tests = append(tests, workerTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// newInbox returns an Inbox on p, closed with the test.
func newInbox(t *testing.T, p *pool.Pool, cfg queue.InboxConfig) *queue.Inbox {
	t.Helper()
	cfg.DB, cfg.Dialect = p.Writer(), p.Dialect()
	in, err := queue.NewInbox(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, in.Close()) })
	return in
}

// event is a Stripe event with the given key.
func event(key string) queue.Event {
	return queue.Event{Provider: "stripe", Type: "charge.failed", Key: key, Payload: []byte(`{"id":"` + key + `"}`)}
}

// insertAll inserts evs concurrently, so that the Inbox groups them, and
// returns each result in order. It fails the test on any error.
func insertAll(t *testing.T, in *queue.Inbox, evs []queue.Event) []queue.InsertResult {
	t.Helper()
	res := make([]queue.InsertResult, len(evs))
	errs := make([]error, len(evs))
	var wg sync.WaitGroup
	for i := range evs {
		wg.Go(func() { res[i], errs[i] = in.Insert(context.Background(), evs[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "insert %d (%q)", i, evs[i].Key)
	}
	return res
}

func countRows(t *testing.T, p *pool.Pool) int {
	t.Helper()
	var n int
	require.NoError(t, p.DB().QueryRow("SELECT COUNT(*) FROM webhook_events").Scan(&n))
	return n
}

// rowBytes returns the stored key and payload of the event's row.
func rowBytes(t *testing.T, p *pool.Pool, provider, key string) (storedKey, payload []byte) {
	t.Helper()
	require.NoError(t, p.DB().QueryRow("SELECT idempotency_key, payload FROM webhook_events WHERE provider = ? AND idempotency_key = ?",
		provider, []byte(key)).Scan(&storedKey, &payload))
	return storedKey, payload
}

func testBatchInsert(t *testing.T, p *pool.Pool) {
	in := newInbox(t, p, queue.InboxConfig{Flushers: 1})
	var evs []queue.Event
	for i := range 200 {
		evs = append(evs, event(fmt.Sprintf("stripe:evt_%d", i%100))) // every key twice
	}
	res := insertAll(t, in, evs)
	assert.Equal(t, 100, countRows(t, p), "one row per key")
	fresh := map[string]int{}
	for i, r := range res {
		if !r.Duplicate {
			fresh[evs[i].Key]++
		}
	}
	assert.Len(t, fresh, 100, "every key is reported new once")
	for k, n := range fresh {
		assert.Equal(t, 1, n, "key %s reported new %d times", k, n)
	}
}

func testDuplicateDetection(t *testing.T, p *pool.Pool) {
	ctx := context.Background()
	in := newInbox(t, p, queue.InboxConfig{Flushers: 1})
	r, err := in.Insert(ctx, event("stripe:evt_once"))
	require.NoError(t, err)
	assert.False(t, r.Duplicate, "first delivery")
	r, err = in.Insert(ctx, event("stripe:evt_once"))
	require.NoError(t, err)
	assert.True(t, r.Duplicate, "redelivery")

	// Half the keys stored before, then all of them at once: the batches
	// mix stored and new events, and each is told apart.
	var before, all []queue.Event
	for i := range 60 {
		ev := event(fmt.Sprintf("stripe:evt_mix_%d", i))
		if i%2 == 0 {
			before = append(before, ev)
		}
		all = append(all, ev)
	}
	insertAll(t, in, before)
	res := insertAll(t, in, all)
	for i, r := range res {
		assert.Equal(t, i%2 == 0, r.Duplicate, "event %d", i)
	}
	assert.Equal(t, 61, countRows(t, p))

	// A second Inbox (another process) sees the first one's rows as stored.
	other := newInbox(t, p, queue.InboxConfig{})
	r, err = other.Insert(ctx, event("stripe:evt_mix_1"))
	require.NoError(t, err)
	assert.True(t, r.Duplicate, "stored by another inbox")
}

func testDuplicatesWithinOneBatch(t *testing.T, p *pool.Pool) {
	in := newInbox(t, p, queue.InboxConfig{Flushers: 1})
	evs := make([]queue.Event, 30)
	for i := range evs {
		evs[i] = event("stripe:evt_same")
	}
	res := insertAll(t, in, evs)
	fresh := 0
	for _, r := range res {
		if !r.Duplicate {
			fresh++
		}
	}
	assert.Equal(t, 1, fresh, "exactly one delivery stored the event")
	assert.Equal(t, 1, countRows(t, p))
}

func testRouting(t *testing.T, p *pool.Pool) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	in := newInbox(t, p, queue.InboxConfig{Now: func() time.Time { return now }})
	tests := []struct {
		provider, typ string
		queue         queue.Queue
		delay         time.Duration
	}{
		{"retell", "call_ended", queue.Critical, 0},
		{"retell", "call_analyzed", queue.Normal, 5 * time.Second},
		{"retell", "call_started", queue.Normal, 0},
		{"calcom", "BOOKING_CREATED", queue.Critical, 0},
		{"calcom", "BOOKING_CANCELLED", queue.High, 0},
		{"stripe", "payment_intent.succeeded", queue.Critical, 0},
		{"stripe", "invoice.payment_failed", queue.High, 0},
		{"stripe", "customer.created", queue.Normal, 0},
	}
	for _, tt := range tests {
		key := tt.provider + ":" + tt.typ
		_, err := in.Insert(context.Background(), queue.Event{Provider: tt.provider, Type: tt.typ, Key: key, Payload: []byte(`{}`)})
		require.NoError(t, err)
		var q string
		var prio, maxAttempts int
		var status string
		var availableAt, createdAt time.Time
		require.NoError(t, p.DB().QueryRow("SELECT status, queue, priority, max_attempts, available_at, created_at FROM webhook_events WHERE idempotency_key = ?", []byte(key)).
			Scan(&status, &q, &prio, &maxAttempts, &availableAt, &createdAt))
		assert.Equal(t, string(queue.Pending), status, key)
		assert.Equal(t, string(tt.queue), q, key)
		assert.Equal(t, tt.queue.Priority(), prio, key)
		assert.Equal(t, 3, maxAttempts, key)
		assert.Equal(t, tt.delay, availableAt.Sub(createdAt), "%s: available_at - created_at", key)
		assert.WithinDuration(t, now, createdAt, time.Second, key)
	}
}

// deep is a body nested 200 levels: MariaDB's JSON check stops at 32.
var deep = strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)

func testPayloadBytes(t *testing.T, p *pool.Pool) {
	in := newInbox(t, p, queue.InboxConfig{})
	bodies := map[string]string{
		"stripe:evt_surrogate": `{"id":"evt_surrogate","name":"Anna \ud83d"}`,
		"stripe:evt_deep":      deep,
		"stripe:evt_spacing":   "{ \"id\" : \"evt_spacing\",\n\t\"amount\": 1.50e2, \"b\": 1, \"a\": 2 }",
		"stripe:evt_unicode":   `{"id":"evt_unicode","name":"Jürgen Groß 💇"}`,
	}
	var evs []queue.Event
	for k, b := range bodies {
		evs = append(evs, queue.Event{Provider: "stripe", Type: "charge.failed", Key: k, Payload: []byte(b)})
	}
	insertAll(t, in, evs)
	for k, b := range bodies {
		_, payload := rowBytes(t, p, "stripe", k)
		assert.Equal(t, b, string(payload), "payload of %s byte for byte", k)
	}
}

func testKeyBytes(t *testing.T, p *pool.Pool) {
	in := newInbox(t, p, queue.InboxConfig{})
	keys := []string{
		"stripe:evt_X",
		"stripe:evt_X ", // PAD SPACE collations make this one key with the first
		"stripe:evt_x",
		"stripe:evt_\xed\xa0\xbd", // a lone surrogate's bytes, as WTF-8 writes them
		"stripe:evt_\xed\xa0\xbe",
		"stripe:evt_\xff",
		strings.Repeat("k", queue.MaxKeyBytes),
	}
	var evs []queue.Event
	for _, k := range keys {
		evs = append(evs, event(k))
	}
	for i, r := range insertAll(t, in, evs) {
		assert.False(t, r.Duplicate, "key %q is its own event", keys[i])
	}
	assert.Equal(t, len(keys), countRows(t, p), "one row per distinct key")
	for _, k := range keys {
		stored, _ := rowBytes(t, p, "stripe", k)
		assert.Equal(t, []byte(k), stored)
	}
	_, err := in.Insert(context.Background(), event(strings.Repeat("k", queue.MaxKeyBytes+1)))
	assert.ErrorIs(t, err, queue.ErrInvalidEvent, "a key the column cannot hold is refused before the database")
}

func testHeaderValues(t *testing.T, p *pool.Pool) {
	in := newInbox(t, p, queue.InboxConfig{})
	tests := []struct {
		name, ua, corr, wantUA string
	}{
		{"not UTF-8", "Go\xffclient", "c1", "Go\uFFFDclient"},
		{"not UTF-8 and long", "\xff" + strings.Repeat("b", 600), "c2", "\uFFFD" + strings.Repeat("b", 253)},
		{"64 four-byte runes", strings.Repeat("😀", 64), "c3", strings.Repeat("😀", 64)},
		{"256 ASCII bytes", strings.Repeat("a", 256), "c4", strings.Repeat("a", 256)},
		{"long correlation id", "ua", strings.Repeat("c", 128), "ua"},
	}
	for i, tt := range tests {
		key := fmt.Sprintf("stripe:evt_ua_%d", i)
		ev := event(key)
		ev.UserAgent, ev.CorrelationID, ev.IPAddress = tt.ua, tt.corr, "2001:db8::1"
		ev.Headers = map[string]string{"user-agent": tt.ua}
		_, err := in.Insert(context.Background(), ev)
		require.NoError(t, err, tt.name)
		var ua, corr string
		require.NoError(t, p.DB().QueryRow("SELECT user_agent, correlation_id FROM webhook_events WHERE idempotency_key = ?", []byte(key)).Scan(&ua, &corr))
		assert.Equal(t, tt.wantUA, ua, tt.name)
		assert.LessOrEqual(t, len(corr), 64, tt.name)
	}
}

func testUnknownCompany(t *testing.T, p *pool.Pool) {
	in := newInbox(t, p, queue.InboxConfig{})
	ev := event("stripe:evt_company")
	ev.CompanyID = 987654 // what a signed payload claims; no such company
	r, err := in.Insert(context.Background(), ev)
	require.NoError(t, err, "a company that does not exist never fails the insert")
	assert.False(t, r.Duplicate)
	var company int64
	require.NoError(t, p.DB().QueryRow("SELECT company_id FROM webhook_events WHERE idempotency_key = ?", []byte(ev.Key)).Scan(&company))
	assert.Equal(t, int64(987654), company)
}

func testReadModel(t *testing.T, p *pool.Pool) {
	rd, err := queue.NewReader(p)
	require.NoError(t, err)
	ctx := tenant.System(context.Background())
	in := newInbox(t, p, queue.InboxConfig{})
	evs := []queue.Event{
		{Provider: "retell", Type: "call_ended", Key: "retell:call_ended:c1", Payload: []byte(`{"event":"call_ended", "n":1}`),
			Headers: map[string]string{"user-agent": "Retell/1"}, CorrelationID: "corr-1", IPAddress: "127.0.0.1", UserAgent: "Retell/1", CompanyID: 42},
		{Provider: "retell", Type: "call_started", Key: "retell:call_started:c1", Payload: []byte(`{"event":"call_started"}`)},
		{Provider: "stripe", Type: "charge.failed", Key: "stripe:evt_1", Payload: []byte(`{"id":"evt_1"}`)},
	}
	for _, ev := range evs { // one at a time: ids in this order
		_, err := in.Insert(context.Background(), ev)
		require.NoError(t, err)
	}

	all, err := rd.List(ctx, queue.Filter{})
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, "stripe:evt_1", all[0].IdempotencyKey, "newest first")
	assert.Nil(t, all[0].Payload, "List leaves payloads out")
	retell, err := rd.List(ctx, queue.Filter{Provider: "retell", Limit: 1})
	require.NoError(t, err)
	require.Len(t, retell, 1)
	assert.Equal(t, "call_started", retell[0].EventType)
	pending, err := rd.List(ctx, queue.Filter{Status: queue.Processed})
	require.NoError(t, err)
	assert.NotNil(t, pending)
	assert.Empty(t, pending)

	j, err := rd.Get(ctx, all[2].ID)
	require.NoError(t, err)
	assert.Equal(t, `{"event":"call_ended", "n":1}`, string(j.Payload), "payload byte for byte")
	assert.Equal(t, map[string]string{"user-agent": "Retell/1"}, j.Headers)
	assert.Equal(t, queue.Pending, j.Status)
	assert.Equal(t, queue.Critical, j.Queue)
	assert.Equal(t, "corr-1", j.CorrelationID)
	assert.Equal(t, "Retell/1", j.UserAgent)
	require.NotNil(t, j.CompanyID)
	assert.Equal(t, int64(42), *j.CompanyID)
	assert.Equal(t, 3, j.MaxAttempts)
	assert.False(t, j.CreatedAt.IsZero())

	_, err = rd.Get(ctx, 999999)
	assert.ErrorIs(t, err, queue.ErrNotFound)

	stats, err := rd.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, []queue.Stat{{Provider: "retell", Status: queue.Pending, Count: 2}, {Provider: "stripe", Status: queue.Pending, Count: 1}}, stats)

	noSystem := context.Background()
	_, err = rd.List(noSystem, queue.Filter{})
	assert.ErrorIs(t, err, queue.ErrNotSystem)
	_, err = rd.Get(noSystem, all[0].ID)
	assert.ErrorIs(t, err, queue.ErrNotSystem)
	_, err = rd.Stats(noSystem)
	assert.ErrorIs(t, err, queue.ErrNotSystem)
}
