package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testRing(t *testing.T, fill byte) *secrets.Keyring {
	t.Helper()
	k := make([]byte, secrets.KeySize)
	for i := range k {
		k[i] = fill
	}
	r, err := secrets.NewKeyring(k)
	require.NoError(t, err)
	return r
}

func sealFor(t *testing.T, r *secrets.Keyring, id int64, key string) string {
	t.Helper()
	s, err := r.Seal([]byte(key), store.CalcomKeyAAD(id))
	require.NoError(t, err)
	return s
}

func TestCalcomKeyAAD(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "companies.calcom_api_key:42", string(store.CalcomKeyAAD(42)))
}

func TestCalcomAPIKey(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctxA, a, _ := seed(t, st, b, "salon-a", "+493011111111")
		ctxB, _, _ := seed(t, st, b, "salon-b", "+493022222222")
		r := testRing(t, 1)
		sealed := sealFor(t, r, a.ID, "cal_live_A")

		require.NoError(t, st.Companies.SetCalcomAPIKey(b.sys, a.ID, sealed))
		got, base, err := st.Companies.CalcomAccount(ctxA)
		require.NoError(t, err)
		assert.Equal(t, sealed, got)
		assert.Empty(t, base, "no base URL of its own: calcom.base_url")
		pt, err := r.Open(got, store.CalcomKeyAAD(a.ID))
		require.NoError(t, err)
		assert.Equal(t, "cal_live_A", string(pt))

		got, _, err = st.Companies.CalcomAccount(ctxB)
		require.NoError(t, err)
		assert.Empty(t, got, "company B sees its own account (none), never A's")

		comp, err := st.Companies.Get(b.sys, a.ID)
		require.NoError(t, err)
		assert.True(t, comp.HasCalcomAPIKey)
		js, err := json.Marshal(comp)
		require.NoError(t, err)
		assert.Contains(t, string(js), `"has_calcom_api_key":true`)
		assert.NotContains(t, string(js), sealed[3:12], "the sealed value is not in the company's JSON")
		assert.NotContains(t, fmt.Sprintf("%v %+v", comp, comp), sealed[3:12])
		list, err := st.Companies.List(b.sys, store.Page{})
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.True(t, list[0].HasCalcomAPIKey)
		assert.False(t, list[1].HasCalcomAPIKey)

		// Removing the key.
		require.NoError(t, st.Companies.SetCalcomAPIKey(b.sys, a.ID, ""))
		got, _, err = st.Companies.CalcomAccount(ctxA)
		require.NoError(t, err)
		assert.Empty(t, got)
		comp, err = st.Companies.Get(b.sys, a.ID)
		require.NoError(t, err)
		assert.False(t, comp.HasCalcomAPIKey)

		// Refusals.
		var ve *store.ValidationError
		require.ErrorAs(t, st.Companies.SetCalcomAPIKey(b.sys, a.ID, "cal_live_plaintext"), &ve)
		assert.Equal(t, "calcom_api_key", ve.Field)
		assert.ErrorIs(t, st.Companies.SetCalcomAPIKey(ctxA, a.ID, sealed), store.ErrNotSystem)
		assert.ErrorIs(t, st.Companies.SetCalcomAPIKey(b.sys, 9999, sealed), store.ErrNotFound)
		_, _, err = st.Companies.CalcomAccount(context.Background())
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		_, _, err = st.Companies.CalcomAccount(b.sys)
		assert.ErrorIs(t, err, tenant.ErrNoTenant, "system work names the company it acts for")
		_, _, err = st.Companies.CalcomAccount(tenant.WithCompany(context.Background(), 9999))
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestSealedCalcomKeysAndReseal(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		oldRing := testRing(t, 1)
		var ids []int64
		for i := range 5 {
			_, c, _ := seed(t, st, b, fmt.Sprintf("salon-%d", i), fmt.Sprintf("+49301111111%d", i))
			ids = append(ids, c.ID)
			if i != 2 { // company 3 has no key of its own
				require.NoError(t, st.Companies.SetCalcomAPIKey(b.sys, c.ID, sealFor(t, oldRing, c.ID, fmt.Sprintf("key-%d", i))))
			}
		}
		page, err := st.Companies.SealedCalcomKeys(b.sys, 0, 2)
		require.NoError(t, err)
		require.Len(t, page, 2)
		assert.Equal(t, []int64{ids[0], ids[1]}, []int64{page[0].CompanyID, page[1].CompanyID})
		assert.Equal(t, fmt.Sprintf("company %d (sealed Cal.com key)", ids[0]), page[0].String())
		js, err := json.Marshal(page[0])
		require.NoError(t, err)
		assert.JSONEq(t, fmt.Sprintf(`{"company_id":%d}`, ids[0]), string(js))
		rest, err := st.Companies.SealedCalcomKeys(b.sys, page[1].CompanyID, 0)
		require.NoError(t, err)
		require.Len(t, rest, 2, "the company without a key is skipped")
		assert.Equal(t, []int64{ids[3], ids[4]}, []int64{rest[0].CompanyID, rest[1].CompanyID})
		_, err = st.Companies.SealedCalcomKeys(tenant.WithCompany(context.Background(), ids[0]), 0, 10)
		assert.ErrorIs(t, err, store.ErrNotSystem)

		// A guarded reseal.
		before, err := st.Companies.Get(b.sys, ids[0])
		require.NoError(t, err)
		newRing := testRing(t, 2)
		resealed := sealFor(t, newRing, ids[0], "key-0")
		require.NoError(t, st.Companies.ResealCalcomAPIKey(b.sys, ids[0], page[0].Sealed, resealed))
		got, _, err := st.Companies.CalcomAccount(tenant.WithCompany(context.Background(), ids[0]))
		require.NoError(t, err)
		assert.Equal(t, resealed, got)
		after, err := st.Companies.Get(b.sys, ids[0])
		require.NoError(t, err)
		assert.Equal(t, before.UpdatedAt, after.UpdatedAt, "a reseal is not a change of the company")

		err = st.Companies.ResealCalcomAPIKey(b.sys, ids[0], page[0].Sealed, sealFor(t, newRing, ids[0], "key-0"))
		assert.ErrorIs(t, err, store.ErrStale, "the value read is gone: the newer one stands")
		got, _, err = st.Companies.CalcomAccount(tenant.WithCompany(context.Background(), ids[0]))
		require.NoError(t, err)
		assert.Equal(t, resealed, got)
		assert.ErrorIs(t, st.Companies.ResealCalcomAPIKey(b.sys, ids[2], "", resealed), store.ErrStale, "no key, nothing to reseal")
		var ve *store.ValidationError
		assert.ErrorAs(t, st.Companies.ResealCalcomAPIKey(b.sys, ids[1], page[1].Sealed, "plain"), &ve)
		assert.ErrorIs(t, st.Companies.ResealCalcomAPIKey(context.Background(), ids[1], page[1].Sealed, resealed), store.ErrNotSystem)
	})
}

