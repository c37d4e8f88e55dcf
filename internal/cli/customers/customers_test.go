package customers

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
	anna := store.Customer{ID: 3, CompanyID: 7, Name: "Anna Schmidt", PhoneNumber: "+4915112345678", Email: "anna@example.de",
		CreatedAt: time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)}
	fake := cmdutiltest.Lister[store.Customer]{Fn: func(ctx context.Context, page store.Page) ([]store.Customer, error) {
		id, err := tenant.CompanyID(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(7), id, "listed inside the company")
		assert.Equal(t, store.Page{Limit: 10, Offset: 5}, page)
		return []store.Customer{anna}, nil
	}}
	opts := func(ios *iostreams.IOStreams) *ListOptions {
		return &ListOptions{IO: ios, CompanyID: 7, Page: store.Page{Limit: 10, Offset: 5},
			Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return cmdutiltest.OnlyCompany(7), nil },
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

}

// TestListOnSQLite lists a company's customers from a real database, and
// never another company's.
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
