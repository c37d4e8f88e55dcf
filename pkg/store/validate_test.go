package store_test

import (
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNameLengthCountsCharacters: names are limited by characters, as the
// VARCHAR columns in utf8mb4 count them, so a name of 255 umlauts (510
// bytes) is stored whole and 256 characters are refused.
func TestNameLengthCountsCharacters(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		longest := strings.Repeat("ä", 255)
		c, err := st.Companies.Create(b.sys, store.NewCompany{Name: longest, Subdomain: "umlaut"})
		require.NoError(t, err, "255 characters fit VARCHAR(255)")
		got, err := st.Companies.Get(b.sys, c.ID)
		require.NoError(t, err)
		assert.Equal(t, longest, got.Name, "stored whole, not truncated")

		_, err = st.Companies.Create(b.sys, store.NewCompany{Name: longest + "ö", Subdomain: "umlaut-2"})
		var ve *store.ValidationError
		require.ErrorAs(t, err, &ve, "256 characters are refused before the database sees them")
		assert.Equal(t, "name", ve.Field)

		ctx := tenant.WithCompany(b.sys, c.ID)
		br, err := st.Branches.Create(ctx, store.NewBranch{Name: strings.Repeat("ü", 255), PhoneNumber: "030 1234567"})
		require.NoError(t, err)
		svc, err := st.Services.Create(ctx, store.NewService{BranchID: br.ID, Name: strings.Repeat("ß", 255),
			Type: strings.Repeat("é", 64), DurationMinutes: 30})
		require.NoError(t, err, "type is VARCHAR(64): 64 characters fit")
		assert.Equal(t, strings.Repeat("é", 64), svc.Type)
		_, err = st.Services.Create(ctx, store.NewService{BranchID: br.ID, Name: "x", Type: strings.Repeat("é", 65), DurationMinutes: 30})
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "type", ve.Field)
	})
}
