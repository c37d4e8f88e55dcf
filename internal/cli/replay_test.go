package cli

import (
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

func TestNewCmdReplay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    ReplayOptions
		wantErr string
	}{
		{name: "defaults", want: ReplayOptions{Status: "dead_letter", PageSize: 500}},
		{name: "every flag", args: []string{"--id", "4", "--id", "5,6", "--provider", "retell", "--event-type", "call_ended",
			"--status", "retrying", "--since", "24h", "--dry-run", "--page-size", "1000", "-o", "json"},
			want: ReplayOptions{IDs: []int64{4, 5, 6}, Provider: "retell", EventType: "call_ended", Status: "retrying",
				Since: 24 * time.Hour, DryRun: true, PageSize: 1000, Exporter: cmdutil.JSONExporter{}}},
		{name: "days", args: []string{"--since", "7d"}, want: ReplayOptions{Status: "dead_letter", PageSize: 500, Since: 7 * 24 * time.Hour}},
		{name: "processed events", args: []string{"--status", "processed"}, want: ReplayOptions{Status: "processed", PageSize: 500}},
		{name: "unknown provider", args: []string{"--provider", "twilio"}, wantErr: `invalid --provider "twilio": want one of retell, calcom, stripe`},
		{name: "bad status", args: []string{"--status", "failed"}, wantErr: `invalid --status "failed": want one of pending, retrying, processed, dead_letter`},
		{name: "processing", args: []string{"--status", "processing"}, wantErr: "--status processing is refused: a worker holds those events' lease"},
		{name: "bad duration", args: []string{"--since", "yesterday"}, wantErr: `invalid --since "yesterday": want a duration such as 90m, 24h or 7d`},
		{name: "bad days", args: []string{"--since", "1.5d"}, wantErr: `invalid --since "1.5d"`},
		{name: "negative duration", args: []string{"--since", "-5m"}, wantErr: "must be more than zero"},
		{name: "id 0", args: []string{"--id", "0"}, wantErr: "--id 0 is not an id"},
		{name: "id not a number", args: []string{"--id", "x"}, wantErr: `invalid argument "x"`},
		{name: "page size", args: []string{"--page-size", "0"}, wantErr: "--page-size must be between 1 and 1000"},
		{name: "positional argument", args: []string{"42"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _, _ := testFactory(t)
			var got *ReplayOptions
			cmd := NewCmdReplay(f, func(o *ReplayOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got, "the run function is not reached")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got.Replayer)
			require.NotNil(t, got.Audit)
			require.NotNil(t, got.Now)
			assert.Regexp(t, `^cli:.+`, got.Actor)
			got.IO, got.Replayer, got.Audit, got.Now, got.Actor = nil, nil, nil, nil, ""
			assert.Equal(t, tt.want, *got)
		})
	}
}

// fakeReplayer keeps events in memory and moves them as the queue does.
type fakeReplayer struct {
	t      *testing.T
	jobs   []queue.Job
	filter *queue.ReplayFilter // the filter every call must get, when set
	pages  int
	// steal, when set, is moved out of the filter's status (a worker took
	// it) right before the first Replay.
	steal   int64
	failOn  int // Replay fails on this call (1-based); 0 never
	replays int
}

func (r *fakeReplayer) check(ctx context.Context, f queue.ReplayFilter) {
	assert.True(r.t, tenant.IsSystem(ctx), "the inbox is replayed as system work")
	if r.filter != nil {
		assert.Equal(r.t, *r.filter, f)
	}
}

func (r *fakeReplayer) match(f queue.ReplayFilter, j queue.Job) bool {
	return j.Status == f.Status && (f.Provider == "" || f.Provider == j.Provider)
}

func (r *fakeReplayer) Count(ctx context.Context, f queue.ReplayFilter) (int64, error) {
	r.check(ctx, f)
	var n int64
	for _, j := range r.jobs {
		if r.match(f, j) {
			n++
		}
	}
	return n, nil
}

func (r *fakeReplayer) Page(ctx context.Context, f queue.ReplayFilter, after int64, limit int) ([]queue.Job, error) {
	r.check(ctx, f)
	r.pages++
	out := []queue.Job{}
	for _, j := range r.jobs {
		if j.ID > after && r.match(f, j) && len(out) < limit {
			out = append(out, j)
		}
	}
	return out, nil
}

