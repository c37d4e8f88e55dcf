package booking

import (
	"context"
	"fmt"
	"strconv"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// Statuses of askproai_bookings_total (DESIGN "Observability").
const (
	BookingBooked      = "booked"
	BookingConflict    = "conflict"
	BookingFailed      = "failed"
	BookingCancelled   = "cancelled"
	BookingRescheduled = "rescheduled"
)

// bookingsCounter counts what the booking functions did, by status and
// branch id: askproai_bookings_total{status,branch}.
type bookingsCounter struct{ vec *prometheus.CounterVec }

func newBookingsCounter(reg prometheus.Registerer) (*bookingsCounter, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Name: "bookings_total",
		Help: "Outcomes of the agent's booking functions: booked, conflict (slot taken, alternatives offered), failed (Cal.com unavailable or an error), cancelled, rescheduled; by branch id.",
	}, []string{"status", "branch"})
	vec, err := metrics.Register(reg, vec)
	if err != nil {
		return nil, fmt.Errorf("booking: register bookings_total: %w", err)
	}
	return &bookingsCounter{vec: vec}, nil
}

// outcome is the bookings_total status of one function's answer, "" when
// the answer is not a booking outcome (a question, nothing found, bad
// arguments, or check_availability).
func outcome(name string, a Answer, err error) string {
	if name == FuncCheckAvailability {
		return ""
	}
	if err != nil || a.Status == StatusUnavailable {
		return BookingFailed
	}
	switch {
	case a.Status == StatusConflict:
		return BookingConflict
	case a.Status != StatusOK:
		return ""
	case name == FuncBookAppointment:
		return BookingBooked
	case name == FuncCancelAppointment:
		return BookingCancelled
	case name == FuncRescheduleAppointment:
		return BookingRescheduled
	}
	return ""
}

// counted wraps a booking function so that each outcome is counted.
func (b *bookingsCounter) counted(name string, f Function) Function {
	return FunctionFunc(func(ctx context.Context, c Call) (Answer, error) {
		a, err := f.Serve(ctx, c)
		if s := outcome(name, a, err); s != "" {
			b.vec.WithLabelValues(s, strconv.FormatInt(c.Branch.ID, 10)).Inc()
		}
		return a, err
	})
}
