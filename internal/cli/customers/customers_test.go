package customers

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

// fakeStore fakes the company and customer repositories; a method whose
// func is unset panics.
type fakeStore struct {
	getCompany func(ctx context.Context, id int64) (store.Company, error)
	list       func(ctx context.Context, page store.Page) ([]store.Customer, error)
}

type fakeCompanies struct{ *fakeStore }

func (f fakeCompanies) Get(ctx context.Context, id int64) (store.Company, error) {
	if f.getCompany == nil {
		panic("Companies.Get called")
	}
	return f.getCompany(ctx, id)
}

func (f *fakeStore) List(ctx context.Context, page store.Page) ([]store.Customer, error) {
	if f.list == nil {
		panic("Customers.List called")
	}
	return f.list(ctx, page)
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
		{name: "defaults", args: []string{"--company", "7"}, want: ListOptions{CompanyID: 7, Page: store.Page{Limit: 100}}},
		{name: "paging and json", args: []string{"--company", "7", "--limit", "1000", "--offset", "200", "-o", "json"},
			want: ListOptions{CompanyID: 7, Page: store.Page{Limit: 1000, Offset: 200}, Exporter: cmdutil.JSONExporter{}}},
		{name: "no company", wantErr: `required flag(s) "company" not set`},
		{name: "company 0", args: []string{"--company", "0"}, wantErr: "--company must be a company id"},
		{name: "limit too big", args: []string{"--company", "7", "--limit", "1001"}, wantErr: "--limit must be between 1 and 1000"},
		{name: "negative offset", args: []string{"--company", "7", "--offset", "-1"}, wantErr: "--offset must not be negative"},
		{name: "bad output", args: []string{"--company", "7", "-o", "yaml"}, wantErr: "want table or json"},
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
				assert.Nil(t, got, "the run function is not reached")
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
	anna := store.Customer{ID: 3, CompanyID: 7, Name: "Anna Schmidt", PhoneNumber: "+4915112345678", Email: "anna@example.de",
		CreatedAt: time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)}
	fake := &fakeStore{getCompany: onlyCompany7, list: func(ctx context.Context, page store.Page) ([]store.Customer, error) {
		id, err := tenant.CompanyID(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(7), id, "listed inside the company")
		assert.Equal(t, store.Page{Limit: 10, Offset: 5}, page)
		return []store.Customer{anna}, nil
	}}
	opts := func(ios *iostreams.IOStreams) *ListOptions {
		return &ListOptions{IO: ios, CompanyID: 7, Page: store.Page{Limit: 10, Offset: 5},
			Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return fakeCompanies{fake}, nil },
			Lister:    func(context.Context) (customerLister, error) { return fake, nil }}
	}

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, listRun(context.Background(), opts(ios)))
	assert.Equal(t, "ID\tNAME\tPHONE\tEMAIL\tCREATED\n3\tAnna Schmidt\t+4915112345678\tanna@example.de\t2025-03-01T09:30:00Z\n", out.String())

	ios, _, out, _ = iostreams.Test()
	o := opts(ios)
	o.Exporter = cmdutil.JSONExporter{}
	require.NoError(t, listRun(context.Background(), o))
	var got []store.Customer
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, []store.Customer{anna}, got)

	ios, _, _, _ = iostreams.Test()
	o = opts(ios)
	o.CompanyID = 8
	err := listRun(context.Background(), o)
	assert.EqualError(t, err, "company 8 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
}

// TestListOnSQLite lists a company's customers from a real database, and
// never another company's.
func TestListOnSQLite(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	st, err := b.Factory.Store(context.Background())
	require.NoError(t, err)
	sys := tenant.AsSystem(context.Background())
	salon, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon", Subdomain: "salon"})
	require.NoError(t, err)
	other, err := st.Companies.Create(sys, store.NewCompany{Name: "Praxis", Subdomain: "praxis"})
	require.NoError(t, err)
	_, err = st.Customers.Create(tenant.WithCompany(context.Background(), salon.ID), store.NewCustomer{Name: "Anna", PhoneNumber: "0151 12345678"})
	require.NoError(t, err)
	_, err = st.Customers.Create(tenant.WithCompany(context.Background(), other.ID), store.NewCustomer{Name: "Bernd", PhoneNumber: "0151 87654321"})
	require.NoError(t, err)

	var opts *ListOptions
	cmd := NewCmdList(b.Factory, func(o *ListOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"--company", strconv.FormatInt(salon.ID, 10), "-o", "json"})
	require.NoError(t, cmd.Execute())
	require.NoError(t, listRun(context.Background(), opts))
	var got []store.Customer
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &got))
	require.Len(t, got, 1)
	assert.Equal(t, "Anna", got[0].Name)
	assert.Equal(t, "+4915112345678", string(got[0].PhoneNumber))
}
