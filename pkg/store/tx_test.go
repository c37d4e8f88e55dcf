package store_test

import (
	"errors"
	"testing"

	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoreTxCommitsAllOrNothing checks Store.Tx: the writes of fn commit
// together when it succeeds and not at all when it fails.
func TestStoreTxCommitsAllOrNothing(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, _ := seed(t, st, b, "tx-all", "+4930901837")
		boom := errors.New("boom")
		err := st.Tx(ctx, func(tx *store.Store) error {
			if _, err := tx.Customers.Ensure(ctx, "+4915111110001", "Erika Muster", ""); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		_, err = st.Customers.GetByPhone(ctx, "+4915111110001")
		assert.ErrorIs(t, err, store.ErrNotFound, "a failed Tx writes nothing")

		require.NoError(t, st.Tx(ctx, func(tx *store.Store) error {
			if _, err := tx.Customers.Ensure(ctx, "+4915111110001", "Erika Muster", ""); err != nil {
				return err
			}
			_, err := tx.Customers.Ensure(ctx, "+4915111110002", "Max Muster", "")
			return err
		}))
		for _, n := range []string{"+4915111110001", "+4915111110002"} {
			_, err := st.Customers.GetByPhone(ctx, n)
			assert.NoError(t, err, "both writes committed")
		}
	})
}
