package company

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCompanies is a hand-written store fake; a method whose func is unset
// panics, so a test states every call it expects.
type fakeCompanies struct {
	create func(ctx context.Context, in store.NewCompany) (store.Company, error)
	get    func(ctx context.Context, id int64) (store.Company, error)
	list   func(ctx context.Context, page store.Page) ([]store.Company, error)
}

func (f *fakeCompanies) Create(ctx context.Context, in store.NewCompany) (store.Company, error) {
	if f.create == nil {
		panic("fakeCompanies.Create called")
	}
	return f.create(ctx, in)
}

func (f *fakeCompanies) Get(ctx context.Context, id int64) (store.Company, error) {
	if f.get == nil {
		panic("fakeCompanies.Get called")
	}
	return f.get(ctx, id)
}

func (f *fakeCompanies) List(ctx context.Context, page store.Page) ([]store.Company, error) {
	if f.list == nil {
		panic("fakeCompanies.List called")
	}
	return f.list(ctx, page)
}

// fakeAuditor is a hand-written audit log fake; Record panics when record
// is unset.
type fakeAuditor struct {
	record func(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
}

func (f *fakeAuditor) Record(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if f.record == nil {
		panic("fakeAuditor.Record called")
	}
	return f.record(ctx, e)
}

// noAudit is an AuditLog that must not be reached.
func noAudit(context.Context) (auditor, error) { return &fakeAuditor{}, nil }

// recording returns an AuditLog whose entries are appended to got.
func recording(got *[]store.AuditEntry) func(context.Context) (auditor, error) {
	return func(context.Context) (auditor, error) {
		return &fakeAuditor{record: func(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
			if !tenant.IsSystem(ctx) {
				panic("the audit row of a company's creation is written as system work")
			}
			*got = append(*got, e)
			return e, nil
		}}, nil
	}
}

type testBundle struct {
	io          *iostreams.IOStreams
	out, errOut *bytes.Buffer
	factory     *cmdutil.Factory
}

// setup returns streams and a factory whose store fails the test when
// opened: flag tests must not reach it.
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

var salon = store.Company{ID: 7, Name: "Salon Müller", Subdomain: "salon-mueller", Industry: "beauty", IsActive: true,
	CreatedAt: time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)}

func TestNewCmdCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    CreateOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"--name", "Salon", "--subdomain", "salon"},
			want: CreateOptions{Name: "Salon", Subdomain: "salon", Industry: "general"}},
		{name: "every flag", args: []string{"--name", "Praxis", "--subdomain", "praxis", "--industry", "medical", "-o", "json"},
			want: CreateOptions{Name: "Praxis", Subdomain: "praxis", Industry: "medical", Exporter: cmdutil.JSONExporter{}}},
		{name: "industry outside the choices", args: []string{"--name", "X", "--subdomain", "x", "--industry", "bogus"},
			wantErr: `invalid --industry "bogus": want one of beauty, medical, automotive, general`},
		{name: "missing subdomain", args: []string{"--name", "X"}, wantErr: `required flag(s) "subdomain" not set`},
		{name: "bad output", args: []string{"--name", "X", "--subdomain", "x", "-o", "yaml"}, wantErr: "want table or json"},
		{name: "positional argument", args: []string{"--name", "X", "--subdomain", "x", "extra"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var got *CreateOptions
			cmd := NewCmdCreate(b.factory, func(o *CreateOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(b.out)
			cmd.SetErr(b.errOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got, "the run function is not reached")
				return
			}
			require.NoError(t, err)
			assert.Same(t, b.io, got.IO)
			require.NotNil(t, got.Companies)
			require.NotNil(t, got.AuditLog)
			assert.True(t, strings.HasPrefix(got.Actor, "cli:"), got.Actor)
			got.IO, got.Companies, got.AuditLog, got.Actor = nil, nil, nil, ""
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestCreateRun(t *testing.T) {
	t.Parallel()
	t.Run("table", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var gotIn store.NewCompany
		fake := &fakeCompanies{create: func(ctx context.Context, in store.NewCompany) (store.Company, error) {
			assert.True(t, tenant.IsSystem(ctx), "creating a tenant is system work")
			gotIn = in
			return salon, nil
		}}
		var entries []store.AuditEntry
		err := createRun(context.Background(), &CreateOptions{IO: b.io, Name: "Salon Müller", Subdomain: "salon-mueller", Industry: "beauty",
			Companies: func(context.Context) (companyCreator, error) { return fake, nil }, AuditLog: recording(&entries), Actor: "cli:ops"})
		require.NoError(t, err)
		assert.Equal(t, store.NewCompany{Name: "Salon Müller", Subdomain: "salon-mueller", Industry: "beauty"}, gotIn)
		require.Len(t, entries, 1, "one audit row")
		e := entries[0]
		require.NotNil(t, e.CompanyID)
		assert.Equal(t, int64(7), *e.CompanyID, "the row is the new company's")
		assert.Equal(t, "cli:ops", e.Actor)
		assert.Equal(t, "company.create", e.Action)
		assert.Equal(t, "company:7", e.Target)
		assert.JSONEq(t, `{"name":"Salon Müller","subdomain":"salon-mueller","industry":"beauty"}`, string(e.Details))
		assert.Equal(t, "ID\tNAME\tSUBDOMAIN\tINDUSTRY\tACTIVE\tCREATED\n7\tSalon Müller\tsalon-mueller\tbeauty\ttrue\t2025-03-01T09:30:00Z\n", b.out.String())
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		fake := &fakeCompanies{create: func(context.Context, store.NewCompany) (store.Company, error) { return salon, nil }}
		var entries []store.AuditEntry
		err := createRun(context.Background(), &CreateOptions{IO: b.io, Exporter: cmdutil.JSONExporter{},
			Companies: func(context.Context) (companyCreator, error) { return fake, nil }, AuditLog: recording(&entries)})
		require.NoError(t, err)
		var got store.Company
		require.NoError(t, json.Unmarshal(b.out.Bytes(), &got))
		if diff := cmp.Diff(salon, got); diff != "" {
			t.Errorf("json (-want +got):\n%s", diff)
		}
		assert.Len(t, entries, 1, "-o json is audited too")
	})
	t.Run("refused input exits 1 with the store's message", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		fake := &fakeCompanies{create: func(context.Context, store.NewCompany) (store.Company, error) {
			return store.Company{}, fmt.Errorf("%w: subdomain salon", store.ErrConflict)
		}}
		err := createRun(context.Background(), &CreateOptions{IO: b.io,
			Companies: func(context.Context) (companyCreator, error) { return fake, nil }, AuditLog: noAudit})
		assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
		assert.ErrorIs(t, err, store.ErrConflict)
		assert.Empty(t, b.out.String())
	})
	t.Run("an audit log that fails names the created company", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		fake := &fakeCompanies{create: func(context.Context, store.NewCompany) (store.Company, error) { return salon, nil }}
		down := errors.New("database is locked")
		failing := func(context.Context) (auditor, error) {
			return &fakeAuditor{record: func(context.Context, store.AuditEntry) (store.AuditEntry, error) { return store.AuditEntry{}, down }}, nil
		}
		err := createRun(context.Background(), &CreateOptions{IO: b.io,
			Companies: func(context.Context) (companyCreator, error) { return fake, nil }, AuditLog: failing})
		require.ErrorIs(t, err, down)
		assert.EqualError(t, err, "company 7 (salon-mueller) was created but the audit log was not written: database is locked")
		assert.NotEqual(t, cmdutil.ExitOK, cmdutil.ExitCode(err))
	})
	t.Run("a store that does not open", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		schema := &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: errors.New("run askpro migrate up")}
		err := createRun(context.Background(), &CreateOptions{IO: b.io,
			Companies: func(context.Context) (companyCreator, error) { return nil, schema }})
		assert.Same(t, schema, err)
	})
}