func TestCompanyCalcomBaseURL(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, c, _ := seed(t, st, b, "salon", "+493011111111")
		set := func(v string) (store.Company, error) {
			return st.Companies.Update(b.sys, c.ID, store.CompanyPatch{CalcomBaseURL: &v})
		}
		for _, tt := range []struct{ in, want string }{
			{"https://api.cal.eu", "https://api.cal.eu"},
			{" https://API.cal.eu/ ", "https://api.cal.eu"},
			{"HTTPS://cal.example:8443/", "https://cal.example:8443"},
			{"http://127.0.0.1:9999", "http://127.0.0.1:9999"},
			{"http://localhost:8080/", "http://localhost:8080"},
		} {
			got, err := set(tt.in)
			require.NoError(t, err, tt.in)
			assert.Equal(t, tt.want, got.CalcomBaseURL, tt.in)
		}
		_, base, err := st.Companies.CalcomAccount(ctx)
		require.NoError(t, err)
		assert.Equal(t, "http://localhost:8080", base)

		for _, bad := range []string{"api.cal.eu", "http://api.cal.eu", "ftp://api.cal.eu", "https://", "https:///v2",
			"https://api.cal.eu/v2", "https://api.cal.eu?x=1", "https://api.cal.eu/?", "https://api.cal.eu#f",
			"https://user:pw@api.cal.eu", "mailto:x@y", "https://api.cal.eu//"} {
			_, err := set(bad)
			var ve *store.ValidationError
			require.ErrorAs(t, err, &ve, bad)
			assert.Equal(t, "calcom_base_url", ve.Field)
			assert.NotContains(t, err.Error(), "pw@", "credentials are not echoed")
		}
		got, err := st.Companies.Get(b.sys, c.ID)
		require.NoError(t, err)
		assert.Equal(t, "http://localhost:8080", got.CalcomBaseURL, "refused values change nothing")

		got, err = set("")
		require.NoError(t, err)
		assert.Empty(t, got.CalcomBaseURL, `"" resets to calcom.base_url`)
		_, base, err = st.Companies.CalcomAccount(ctx)
		require.NoError(t, err)
		assert.Empty(t, base)
	})
}
