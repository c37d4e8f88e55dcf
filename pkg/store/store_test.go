package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompanies(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		c, err := st.Companies.Create(b.sys, store.NewCompany{Name: " Salon Schnittkunst ", Subdomain: "Schnittkunst", Industry: "beauty",
			Settings: []byte(`{"greeting":"Guten Tag"}`)})
		require.NoError(t, err)
		assert.Equal(t, "Salon Schnittkunst", c.Name, "name is trimmed")
		assert.Equal(t, "schnittkunst", c.Subdomain, "subdomain is lower-cased")
		assert.True(t, c.IsActive)
		assert.JSONEq(t, `{"greeting":"Guten Tag"}`, string(c.Settings))
		assert.False(t, c.CreatedAt.IsZero())

		_, err = st.Companies.Create(b.sys, store.NewCompany{Name: "Other", Subdomain: "schnittkunst"})
		assert.ErrorIs(t, err, store.ErrConflict, "subdomain is unique")

		for name, in := range map[string]store.NewCompany{
			"empty name":    {Subdomain: "a"},
			"bad subdomain": {Name: "x", Subdomain: "-bad-"},
			"bad industry":  {Name: "x", Subdomain: "ok", Industry: "mining"},
			"bad settings":  {Name: "x", Subdomain: "ok2", Settings: []byte(`{nope`)},
		} {
			_, err := st.Companies.Create(b.sys, in)
			var ve *store.ValidationError
			assert.True(t, errors.As(err, &ve), "%s: want ValidationError, got %v", name, err)
		}
		assert.Equal(t, 1, count(t, b, "companies"), "refused creates write nothing")

		_, err = st.Companies.Create(context.Background(), store.NewCompany{Name: "x", Subdomain: "x"})
		assert.ErrorIs(t, err, store.ErrNotSystem)
		_, err = st.Companies.List(context.Background(), store.Page{})
		assert.ErrorIs(t, err, store.ErrNotSystem)

		own := tenant.WithCompany(context.Background(), c.ID)
		got, err := st.Companies.Get(own, c.ID)
		require.NoError(t, err)
		assert.Equal(t, c.ID, got.ID)
		_, err = st.Companies.Get(tenant.WithCompany(context.Background(), c.ID+1), c.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another tenant cannot read the company")
		_, err = st.Companies.Get(context.Background(), c.ID)
		assert.ErrorIs(t, err, tenant.ErrNoTenant)

		inactive := false
		name := "Salon Neu"
		up, err := st.Companies.Update(b.sys, c.ID, store.CompanyPatch{Name: &name, IsActive: &inactive})
		require.NoError(t, err)
		assert.Equal(t, "Salon Neu", up.Name)
		assert.False(t, up.IsActive)

		list, err := st.Companies.List(b.sys, store.Page{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		_, err = st.Companies.Update(b.sys, 9999, store.CompanyPatch{Name: &name})
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestBranchesNormalizeAndScope(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctxA, a, br := seed(t, st, b, "alpha", "030 1234567")
		assert.Equal(t, phone.Number("+49301234567"), br.PhoneNumber, "stored as E.164")
		assert.Equal(t, "Europe/Berlin", br.Timezone)
		assert.Equal(t, "de-DE", br.Language)
		assert.Equal(t, store.ProvisioningPending, br.ProvisioningStatus)
		assert.Equal(t, a.ID, br.CompanyID)

		ctxB, _, _ := seed(t, st, b, "beta", "+43 1 58858")
		_, err := st.Branches.Get(ctxB, br.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "tenant B cannot read tenant A's branch")
		listB, err := st.Branches.List(ctxB, store.Page{})
		require.NoError(t, err)
		require.Len(t, listB, 1)
		assert.NotEqual(t, br.ID, listB[0].ID)

		_, err = st.Branches.Get(context.Background(), br.ID)
		assert.ErrorIs(t, err, tenant.ErrNoTenant, "no tenant, no rows")
		_, err = st.Branches.List(context.Background(), store.Page{})
		assert.ErrorIs(t, err, tenant.ErrNoTenant)

		_, err = st.Branches.Create(ctxB, store.NewBranch{Name: "Dup", PhoneNumber: "+49 30 1234567"})
		assert.ErrorIs(t, err, store.ErrConflict, "a number belongs to one branch")

		found, err := st.Branches.FindByPhone(b.sys, "+49 (0)30 1234567")
		require.NoError(t, err)
		assert.Equal(t, br.ID, found.ID)
		_, err = st.Branches.FindByPhone(ctxA, "+49301234567")
		assert.ErrorIs(t, err, store.ErrNotSystem)

		addr := "Torstraße 12"
		up, err := st.Branches.Update(ctxA, br.ID, store.BranchPatch{Address: &addr})
		require.NoError(t, err)
		assert.Equal(t, addr, up.Address)
		_, err = st.Branches.Update(ctxB, br.ID, store.BranchPatch{Address: &addr})
		assert.ErrorIs(t, err, store.ErrNotFound, "tenant B cannot change tenant A's branch")

		for name, in := range map[string]store.NewBranch{
			"bad timezone": {Name: "x", PhoneNumber: "030 7654321", Timezone: "Mars/Olympus"},
			"bad language": {Name: "x", PhoneNumber: "030 7654321", Language: "german"},
			"empty name":   {PhoneNumber: "030 7654321"},
		} {
			_, err := st.Branches.Create(ctxA, in)
			var ve *store.ValidationError
			assert.True(t, errors.As(err, &ve), "%s: %v", name, err)
		}
	})
}

func TestInvalidPhoneRefusesWrite(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, br := seed(t, st, b, "gamma", "+41 44 668 18 00")
		branches, customers := count(t, b, "branches"), count(t, b, "customers")

		bad := []string{"", "12", "+1 415 555 0100", "030 1234567 8901234567", "not a number", "+49 30\x00123"}
		for _, num := range bad {
			_, err := st.Branches.Create(ctx, store.NewBranch{Name: "Neu", PhoneNumber: num})
			var ve *store.ValidationError
			require.True(t, errors.As(err, &ve), "branch %q: want ValidationError, got %v", num, err)
			assert.Equal(t, "phone_number", ve.Field)
			var pe *phone.Error
			assert.True(t, errors.As(err, &pe), "branch %q: the phone error is wrapped", num)

			_, err = st.Customers.Create(ctx, store.NewCustomer{Name: "Anna", PhoneNumber: num})
			require.True(t, errors.As(err, &ve), "customer %q: want ValidationError, got %v", num, err)
		}
		_, err := st.Customers.Create(ctx, store.NewCustomer{PhoneNumber: "+1 415 555 0100"})
		assert.ErrorIs(t, err, phone.ErrUnsupportedRegion, "the phone sentinel is reachable with errors.Is")

		bogus := "12"
		_, err = st.Branches.Update(ctx, br.ID, store.BranchPatch{PhoneNumber: &bogus})
		require.Error(t, err)
		got, err := st.Branches.Get(ctx, br.ID)
		require.NoError(t, err)
		assert.Equal(t, phone.Number("+41446681800"), got.PhoneNumber, "a refused update changes nothing")

		assert.Equal(t, branches, count(t, b, "branches"), "no branch row written")
		assert.Equal(t, customers, count(t, b, "customers"), "no customer row written")
	})
}

