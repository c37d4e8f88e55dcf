package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dumpTable returns every value of every row of table as text (test-only).
func dumpTable(t *testing.T, b testBundle, table string) []string {
	t.Helper()
	rows, err := b.pool.DB().QueryContext(context.Background(), "SELECT * FROM "+table)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		for _, v := range vals {
			out = append(out, string(v))
		}
	}
	require.NoError(t, rows.Err())
	return out
}

func TestAPIKeysCreate(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		_, a, _ := seed(t, st, b, "alpha", "+493012345678")

		k, secret, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: a.ID, Name: "  Praxis-Software  "})
		require.NoError(t, err)
		assert.NotZero(t, k.ID)
		require.NotNil(t, k.CompanyID)
		assert.Equal(t, a.ID, *k.CompanyID)
		assert.Equal(t, "Praxis-Software", k.Name, "the name is trimmed")
		assert.False(t, k.Admin())
		_, err = apikey.Parse(secret.Reveal())
		require.NoError(t, err, "the key returned is a well-formed key")
		assert.Equal(t, secret.Prefix(), k.Prefix)
		assert.Len(t, k.Prefix, apikey.PrefixLen)

		admin, adminSecret, err := st.APIKeys.Create(b.sys, store.NewAPIKey{Name: "ops"})
		require.NoError(t, err)
		assert.Nil(t, admin.CompanyID, "company 0 is a platform-admin key")
		assert.True(t, admin.Admin())
		assert.NotEqual(t, secret.Reveal(), adminSecret.Reveal())

		// What is stored: the SHA-256 of the key, and nowhere the key or its secret part.
		for _, s := range []apikey.Secret{secret, adminSecret} {
			var hash, prefix string
			require.NoError(t, b.pool.DB().QueryRowContext(context.Background(),
				"SELECT key_hash, prefix FROM api_keys WHERE prefix = ?", s.Prefix()).Scan(&hash, &prefix))
			sum := sha256.Sum256([]byte(s.Reveal()))
			assert.Equal(t, hex.EncodeToString(sum[:]), hash)
			assert.Equal(t, s.Prefix(), prefix)
			secretPart := s.Reveal()[apikey.PrefixLen+1:]
			for _, v := range dumpTable(t, b, "api_keys") {
				assert.NotContains(t, v, secretPart, "the plaintext key is never stored")
			}
		}

		got, err := st.APIKeys.Get(b.sys, k.ID)
		require.NoError(t, err)
		assert.Equal(t, k, got, "Create returns the row as stored")

		_, _, err = st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: a.ID + 100, Name: "x"})
		assert.ErrorIs(t, err, store.ErrNotFound, "the company must exist")
		_, _, err = st.APIKeys.Create(tenant.WithCompany(context.Background(), a.ID), store.NewAPIKey{CompanyID: a.ID, Name: "x"})
		assert.ErrorIs(t, err, store.ErrNotSystem)
		_, _, err = st.APIKeys.Create(context.Background(), store.NewAPIKey{Name: "x"})
		assert.ErrorIs(t, err, store.ErrNotSystem)
		for name, in := range map[string]store.NewAPIKey{
			"no name":          {CompanyID: a.ID, Name: " "},
			"long name":        {CompanyID: a.ID, Name: strings.Repeat("ü", 256)},
			"negative company": {CompanyID: -1, Name: "x"},
		} {
			_, _, err := st.APIKeys.Create(b.sys, in)
			var ve *store.ValidationError
			assert.True(t, errors.As(err, &ve), "%s: want ValidationError, got %v", name, err)
		}
		assert.Equal(t, 2, count(t, b, "api_keys"), "refused creates write nothing")
	})
}

