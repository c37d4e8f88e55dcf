package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeEvents fakes the inbox read model; a method whose func is unset panics.
type fakeEvents struct {
	list  func(ctx context.Context, f queue.Filter) ([]queue.Job, error)
	get   func(ctx context.Context, id int64) (queue.Job, error)
	stats func(ctx context.Context) ([]queue.Stat, error)
}

func (f *fakeEvents) List(ctx context.Context, flt queue.Filter) ([]queue.Job, error) {
	if f.list == nil {
		panic("List called")
	}
	return f.list(ctx, flt)
}

func (f *fakeEvents) Get(ctx context.Context, id int64) (queue.Job, error) {
	if f.get == nil {
		panic("Get called")
	}
	return f.get(ctx, id)
}

func (f *fakeEvents) Stats(ctx context.Context) ([]queue.Stat, error) {
	if f.stats == nil {
		panic("Stats called")
	}
	return f.stats(ctx)
}

type testBundle struct {
	io          *iostreams.IOStreams
	out, errOut *bytes.Buffer
	factory     *cmdutil.Factory
}

func setup(t *testing.T) testBundle {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New(ios, "test")
	f.Store = func(context.Context) (*store.Store, error) {
		t.Error("the store was opened")
		return nil, errors.New("no store")
	}
	return testBundle{io: ios, out: out, errOut: errOut, factory: f}
}

var ended = queue.Job{ID: 11, Provider: "retell", EventType: "call_ended", IdempotencyKey: "retell:call_ended:c1",
	Status: "pending", Queue: "critical", MaxAttempts: 3, Payload: json.RawMessage(`{"event":"call_ended"}`),
	AvailableAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), CreatedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}

func TestNewCmdList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    ListOptions
		wantErr string
	}{
		{name: "defaults", want: ListOptions{Limit: 50}},
		{name: "filters", args: []string{"--status", "dead_letter", "--provider", "stripe", "--limit", "1000", "-o", "json"},
			want: ListOptions{Status: "dead_letter", Provider: "stripe", Limit: 1000, Exporter: cmdutil.JSONExporter{}}},
		{name: "bad status", args: []string{"--status", "failed"}, wantErr: `invalid --status "failed": want one of pending, processing, retrying, processed, dead_letter`},
		{name: "bad provider", args: []string{"--provider", "twilio"}, wantErr: "want one of retell, calcom, stripe"},
		{name: "limit 0", args: []string{"--limit", "0"}, wantErr: "--limit must be between 1 and 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var got *ListOptions
			cmd := NewCmdList(b.factory, func(o *ListOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got.Events)
			got.IO, got.Events = nil, nil
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestListRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fake := &fakeEvents{list: func(ctx context.Context, f queue.Filter) ([]queue.Job, error) {
		assert.True(t, tenant.IsSystem(ctx), "the inbox is read across companies")
		assert.Equal(t, queue.Filter{Status: queue.Pending, Provider: "retell", Limit: 5}, f)
		return []queue.Job{ended}, nil
	}}
	err := listRun(context.Background(), &ListOptions{IO: b.io, Status: "pending", Provider: "retell", Limit: 5,
		Events: func(context.Context) (eventLister, error) { return fake, nil }})
	require.NoError(t, err)
	assert.Equal(t, "ID\tPROVIDER\tEVENT\tKEY\tSTATUS\tQUEUE\tATTEMPTS\tCREATED\n"+
		"11\tretell\tcall_ended\tretell:call_ended:c1\tpending\tcritical\t0\t2025-03-01T10:00:00Z\n", b.out.String())
}

func TestShowRun(t *testing.T) {
	t.Parallel()
	fake := &fakeEvents{get: func(ctx context.Context, id int64) (queue.Job, error) {
		if id == 11 {
			return ended, nil
		}
		return queue.Job{}, queue.ErrNotFound
	}}
	events := func(context.Context) (eventGetter, error) { return fake, nil }
	b := setup(t)
	require.NoError(t, showRun(context.Background(), &ShowOptions{IO: b.io, ID: 11, Events: events}))
	assert.Contains(t, b.out.String(), "attempts\t0/3\n")
	assert.Contains(t, b.out.String(), "payload:\n{\"event\":\"call_ended\"}\n")

	b = setup(t)
	require.NoError(t, showRun(context.Background(), &ShowOptions{IO: b.io, ID: 11, Events: events, Exporter: cmdutil.JSONExporter{}}))
	var got queue.Job
	require.NoError(t, json.Unmarshal(b.out.Bytes(), &got))
	assert.Equal(t, "retell:call_ended:c1", got.IdempotencyKey)

	err := showRun(context.Background(), &ShowOptions{IO: setup(t).io, ID: 12, Events: events})
	assert.EqualError(t, err, "webhook event 12 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))

	var opts *ShowOptions
	cmd := NewCmdShow(setup(t).factory, func(o *ShowOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"11"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, int64(11), opts.ID)
}

func TestStatsRun(t *testing.T) {
	t.Parallel()
	fake := &fakeEvents{stats: func(ctx context.Context) ([]queue.Stat, error) {
		assert.True(t, tenant.IsSystem(ctx))
		return []queue.Stat{{Provider: "stripe", Status: "processed", Count: 12}}, nil
	}}
	b := setup(t)
	require.NoError(t, statsRun(context.Background(), &StatsOptions{IO: b.io, Events: func(context.Context) (eventCounter, error) { return fake, nil }}))
	assert.Equal(t, "PROVIDER\tSTATUS\tCOUNT\nstripe\tprocessed\t12\n", b.out.String())

	b = setup(t)
	require.NoError(t, statsRun(context.Background(), &StatsOptions{IO: b.io, Exporter: cmdutil.JSONExporter{},
		Events: func(context.Context) (eventCounter, error) { return fake, nil }}))
	assert.Contains(t, b.out.String(), `"count": 12`)

	var opts *StatsOptions
	cmd := NewCmdStats(setup(t).factory, func(o *StatsOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, cmdutil.JSONExporter{}, opts.Exporter)
}
