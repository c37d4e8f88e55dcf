package queue_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storedAt is the inbox clock of the events the replay tests store.
var storedAt = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// store inserts events through the Inbox at storedAt and returns their ids
// by key.
func store(t *testing.T, p *pool.Pool, events ...queue.Event) map[string]int64 {
	t.Helper()
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect(), Flushers: 1,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return storedAt }})
	require.NoError(t, err)
	defer in.Close()
	for _, e := range events {
		_, err := in.Insert(context.Background(), e)
		require.NoError(t, err)
	}
	ids := map[string]int64{}
	rows, err := p.DB().Query("SELECT id, idempotency_key FROM webhook_events")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key []byte
		require.NoError(t, rows.Scan(&id, &key))
		ids[string(key)] = id
	}
	require.NoError(t, rows.Err())
	return ids
}

// setState puts event id into a status the way a worker would have left it.
func setState(t *testing.T, p *pool.Pool, id int64, st queue.Status, attempts int, lastErr string) {
	t.Helper()
	var lockedBy, lockedUntil, processedAt any
	switch st {
	case queue.Processing:
		lockedBy, lockedUntil = "worker-1", storedAt.Add(time.Hour)
	case queue.Processed:
		processedAt = storedAt.Add(time.Second)
	}
	_, err := p.Writer().Exec("UPDATE webhook_events SET status = ?, attempts = ?, last_error = ?, locked_by = ?, locked_until = ?, "+
		"processed_at = ?, processing_time_ms = ?, available_at = ? WHERE id = ?",
		string(st), attempts, lastErr, lockedBy, lockedUntil, processedAt, 12, storedAt.Add(300*time.Second), id)
	require.NoError(t, err)
}

func stripeEv(key, typ string) queue.Event {
	return queue.Event{Provider: "stripe", Type: typ, Key: key, Payload: []byte(`{"id":"` + key + `"}`)}
}

func TestReplayMovesDeadLettersBack(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		ids := store(t, p, stripeEv("evt_dead", "charge.failed"), stripeEv("evt_processed", "charge.failed"),
			stripeEv("evt_pending", "charge.failed"), stripeEv("evt_busy", "charge.failed"))
		setState(t, p, ids["evt_dead"], queue.DeadLetter, 3, "handler: boom")
		setState(t, p, ids["evt_processed"], queue.Processed, 1, "")
		setState(t, p, ids["evt_busy"], queue.Processing, 1, "")

		now := time.Date(2025, 3, 2, 8, 30, 0, 123456000, time.UTC)
		rp, err := queue.NewReplayer(p, queue.ReplayerConfig{Now: func() time.Time { return now }})
		require.NoError(t, err)
		ctx := tenant.System(context.Background())

		n, err := rp.Count(ctx, queue.ReplayFilter{})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "the zero filter is every dead letter")
		page, err := rp.Page(ctx, queue.ReplayFilter{}, 0, 0)
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, ids["evt_dead"], page[0].ID)
		assert.Equal(t, queue.DeadLetter, page[0].Status)
		assert.Equal(t, "handler: boom", page[0].LastError)

		moved, err := rp.Replay(ctx, queue.JobIDs(page), "")
		require.NoError(t, err)
		assert.Equal(t, int64(1), moved)

		rd, err := queue.NewReader(p)
		require.NoError(t, err)
		got, err := rd.Get(ctx, ids["evt_dead"])
		require.NoError(t, err)
		assert.Equal(t, queue.Pending, got.Status)
		assert.Equal(t, 0, got.Attempts)
		assert.Equal(t, now.Truncate(time.Microsecond), got.AvailableAt)
		assert.Equal(t, now.Truncate(time.Microsecond), got.UpdatedAt)
		assert.Empty(t, got.LockedBy)
		assert.Nil(t, got.LockedUntil)
		assert.Nil(t, got.ProcessedAt)
		assert.Nil(t, got.ProcessingTimeMS)
		assert.Equal(t, "handler: boom", got.LastError, "the reason stays until the next attempt")

		for key, want := range map[string]queue.Status{"evt_processed": queue.Processed, "evt_pending": queue.Pending, "evt_busy": queue.Processing} {
			j, err := rd.Get(ctx, ids[key])
			require.NoError(t, err)
			assert.Equal(t, want, j.Status, key)
		}

		moved, err = rp.Replay(ctx, []int64{ids["evt_dead"]}, queue.DeadLetter)
		require.NoError(t, err)
		assert.Zero(t, moved, "a second replay of the same page finds it no longer dead")

		// A chosen status: the processed event comes back too, with no
		// processed_at left over from its first life.
		moved, err = rp.Replay(ctx, []int64{ids["evt_processed"], ids["evt_busy"]}, queue.Processed)
		require.NoError(t, err)
		assert.Equal(t, int64(1), moved, "the guard leaves the event in processing alone")
		j, err := rd.Get(ctx, ids["evt_processed"])
		require.NoError(t, err)
		assert.Equal(t, queue.Pending, j.Status)
		assert.Nil(t, j.ProcessedAt)
		j, err = rd.Get(ctx, ids["evt_busy"])
		require.NoError(t, err)
		assert.Equal(t, queue.Processing, j.Status)
		assert.Equal(t, "worker-1", j.LockedBy, "its worker keeps its lease")
	})
}

