package booking_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sessionCounter reads a session status counter on the transaction's
// connection.
func sessionCounter(t *testing.T, tx *sql.Tx, name string) int {
	t.Helper()
	var n string
	var v int
	require.NoError(t, tx.QueryRowContext(context.Background(), "SHOW SESSION STATUS LIKE '"+name+"'").Scan(&n, &v))
	return v
}

// TestStatementsPerEvent counts, on MariaDB/MySQL, the statements each
// event executes (Com_stmt_execute on the job's connection), the first
// time (the common path) and repeated.
func TestStatementsPerEvent(t *testing.T) {
	t.Parallel()
	b := setup(t, dbtest.MySQL(t), nil)
	h, err := booking.New(booking.Config{Store: b.st})
	require.NoError(t, err)
	mux := queue.NewMux()
	h.Register(mux)
	prepares := 0
	measure := func(provider, event string, body []byte) int {
		tx, err := b.pool.Writer().BeginTx(context.Background(), nil)
		require.NoError(t, err)
		defer tx.Rollback() //nolint:errcheck
		before, prep := sessionCounter(t, tx, "Com_stmt_execute"), sessionCounter(t, tx, "Com_stmt_prepare")
		require.NoError(t, mux.Process(context.Background(), tx, &queue.Job{Provider: provider, EventType: event, Payload: body}))
		n := sessionCounter(t, tx, "Com_stmt_execute") - before
		prepares = sessionCounter(t, tx, "Com_stmt_prepare") - prep
		require.NoError(t, tx.Commit())
		return n
	}
	tests := []struct {
		provider, event, id string
		first, repeat       int
	}{
		// A repeat changes nothing, and MySQL counts an unchanged row as
		// unaffected: the merge then reads the row's owner once to tell a
		// repeat from another company's record (+1 per merge).
		{"retell", "call_started", "call_stmt", 3, 3},
		{"retell", "call_ended", "call_stmt", 2, 3},
		{"retell", "call_analyzed", "call_stmt", 2, 3},
		{"calcom", "BOOKING_CREATED", "uid_stmt", 3, 3},
		{"calcom", "BOOKING_RESCHEDULED", "uid_stmt2", 3, 5},
		{"stripe", "payment_intent.succeeded", "evt_stmt", 1, 1},
	}
	for _, tt := range tests {
		body := sample(t, tt.provider, tt.event, tt.id)
		first := measure(tt.provider, tt.event, body)
		again := measure(tt.provider, tt.event, body)
		assert.Equal(t, tt.first, first, "%s %s, first time (lookup cache cold for the first of each provider)", tt.provider, tt.event)
		assert.Equal(t, tt.repeat, again, "%s %s, repeated", tt.provider, tt.event)
		t.Logf("%s %s: %d statements (first), %d (repeat; %d prepares with it)", tt.provider, tt.event, first, again, prepares)
	}
}
