package audit

import (
	"context"
	"encoding/json"
	"errors"
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

func testFactory(t *testing.T) *cmdutil.Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New(ios, "test")
	f.Store = func(context.Context) (*store.Store, error) {
		t.Error("the store was opened")
		return nil, errors.New("no store")
	}
	return f
}

func TestNewCmdList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    ListOptions
		wantErr string
	}{
		{name: "every entry", want: ListOptions{Page: store.Page{Limit: 100}}},
		{name: "one company", args: []string{"--company", "7", "--limit", "5", "-o", "json"},
			want: ListOptions{CompanyID: 7, Page: store.Page{Limit: 5}, Exporter: cmdutil.JSONExporter{}}},
		{name: "company 0", args: []string{"--company", "0"}, wantErr: "--company must be a company id"},
		{name: "limit", args: []string{"--limit", "5000"}, wantErr: "--limit must be between 1 and 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *ListOptions
			cmd := NewCmdList(testFactory(t), func(o *ListOptions) error { got = o; return nil })
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
			require.NotNil(t, got.Companies)
			require.NotNil(t, got.Lister)
			got.IO, got.Companies, got.Lister = nil, nil, nil
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestListRun(t *testing.T) {
	t.Parallel()
	entry := store.AuditEntry{ID: 4, Actor: "cli:anna", Action: "webhooks.replay", Target: "webhook_events",
		Details: json.RawMessage(`{"moved":2}`), CreatedAt: time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)}
	var wantCompany int64 // 0: a system context
	fake := cmdutiltest.Lister[store.AuditEntry]{Fn: func(ctx context.Context, page store.Page) ([]store.AuditEntry, error) {
		if wantCompany == 0 {
			assert.True(t, tenant.IsSystem(ctx), "the whole log is platform work")
		} else {
			id, err := tenant.CompanyID(ctx)
			require.NoError(t, err)
			assert.Equal(t, wantCompany, id)
		}
		return []store.AuditEntry{entry}, nil
	}}
	opts := func(ios *iostreams.IOStreams, company int64) *ListOptions {
		return &ListOptions{IO: ios, CompanyID: company, Page: store.Page{Limit: 100},
			Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return cmdutiltest.OnlyCompany(7), nil },
			Lister:    func(context.Context) (auditLister, error) { return fake, nil }}
	}

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, listRun(context.Background(), opts(ios, 0)))
	assert.Equal(t, "ID\tCREATED\tCOMPANY\tACTOR\tACTION\tTARGET\tDETAILS\n"+
		"4\t2025-03-01T09:30:00Z\t\tcli:anna\twebhooks.replay\twebhook_events\t{\"moved\":2}\n", out.String())

	wantCompany = 7
	ios, _, out, _ = iostreams.Test()
	o := opts(ios, 7)
	o.Exporter = cmdutil.JSONExporter{}
	require.NoError(t, listRun(context.Background(), o))
	var got []store.AuditEntry
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	require.Len(t, got, 1)
	assert.Equal(t, "webhooks.replay", got[0].Action)
	assert.JSONEq(t, `{"moved":2}`, string(got[0].Details))

	ios, _, _, _ = iostreams.Test()
	err := listRun(context.Background(), opts(ios, 8))
	assert.EqualError(t, err, "company 8 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
}

// TestListOnSQLite reads a real audit log: every entry without --company,
// one company's with it.
func TestListOnSQLite(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	st, err := b.Factory.Store(context.Background())
	require.NoError(t, err)
	sys := tenant.System(context.Background())
	salon, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon", Subdomain: "salon"})
	require.NoError(t, err)
	_, err = st.AuditLog.Record(sys, store.AuditEntry{Actor: "cli:anna", Action: "webhooks.replay", Details: json.RawMessage(`{"moved":1}`)})
	require.NoError(t, err)
	_, err = st.AuditLog.Record(sys, store.AuditEntry{CompanyID: &salon.ID, Actor: "cli:anna", Action: "branch.provision"})
	require.NoError(t, err)

	run := func(args ...string) []store.AuditEntry {
		t.Helper()
		b.Out.Reset()
		var opts *ListOptions
		cmd := NewCmdList(b.Factory, func(o *ListOptions) error { opts = o; return nil })
		cmd.SetArgs(append(args, "-o", "json"))
		require.NoError(t, cmd.Execute())
		require.NoError(t, listRun(context.Background(), opts))
		var got []store.AuditEntry
		require.NoError(t, json.Unmarshal(b.Out.Bytes(), &got))
		return got
	}
	all := run()
	require.Len(t, all, 2)
	assert.Equal(t, "branch.provision", all[0].Action, "newest first")
	own := run("--company", strconv.FormatInt(salon.ID, 10))
	require.Len(t, own, 1)
	assert.Equal(t, "branch.provision", own[0].Action)
}