func (r *fakeReplayer) Replay(ctx context.Context, ids []int64, from queue.Status) (int64, error) {
	assert.True(r.t, tenant.IsSystem(ctx))
	r.replays++
	if r.replays == r.failOn {
		return 0, errors.New("connection reset")
	}
	var n int64
	for i := range r.jobs {
		if r.jobs[i].ID == r.steal {
			r.jobs[i].Status = queue.Processing
		}
		for _, id := range ids {
			if r.jobs[i].ID == id && r.jobs[i].Status == from {
				r.jobs[i].Status, r.jobs[i].Attempts = queue.Pending, 0
				n++
			}
		}
	}
	return n, nil
}

// fakeAudit records the entries written.
type fakeAudit struct{ entries []store.AuditEntry }

func (a *fakeAudit) Record(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if !tenant.IsSystem(ctx) {
		panic("audit entry outside a system context")
	}
	a.entries = append(a.entries, e)
	return e, nil
}

func deadJobs() []queue.Job {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	return []queue.Job{
		{ID: 3, Provider: "stripe", EventType: "charge.failed", Status: queue.DeadLetter, Attempts: 3, LastError: "handler: calendar\nunreachable", CreatedAt: at},
		{ID: 5, Provider: "retell", EventType: "call_ended", Status: queue.DeadLetter, Attempts: 1, LastError: "TENANT_UNRESOLVED: no branch has the number +4930****567", CreatedAt: at},
		{ID: 8, Provider: "retell", EventType: "call_started", Status: queue.Processed, Attempts: 1, CreatedAt: at},
		{ID: 9, Provider: "stripe", EventType: "charge.failed", Status: queue.DeadLetter, Attempts: 3, LastError: "x", CreatedAt: at},
	}
}

type replayBundle struct {
	opts   *ReplayOptions
	rp     *fakeReplayer
	audit  *fakeAudit
	ios    *iostreams.IOStreams
	out    func() string
	errOut func() string
}

func replaySetup(t *testing.T) replayBundle {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	rp := &fakeReplayer{t: t, jobs: deadJobs()}
	audit := &fakeAudit{}
	opts := &ReplayOptions{IO: ios, Status: "dead_letter", PageSize: 2, Actor: "cli:anna",
		Now:      func() time.Time { return time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC) },
		Replayer: func(context.Context) (replayer, error) { return rp, nil },
		Audit:    func(context.Context) (auditor, error) { return audit, nil }}
	return replayBundle{opts: opts, rp: rp, audit: audit, ios: ios, out: out.String, errOut: errOut.String}
}