func TestNewCmdListAndShow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var list *ListOptions
	cmd := NewCmdList(b.factory, func(o *ListOptions) error { list = o; return nil })
	cmd.SetArgs([]string{"--limit", "5", "-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, 5, list.Limit)
	assert.Equal(t, cmdutil.JSONExporter{}, list.Exporter)

	cmd = NewCmdList(b.factory, func(*ListOptions) error { t.Error("run reached"); return nil })
	cmd.SetArgs([]string{"--limit", "0"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(cmd.Execute()))

	var show *ShowOptions
	sc := NewCmdShow(b.factory, func(o *ShowOptions) error { show = o; return nil })
	sc.SetArgs([]string{"42"})
	require.NoError(t, sc.Execute())
	assert.Equal(t, int64(42), show.ID)
	assert.Nil(t, show.Exporter)

	for _, args := range [][]string{{"0"}, {"x"}, {}, {"1", "2"}} {
		sc := NewCmdShow(b.factory, func(*ShowOptions) error { t.Error("run reached"); return nil })
		sc.SetArgs(args)
		sc.SilenceUsage, sc.SilenceErrors = true, true
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(sc.Execute()), "%q", args)
	}
}

func TestListRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fake := &fakeCompanies{list: func(ctx context.Context, page store.Page) ([]store.Company, error) {
		assert.True(t, tenant.IsSystem(ctx))
		assert.Equal(t, 3, page.Limit)
		return []store.Company{salon, {ID: 8, Name: "Praxis", Subdomain: "praxis", Industry: "medical"}}, nil
	}}
	err := listRun(context.Background(), &ListOptions{IO: b.io, Limit: 3,
		Companies: func(context.Context) (companyLister, error) { return fake, nil }})
	require.NoError(t, err)
	assert.Equal(t, "ID\tNAME\tSUBDOMAIN\tINDUSTRY\tACTIVE\tCREATED\n"+
		"7\tSalon Müller\tsalon-mueller\tbeauty\ttrue\t2025-03-01T09:30:00Z\n"+
		"8\tPraxis\tpraxis\tmedical\tfalse\t0001-01-01T00:00:00Z\n", b.out.String())

	b = setup(t)
	empty := &fakeCompanies{list: func(context.Context, store.Page) ([]store.Company, error) { return []store.Company{}, nil }}
	err = listRun(context.Background(), &ListOptions{IO: b.io, Limit: 3, Exporter: cmdutil.JSONExporter{},
		Companies: func(context.Context) (companyLister, error) { return empty, nil }})
	require.NoError(t, err)
	assert.Equal(t, "[]\n", b.out.String(), "no companies is an empty JSON list, not null")
}

func TestShowRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fake := &fakeCompanies{get: func(ctx context.Context, id int64) (store.Company, error) {
		if id == 7 {
			return salon, nil
		}
		return store.Company{}, store.ErrNotFound
	}}
	companies := func(context.Context) (cmdutil.CompanyGetter, error) { return fake, nil }
	require.NoError(t, showRun(context.Background(), &ShowOptions{IO: b.io, ID: 7, Exporter: cmdutil.JSONExporter{}, Companies: companies}))
	assert.Contains(t, b.out.String(), `"subdomain": "salon-mueller"`)

	err := showRun(context.Background(), &ShowOptions{IO: b.io, ID: 9, Companies: companies})
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.EqualError(t, err, "company 9 not found")
}