func TestAPIKeysListAndGetScoping(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctxA, a, _ := seed(t, st, b, "alpha", "+493012345678")
		ctxB, co2, _ := seed(t, st, b, "beta", "+493087654321")
		ka, _, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: a.ID, Name: "a1"})
		require.NoError(t, err)
		kb, _, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: co2.ID, Name: "b1"})
		require.NoError(t, err)
		adm, _, err := st.APIKeys.Create(b.sys, store.NewAPIKey{Name: "ops"})
		require.NoError(t, err)
		ka2, _, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: a.ID, Name: "a2"})
		require.NoError(t, err)

		ids := func(keys []store.APIKey) []int64 {
			out := []int64{}
			for _, k := range keys {
				out = append(out, k.ID)
			}
			return out
		}
		all, err := st.APIKeys.List(b.sys, store.Page{})
		require.NoError(t, err)
		assert.Equal(t, []int64{ka.ID, kb.ID, adm.ID, ka2.ID}, ids(all), "a system context sees every key, admin ones too, by id")
		page, err := st.APIKeys.List(b.sys, store.Page{Limit: 2, Offset: 1})
		require.NoError(t, err)
		assert.Equal(t, []int64{kb.ID, adm.ID}, ids(page))

		mine, err := st.APIKeys.List(ctxA, store.Page{})
		require.NoError(t, err)
		assert.Equal(t, []int64{ka.ID, ka2.ID}, ids(mine), "a company sees its own keys only")
		theirs, err := st.APIKeys.List(ctxB, store.Page{})
		require.NoError(t, err)
		assert.Equal(t, []int64{kb.ID}, ids(theirs))
		_, err = st.APIKeys.List(context.Background(), store.Page{})
		assert.ErrorIs(t, err, tenant.ErrNoTenant)

		_, err = st.APIKeys.Get(ctxA, ka.ID)
		assert.NoError(t, err)
		for _, id := range []int64{kb.ID, adm.ID, 9999} {
			_, err = st.APIKeys.Get(ctxA, id)
			assert.ErrorIs(t, err, store.ErrNotFound, "key %d", id)
		}
		_, err = st.APIKeys.Get(context.Background(), ka.ID)
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
	})
}

func TestAPIKeysRevokeAndByHash(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctxA, a, _ := seed(t, st, b, "alpha", "+493012345678")
		ctxB, _, _ := seed(t, st, b, "beta", "+493087654321")
		k, secret, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: a.ID, Name: "a1"})
		require.NoError(t, err)
		other, otherSecret, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: a.ID, Name: "a2"})
		require.NoError(t, err)

		found, err := st.APIKeys.ByHash(b.sys, secret.Hash())
		require.NoError(t, err)
		assert.Equal(t, k.ID, found.ID)
		assert.False(t, found.Revoked())
		for name, h := range map[string]string{
			"unknown":   apikey.HashString("askpro_nothing"),
			"uppercase": strings.ToUpper(secret.Hash()),
			"short":     secret.Hash()[:63],
			"the key":   secret.Reveal(),
			"empty":     "",
		} {
			_, err := st.APIKeys.ByHash(b.sys, h)
			assert.ErrorIs(t, err, store.ErrNotFound, name)
			assert.ErrorIs(t, err, apikey.ErrUnknown, name)
		}
		_, err = st.APIKeys.ByHash(ctxA, secret.Hash())
		assert.ErrorIs(t, err, store.ErrNotSystem, "the key decides the tenant, so the lookup is system work")

		_, err = st.APIKeys.Revoke(ctxB, k.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another company cannot revoke the key")
		_, err = st.APIKeys.Revoke(context.Background(), k.ID)
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		_, err = st.APIKeys.Revoke(b.sys, 9999)
		assert.ErrorIs(t, err, store.ErrNotFound)
		still, err := st.APIKeys.Get(b.sys, k.ID)
		require.NoError(t, err)
		assert.Nil(t, still.RevokedAt, "refused revocations change nothing")

		revoked, err := st.APIKeys.Revoke(b.sys, k.ID)
		require.NoError(t, err)
		require.NotNil(t, revoked.RevokedAt)
		assert.True(t, revoked.Revoked())
		again, err := st.APIKeys.Revoke(b.sys, k.ID)
		assert.ErrorIs(t, err, store.ErrAlreadyRevoked)
		require.NotNil(t, again.RevokedAt)
		assert.Equal(t, *revoked.RevokedAt, *again.RevokedAt, "the first revocation time stays")

		found, err = st.APIKeys.ByHash(b.sys, secret.Hash())
		require.NoError(t, err, "a revoked key is still found, so it can be told from an unknown one")
		assert.True(t, found.Revoked())

		own, err := st.APIKeys.Revoke(ctxA, other.ID)
		require.NoError(t, err, "a company may revoke its own key")
		assert.True(t, own.Revoked())
		found, err = st.APIKeys.ByHash(b.sys, otherSecret.Hash())
		require.NoError(t, err)
		assert.True(t, found.Revoked())
	})
}

