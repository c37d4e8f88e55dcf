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
	sys := tenant.System(ctx)
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

func TestRunAsCompany(t *testing.T) {
	t.Parallel()
	var got int64
	err := tenant.RunAsCompany(context.Background(), 9, func(ctx context.Context) error {
		got, _ = tenant.FromContext(ctx)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(9), got)
	called := false
	err = tenant.RunAsCompany(context.Background(), 0, func(context.Context) error { called = true; return nil })
	assert.Error(t, err)
	assert.False(t, called, "fn must not run without a valid company")
	want := errors.New("boom")
	assert.Same(t, want, tenant.RunAsCompany(context.Background(), 1, func(context.Context) error { return want }))
}

func TestPrincipal(t *testing.T) {
	t.Parallel()
	_, ok := tenant.PrincipalFrom(context.Background())
	assert.False(t, ok)
	ctx := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 3, Name: "ops", CompanyID: 0})
	p, ok := tenant.PrincipalFrom(ctx)
	require.True(t, ok)
	assert.True(t, p.Admin())
	assert.Equal(t, "apikey:3:ops", p.Actor())
	_, err := tenant.CompanyID(ctx)
	assert.ErrorIs(t, err, tenant.ErrNoTenant, "a principal is not a tenant")
	assert.False(t, tenant.Principal{CompanyID: 5}.Admin())
}
