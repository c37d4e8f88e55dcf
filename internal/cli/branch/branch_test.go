package branch

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeStore fakes the company and branch repositories; a method whose func
// is unset panics.
type fakeStore struct {
	getCompany func(ctx context.Context, id int64) (store.Company, error)
	create     func(ctx context.Context, in store.NewBranch) (store.Branch, error)
	list       func(ctx context.Context, page store.Page) ([]store.Branch, error)
	companyOf  func(ctx context.Context, branchID int64) (int64, error)
	get        func(ctx context.Context, id int64) (store.Branch, error)
}

type fakeCompanies struct{ *fakeStore }

func (f fakeCompanies) Get(ctx context.Context, id int64) (store.Company, error) {
	if f.getCompany == nil {
		panic("Companies.Get called")
	}
	return f.getCompany(ctx, id)
}

func (f *fakeStore) Create(ctx context.Context, in store.NewBranch) (store.Branch, error) {
	if f.create == nil {
		panic("Branches.Create called")
	}
	return f.create(ctx, in)
}

func (f *fakeStore) List(ctx context.Context, page store.Page) ([]store.Branch, error) {
	if f.list == nil {
		panic("Branches.List called")
	}
	return f.list(ctx, page)
}

func (f *fakeStore) CompanyOf(ctx context.Context, branchID int64) (int64, error) {
	if f.companyOf == nil {
		panic("Branches.CompanyOf called")
	}
	return f.companyOf(ctx, branchID)
}

func (f *fakeStore) Get(ctx context.Context, id int64) (store.Branch, error) {
	if f.get == nil {
		panic("Branches.Get called")
	}
	return f.get(ctx, id)
}

