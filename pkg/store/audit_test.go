package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuditLog(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctxA, a, _ := seed(t, st, b, "alpha", "+493012345678")
		ctxB, co2, _ := seed(t, st, b, "beta", "+493087654321")
		t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

		sysEntry, err := st.AuditLog.Record(b.sys, store.AuditEntry{Actor: "operator", Action: "replay", Target: "webhook_events",
			Details: []byte(`{"moved":3,"ids":[1,2,3]}`), CreatedAt: t0})
		require.NoError(t, err)
		assert.NotZero(t, sysEntry.ID)
		assert.Nil(t, sysEntry.CompanyID)

		own, err := st.AuditLog.Record(ctxA, store.AuditEntry{Actor: "api-key:7", Action: "customer.update", CreatedAt: t0.Add(time.Minute)})
		require.NoError(t, err)
		require.NotNil(t, own.CompanyID, "a company context records for itself")
		assert.Equal(t, a.ID, *own.CompanyID)

		_, err = st.AuditLog.Record(b.sys, store.AuditEntry{CompanyID: &co2.ID, Actor: "operator", Action: "company.update", CreatedAt: t0.Add(2 * time.Minute)})
		require.NoError(t, err)

		_, err = st.AuditLog.Record(ctxA, store.AuditEntry{CompanyID: &co2.ID, Actor: "x", Action: "y"})
		assert.ErrorIs(t, err, store.ErrNotSystem, "a tenant cannot write another tenant's audit")
		_, err = st.AuditLog.Record(context.Background(), store.AuditEntry{Actor: "x", Action: "y"})
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		for name, e := range map[string]store.AuditEntry{
			"no actor":     {Action: "y"},
			"no action":    {Actor: "x"},
			"details junk": {Actor: "x", Action: "y", Details: []byte(`{nope`)},
		} {
			_, err := st.AuditLog.Record(b.sys, e)
			var ve *store.ValidationError
			assert.True(t, errors.As(err, &ve), "%s: want ValidationError, got %v", name, err)
		}
		assert.Equal(t, 3, count(t, b, "audit_log"), "refused records write nothing")

		all, err := st.AuditLog.List(b.sys, store.Page{})
		require.NoError(t, err)
		require.Len(t, all, 3)
		assert.Equal(t, []string{"company.update", "customer.update", "replay"}, []string{all[0].Action, all[1].Action, all[2].Action}, "newest first")
		assert.JSONEq(t, `{"moved":3,"ids":[1,2,3]}`, string(all[2].Details))
		assert.Equal(t, t0, all[2].CreatedAt)
		assert.Equal(t, "webhook_events", all[2].Target)

		mine, err := st.AuditLog.List(ctxA, store.Page{})
		require.NoError(t, err)
		require.Len(t, mine, 1)
		assert.Equal(t, own.ID, mine[0].ID)
		theirs, err := st.AuditLog.List(ctxB, store.Page{})
		require.NoError(t, err)
		require.Len(t, theirs, 1)
		assert.Equal(t, "company.update", theirs[0].Action)
		_, err = st.AuditLog.List(context.Background(), store.Page{})
		assert.ErrorIs(t, err, tenant.ErrNoTenant)

		page, err := st.AuditLog.List(b.sys, store.Page{Limit: 1, Offset: 1})
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, "customer.update", page[0].Action)
	})
}

func TestWithTx(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx := context.Background()
		for _, commit := range []bool{false, true} {
			tx, err := b.pool.Writer().BeginTx(ctx, nil)
			require.NoError(t, err)
			_, err = st.WithTx(tx).AuditLog.Record(b.sys, store.AuditEntry{Actor: "operator", Action: "tx"})
			require.NoError(t, err)
			if commit {
				require.NoError(t, tx.Commit())
			} else {
				require.NoError(t, tx.Rollback())
			}
		}
		assert.Equal(t, 1, count(t, b, "audit_log"), "the rolled back write is gone, the committed one stays")
	})
}