func TestAPIKeysTouch(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		_, a, _ := seed(t, st, b, "alpha", "+493012345678")
		k1, _, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: a.ID, Name: "a1"})
		require.NoError(t, err)
		k2, _, err := st.APIKeys.Create(b.sys, store.NewAPIKey{Name: "ops"})
		require.NoError(t, err)
		t0 := time.Date(2026, 3, 2, 10, 0, 0, 123456000, time.UTC)
		lastUsed := func(id int64) *time.Time {
			t.Helper()
			k, err := st.APIKeys.Get(b.sys, id)
			require.NoError(t, err)
			return k.LastUsedAt
		}

		require.NoError(t, st.APIKeys.Touch(b.sys, map[int64]time.Time{}), "nothing to write")
		assert.Nil(t, lastUsed(k1.ID))

		require.NoError(t, st.APIKeys.Touch(b.sys, map[int64]time.Time{k1.ID: t0, k2.ID: t0.Add(time.Second), 9999: t0}))
		assert.Equal(t, t0, *lastUsed(k1.ID), "microseconds kept")
		assert.Equal(t, t0.Add(time.Second), *lastUsed(k2.ID))

		// Only forward: an older flush (another process, late) changes nothing.
		require.NoError(t, st.APIKeys.Touch(b.sys, map[int64]time.Time{k1.ID: t0.Add(-time.Hour), k2.ID: t0.Add(2 * time.Second)}))
		assert.Equal(t, t0, *lastUsed(k1.ID))
		assert.Equal(t, t0.Add(2*time.Second), *lastUsed(k2.ID))
		// Sub-second steps and whole seconds order right (SQLite compares text).
		require.NoError(t, st.APIKeys.Touch(b.sys, map[int64]time.Time{k1.ID: t0.Add(time.Microsecond)}))
		assert.Equal(t, t0.Add(time.Microsecond), *lastUsed(k1.ID))
		whole := time.Date(2026, 3, 2, 10, 0, 1, 0, time.UTC)
		require.NoError(t, st.APIKeys.Touch(b.sys, map[int64]time.Time{k1.ID: whole}))
		assert.Equal(t, whole, *lastUsed(k1.ID))
		require.NoError(t, st.APIKeys.Touch(b.sys, map[int64]time.Time{k1.ID: whole.Add(-time.Millisecond)}))
		assert.Equal(t, whole, *lastUsed(k1.ID))

		err = st.APIKeys.Touch(tenant.WithCompany(context.Background(), a.ID), map[int64]time.Time{k1.ID: t0.Add(time.Hour)})
		assert.ErrorIs(t, err, store.ErrNotSystem)
	})
}

// TestAPIKeysTouchBatches touches more keys than one statement takes.
func TestAPIKeysTouchBatches(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		const n = 1201
		var vals []string
		var args []any
		for i := range n {
			vals = append(vals, "(?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("k%d", i), "askpro_x", apikey.HashString(fmt.Sprint(i)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		}
		_, err := b.pool.Writer().ExecContext(context.Background(),
			"INSERT INTO api_keys (name, prefix, key_hash, created_at) VALUES "+strings.Join(vals, ", "), args...)
		require.NoError(t, err)
		keys, err := st.APIKeys.List(b.sys, store.Page{Limit: 1000})
		require.NoError(t, err)
		rest, err := st.APIKeys.List(b.sys, store.Page{Limit: 1000, Offset: 1000})
		require.NoError(t, err)
		keys = append(keys, rest...)
		require.Len(t, keys, n)
		at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		uses := map[int64]time.Time{}
		for i, k := range keys {
			uses[k.ID] = at.Add(time.Duration(i) * time.Millisecond)
		}
		require.NoError(t, st.APIKeys.Touch(b.sys, uses))
		var touched int
		require.NoError(t, b.pool.DB().QueryRowContext(context.Background(),
			"SELECT COUNT(*) FROM api_keys WHERE last_used_at IS NOT NULL").Scan(&touched))
		assert.Equal(t, n, touched)
		last, err := st.APIKeys.Get(b.sys, keys[n-1].ID)
		require.NoError(t, err)
		assert.Equal(t, uses[keys[n-1].ID], *last.LastUsedAt)
	})
}
