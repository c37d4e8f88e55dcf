package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Appointment states. A booking's state only moves forward, booked <
// rescheduled < cancelled, whatever order its events arrive in.
const (
	AppointmentBooked      = "booked"
	AppointmentRescheduled = "rescheduled"
	AppointmentCancelled   = "cancelled"
)

// Appointment sources: who made the booking.
const (
	SourcePhone  = "phone"  // the phone agent (book_appointment)
	SourceCalcom = "calcom" // Cal.com directly (its booking page), known from its webhook
	SourceAPI    = "api"
)

// Appointment is one Cal.com booking of a company's service.
type Appointment struct {
	ID                 int64     `json:"id"`
	CompanyID          int64     `json:"company_id"`
	BranchID           *int64    `json:"branch_id"`
	ServiceID          *int64    `json:"service_id"`
	CustomerID         *int64    `json:"customer_id"`
	CallID             *int64    `json:"call_id"`
	CalcomBookingUID   string    `json:"calcom_booking_uid"`
	StartsAt           time.Time `json:"starts_at"`
	EndsAt             time.Time `json:"ends_at"`
	Status             string    `json:"status"`
	Source             string    `json:"source"`
	CancellationReason string    `json:"cancellation_reason,omitempty"`
	RescheduledFromUID string    `json:"rescheduled_from_uid,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Appointments is the repository of appointments, scoped by the context's
// company.
type Appointments struct{ s *Store }

const appointmentCols = "id, company_id, branch_id, service_id, customer_id, call_id, calcom_booking_uid, starts_at, ends_at, " +
	"status, source, cancellation_reason, rescheduled_from_uid, created_at, updated_at"

func scanAppointment(row scanner) (Appointment, error) {
	var a Appointment
	var branch, service, customer, call sql.NullInt64
	var reason, from sql.NullString
	err := row.Scan(&a.ID, &a.CompanyID, &branch, &service, &customer, &call, &a.CalcomBookingUID, &a.StartsAt, &a.EndsAt,
		&a.Status, &a.Source, &reason, &from, &a.CreatedAt, &a.UpdatedAt)
	a.BranchID, a.ServiceID, a.CustomerID, a.CallID = ptrInt64(branch), ptrInt64(service), ptrInt64(customer), ptrInt64(call)
	a.CancellationReason, a.RescheduledFromUID = reason.String, from.String
	a.StartsAt, a.EndsAt = a.StartsAt.UTC(), a.EndsAt.UTC()
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

// Get returns an appointment of the context's company. Errors: ErrNotFound
// (also for another company's), tenant.ErrNoTenant.
func (r *Appointments) Get(ctx context.Context, id int64) (Appointment, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Appointment{}, err
	}
	return r.one(ctx, "id = ? AND company_id = ?", id, cid)
}

// GetByUID returns the context's company's appointment with that Cal.com
// booking uid. Errors: ErrNotFound, tenant.ErrNoTenant.
func (r *Appointments) GetByUID(ctx context.Context, uid string) (Appointment, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Appointment{}, err
	}
	return r.one(ctx, "calcom_booking_uid = ? AND company_id = ?", uid, cid)
}

func (r *Appointments) one(ctx context.Context, where string, args ...any) (Appointment, error) {
	a, err := scanAppointment(r.s.db.QueryRowContext(ctx, "SELECT "+appointmentCols+" FROM appointments WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Appointment{}, ErrNotFound
	}
	if err != nil {
		return Appointment{}, fmt.Errorf("get appointment: %w", err)
	}
	return a, nil
}

// List returns the context's company's appointments ordered by start time
// (then id). Errors: tenant.ErrNoTenant.
func (r *Appointments) List(ctx context.Context, page Page) ([]Appointment, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list appointments", scanAppointment,
		"SELECT "+appointmentCols+" FROM appointments WHERE company_id = ? ORDER BY starts_at, id"+page.sql(), cid)
}

// maxUpcoming bounds [Appointments.UpcomingForCustomer].
const maxUpcoming = 50

// UpcomingForCustomer returns the context's company's booked appointments of
// a customer that start after after, ordered by start time (then id), at
// most 50: what a caller may cancel or reschedule. Cancelled and
// rescheduled appointments are not listed; a customer of another company
// has none here. Errors: tenant.ErrNoTenant.
func (r *Appointments) UpcomingForCustomer(ctx context.Context, customerID int64, after time.Time) ([]Appointment, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list upcoming appointments", scanAppointment,
		"SELECT "+appointmentCols+" FROM appointments WHERE company_id = ? AND customer_id = ? AND status = ? AND starts_at > ? "+
			"ORDER BY starts_at, id LIMIT ?", cid, customerID, AppointmentBooked, after.UTC().Truncate(time.Microsecond), maxUpcoming)
}
