// Package tenant carries the current tenant (company) through a
// [context.Context].
//
// Every store method on tenant-owned data reads the company from the context
// and scopes its query by company_id. With no company in the context it
// returns [ErrNoTenant] and never all rows: forgetting to set a tenant is a
// loud error, not a data leak.
//
// System work that legitimately spans tenants (a worker that resolves the
// tenant from a called phone number, migrations, operator commands that list
// companies) says so explicitly with [System].
//
//	ctx = tenant.WithCompany(ctx, 42)
//	id, err := tenant.CompanyID(ctx) // 42, nil
package tenant
