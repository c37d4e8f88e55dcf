// Package store holds askpro's repositories: companies, branches, services,
// working hours, customers, calls, appointments, payments, API keys
// ([APIKeys]: only a key's prefix and SHA-256 are stored) and the audit log. The webhook
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
// platform work and needs a context marked with [tenant.System]; reading
// one company is allowed to that company itself.
//
// # Phone numbers
//
// Branch and customer numbers go through pkg/phone before anything is
// written: they are stored in E.164, and an invalid number refuses the write
// with the phone package's error (errors.Is-able) and writes nothing.
//
// # Transactions
//
// [Store.WithTx] gives a Store whose repositories work through a caller's
// *sql.Tx, so that their writes commit with it: a queue handler writes a
// job's effects through the transaction that records the job's outcome.
//
// # Merges
//
// Webhook events of one call, booking or payment arrive in any order and
// more than once. [Calls.Merge], [Appointments.Merge] and [Payments.Merge]
// are each one upsert by the provider's id whose assignments rank the event
// against what is stored (the call's lifecycle, transcript and transfer
// ranks; the booking's status booked < rescheduled < cancelled; the
// payment's status, then the event's time): a higher-ranked event's values
// win, a lower one only fills NULLs. So any order of a record's events gives
// the same row, and an event applied twice changes nothing.
// [Customers.Ensure] finds or creates a customer in one statement.
//
// # Dialects
//
// One Store serves MySQL/MariaDB and SQLite with the same SQL (placeholders
// are ?). Writes go through the Writer handle, which on SQLite is the pool's
// single-writer connection.
package store