func TestReplayFilters(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		ids := store(t, p,
			stripeEv("evt_a", "charge.failed"), stripeEv("evt_b", "invoice.payment_failed"),
			queue.Event{Provider: "retell", Type: "call_ended", Key: "retell:call_ended:c1", Payload: []byte(`{"event":"call_ended"}`)},
			stripeEv("evt_old", "charge.failed"), stripeEv("evt_retrying", "charge.failed"))
		for key, id := range ids {
			if key != "evt_retrying" {
				setState(t, p, id, queue.DeadLetter, 3, "x")
			}
		}
		setState(t, p, ids["evt_retrying"], queue.Retrying, 1, "timeout")
		_, err := p.Writer().Exec("UPDATE webhook_events SET created_at = ? WHERE id = ?", storedAt.Add(-48*time.Hour), ids["evt_old"])
		require.NoError(t, err)

		rp, err := queue.NewReplayer(p, queue.ReplayerConfig{})
		require.NoError(t, err)
		ctx := tenant.System(context.Background())
		tests := []struct {
			name string
			f    queue.ReplayFilter
			want []string
		}{
			{"every dead letter", queue.ReplayFilter{}, []string{"evt_a", "evt_b", "retell:call_ended:c1", "evt_old"}},
			{"provider", queue.ReplayFilter{Provider: "retell"}, []string{"retell:call_ended:c1"}},
			{"event type", queue.ReplayFilter{Provider: "stripe", EventType: "charge.failed"}, []string{"evt_a", "evt_old"}},
			{"since", queue.ReplayFilter{Since: storedAt.Add(-24 * time.Hour)}, []string{"evt_a", "evt_b", "retell:call_ended:c1"}},
			{"since, exactly at created_at", queue.ReplayFilter{Since: storedAt, EventType: "charge.failed"}, []string{"evt_a"}},
			{"ids", queue.ReplayFilter{IDs: []int64{ids["evt_b"], ids["evt_old"], ids["evt_retrying"]}}, []string{"evt_b", "evt_old"}},
			{"another status", queue.ReplayFilter{Status: queue.Retrying}, []string{"evt_retrying"}},
			{"nothing", queue.ReplayFilter{Provider: "calcom"}, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := rp.Page(ctx, tt.f, 0, 100)
				require.NoError(t, err)
				got := []string{}
				for _, j := range page {
					got = append(got, j.IdempotencyKey)
				}
				assert.ElementsMatch(t, tt.want, got)
				n, err := rp.Count(ctx, tt.f)
				require.NoError(t, err)
				assert.Equal(t, int64(len(tt.want)), n)
			})
		}
	})
}

func TestReplayPagesThroughLargeSets(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		const n = 25
		var events []queue.Event
		for i := 0; i < n; i++ {
			events = append(events, stripeEv(fmt.Sprintf("evt_%02d", i), "charge.failed"))
		}
		ids := store(t, p, events...)
		for _, id := range ids {
			setState(t, p, id, queue.DeadLetter, 3, "x")
		}
		rp, err := queue.NewReplayer(p, queue.ReplayerConfig{})
		require.NoError(t, err)
		ctx := tenant.System(context.Background())

		var pages []int
		var total int64
		seen := map[int64]bool{}
		after := int64(0)
		for {
			page, err := rp.Page(ctx, queue.ReplayFilter{}, after, 10)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			for i, j := range page {
				assert.False(t, seen[j.ID], "event %d on two pages", j.ID)
				seen[j.ID] = true
				assert.Greater(t, j.ID, after)
				if i > 0 {
					assert.Greater(t, j.ID, page[i-1].ID, "id order")
				}
			}
			moved, err := rp.Replay(ctx, queue.JobIDs(page), queue.DeadLetter)
			require.NoError(t, err)
			total += moved
			pages = append(pages, len(page))
			after = page[len(page)-1].ID
		}
		assert.Equal(t, []int{10, 10, 5}, pages)
		assert.Equal(t, int64(n), total)
		var pending int
		require.NoError(t, p.DB().QueryRow("SELECT COUNT(*) FROM webhook_events WHERE status = 'pending' AND attempts = 0").Scan(&pending))
		assert.Equal(t, n, pending)
	})
}

