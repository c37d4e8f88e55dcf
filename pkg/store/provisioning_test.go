package store_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clockStore is a second store on the same database whose clock the test
// moves.
func clockStore(t *testing.T, b testBundle, now *atomic.Int64) *store.Store {
	t.Helper()
	st, err := store.New(store.Config{DB: b.pool.DB(), Writer: b.pool.Writer(), Dialect: string(b.pool.Dialect()),
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	require.NoError(t, err)
	return st
}

func TestProvisioningLease(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, _ *store.Store, b testBundle) {
		var now atomic.Int64
		now.Store(time.Date(2026, 12, 2, 9, 0, 0, 123456789, time.UTC).UnixNano())
		st := clockStore(t, b, &now)
		ctx, _, br := seed(t, st, b, "lease", "+4930901830")
		assert.Equal(t, store.ProvisioningPending, br.ProvisioningStatus)

		got, lease, err := st.Branches.BeginProvisioning(ctx, br.ID, 10*time.Minute)
		require.NoError(t, err)
		assert.Equal(t, store.ProvisioningInProgress, got.ProvisioningStatus)
		require.NotNil(t, got.ProvisioningStartedAt)
		assert.True(t, got.ProvisioningStartedAt.Equal(lease.Token), "the lease token is the stored start")

		// A second run is refused while the lease is fresh.
		_, _, err = st.Branches.BeginProvisioning(ctx, br.ID, 10*time.Minute)
		require.ErrorIs(t, err, store.ErrProvisioningBusy)

		require.NoError(t, st.Branches.RecordRetellIDs(ctx, lease, "llm_1", ""))
		require.NoError(t, st.Branches.RecordRetellIDs(ctx, lease, "llm_1", ""), "rewriting the same ids is no lease loss")
		got, err = st.Branches.Get(ctx, br.ID)
		require.NoError(t, err)
		assert.Equal(t, "llm_1", got.RetellLLMID)
		assert.Empty(t, got.RetellAgentID)

		// The run crashes; after the ttl another run takes over, and the
		// first run's late writes are fenced off.
		now.Add(int64(11 * time.Minute))
		got, lease2, err := st.Branches.BeginProvisioning(ctx, br.ID, 10*time.Minute)
		require.NoError(t, err)
		assert.Equal(t, "llm_1", got.RetellLLMID, "the crashed run's ids are there to reuse")
		require.ErrorIs(t, st.Branches.RecordRetellIDs(ctx, lease, "llm_2", "agent_2"), store.ErrLeaseLost)
		_, err = st.Branches.CompleteProvisioning(ctx, lease, store.ProvisioningResult{LLMID: "llm_2", AgentID: "agent_2", AgentVersion: 1})
		require.ErrorIs(t, err, store.ErrLeaseLost)

		_, err = st.Branches.CompleteProvisioning(ctx, lease2, store.ProvisioningResult{LLMID: "llm_1"})
		var ve *store.ValidationError
		require.ErrorAs(t, err, &ve, "a result without an agent is refused")

		got, err = st.Branches.CompleteProvisioning(ctx, lease2, store.ProvisioningResult{LLMID: "llm_1", AgentID: "agent_1", AgentVersion: 3})
		require.NoError(t, err)
		assert.Equal(t, store.ProvisioningCompleted, got.ProvisioningStatus)
		assert.Equal(t, "agent_1", got.RetellAgentID)
		require.NotNil(t, got.RetellAgentVersion)
		assert.Equal(t, 3, *got.RetellAgentVersion)
		assert.Nil(t, got.ProvisioningStartedAt)
		require.NotNil(t, got.ProvisionedAt)
		assert.Empty(t, got.ProvisioningError)

		// A later run that fails records the error and keeps what was bound.
		_, lease3, err := st.Branches.BeginProvisioning(ctx, br.ID, 10*time.Minute)
		require.NoError(t, err)
		long := strings.Repeat("ü", store.MaxProvisioningError)
		got, err = st.Branches.FailProvisioning(ctx, lease3, long)
		require.NoError(t, err)
		assert.Equal(t, store.ProvisioningFailed, got.ProvisioningStatus)
		assert.LessOrEqual(t, len(got.ProvisioningError), store.MaxProvisioningError)
		assert.True(t, strings.HasPrefix(long, got.ProvisioningError), "cut at a rune boundary")
		assert.Equal(t, "agent_1", got.RetellAgentID)
		assert.Equal(t, 3, *got.RetellAgentVersion)
		_, err = st.Branches.FailProvisioning(ctx, lease3, "again")
		require.ErrorIs(t, err, store.ErrLeaseLost, "a finished run holds no lease")

		_, _, err = st.Branches.BeginProvisioning(ctx, br.ID+1000, time.Minute)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestBranchTransferNumber(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, br := seed(t, st, b, "transfer", "+4930901831")
		assert.Empty(t, br.TransferNumber)
		n := "030 9876543"
		got, err := st.Branches.Update(ctx, br.ID, store.BranchPatch{TransferNumber: &n})
		require.NoError(t, err)
		assert.Equal(t, "+49309876543", string(got.TransferNumber), "normalized to E.164")
		bad := "12"
		_, err = st.Branches.Update(ctx, br.ID, store.BranchPatch{TransferNumber: &bad})
		var ve *store.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "transfer_number", ve.Field)
		clear := ""
		got, err = st.Branches.Update(ctx, br.ID, store.BranchPatch{TransferNumber: &clear})
		require.NoError(t, err)
		assert.Empty(t, got.TransferNumber)
		created, err := st.Branches.Create(ctx, store.NewBranch{Name: "Nord", PhoneNumber: "+4930901832", TransferNumber: "+4915112345678"})
		require.NoError(t, err)
		assert.Equal(t, "+4915112345678", string(created.TransferNumber))
	})
}