// onlyCompany7 is a Companies.Get that knows company 7.
func onlyCompany7(ctx context.Context, id int64) (store.Company, error) {
	if !tenant.IsSystem(ctx) {
		panic("company lookup outside a system context")
	}
	if id == 7 {
		return store.Company{ID: 7}, nil
	}
	return store.Company{}, store.ErrNotFound
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

var mitte = store.Branch{ID: 3, CompanyID: 7, Name: "Mitte", PhoneNumber: phone.Number("+493012345678"), Timezone: "Europe/Berlin",
	Language: "de-DE", ProvisioningStatus: "pending", IsActive: true}

func TestNewCmdCreate(t *testing.T) {
	t.Parallel()
	base := []string{"--company", "7", "--name", "Mitte", "--phone", "030 12345678"}
	tests := []struct {
		name    string
		args    []string
		want    CreateOptions
		wantErr string
	}{
		{name: "defaults", args: base,
			want: CreateOptions{CompanyID: 7, Name: "Mitte", Phone: "030 12345678", Timezone: "Europe/Berlin", Language: "de-DE"}},
		{name: "every flag", args: append(base, "--address", "Torstraße 1", "--timezone", "Europe/Zurich", "--language", "de-CH", "-o", "json"),
			want: CreateOptions{CompanyID: 7, Name: "Mitte", Phone: "030 12345678", Address: "Torstraße 1", Timezone: "Europe/Zurich",
				Language: "de-CH", Exporter: cmdutil.JSONExporter{}}},
		{name: "english", args: append(base, "--language", "en-GB"),
			want: CreateOptions{CompanyID: 7, Name: "Mitte", Phone: "030 12345678", Timezone: "Europe/Berlin", Language: "en-GB"}},
		{name: "language outside the list", args: append(base, "--language", "xx"), wantErr: `invalid --language "xx": want one of de-DE, de-AT, de-CH, en-US, en-GB`},
		{name: "language in the wrong case", args: append(base, "--language", "de-de"), wantErr: "invalid --language"},
		{name: "unknown zone", args: append(base, "--timezone", "Europe/Atlantis"), wantErr: `invalid --timezone "Europe/Atlantis"`},
		{name: "Local", args: append(base, "--timezone", "Local"), wantErr: "invalid --timezone"},
		{name: "empty zone", args: append(base, "--timezone", ""), wantErr: "invalid --timezone"},
		{name: "company 0", args: []string{"--company", "0", "--name", "Mitte", "--phone", "030 12345678"}, wantErr: "--company must be"},
		{name: "missing phone", args: []string{"--company", "7", "--name", "Mitte"}, wantErr: `"phone" not set`},
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
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Same(t, b.io, got.IO)
			require.NotNil(t, got.Companies)
			require.NotNil(t, got.Branches)
			got.IO, got.Companies, got.Branches = nil, nil, nil
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestCreateRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		companyID int64
		create    func(ctx context.Context, in store.NewBranch) (store.Branch, error)
		json      bool
		wantExit  int
		wantOut   string
		wantErr   string
	}{
		{name: "table", companyID: 7, wantOut: "ID\tCOMPANY\tNAME\tPHONE\tTIMEZONE\tLANGUAGE\tPROVISIONING\tACTIVE\n" +
			"3\t7\tMitte\t+493012345678\tEurope/Berlin\tde-DE\tpending\ttrue\n"},
		{name: "json", companyID: 7, json: true, wantOut: `"phone_number": "+493012345678"`},
		{name: "unknown company", companyID: 8, wantExit: 1, wantErr: "company 8 not found"},
		{name: "refused number", companyID: 7, wantExit: 1, wantErr: "store: invalid phone_number",
			create: func(context.Context, store.NewBranch) (store.Branch, error) {
				return store.Branch{}, &store.ValidationError{Field: "phone_number", Msg: "not a number"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			fs := &fakeStore{getCompany: onlyCompany7, create: tt.create}
			if fs.create == nil {
				fs.create = func(ctx context.Context, in store.NewBranch) (store.Branch, error) {
					id, err := tenant.CompanyID(ctx)
					require.NoError(t, err, "the branch is created inside the company's tenant")
					assert.Equal(t, int64(7), id)
					assert.Equal(t, store.NewBranch{Name: "Mitte", PhoneNumber: "030 12345678", Timezone: "Europe/Berlin", Language: "de-DE"}, in)
					return mitte, nil
				}
			}
			opts := &CreateOptions{IO: b.io, CompanyID: tt.companyID, Name: "Mitte", Phone: "030 12345678", Timezone: "Europe/Berlin", Language: "de-DE",
				Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return fakeCompanies{fs}, nil },
				Branches:  func(context.Context) (branchCreator, error) { return fs, nil }}
			if tt.json {
				opts.Exporter = cmdutil.JSONExporter{}
			}
			err := createRun(context.Background(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCode(err), "error: %v", err)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
			}
			if tt.json {
				assert.Contains(t, b.out.String(), tt.wantOut)
			} else {
				assert.Equal(t, tt.wantOut, b.out.String())
			}
		})
	}
}

func TestListRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fs := &fakeStore{getCompany: onlyCompany7, list: func(ctx context.Context, _ store.Page) ([]store.Branch, error) {
		id, _ := tenant.FromContext(ctx)
		assert.Equal(t, int64(7), id, "listed inside the company's tenant")
		return []store.Branch{mitte}, nil
	}}
	opts := &ListOptions{IO: b.io, CompanyID: 7, Exporter: cmdutil.JSONExporter{},
		Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return fakeCompanies{fs}, nil },
		Branches:  func(context.Context) (branchLister, error) { return fs, nil }}
	require.NoError(t, listRun(context.Background(), opts))
	assert.Contains(t, b.out.String(), `"name": "Mitte"`)

	opts.CompanyID = 9
	err := listRun(context.Background(), opts)
	assert.EqualError(t, err, "company 9 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))

	var got *ListOptions
	cmd := NewCmdList(setup(t).factory, func(o *ListOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--company", "7"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, int64(7), got.CompanyID)
	cmd = NewCmdList(setup(t).factory, func(*ListOptions) error { t.Error("run reached"); return nil })
	cmd.SetArgs([]string{"--company", "-2"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(cmd.Execute()))
}

func TestShowRun(t *testing.T) {
	t.Parallel()
	fs := &fakeStore{
		companyOf: func(ctx context.Context, id int64) (int64, error) {
			assert.True(t, tenant.IsSystem(ctx), "finding a branch's company is system work")
			if id == 3 {
				return 7, nil
			}
			return 0, store.ErrNotFound
		},
		get: func(ctx context.Context, id int64) (store.Branch, error) {
			cid, _ := tenant.FromContext(ctx)
			assert.Equal(t, int64(7), cid)
			return mitte, nil
		},
	}
	b := setup(t)
	opts := &ShowOptions{IO: b.io, ID: 3, Branches: func(context.Context) (branchGetter, error) { return fs, nil }}
	require.NoError(t, showRun(context.Background(), opts))
	assert.Contains(t, b.out.String(), "FIELD\tVALUE\nid\t3\ncompany_id\t7\nname\tMitte\nphone_number\t+493012345678\n")
	assert.Contains(t, b.out.String(), "\ntransfer_number\t\n")
	assert.Contains(t, b.out.String(), "\nprovisioning_status\tpending\nprovisioning_error\t\n")

	// A provisioned branch shows its agent, version and transfer number.
	v := 4
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	provisioned := mitte
	provisioned.TransferNumber, provisioned.RetellAgentID, provisioned.RetellAgentVersion, provisioned.RetellLLMID = "+4915112345678", "agent_abc", &v, "llm_def"
	provisioned.ProvisioningStatus, provisioned.ProvisionedAt = "completed", &at
	fs.get = func(context.Context, int64) (store.Branch, error) { return provisioned, nil }
	b = setup(t)
	opts.IO = b.io
	require.NoError(t, showRun(context.Background(), opts))
	for _, row := range []string{"transfer_number\t+4915112345678", "provisioning_status\tcompleted", "provisioned_at\t2026-03-02T09:30:00Z",
		"retell_agent_id\tagent_abc", "retell_agent_version\t4", "retell_llm_id\tllm_def"} {
		assert.Contains(t, b.out.String(), "\n"+row+"\n")
	}
	b = setup(t)
	opts.IO, opts.Exporter = b.io, cmdutil.JSONExporter{}
	require.NoError(t, showRun(context.Background(), opts))
	assert.Contains(t, b.out.String(), `"retell_agent_version": 4`)
	assert.Contains(t, b.out.String(), `"transfer_number": "+4915112345678"`)
	opts.Exporter = nil

	opts.ID = 4
	assert.EqualError(t, showRun(context.Background(), opts), "branch 4 not found")

	var got *ShowOptions
	cmd := NewCmdShow(setup(t).factory, func(o *ShowOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"3", "-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, int64(3), got.ID)
	assert.Equal(t, cmdutil.JSONExporter{}, got.Exporter)
}
