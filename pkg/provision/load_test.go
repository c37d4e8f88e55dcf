package provision_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eachDialect runs fn on a store over a fresh migrated SQLite database and
// one over MariaDB (failed under CI=true without ASKPRO_TEST_MYSQL_URL).
func eachDialect(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, d := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", dbtest.SQLite}, {"mysql", dbtest.MySQL}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			p, err := pool.Open(context.Background(), d.url(t), pool.Config{MinConns: -1, MaxConns: 4, HealthInterval: -1,
				Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			t.Cleanup(func() { _ = p.Close() })
			st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
			require.NoError(t, err)
			fn(t, st)
		})
	}
}

// loadBundle is two companies: a with branches mitte (services, hours) and
// nord (its own service), b with one branch.
type loadBundle struct {
	a, b        store.Company
	mitte, nord store.Branch
	bBranch     store.Branch
	svcs        []store.Service
}

func seed(t *testing.T, st *store.Store) loadBundle {
	t.Helper()
	sys := tenant.System(context.Background())
	var lb loadBundle
	var err error
	lb.a, err = st.Companies.Create(sys, store.NewCompany{Name: "Salon A", Subdomain: "salon-a", Industry: "beauty"})
	require.NoError(t, err)
	lb.b, err = st.Companies.Create(sys, store.NewCompany{Name: "Praxis B", Subdomain: "praxis-b", Industry: "medical"})
	require.NoError(t, err)
	actx, bctx := tenant.WithCompany(context.Background(), lb.a.ID), tenant.WithCompany(context.Background(), lb.b.ID)
	lb.mitte, err = st.Branches.Create(actx, store.NewBranch{Name: "Mitte", PhoneNumber: "030 12345678", Address: "Torstraße 1",
		TransferNumber: "0151 12345678"})
	require.NoError(t, err)
	lb.nord, err = st.Branches.Create(actx, store.NewBranch{Name: "Nord", PhoneNumber: "030 87654321"})
	require.NoError(t, err)
	lb.bBranch, err = st.Branches.Create(bctx, store.NewBranch{Name: "Praxis", PhoneNumber: "089 1234567"})
	require.NoError(t, err)
	for _, in := range []store.NewService{
		{BranchID: lb.mitte.ID, Name: "Beratung", Type: "consultation", DurationMinutes: 30, CalcomEventTypeID: ptr(int64(4712))},
		{BranchID: lb.mitte.ID, Name: "Färben", Type: "treatment", DurationMinutes: 90, CalcomEventTypeID: ptr(int64(4713))},
		{BranchID: lb.mitte.ID, Name: "Dauerwelle", Type: "treatment", DurationMinutes: 120, Inactive: true, CalcomEventTypeID: ptr(int64(4714))},
	} {
		s, err := st.Services.Create(actx, in)
		require.NoError(t, err)
		lb.svcs = append(lb.svcs, s)
	}
	_, err = st.Services.Create(actx, store.NewService{BranchID: lb.nord.ID, Name: "Schnitt", Type: "haircut", DurationMinutes: 30})
	require.NoError(t, err)
	for _, wd := range []int{2, 1} {
		_, err = st.WorkingHours.Set(actx, lb.mitte.ID, wd, "09:00", "18:00")
		require.NoError(t, err)
	}
	_, err = st.WorkingHours.Set(actx, lb.nord.ID, 3, "10:00", "14:00")
	require.NoError(t, err)
	return lb
}

func TestLoad(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store) {
		lb := seed(t, st)
		ctx := context.Background()

		d, err := provision.Load(ctx, st, lb.mitte.ID)
		require.NoError(t, err)
		assert.Equal(t, lb.a.ID, d.Company.ID)
		assert.Equal(t, "beauty", d.Company.Industry)
		assert.Equal(t, lb.mitte, d.Branch)
		assert.Equal(t, lb.svcs, d.Services, "the branch's services, inactive ones too, and no other branch's")
		require.Len(t, d.Hours, 2)
		assert.Equal(t, []int{1, 2}, []int{d.Hours[0].Weekday, d.Hours[1].Weekday})
		for _, h := range d.Hours {
			assert.Equal(t, lb.mitte.ID, h.BranchID)
		}

		// The loaded branch is ready against remote sides that know its event types.
		cfg := readyConfig()
		cfg.Calendar = func(_ context.Context, c store.Company) (provision.Calendar, error) {
			if c.ID != lb.a.ID {
				panic("wrong company")
			}
			return fakeCalendar{ids: func(context.Context) ([]int64, error) { return []int64{4712, 4713, 4714}, nil }}, nil
		}
		r := validate(t, cfg, d)
		assert.True(t, r.Ready, "errors: %v", r.Errors)
		assert.Empty(t, r.Warnings)
		assert.Equal(t, lb.mitte.ID, r.BranchID)
		assert.Equal(t, lb.a.ID, r.CompanyID)

		// Inside a tenant, only that tenant's branches exist.
		d, err = provision.Load(tenant.WithCompany(ctx, lb.a.ID), st, lb.nord.ID)
		require.NoError(t, err)
		assert.Equal(t, "Nord", d.Branch.Name)
		_, err = provision.Load(tenant.WithCompany(ctx, lb.b.ID), st, lb.mitte.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "another company's branch is not found")
		d, err = provision.Load(tenant.WithCompany(ctx, lb.b.ID), st, lb.bBranch.ID)
		require.NoError(t, err)
		assert.Equal(t, "medical", d.Company.Industry)
		assert.Empty(t, d.Services)
		assert.Empty(t, d.Hours)

		for _, id := range []int64{0, -1, 999999} {
			_, err = provision.Load(ctx, st, id)
			assert.ErrorIs(t, err, store.ErrNotFound, "branch %d", id)
		}
	})
}