func TestCustomers(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, _ := seed(t, st, b, "delta", "089 123456")
		ctxOther, _, _ := seed(t, st, b, "epsilon", "040 123456")

		c, err := st.Customers.Create(ctx, store.NewCustomer{Name: "Anna Schmidt", PhoneNumber: "0151 2345 6789", Email: "anna@example.de"})
		require.NoError(t, err)
		assert.Equal(t, phone.Number("+4915123456789"), c.PhoneNumber)

		_, err = st.Customers.Create(ctx, store.NewCustomer{PhoneNumber: "+49 151 23456789"})
		assert.ErrorIs(t, err, store.ErrConflict, "one customer per number and company")

		other, err := st.Customers.Create(ctxOther, store.NewCustomer{PhoneNumber: "+4915123456789"})
		require.NoError(t, err, "another company may know the same caller")
		assert.NotEqual(t, c.ID, other.ID)

		_, err = st.Customers.Get(ctxOther, c.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)

		byPhone, err := st.Customers.GetByPhone(ctx, "+4915123456789")
		require.NoError(t, err)
		assert.Equal(t, c.ID, byPhone.ID)

		_, err = st.Customers.Create(ctx, store.NewCustomer{PhoneNumber: "0160 1234567", Email: "not-an-email"})
		var ve *store.ValidationError
		assert.True(t, errors.As(err, &ve))

		// Concurrent FindOrCreate of one new number yields one customer.
		var wg sync.WaitGroup
		ids := make([]int64, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				cu, err := st.Customers.FindOrCreate(ctx, store.NewCustomer{PhoneNumber: "0171 9876543"})
				ids[i], errs[i] = cu.ID, err
			}(i)
		}
		wg.Wait()
		for i := range ids {
			require.NoError(t, errs[i])
			assert.Equal(t, ids[0], ids[i])
		}

		email := ""
		up, err := st.Customers.Update(ctx, c.ID, store.CustomerPatch{Email: &email})
		require.NoError(t, err)
		assert.Empty(t, up.Email)

		list, err := st.Customers.List(ctx, store.Page{})
		require.NoError(t, err)
		assert.Len(t, list, 2)
		_, err = st.Customers.List(context.Background(), store.Page{})
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
	})
}

