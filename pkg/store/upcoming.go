package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// NextOfCustomer returns the context's company's earliest booked
// appointment of a customer that starts after after: what the inbound call
// webhook tells the agent about a returning caller. It is one indexed
// lookup (appointments by customer_id). Errors: ErrNotFound (no such
// appointment, or the customer is another company's), tenant.ErrNoTenant.
func (r *Appointments) NextOfCustomer(ctx context.Context, customerID int64, after time.Time) (Appointment, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Appointment{}, err
	}
	a, err := r.one(ctx, "customer_id = ? AND company_id = ? AND status = ? AND starts_at > ? ORDER BY starts_at, id LIMIT 1",
		customerID, cid, AppointmentBooked, after.UTC().Truncate(time.Microsecond))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Appointment{}, fmt.Errorf("next appointment of customer %d: %w", customerID, err)
	}
	return a, err
}
