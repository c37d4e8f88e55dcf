package calls

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListRun(t *testing.T) {
	t.Parallel()
	branch, customer, ms := int64(2), int64(3), int64(245_400)
	started := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	call := store.Call{ID: 11, CompanyID: 7, BranchID: &branch, CustomerID: &customer, RetellCallID: "call_abc",
		FromNumber: "+4915112345678", ToNumber: "+493012345678", Direction: "inbound", Status: "ended",
		StartedAt: &started, DurationMS: &ms, DisconnectionReason: "user_hangup", Sentiment: "Positive"}
	never := store.Call{ID: 12, CompanyID: 7, RetellCallID: "call_busy", Status: "not_connected", DisconnectionReason: "dial_busy"}
	fake := cmdutiltest.Lister[store.Call]{Fn: func(ctx context.Context, page store.Page) ([]store.Call, error) {
		id, err := tenant.CompanyID(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(7), id, "listed inside the company")
		assert.Equal(t, store.Page{Limit: 100}, page)
		return []store.Call{call, never}, nil
	}}
	opts := func(ios *iostreams.IOStreams) *ListOptions {
		return &ListOptions{IO: ios, CompanyID: 7, Page: store.Page{Limit: 100},
			Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return cmdutiltest.OnlyCompany(7), nil },
			Lister:    func(context.Context) (callLister, error) { return fake, nil }}
	}

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, listRun(context.Background(), opts(ios)))
	assert.Equal(t, "ID\tRETELL CALL\tBRANCH\tCUSTOMER\tFROM\tTO\tDIRECTION\tSTATUS\tSTARTED\tDURATION\tDISCONNECTION\tSENTIMENT\n"+
		"11\tcall_abc\t2\t3\t+4915112345678\t+493012345678\tinbound\tended\t2025-03-01T09:30:00Z\t4m05s\tuser_hangup\tPositive\n"+
		"12\tcall_busy\t\t\t\t\t\tnot_connected\t\t\tdial_busy\t\n", out.String())

	ios, _, out, _ = iostreams.Test()
	o := opts(ios)
	o.Exporter = cmdutil.JSONExporter{}
	require.NoError(t, listRun(context.Background(), o))
	var got []store.Call
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, []store.Call{call, never}, got)

}

// TestListOnSQLite lists what processing stored for one company, and never
// another company's calls.
func TestListOnSQLite(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	st, err := b.Factory.Store(context.Background())
	require.NoError(t, err)
	sys := tenant.System(context.Background())
	salon, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon", Subdomain: "salon"})
	require.NoError(t, err)
	other, err := st.Companies.Create(sys, store.NewCompany{Name: "Praxis", Subdomain: "praxis"})
	require.NoError(t, err)
	started := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	require.NoError(t, st.Calls.Merge(tenant.WithCompany(context.Background(), salon.ID), store.CallEvent{
		RetellCallID: "call_abc", FromNumber: "0151 12345678", ToNumber: "030 12345678", Direction: "inbound",
		Status: "ongoing", StartedAt: &started, LifecycleRank: store.RankStarted, Transcript: "Agent: Guten Tag", TranscriptRank: 16}))
	require.NoError(t, st.Calls.Merge(tenant.WithCompany(context.Background(), other.ID), store.CallEvent{RetellCallID: "call_other", Status: "ongoing"}))

	var opts *ListOptions
	cmd := NewCmdList(b.Factory, func(o *ListOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"--company", strconv.FormatInt(salon.ID, 10), "-o", "json"})
	require.NoError(t, cmd.Execute())
	require.NoError(t, listRun(context.Background(), opts))
	var got []store.Call
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &got))
	require.Len(t, got, 1)
	assert.Equal(t, "call_abc", got[0].RetellCallID)
	assert.Equal(t, "+4915112345678", string(got[0].FromNumber))
	assert.Equal(t, started, *got[0].StartedAt)
	assert.Empty(t, got[0].Transcript, "a list leaves transcripts out")
}
