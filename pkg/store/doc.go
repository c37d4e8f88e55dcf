// Package store holds askpro's repositories: companies, branches, services,
// working hours and customers (calls, appointments, payments, API keys and
// the audit log join them as the features that fill them land). The webhook
// inbox is not here: pkg/queue owns it, its rows and its statuses.
//
// # Tenancy
//
// Every method on tenant-owned data reads the company from the context
// ([tenant.WithCompany]) and scopes its SQL by company_id. Without a company
// it returns [tenant.ErrNoTenant], never all rows. Creating a branch,
// service, opening hours or customer always files it under the context's
// company; the input cannot name another one.
//
// Companies are the tenants themselves: listing and creating them is
// platform work and needs a context marked with [tenant.AsSystem]; reading
// one company is allowed to that company itself.
//
// # Phone numbers
//
// Branch and customer numbers go through pkg/phone before anything is
// written: they are stored in E.164, and an invalid number refuses the write
// with the phone package's error (errors.Is-able) and writes nothing.
//
// # Dialects
//
// One Store serves MySQL/MariaDB and SQLite with the same SQL (placeholders
// are ?). Writes go through the Writer handle, which on SQLite is the pool's
// single-writer connection.
package store
