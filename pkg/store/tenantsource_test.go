package store_test

import (
	"context"
	"testing"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTenantSources(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		bare := b.sys // the chain looks up before any tenant is known, as system work
		_, err := st.Companies.CompanyStatus(context.Background(), 1)
		assert.ErrorIs(t, err, store.ErrNotSystem)
		_, err = st.Companies.IDBySubdomain(context.Background(), "salon-x")
		assert.ErrorIs(t, err, store.ErrNotSystem)
		_, err = st.Companies.TenantVersion(context.Background())
		assert.ErrorIs(t, err, store.ErrNotSystem)
		_, err = st.Branches.CompanyByPhone(context.Background(), "+49301234567")
		assert.ErrorIs(t, err, store.ErrNotSystem)
		ctx, c, br := seed(t, st, b, "salon-x", "+49 30 1234567")
		_, other, _ := seed(t, st, b, "other", "+49 30 7654321")

		status, err := st.Companies.CompanyStatus(bare, c.ID)
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{Exists: true, Active: true}, status)
		status, err = st.Companies.CompanyStatus(bare, other.ID+1000)
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{}, status, "an unknown id")

		for label, want := range map[string]int64{
			"salon-x":   c.ID,
			"Salon-X":   c.ID,
			" other ":   other.ID,
			"nobody":    0,
			"":          0,
			"x' OR '1'": 0,
			"-bad-":     0,
		} {
			got, err := st.Companies.IDBySubdomain(bare, label)
			require.NoError(t, err, label)
			assert.Equal(t, want, got, "subdomain %q", label)
		}

		for number, want := range map[string]int64{
			"+49301234567":   c.ID,
			"+49 30 1234567": c.ID,
			"030 7654321":    other.ID, // the store's region (DE) applies
			"+49309999999":   0,
			"not a number":   0,
			"":               0,
		} {
			got, err := st.Branches.CompanyByPhone(bare, number)
			require.NoError(t, err, number)
			assert.Equal(t, want, got, "number %q", number)
		}

		v1, err := st.Companies.TenantVersion(bare)
		require.NoError(t, err)
		v, err := st.Companies.TenantVersion(bare)
		require.NoError(t, err)
		assert.Equal(t, v1, v, "no change, same version")

		inactive := false
		_, err = st.Branches.Update(ctx, br.ID, store.BranchPatch{IsActive: &inactive})
		require.NoError(t, err)
		got, err := st.Branches.CompanyByPhone(bare, "+49301234567")
		require.NoError(t, err)
		assert.Zero(t, got, "an inactive branch's number resolves to no company")
		v2, err := st.Companies.TenantVersion(bare)
		require.NoError(t, err)
		assert.NotEqual(t, v1, v2, "a branch change moves the version")

		_, err = st.Companies.Update(b.sys, c.ID, store.CompanyPatch{IsActive: &inactive})
		require.NoError(t, err)
		status, err = st.Companies.CompanyStatus(bare, c.ID)
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{Exists: true, Active: false}, status)
		got, err = st.Companies.IDBySubdomain(bare, "salon-x")
		require.NoError(t, err)
		assert.Equal(t, c.ID, got, "an inactive company keeps its subdomain: the chain refuses it as inactive")
		v3, err := st.Companies.TenantVersion(bare)
		require.NoError(t, err)
		assert.NotEqual(t, v2, v3, "a deactivation moves the version")

		_, _, _ = seed(t, st, b, "third", "+49 30 5555555")
		v4, err := st.Companies.TenantVersion(bare)
		require.NoError(t, err)
		assert.NotEqual(t, v3, v4, "a new company moves the version")
	})
}
