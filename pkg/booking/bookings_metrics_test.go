package booking_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBookingsTotal counts each booking outcome by status and branch:
// booked, conflict (the slot taken by another caller), cancelled, and
// failed (Cal.com refusing); questions and availability are not counted.
func TestBookingsTotal(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	b := calSetup(t, dbtest.SQLite(t), booking.CalendarConfig{Registerer: reg})
	branch := func() string { return strconv.FormatInt(b.branch.ID, 10) }
	count := func(status string) float64 { return bookingsCount(t, reg, status, branch()) }
	book := func(caller, callID string) booking.Answer {
		c := b.call(booking.FuncBookAppointment, caller, map[string]string{"service": "damenhaarschnitt",
			"start_time": "2026-03-12T14:00:00+01:00", "customer_name": "Kundin"})
		c.CallID = callID
		return b.serve(t, context.Background(), c)
	}
	b.serve(t, context.Background(), b.fixtureCall(t, "function_call_check_availability.json"))
	require.Equal(t, booking.StatusOK, book("+4915111111111", "call_a").Status)
	require.Equal(t, booking.StatusConflict, book("+4915122222222", "call_b").Status)
	ans := b.serve(t, context.Background(), b.call(booking.FuncCancelAppointment, "+4915111111111", map[string]string{}))
	require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
	b.cal.Fail(calcomtest.OpSlots, 500, "", -1)
	b.cal.Fail(calcomtest.OpReserve, 500, "", -1)
	require.Equal(t, booking.StatusUnavailable, book("+4915133333333", "call_c").Status)

	n, err := testutil.GatherAndCount(reg, "askproai_bookings_total")
	require.NoError(t, err)
	assert.Equal(t, 4, n, "four outcomes; check_availability is not a booking outcome")
	assert.Equal(t, 1.0, count(booking.BookingBooked))
	assert.Equal(t, 1.0, count(booking.BookingConflict))
	assert.Equal(t, 1.0, count(booking.BookingCancelled))
	assert.Equal(t, 1.0, count(booking.BookingFailed))
	assert.Equal(t, 0.0, count(booking.BookingRescheduled))
}

// bookingsCount reads askproai_bookings_total{status,branch} from reg (0
// when the series does not exist).
func bookingsCount(t *testing.T, reg prometheus.Gatherer, status, branch string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "askproai_bookings_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["status"] == status && labels["branch"] == branch {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
