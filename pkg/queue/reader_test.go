package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReaderQueueStats(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		rd, err := queue.NewReader(p)
		require.NoError(t, err)
		ctx := tenant.System(context.Background())

		st, err := rd.QueueStats(ctx, storedAt)
		require.NoError(t, err)
		assert.Equal(t, queue.QueueStats{Counts: []queue.QueueStat{}}, st, "an empty inbox")

		ids := store(t, p,
			queue.Event{Provider: "retell", Type: "call_ended", Key: "retell:call_ended:c1", Payload: []byte(`{}`)},
			queue.Event{Provider: "retell", Type: "call_analyzed", Key: "retell:call_analyzed:c1", Payload: []byte(`{}`)},
			queue.Event{Provider: "retell", Type: "call_started", Key: "retell:call_started:c1", Payload: []byte(`{}`)},
			stripeEv("evt_a", "charge.failed"), stripeEv("evt_b", "charge.failed"))
		setState(t, p, ids["evt_b"], queue.DeadLetter, 3, "x")
		setState(t, p, ids["retell:call_ended:c1"], queue.Processed, 1, "")

		// A second later, call_started and evt_a wait since they were stored
		// (the Inbox keeps batch times apart by a microsecond); call_analyzed
		// is delayed 5 s and not waiting yet.
		now := storedAt.Add(time.Second)
		st, err = rd.QueueStats(ctx, now)
		require.NoError(t, err)
		assert.Equal(t, []queue.QueueStat{
			{Queue: queue.Critical, Status: queue.Processed, Count: 1},
			{Queue: queue.High, Status: queue.Pending, Count: 1},
			{Queue: queue.High, Status: queue.DeadLetter, Count: 1},
			{Queue: queue.Normal, Status: queue.Pending, Count: 2},
		}, st.Counts, "queues in claim order, statuses in lifecycle order")
		require.NotNil(t, st.OldestPending)
		var first time.Time
		require.NoError(t, p.DB().QueryRow("SELECT created_at FROM webhook_events WHERE status = 'pending' AND event_type <> 'call_analyzed' ORDER BY created_at LIMIT 1").Scan(&first))
		assert.Equal(t, first.UTC(), *st.OldestPending)

		// A retrying event available earlier than the pending ones is the
		// oldest waiting; one backing off until later is not waiting.
		_, err = p.Writer().Exec("UPDATE webhook_events SET status = 'retrying', available_at = ? WHERE id = ?",
			storedAt.Add(-time.Minute), ids["retell:call_analyzed:c1"])
		require.NoError(t, err)
		st, err = rd.QueueStats(ctx, now)
		require.NoError(t, err)
		require.NotNil(t, st.OldestPending)
		assert.Equal(t, storedAt.Add(-time.Minute), *st.OldestPending)
		assert.Contains(t, st.Counts, queue.QueueStat{Queue: queue.Normal, Status: queue.Retrying, Count: 1})

		_, err = p.Writer().Exec("UPDATE webhook_events SET available_at = ? WHERE claimable = 1", storedAt.Add(time.Hour))
		require.NoError(t, err)
		st, err = rd.QueueStats(ctx, now)
		require.NoError(t, err)
		assert.Nil(t, st.OldestPending, "nothing is available yet")

		_, err = rd.QueueStats(context.Background(), storedAt)
		assert.ErrorIs(t, err, queue.ErrNotSystem)
	})
}
