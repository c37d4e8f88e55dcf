package tenant

import (
	"context"
	"errors"
	"fmt"
)

var (
	// ErrNoTenant is returned by tenant-scoped operations when the context
	// carries no company.
	ErrNoTenant = errors.New("tenant: no company in context")
)

type companyKey struct{}
type systemKey struct{}

// WithCompany returns a copy of ctx that carries companyID as the current
// tenant. An id <= 0 is a programmer error and panics; validate ids that come
// from user input first.
func WithCompany(ctx context.Context, companyID int64) context.Context {
	if companyID <= 0 {
		panic(fmt.Sprintf("tenant: WithCompany(%d): company id must be positive", companyID))
	}
	return context.WithValue(ctx, companyKey{}, companyID)
}

// CompanyID returns the current tenant's company id, or [ErrNoTenant].
func CompanyID(ctx context.Context) (int64, error) {
	if id, ok := ctx.Value(companyKey{}).(int64); ok {
		return id, nil
	}
	return 0, ErrNoTenant
}

// FromContext returns the company id and whether one is set.
func FromContext(ctx context.Context) (int64, bool) {
	id, err := CompanyID(ctx)
	return id, err == nil
}

// AsSystem marks ctx as system work that may read across tenants (operator
// commands, workers before a tenant is resolved). Store methods that serve
// system work check [IsSystem]; tenant-scoped methods still need a company.
func AsSystem(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// IsSystem reports whether ctx was marked with [AsSystem].
func IsSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
}
