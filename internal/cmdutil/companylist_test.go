package cmdutil_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// company7 knows company 7 only, and only in a system context.
type company7 struct{}

func (company7) Get(ctx context.Context, id int64) (store.Company, error) {
	if !tenant.IsSystem(ctx) {
		panic("company lookup outside a system context")
	}
	if id == 7 {
		return store.Company{ID: 7}, nil
	}
	return store.Company{}, store.ErrNotFound
}

// names lists strings; it fails the test unless called inside company 7
// with want's page.
type names struct {
	t    *testing.T
	want store.Page
}

func (n names) List(ctx context.Context, page store.Page) ([]string, error) {
	id, err := tenant.CompanyID(ctx)
	require.NoError(n.t, err)
	assert.Equal(n.t, int64(7), id, "listed inside the company")
	assert.Equal(n.t, n.want, page)
	return []string{"a", "b"}, nil
}

// TestNewCmdCompanyList checks the flags every `NOUN list --company ID`
// command (calls, appointments, customers) takes.
func TestNewCmdCompanyList(t *testing.T) {
	t.Parallel()
	type opts = cmdutil.CompanyListOptions[string]
	tests := []struct {
		name    string
		args    []string
		want    opts
		wantErr string
	}{
		{name: "defaults", args: []string{"--company", "7"}, want: opts{CompanyID: 7, Page: store.Page{Limit: 100}}},
		{name: "paging and json", args: []string{"--company", "7", "--limit", "20", "--offset", "40", "-o", "json"},
			want: opts{CompanyID: 7, Page: store.Page{Limit: 20, Offset: 40}, Exporter: cmdutil.JSONExporter{}}},
		{name: "no company", wantErr: `required flag(s) "company" not set`},
		{name: "company 0", args: []string{"--company", "0"}, wantErr: "--company must be a company id"},
		{name: "limit 0", args: []string{"--company", "7", "--limit", "0"}, wantErr: "--limit must be between 1 and 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *opts
			run := func(context.Context, *opts) error { t.Error("run called instead of runF"); return nil }
			cmd := cmdutil.NewCmdCompanyList(&opts{}, "List names", func(_ context.Context, o *opts) error { got = o; return nil }, run)
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
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestRunCompanyList(t *testing.T) {
	t.Parallel()
	newOpts := func(ios *iostreams.IOStreams, company int64) *cmdutil.CompanyListOptions[string] {
		return &cmdutil.CompanyListOptions[string]{IO: ios, CompanyID: company, Page: store.Page{Limit: 100},
			Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return company7{}, nil },
			Lister:    func(context.Context) (cmdutil.Lister[string], error) { return names{t, store.Page{Limit: 100}}, nil }}
	}
	render := func(ios *iostreams.IOStreams, rows []string) error {
		_, err := fmt.Fprintln(ios.Out, rows)
		return err
	}

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, cmdutil.RunCompanyList(context.Background(), newOpts(ios, 7), render))
	assert.Equal(t, "[a b]\n", out.String(), "rendered")

	ios, _, out, _ = iostreams.Test()
	o := newOpts(ios, 7)
	o.Exporter = cmdutil.JSONExporter{}
	require.NoError(t, cmdutil.RunCompanyList(context.Background(), o, render))
	var got []string
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, []string{"a", "b"}, got, "-o json instead of the table")

	ios, _, _, _ = iostreams.Test()
	err := cmdutil.RunCompanyList(context.Background(), newOpts(ios, 8), render)
	assert.EqualError(t, err, "company 8 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
}
