package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/askproai/askpro/pkg/query"
)

// ErrWrongSchema is returned by the Search methods for a query that was not
// parsed against the repository's own schema ([CallSchema] and its
// siblings; package functions, so that every repository method takes a
// context and is walked by the scoping test): a query
// for one table never runs on another. It is a programmer error.
var ErrWrongSchema = errors.New("store: query parsed against another schema")

// The search schemas: what API requests may filter and sort on. Sorting is
// allowed only where a company-first index orders the rows (migrations
// 000002 and 000008) or on the primary key, so that a sorted page is an
// index walk, not a sort of the company's rows.
var (
	callSchema = query.MustNew(query.Resource{
		Name: "calls",
		Columns: []query.Column{
			{Name: "id", Kind: query.Int, Sortable: true},
			{Name: "branch_id", Kind: query.Int},
			{Name: "customer_id", Kind: query.Int},
			{Name: "retell_call_id", Kind: query.String},
			{Name: "from_number", Kind: query.String},
			{Name: "to_number", Kind: query.String},
			{Name: "direction", Kind: query.String},
			{Name: "status", Kind: query.String},
			{Name: "started_at", Kind: query.Time, Sortable: true}, // (company_id, started_at), (company_id, status, started_at)
			{Name: "ended_at", Kind: query.Time},
			{Name: "duration_ms", Kind: query.Int},
			{Name: "disconnection_reason", Kind: query.String},
			{Name: "sentiment", Kind: query.String},
			{Name: "successful", Kind: query.Bool},
			{Name: "created_at", Kind: query.Time},
		},
		DefaultSort: []query.Sort{{Column: "started_at", Desc: true}},
	})
	appointmentSchema = query.MustNew(query.Resource{
		Name: "appointments",
		Columns: []query.Column{
			{Name: "id", Kind: query.Int, Sortable: true},
			{Name: "branch_id", Kind: query.Int},
			{Name: "service_id", Kind: query.Int},
			{Name: "customer_id", Kind: query.Int},
			{Name: "call_id", Kind: query.Int},
			{Name: "calcom_booking_uid", Kind: query.String},
			{Name: "starts_at", Kind: query.Time, Sortable: true}, // (company_id, starts_at)
			{Name: "ends_at", Kind: query.Time},
			{Name: "status", Kind: query.String},
			{Name: "source", Kind: query.String},
			{Name: "created_at", Kind: query.Time},
		},
		DefaultSort: []query.Sort{{Column: "starts_at", Desc: true}},
	})
	customerSchema = query.MustNew(query.Resource{
		Name: "customers",
		Columns: []query.Column{
			{Name: "id", Kind: query.Int, Sortable: true},
			{Name: "name", Kind: query.String},
			{Name: "phone_number", Kind: query.String, Sortable: true}, // UNIQUE (company_id, phone_number)
			{Name: "email", Kind: query.String},
			{Name: "created_at", Kind: query.Time, Sortable: true}, // (company_id, created_at)
		},
		DefaultSort: []query.Sort{{Column: "created_at", Desc: true}},
	})
)

// CallSchema returns the allow-list [Calls.Search] takes queries of: id,
// branch_id, customer_id, retell_call_id, from_number, to_number,
// direction, status, started_at, ended_at, duration_ms,
// disconnection_reason, sentiment, successful, created_at; sortable by
// started_at and id; newest first (started_at descending) by default.
// Phone numbers compare as stored (E.164, "+4930...").
func CallSchema() *query.Schema { return callSchema }

// AppointmentSchema returns the allow-list [Appointments.Search] takes
// queries of:
// id, branch_id, service_id, customer_id, call_id, calcom_booking_uid,
// starts_at, ends_at, status, source, created_at; sortable by starts_at and
// id; latest start first by default.
func AppointmentSchema() *query.Schema { return appointmentSchema }

// CustomerSchema returns the allow-list [Customers.Search] takes queries
// of: id,
// name, phone_number, email, created_at; sortable by created_at,
// phone_number and id; newest first by default.
func CustomerSchema() *query.Schema { return customerSchema }

// Search returns one page of the context's company's calls that match q,
// without transcripts (as [Calls.List]; [Calls.Get] has the text), and the
// number of matches (counted up to query.MaxWindow). q must come from
// query.Parse with [CallSchema]. Errors: tenant.ErrNoTenant,
// [ErrWrongSchema], the database's.
func (r *Calls) Search(ctx context.Context, q query.Query) (query.Result[Call], error) {
	return search(ctx, r.s, "search calls", callSchema, q, "calls", callListCols, scanCall)
}

// Search returns one page of the context's company's appointments that
// match q, and the number of matches (counted up to query.MaxWindow). q
// must come from query.Parse with [AppointmentSchema]. Errors:
// tenant.ErrNoTenant, [ErrWrongSchema], the database's.
func (r *Appointments) Search(ctx context.Context, q query.Query) (query.Result[Appointment], error) {
	return search(ctx, r.s, "search appointments", appointmentSchema, q, "appointments", appointmentCols, scanAppointment)
}

// Search returns one page of the context's company's customers that match
// q, and the number of matches (counted up to query.MaxWindow). q must come
// from query.Parse with [CustomerSchema]. Errors: tenant.ErrNoTenant,
// [ErrWrongSchema], the database's.
func (r *Customers) Search(ctx context.Context, q query.Query) (query.Result[Customer], error) {
	return search(ctx, r.s, "search customers", customerSchema, q, "customers", customerCols, scanCustomer)
}

// search runs q on table, scoped by the context's company: company_id = ?
// comes first, q's condition is ANDed after it in parentheses.
func search[T any](ctx context.Context, s *Store, what string, schema *query.Schema, q query.Query,
	table, cols string, scan func(scanner) (T, error)) (query.Result[T], error) {
	cid, err := companyID(ctx)
	if err != nil {
		return query.Result[T]{}, err
	}
	if q.Schema() != schema {
		return query.Result[T]{}, fmt.Errorf("%s: %w", what, ErrWrongSchema)
	}
	where, args := q.Where()
	cond := "company_id = ?"
	if where != "" {
		cond += " AND (" + where + ")"
	}
	args = append([]any{cid}, args...)
	// Searches run unprepared: their texts vary with every filter shape,
	// and would crowd the repositories' own statements out of the Store's
	// bounded statement cache.
	db := s.unprepared()
	rows, err := queryList(ctx, db, what, scan, fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d OFFSET %d",
		cols, table, cond, q.OrderBy(), q.Limit(), q.Offset()), args...)
	if err != nil {
		return query.Result[T]{}, err
	}
	res := query.Result[T]{Rows: rows}
	// A short page that is not past the end tells the total without a
	// count.
	if len(rows) < q.Limit() && (len(rows) > 0 || q.Offset() == 0) {
		res.Total = q.Offset() + len(rows)
		return res, nil
	}
	var n int
	err = db.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM %s WHERE %s LIMIT %d) t", table, cond, query.MaxWindow+1),
		args...).Scan(&n)
	if err != nil {
		return query.Result[T]{}, fmt.Errorf("%s: count: %w", what, err)
	}
	res.Total, res.Capped = min(n, query.MaxWindow), n > query.MaxWindow
	return res, nil
}

// unprepared returns the read handle without the statement cache (or the
// transaction of a Store made by WithTx).
func (s *Store) unprepared() querier {
	switch q := s.db.(type) {
	case dbQuerier:
		return q.db
	case txQuerier:
		return q.tx
	}
	return s.db
}
