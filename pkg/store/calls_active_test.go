package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallsCountActive(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctxA, _, brA := seed(t, st, b, "alpha", "+493012345678")
		ctxB, _, brB := seed(t, st, b, "beta", "+493087654321")
		now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
		merge := func(ctx context.Context, br int64, id, status string, rank int, started *time.Time) {
			t.Helper()
			require.NoError(t, st.Calls.Merge(ctx, store.CallEvent{RetellCallID: id, BranchID: &br, Status: status,
				LifecycleRank: rank, StartedAt: started}))
		}
		merge(ctxA, brA.ID, "call_a1", store.CallOngoing, store.RankStarted, at(-time.Minute))
		merge(ctxA, brA.ID, "call_a2", store.CallOngoing, store.RankStarted, at(-2*time.Minute))
		merge(ctxB, brB.ID, "call_b1", store.CallOngoing, store.RankStarted, at(-3*time.Minute))
		merge(ctxB, brB.ID, "call_b2", "ended", store.RankEnded, at(-4*time.Minute))
		merge(ctxB, brB.ID, "call_stale", store.CallOngoing, store.RankStarted, at(-7*time.Hour)) // its call_ended was lost

		sys := tenant.System(context.Background())
		n, err := st.Calls.CountActive(sys, now.Add(-6*time.Hour))
		require.NoError(t, err)
		assert.EqualValues(t, 3, n, "every company's ongoing calls, not the ended or stale one")

		merge(ctxA, brA.ID, "call_a1", "ended", store.RankEnded, at(-time.Minute))
		n, err = st.Calls.CountActive(sys, now.Add(-6*time.Hour))
		require.NoError(t, err)
		assert.EqualValues(t, 2, n, "an ended call stops counting")

		_, err = st.Calls.CountActive(ctxA, now)
		assert.ErrorIs(t, err, store.ErrNotSystem, "a company's context cannot count every company's calls")
	})
}