func TestServicesAndHours(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, br := seed(t, st, b, "zeta", "0221 123456")
		ctxOther, _, _ := seed(t, st, b, "eta", "0211 123456")

		et := int64(4711)
		s, err := st.Services.Create(ctx, store.NewService{BranchID: br.ID, Name: "Damenhaarschnitt", Type: "haircut", DurationMinutes: 60, CalcomEventTypeID: &et})
		require.NoError(t, err)
		require.NotNil(t, s.CalcomEventTypeID)
		assert.Equal(t, et, *s.CalcomEventTypeID)
		assert.True(t, s.IsActive)

		_, err = st.Services.Create(ctx, store.NewService{BranchID: br.ID, Name: "Damenhaarschnitt", Type: "haircut", DurationMinutes: 30})
		assert.ErrorIs(t, err, store.ErrConflict)
		_, err = st.Services.Create(ctx, store.NewService{BranchID: br.ID, Name: "Null", Type: "x", DurationMinutes: 0})
		var ve *store.ValidationError
		assert.True(t, errors.As(err, &ve))
		_, err = st.Services.Create(ctxOther, store.NewService{BranchID: br.ID, Name: "Fremd", Type: "x", DurationMinutes: 10})
		assert.ErrorIs(t, err, store.ErrNotFound, "cannot add a service to another company's branch")

		list, err := st.Services.ListByBranch(ctx, br.ID)
		require.NoError(t, err)
		assert.Len(t, list, 1)

		h, err := st.WorkingHours.Set(ctx, br.ID, 1, "9:00", "18:00")
		require.NoError(t, err)
		assert.Equal(t, "09:00", h.Opens)
		_, err = st.WorkingHours.Set(ctx, br.ID, 1, "10:00", "16:00")
		require.NoError(t, err)
		hours, err := st.WorkingHours.List(ctx, br.ID)
		require.NoError(t, err)
		require.Len(t, hours, 1, "set replaces the day's hours")
		assert.Equal(t, "10:00", hours[0].Opens)
		assert.Equal(t, "16:00", hours[0].Closes)

		for _, tc := range []struct {
			day         int
			open, close string
		}{{0, "09:00", "10:00"}, {8, "09:00", "10:00"}, {2, "18:00", "09:00"}, {2, "25:00", "26:00"}, {2, "09:00", "09:00"}} {
			_, err := st.WorkingHours.Set(ctx, br.ID, tc.day, tc.open, tc.close)
			assert.True(t, errors.As(err, &ve), "%+v: %v", tc, err)
		}
		late, err := st.WorkingHours.Set(ctx, br.ID, 5, "18:00", "24:00")
		require.NoError(t, err, "a bar closing at midnight")
		assert.Equal(t, "24:00", late.Closes)
		_, err = st.WorkingHours.Set(ctxOther, br.ID, 3, "09:00", "10:00")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}
