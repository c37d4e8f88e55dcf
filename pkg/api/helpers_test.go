package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/api"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/server"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// company is what setup seeded for one company, ids newest first (the
// default order of every list).
type company struct {
	id                                     int64
	calls, appointments, customers, events []int64
}

type testBundle struct {
	pool *pool.Pool
	st   *store.Store
	logs *syncBuffer
	a, b company
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eachDialect runs fn with a seeded API on SQLite and on MariaDB/MySQL.
func eachDialect(t *testing.T, fn func(t *testing.T, h http.Handler, b testBundle)) {
	t.Helper()
	for name, url := range map[string]func(testing.TB) string{"sqlite": dbtest.SQLite, "mysql": dbtest.MySQL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, b := setup(t, url(t))
			fn(t, h, b)
		})
	}
}

// setup migrates a database, seeds companies a and b with the same shape
// of data (5 calls, 4 appointments, 3 customers, 3 webhook events each)
// and returns the API mounted on a pkg/server handler.
func setup(t *testing.T, url string) (http.Handler, testBundle) {
	t.Helper()
	p, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 8, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	ev, err := queue.NewTenantReader(p)
	require.NoError(t, err)
	logs := &syncBuffer{}
	a, err := api.New(api.Config{Store: st, Events: ev, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)
	srv, err := server.New(server.Config{Routes: a.Routes(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)

	b := testBundle{pool: p, st: st, logs: logs}
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect(), Flushers: 1,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	for i, sub := range []string{"a", "b"} {
		seedCompany(t, p, st, in, sub, []*company{&b.a, &b.b}[i])
	}
	require.NoError(t, in.Close())
	return srv.Handler(), b
}

func seedCompany(t *testing.T, p *pool.Pool, st *store.Store, in *queue.Inbox, sub string, c *company) {
	t.Helper()
	sys := tenant.System(context.Background())
	co, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon " + sub, Subdomain: sub, Industry: "beauty"})
	require.NoError(t, err)
	c.id = co.ID
	ctx := tenant.WithCompany(context.Background(), co.ID)
	w := p.Writer()
	prefix := map[string]string{"a": "+4930", "b": "+4940"}[sub]
	for i := range 3 {
		cu, err := st.Customers.Create(ctx, store.NewCustomer{Name: fmt.Sprintf("Kunde %s%d", sub, i), PhoneNumber: fmt.Sprintf("%s1000000%d", prefix, i)})
		require.NoError(t, err)
		c.customers = append([]int64{cu.ID}, c.customers...)
	}
	for i := range 5 {
		at := t0.Add(time.Duration(i) * time.Hour)
		status := []string{"ended", "ended", "error", "ended", "ongoing"}[i]
		res, err := w.Exec("INSERT INTO calls (company_id, retell_call_id, status, started_at, duration_ms, from_number, to_number, transcript, successful, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", co.ID, fmt.Sprintf("call_%s%d", sub, i), status, at, int64(i)*60000,
			fmt.Sprintf("%s1000000%d", prefix, i%3), prefix+"9999999", "Agent: Hallo "+sub, i%2 == 0, at, at)
		require.NoError(t, err)
		id, err := res.LastInsertId()
		require.NoError(t, err)
		c.calls = append([]int64{id}, c.calls...)
	}
	for i := range 4 {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		status := []string{"booked", "cancelled", "booked", "rescheduled"}[i]
		res, err := w.Exec("INSERT INTO appointments (company_id, calcom_booking_uid, starts_at, ends_at, status, source, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, 'phone', ?, ?)", co.ID, fmt.Sprintf("uid_%s%d", sub, i), at, at.Add(time.Hour), status, at, at)
		require.NoError(t, err)
		id, err := res.LastInsertId()
		require.NoError(t, err)
		c.appointments = append([]int64{id}, c.appointments...)
	}
	for i := range 3 {
		key := fmt.Sprintf("evt_%s%d", sub, i)
		_, err := in.Insert(context.Background(), queue.Event{Provider: "stripe", Type: "charge.failed", Key: key, CompanyID: co.ID,
			Payload: []byte(`{"id":"` + key + `","secret_of":"` + sub + `"}`), Headers: map[string]string{"stripe-signature": "t=1,v1=abc"}})
		require.NoError(t, err)
		var id int64
		require.NoError(t, p.DB().QueryRow("SELECT id FROM webhook_events WHERE idempotency_key = ?", []byte(key)).Scan(&id))
		c.events = append([]int64{id}, c.events...)
	}
}

type response struct {
	status int
	body   map[string]any
	raw    string
}

// get requests path as company cid (0: no tenant) and decodes the JSON.
func get(t *testing.T, h http.Handler, cid int64, path string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cid != 0 {
		req = req.WithContext(tenant.WithCompany(req.Context(), cid))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := response{status: rec.Code, raw: rec.Body.String()}
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"), "%s: %s", path, r.raw)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &r.body), "%s: %s", path, r.raw)
	return r
}

// ids returns the ids of a list response's data.
func (r response) ids(t *testing.T) []int64 {
	t.Helper()
	data, ok := r.body["data"].([]any)
	require.True(t, ok, "no data list in %s", r.raw)
	out := []int64{}
	for _, d := range data {
		out = append(out, int64(d.(map[string]any)["id"].(float64)))
	}
	return out
}

func (r response) rows(t *testing.T) []map[string]any {
	t.Helper()
	data, ok := r.body["data"].([]any)
	require.True(t, ok, "no data list in %s", r.raw)
	out := []map[string]any{}
	for _, d := range data {
		out = append(out, d.(map[string]any))
	}
	return out
}

func (r response) meta(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.body["meta"].(map[string]any)
	require.True(t, ok, "no meta in %s", r.raw)
	return m
}

// errorOf returns the code and message of an error response, checking the
// shape: {"error":{"code":..., "message":...}} and nothing else.
func (r response) errorOf(t *testing.T) (code, message string) {
	t.Helper()
	require.Len(t, r.body, 1, r.raw)
	e, ok := r.body["error"].(map[string]any)
	require.True(t, ok, r.raw)
	require.Len(t, e, 2, r.raw)
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	require.NotEmpty(t, code, r.raw)
	require.NotEmpty(t, message, r.raw)
	return code, message
}

// tables are every table the checksum covers.
var tables = []string{"companies", "branches", "services", "working_hours", "customers", "calls", "appointments", "payments",
	"webhook_events", "api_keys", "audit_log"}

// checksum returns the row count and a SHA-256 of every row of every table.
func checksum(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY id")
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		h := sha256.New()
		n := 0
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for _, v := range vals {
				fmt.Fprintf(h, "%d:%x;", len(v), []byte(v))
			}
			n++
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		out[table] = fmt.Sprintf("%d rows, %s", n, hex.EncodeToString(h.Sum(nil)))
	}
	return out
}

func tenantCtx(r *http.Request, cid int64) context.Context {
	return tenant.WithCompany(r.Context(), cid)
}
