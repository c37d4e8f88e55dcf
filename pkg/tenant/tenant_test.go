package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompanyID(t *testing.T) {
	t.Parallel()
	_, err := tenant.CompanyID(context.Background())
	assert.True(t, errors.Is(err, tenant.ErrNoTenant))

	ctx := tenant.WithCompany(context.Background(), 42)
	id, err := tenant.CompanyID(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(42), id)

	inner := tenant.WithCompany(ctx, 7)
	id, ok := tenant.FromContext(inner)
	assert.True(t, ok)
	assert.Equal(t, int64(7), id, "the innermost company wins")

	assert.Panics(t, func() { tenant.WithCompany(context.Background(), 0) })
}

func TestSystem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	assert.False(t, tenant.IsSystem(ctx))
	sys := tenant.AsSystem(ctx)
	assert.True(t, tenant.IsSystem(sys))
	_, err := tenant.CompanyID(sys)
	assert.ErrorIs(t, err, tenant.ErrNoTenant, "system work is not a tenant")
}

func ExampleWithCompany() {
	ctx := tenant.WithCompany(context.Background(), 42)
	id, _ := tenant.CompanyID(ctx)
	fmt.Println(id)
	// Output: 42
}
