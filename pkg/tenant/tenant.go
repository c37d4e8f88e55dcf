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

// System marks ctx as system work that may read across tenants (operator
// commands, workers before a tenant is resolved). Store methods that serve
// system work check [IsSystem]; tenant-scoped methods still need a company.
func System(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// IsSystem reports whether ctx was marked with [System].
func IsSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
}

// RunAsCompany runs fn with ctx scoped to companyID: the explicit first
// link of the resolver chain, for work that knows its tenant (a CLI command
// given --company, a job whose event names its company). It returns an
// error instead of panicking for an id <= 0, because such ids come from
// input.
func RunAsCompany(ctx context.Context, companyID int64, fn func(ctx context.Context) error) error {
	if companyID <= 0 {
		return fmt.Errorf("tenant: company id %d: must be positive", companyID)
	}
	return fn(WithCompany(ctx, companyID))
}

// Principal is the authenticated caller of a request: an API key. A
// platform-admin key has no company (CompanyID 0).
type Principal struct {
	// KeyID is the api_keys row id.
	KeyID int64
	// Name is the key's name, for logs and the audit log's actor.
	Name string
	// Prefix is the key's public prefix (never the key itself).
	Prefix string
	// CompanyID is the company the key belongs to; 0 for an admin key.
	CompanyID int64
}

// Admin reports whether the principal is a platform-admin key.
func (p Principal) Admin() bool { return p.CompanyID == 0 }

// Actor names the principal in the audit log: "apikey:<id>:<name>".
func (p Principal) Actor() string { return fmt.Sprintf("apikey:%d:%s", p.KeyID, p.Name) }

type principalKey struct{}

// WithPrincipal returns a copy of ctx that carries the authenticated caller.
// It does not set a tenant: the resolver chain does, from the principal and
// the request.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the authenticated caller of ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