func TestReplayRun(t *testing.T) {
	t.Parallel()
	t.Run("moves page by page and audits once", func(t *testing.T) {
		t.Parallel()
		b := replaySetup(t)
		b.opts.Since = 24 * time.Hour
		b.rp.filter = &queue.ReplayFilter{Status: queue.DeadLetter, Since: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
		require.NoError(t, replayRun(context.Background(), b.opts))
		assert.Equal(t, "ID\tPROVIDER\tEVENT\tSTATUS BEFORE\tATTEMPTS\tLAST ERROR\n"+
			"3\tstripe\tcharge.failed\tdead_letter\t3\thandler: calendar unreachable\n"+
			"5\tretell\tcall_ended\tdead_letter\t1\tTENANT_UNRESOLVED: no branch has the number +4930****567\n"+
			"9\tstripe\tcharge.failed\tdead_letter\t3\tx\n", b.out())
		assert.Equal(t, "moved 3 events back to pending\n", b.errOut())
		assert.Equal(t, 3, b.rp.pages, "two pages of 2 and 1, and the empty one that ends the run")
		assert.Equal(t, 2, b.rp.replays, "one UPDATE per page")
		for _, j := range b.rp.jobs {
			if j.ID != 8 {
				assert.Equal(t, queue.Pending, j.Status, "event %d", j.ID)
			}
		}
		require.Len(t, b.audit.entries, 1)
		e := b.audit.entries[0]
		assert.Nil(t, e.CompanyID)
		assert.Equal(t, "cli:anna", e.Actor)
		assert.Equal(t, "webhooks.replay", e.Action)
		assert.Equal(t, "webhook_events", e.Target)
		assert.JSONEq(t, `{"filter":{"status":"dead_letter","since":"2025-03-01T10:00:00Z"},"matched":3,"moved":3,"ids":[3,5,9]}`, string(e.Details))
	})
	t.Run("dry run moves nothing and writes no audit row", func(t *testing.T) {
		t.Parallel()
		b := replaySetup(t)
		b.opts.DryRun = true
		b.opts.Provider = "stripe"
		b.opts.Audit = func(context.Context) (auditor, error) {
			t.Error("the audit log was opened")
			return nil, errors.New("no")
		}
		require.NoError(t, replayRun(context.Background(), b.opts))
		assert.Zero(t, b.rp.replays)
		assert.Equal(t, "ID\tPROVIDER\tEVENT\tSTATUS BEFORE\tATTEMPTS\tLAST ERROR\n"+
			"3\tstripe\tcharge.failed\tdead_letter\t3\thandler: calendar unreachable\n"+
			"9\tstripe\tcharge.failed\tdead_letter\t3\tx\n", b.out())
		assert.Equal(t, "dry run: 2 events would be moved back to pending\n", b.errOut())
		assert.Equal(t, queue.DeadLetter, b.rp.jobs[0].Status)
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		b := replaySetup(t)
		b.opts.Exporter = cmdutil.JSONExporter{}
		b.opts.IDs = []int64{3, 9}
		require.NoError(t, replayRun(context.Background(), b.opts))
		var got struct {
			DryRun  bool               `json:"dry_run"`
			Filter  queue.ReplayFilter `json:"filter"`
			Events  []ReplayEvent      `json:"events"`
			Matched int64              `json:"matched"`
			Moved   int64              `json:"moved"`
		}
		require.NoError(t, json.Unmarshal([]byte(b.out()), &got), b.out())
		assert.False(t, got.DryRun)
		assert.Equal(t, queue.ReplayFilter{IDs: []int64{3, 9}, Status: queue.DeadLetter}, got.Filter)
		assert.Equal(t, int64(3), got.Matched, "the fake ignores ids; the command reports what it was given")
		assert.Equal(t, int64(3), got.Moved)
		require.Len(t, got.Events, 3)
		assert.Equal(t, ReplayEvent{ID: 3, Provider: "stripe", EventType: "charge.failed", StatusBefore: queue.DeadLetter, Attempts: 3,
			LastError: "handler: calendar\nunreachable", CreatedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}, got.Events[0],
			"JSON keeps the whole error")
		var keys map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(b.out()), &keys))
		assert.Len(t, keys, 5, "dry_run, filter, events, matched, moved")
	})
	t.Run("nothing matched exits 0 and says so", func(t *testing.T) {
		t.Parallel()
		for _, asJSON := range []bool{false, true} {
			b := replaySetup(t)
			b.opts.Provider = "calcom"
			if asJSON {
				b.opts.Exporter = cmdutil.JSONExporter{}
			}
			require.NoError(t, replayRun(context.Background(), b.opts))
			assert.Equal(t, "no dead_letter events match: nothing to replay\n", b.errOut())
			if asJSON {
				assert.JSONEq(t, `{"dry_run":false,"filter":{"provider":"calcom","status":"dead_letter"},"events":[],"matched":0,"moved":0}`, b.out())
			} else {
				assert.Empty(t, b.out())
			}
			require.Len(t, b.audit.entries, 1, "the attempt is audited too")
			assert.JSONEq(t, `{"filter":{"provider":"calcom","status":"dead_letter"},"matched":0,"moved":0,"ids":[]}`, string(b.audit.entries[0].Details))
		}
	})
	t.Run("an event taken meanwhile is left alone and said so", func(t *testing.T) {
		t.Parallel()
		b := replaySetup(t)
		b.rp.steal = 5
		require.NoError(t, replayRun(context.Background(), b.opts))
		assert.Equal(t, "moved 2 events back to pending\n"+
			"left alone: 1 event whose status changed meanwhile (a worker or another replay was first)\n", b.errOut())
		assert.Equal(t, queue.Processing, b.rp.jobs[1].Status)
		assert.Contains(t, string(b.audit.entries[0].Details), `"matched":3,"moved":2`)
	})
	t.Run("progress on a terminal", func(t *testing.T) {
		t.Parallel()
		b := replaySetup(t)
		b.ios.SetStderrTTY(true)
		require.NoError(t, replayRun(context.Background(), b.opts))
		assert.Contains(t, b.errOut(), "\r\033[Kmoved 2 of 3 events")
		assert.Contains(t, b.errOut(), "\r\033[Kmoved 3 of 3 events")
		assert.Contains(t, b.errOut(), "\r\033[Kmoved 3 events back to pending\n", "the progress line is cleared before the summary")

		b = replaySetup(t)
		require.NoError(t, replayRun(context.Background(), b.opts))
		assert.NotContains(t, b.errOut(), "\r", "no progress when stderr is not a terminal")
	})
	t.Run("a failure midway is audited with what was moved", func(t *testing.T) {
		t.Parallel()
		b := replaySetup(t)
		b.rp.failOn = 2
		err := replayRun(context.Background(), b.opts)
		assert.EqualError(t, err, "replay stopped after moving 2 events: connection reset")
		assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
		require.Len(t, b.audit.entries, 1)
		assert.JSONEq(t, `{"filter":{"status":"dead_letter"},"matched":2,"moved":2,"ids":[3,5],"error":"connection reset"}`, string(b.audit.entries[0].Details))
	})
	t.Run("no audit log, no replay", func(t *testing.T) {
		t.Parallel()
		b := replaySetup(t)
		b.opts.Audit = func(context.Context) (auditor, error) { return nil, errors.New("audit_log missing") }
		assert.EqualError(t, replayRun(context.Background(), b.opts), "audit_log missing")
		assert.Zero(t, b.rp.pages)
	})
}

