package booking_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/require"
)

// Fixture ids and numbers (../shared/fixtures, pkg/webhook/webhooktest).
const (
	fixtureCallID      = "call_7f3c2a9e41b84d0c9e5a6b1d2f8c4e07"
	fixtureBranchPhone = "+493012345678"
	fixtureCaller      = "+4915123456789"
	fixtureEventType   = 4711
	fixtureUID         = "q4Xk2mRbN8vT1sLpW7yZcD"
	fixtureNewUID      = "Vn3hT9wQe5KpR2aLm8xBfJ"
	fixtureAttendee    = "+4915112345678"
)

// clock is the fixed time the store writes.
var clock = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	pool    *pool.Pool
	st      *store.Store
	mux     *queue.Mux
	ctx     context.Context // the seeded company's
	company store.Company
	branch  store.Branch
	service store.Service
	sys     context.Context
	dialect string
}

// setup migrates a fresh database at url, seeds the fixtures' salon (a
// company with the branch +493012345678 and a service on event type 4711)
// and registers the handlers on a Mux.
func setup(t *testing.T, url string, logger *slog.Logger) testBundle {
	t.Helper()
	p, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 8, HealthInterval: -1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect()), Now: func() time.Time { return clock }})
	require.NoError(t, err)
	b := testBundle{pool: p, st: st, mux: queue.NewMux(), sys: tenant.System(context.Background()), dialect: string(p.Dialect())}
	b.company, err = st.Companies.Create(b.sys, store.NewCompany{Name: "Salon Haarmonie", Subdomain: "haarmonie", Industry: "beauty"})
	require.NoError(t, err)
	b.ctx = tenant.WithCompany(context.Background(), b.company.ID)
	b.branch, err = st.Branches.Create(b.ctx, store.NewBranch{Name: "Mitte", PhoneNumber: fixtureBranchPhone})
	require.NoError(t, err)
	b.service, err = st.Services.Create(b.ctx, store.NewService{BranchID: b.branch.ID, Name: "Damenhaarschnitt", Type: "haircut",
		DurationMinutes: 60, CalcomEventTypeID: ptr(int64(fixtureEventType))})
	require.NoError(t, err)
	require.NoError(t, booking.Register(b.mux, booking.Config{Store: st, Logger: logger, CacheTTL: -1}))
	return b
}

// eachDialect runs fn on SQLite and on MariaDB/MySQL (skipped without
// ASKPRO_TEST_MYSQL_URL, failed under CI=true).
func eachDialect(t *testing.T, fn func(t *testing.T, b testBundle)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, setup(t, dbtest.SQLite(t), nil))
	})
	t.Run("mysql", func(t *testing.T) {
		t.Parallel()
		fn(t, setup(t, dbtest.MySQL(t), nil))
	})
}

func ptr[T any](v T) *T { return &v }

// process runs the job through the Mux in a transaction of its own, as a
// worker does: committed on success (and on ErrUnhandled), rolled back on
// any other error.
func (b testBundle) process(t *testing.T, ctx context.Context, provider, event string, body []byte) error {
	t.Helper()
	tx, err := b.pool.Writer().BeginTx(ctx, nil)
	require.NoError(t, err)
	perr := b.mux.Process(ctx, tx, &queue.Job{ID: 1, Provider: provider, EventType: event, Payload: body})
	if perr == nil || perr == queue.ErrUnhandled {
		require.NoError(t, tx.Commit())
	} else {
		require.NoError(t, tx.Rollback())
	}
	return perr
}

// mustProcess processes and requires success.
func (b testBundle) mustProcess(t *testing.T, provider, event string, body []byte) {
	t.Helper()
	require.NoError(t, b.process(t, context.Background(), provider, event, body), "%s %s", provider, event)
}

// sample returns a fixture body with its id set (webhooktest.Sample).
func sample(t *testing.T, provider, event, id string) []byte {
	t.Helper()
	body, err := webhooktest.Sample(provider, event, id)
	require.NoError(t, err)
	return body
}

// edit decodes body, lets fn change it and encodes it again.
func edit(t *testing.T, body []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	fn(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func sub(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// dump returns every row of the domain tables as text, for comparing the
// state before and after.
func dump(t *testing.T, b testBundle) string {
	t.Helper()
	var out strings.Builder
	for _, table := range []string{"customers", "calls", "appointments", "payments"} {
		rows, err := b.pool.DB().QueryContext(context.Background(), "SELECT * FROM "+table+" ORDER BY id")
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			fmt.Fprintf(&out, "%s:", table)
			for i, v := range vals {
				fmt.Fprintf(&out, " %s=%q", cols[i], v.String)
			}
			out.WriteString("\n")
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
	}
	return out.String()
}

func count(t *testing.T, b testBundle, table string) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n))
	return n
}
