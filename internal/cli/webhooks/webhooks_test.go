package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
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
	queue func(ctx context.Context, now time.Time) (queue.QueueStats, error)
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

func (f *fakeEvents) QueueStats(ctx context.Context, now time.Time) (queue.QueueStats, error) {
	if f.queue == nil {
		panic("QueueStats called")
	}
	return f.queue(ctx, now)
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
	now := time.Date(2025, 3, 1, 10, 5, 30, 0, time.UTC)
	oldest := now.Add(-3*time.Minute - 12*time.Second)
	var waiting *time.Time
	fake := &fakeEvents{
		stats: func(ctx context.Context) ([]queue.Stat, error) {
			assert.True(t, tenant.IsSystem(ctx))
			return []queue.Stat{{Provider: "stripe", Status: "processed", Count: 12}}, nil
		},
		queue: func(ctx context.Context, at time.Time) (queue.QueueStats, error) {
			assert.True(t, tenant.IsSystem(ctx))
			assert.Equal(t, now, at, "waiting is judged on the command's clock")
			return queue.QueueStats{Counts: []queue.QueueStat{{Queue: "critical", Status: "pending", Count: 2}, {Queue: "high", Status: "processed", Count: 12}},
				OldestPending: waiting}, nil
		},
	}
	events := func(context.Context) (eventCounter, error) { return fake, nil }
	clock := func() time.Time { return now }

	waiting = &oldest
	b := setup(t)
	require.NoError(t, statsRun(context.Background(), &StatsOptions{IO: b.io, Events: events, Now: clock}))
	assert.Equal(t, "PROVIDER\tSTATUS\tCOUNT\nstripe\tprocessed\t12\n\n"+
		"QUEUE\tSTATUS\tCOUNT\ncritical\tpending\t2\nhigh\tprocessed\t12\n\n"+
		"oldest waiting event: available since 2025-03-01T10:02:18Z (waiting 3m12s)\n", b.out.String())

	b = setup(t)
	require.NoError(t, statsRun(context.Background(), &StatsOptions{IO: b.io, Events: events, Now: clock, Exporter: cmdutil.JSONExporter{}}))
	var got map[string]any
	require.NoError(t, json.Unmarshal(b.out.Bytes(), &got))
	assert.Equal(t, map[string]any{
		"by_provider":                []any{map[string]any{"provider": "stripe", "status": "processed", "count": 12.0}},
		"by_queue":                   []any{map[string]any{"queue": "critical", "status": "pending", "count": 2.0}, map[string]any{"queue": "high", "status": "processed", "count": 12.0}},
		"oldest_pending":             "2025-03-01T10:02:18Z",
		"oldest_pending_age_seconds": 192.0,
	}, got, "the stable schema")

	waiting = nil
	b = setup(t)
	require.NoError(t, statsRun(context.Background(), &StatsOptions{IO: b.io, Events: events, Now: clock}))
	assert.Contains(t, b.out.String(), "\noldest waiting event: none\n")
	b = setup(t)
	require.NoError(t, statsRun(context.Background(), &StatsOptions{IO: b.io, Events: events, Now: clock, Exporter: cmdutil.JSONExporter{}}))
	assert.Contains(t, b.out.String(), `"oldest_pending": null`)
	assert.Contains(t, b.out.String(), `"oldest_pending_age_seconds": null`)

	var opts *StatsOptions
	cmd := NewCmdStats(setup(t).factory, func(o *StatsOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, cmdutil.JSONExporter{}, opts.Exporter)
	assert.NotNil(t, opts.Now)
}

// TestStatsOnSQLite runs `webhooks stats -o json` against a real database.
func TestStatsOnSQLite(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	p := b.Pool(t)
	stored := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect(), Now: func() time.Time { return stored }})
	require.NoError(t, err)
	for _, e := range []queue.Event{
		{Provider: "retell", Type: "call_ended", Key: "retell:call_ended:c1", Payload: []byte(`{}`)},
		{Provider: "stripe", Type: "charge.failed", Key: "stripe:evt_1", Payload: []byte(`{}`)},
	} {
		_, err := in.Insert(context.Background(), e)
		require.NoError(t, err)
	}
	require.NoError(t, in.Close())

	var opts *StatsOptions
	cmd := NewCmdStats(b.Factory, func(o *StatsOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"-o", "json"})
	require.NoError(t, cmd.Execute())
	opts.Now = func() time.Time { return stored.Add(time.Minute) }
	require.NoError(t, statsRun(context.Background(), opts))
	var got StatsResult
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &got))
	assert.Equal(t, []queue.Stat{{Provider: "retell", Status: "pending", Count: 1}, {Provider: "stripe", Status: "pending", Count: 1}}, got.ByProvider)
	assert.Equal(t, []queue.QueueStat{{Queue: "critical", Status: "pending", Count: 1}, {Queue: "high", Status: "pending", Count: 1}}, got.ByQueue)
	require.NotNil(t, got.OldestPending)
	assert.Equal(t, stored, *got.OldestPending)
	require.NotNil(t, got.OldestPendingAgeSeconds)
	assert.Equal(t, 60.0, *got.OldestPendingAgeSeconds)
}