// TestReplayOnSQLite replays dead letters in a real database through the
// command: a dry run lists them, a run moves them.
func TestReplayOnSQLite(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	p := b.Pool(t)
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect()})
	require.NoError(t, err)
	for _, key := range []string{"evt_1", "evt_2", "evt_3"} {
		_, err := in.Insert(context.Background(), queue.Event{Provider: "stripe", Type: "charge.failed", Key: key, Payload: []byte(`{}`)})
		require.NoError(t, err)
	}
	require.NoError(t, in.Close())
	_, err = p.Writer().Exec("UPDATE webhook_events SET status = 'dead_letter', attempts = 3, last_error = 'boom' WHERE idempotency_key <> ?", []byte("evt_3"))
	require.NoError(t, err)

	st, err := b.Factory.Store(context.Background())
	require.NoError(t, err)
	sys := tenant.System(context.Background())
	auditRows := func() []store.AuditEntry {
		t.Helper()
		rows, err := st.AuditLog.List(sys, store.Page{})
		require.NoError(t, err)
		return rows
	}
	run := func(args ...string) {
		t.Helper()
		b.Out.Reset()
		b.ErrOut.Reset()
		var opts *ReplayOptions
		cmd := NewCmdReplay(b.Factory, func(o *ReplayOptions) error { opts = o; return nil })
		cmd.SetArgs(args)
		require.NoError(t, cmd.Execute())
		require.NoError(t, replayRun(context.Background(), opts))
	}
	run("--dry-run", "--provider", "stripe", "--since", "1h")
	assert.Equal(t, "dry run: 2 events would be moved back to pending\n", b.ErrOut.String())
	assert.Contains(t, b.Out.String(), "\tstripe\tcharge.failed\tdead_letter\t3\tboom\n")
	assert.Empty(t, auditRows(), "a dry run is not audited")

	run("--page-size", "1")
	assert.Equal(t, "moved 2 events back to pending\n", b.ErrOut.String())
	var pending int
	require.NoError(t, p.DB().QueryRow("SELECT COUNT(*) FROM webhook_events WHERE status = 'pending' AND attempts = 0").Scan(&pending))
	assert.Equal(t, 3, pending)
	rows := auditRows()
	require.Len(t, rows, 1, "one row for the run, not one per page")
	assert.Nil(t, rows[0].CompanyID)
	assert.Regexp(t, `^cli:.+`, rows[0].Actor)
	assert.Equal(t, "webhooks.replay", rows[0].Action)
	assert.JSONEq(t, `{"filter":{"status":"dead_letter"},"matched":2,"moved":2,"ids":[1,2]}`, string(rows[0].Details))

	run()
	assert.Equal(t, "no dead_letter events match: nothing to replay\n", b.ErrOut.String())
	assert.Len(t, auditRows(), 2)
}