func TestReplayRefuses(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		ids := store(t, p, stripeEv("evt_busy", "charge.failed"))
		setState(t, p, ids["evt_busy"], queue.Processing, 1, "")
		rp, err := queue.NewReplayer(p, queue.ReplayerConfig{})
		require.NoError(t, err)
		sys := tenant.System(context.Background())

		_, err = rp.Page(sys, queue.ReplayFilter{Status: queue.Processing}, 0, 10)
		assert.ErrorIs(t, err, queue.ErrReplayProcessing)
		_, err = rp.Count(sys, queue.ReplayFilter{Status: queue.Processing})
		assert.ErrorIs(t, err, queue.ErrReplayProcessing)
		_, err = rp.Replay(sys, []int64{ids["evt_busy"]}, queue.Processing)
		assert.ErrorIs(t, err, queue.ErrReplayProcessing)

		_, err = rp.Page(sys, queue.ReplayFilter{Status: "failed"}, 0, 10)
		assert.ErrorIs(t, err, queue.ErrReplayFilter)
		_, err = rp.Replay(sys, []int64{0}, queue.DeadLetter)
		assert.ErrorIs(t, err, queue.ErrReplayFilter)
		_, err = rp.Replay(sys, make([]int64, queue.MaxReplayPage+1), queue.DeadLetter)
		assert.ErrorIs(t, err, queue.ErrReplayFilter)

		_, err = rp.Page(context.Background(), queue.ReplayFilter{}, 0, 10)
		assert.ErrorIs(t, err, queue.ErrNotSystem)
		_, err = rp.Replay(tenant.WithCompany(context.Background(), 1), []int64{ids["evt_busy"]}, queue.DeadLetter)
		assert.ErrorIs(t, err, queue.ErrNotSystem)

		moved, err := rp.Replay(sys, nil, queue.DeadLetter)
		require.NoError(t, err)
		assert.Zero(t, moved)

		var status string
		require.NoError(t, p.DB().QueryRow("SELECT status FROM webhook_events WHERE id = ?", ids["evt_busy"]).Scan(&status))
		assert.Equal(t, "processing", status, "nothing refused changed anything")
	})
}

// TestReplayAfterDeadLetter is the operator's round trip with the real
// worker: a handler that always fails dead-letters its event after 3
// attempts; replay brings it back with its attempts reset; with the fault
// removed, the next claim processes it.
func TestReplayAfterDeadLetter(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		var mu sync.Mutex
		now := storedAt
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
		ids := store(t, p, stripeEv("evt_fault", "charge.failed"))
		var broken atomic.Bool
		broken.Store(true)
		var calls atomic.Int64
		w, err := queue.NewWorker(queue.WorkerConfig{DB: p.Writer(), Dialect: p.Dialect(), Now: clock,
			Retry: &queue.RetryPolicy{Delays: queue.DefaultRetryPolicy.Delays}, Logger: slog.New(slog.DiscardHandler),
			Handler: queue.HandlerFunc(func(context.Context, *sql.Tx, *queue.Job) error {
				calls.Add(1)
				if broken.Load() {
					return errors.New("calendar unreachable")
				}
				return nil
			})})
		require.NoError(t, err)
		ctx := tenant.System(context.Background())
		rd, err := queue.NewReader(p)
		require.NoError(t, err)
		for attempt := 1; attempt <= 3; attempt++ {
			advance(time.Second) // past the Inbox's microsecond spacing
			n, err := w.RunOnce(context.Background(), "w")
			require.NoError(t, err)
			require.Equal(t, 1, n, "attempt %d", attempt)
			j, err := rd.Get(ctx, ids["evt_fault"])
			require.NoError(t, err)
			advance(max(j.AvailableAt.Sub(clock()), 0))
		}
		j, err := rd.Get(ctx, ids["evt_fault"])
		require.NoError(t, err)
		require.Equal(t, queue.DeadLetter, j.Status)
		require.Equal(t, 3, j.Attempts)

		advance(time.Hour)
		rp, err := queue.NewReplayer(p, queue.ReplayerConfig{Now: clock})
		require.NoError(t, err)
		page, err := rp.Page(ctx, queue.ReplayFilter{Provider: "stripe"}, 0, 500)
		require.NoError(t, err)
		moved, err := rp.Replay(ctx, queue.JobIDs(page), queue.DeadLetter)
		require.NoError(t, err)
		require.Equal(t, int64(1), moved)

		broken.Store(false)
		n, err := w.RunOnce(context.Background(), "w")
		require.NoError(t, err)
		require.Equal(t, 1, n, "the replayed event is claimable at once")
		j, err = rd.Get(ctx, ids["evt_fault"])
		require.NoError(t, err)
		assert.Equal(t, queue.Processed, j.Status)
		assert.Equal(t, 1, j.Attempts, "attempts count again from zero")
		assert.Empty(t, j.LastError)
		assert.Equal(t, int64(4), calls.Load())
	})
}
