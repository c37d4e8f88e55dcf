package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bookFor books start for caller through book_appointment and returns the
// stored appointment.
func bookFor(t *testing.T, b calBundle, caller, start string) store.Appointment {
	t.Helper()
	c := b.call(booking.FuncBookAppointment, caller, map[string]string{"service": "damenhaarschnitt", "start_time": start, "customer_name": "Kunde " + caller})
	c.CallID = "call_" + caller + start
	ans := b.serve(t, context.Background(), c)
	require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
	uid, _ := ans.Data.(map[string]any)["booking_uid"].(string)
	app, err := b.st.Appointments.GetByUID(b.ctx, uid)
	require.NoError(t, err)
	return app
}

func TestCancelAppointment(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
		const other = "+4915199999999"
		theirs := bookFor(t, b, other, "2026-03-12T10:00:00+01:00")
		ctx := context.Background()

		// No appointment of the caller: not found, the other's is never offered.
		ans := b.serve(t, ctx, b.call(booking.FuncCancelAppointment, fixtureCaller, map[string]string{}))
		assert.Equal(t, booking.StatusNotFound, ans.Status)
		ans = b.serve(t, ctx, b.call(booking.FuncCancelAppointment, fixtureCaller, map[string]string{"start_time": "2026-03-12T10:00:00+01:00"}))
		assert.Equal(t, booking.StatusNotFound, ans.Status, "another customer's appointment is not the caller's")
		ans = b.serve(t, ctx, b.call(booking.FuncCancelAppointment, "", map[string]string{}))
		assert.Equal(t, booking.StatusNotFound, ans.Status, "a withheld number finds nothing")

		mine1 := bookFor(t, b, fixtureCaller, "2026-03-12T14:00:00+01:00")
		mine2 := bookFor(t, b, fixtureCaller, "2026-03-13T09:00:00+01:00")

		// Two: ask which, listing only the caller's, by day and time.
		ans = b.serve(t, ctx, b.call(booking.FuncCancelAppointment, fixtureCaller, map[string]string{}))
		require.Equal(t, booking.StatusAsk, ans.Status)
		assert.Equal(t, "Ich finde mehrere Termine: übermorgen, Donnerstag, 12. März, um 14:00 Uhr (Damenhaarschnitt) und "+
			"am Freitag, 13. März, um 9:00 Uhr (Damenhaarschnitt). Welchen meinen Sie?", ans.Result)
		assert.NotContains(t, ans.Result, "10:00")
		ans = b.serve(t, ctx, b.call(booking.FuncCancelAppointment, fixtureCaller, map[string]string{"start_time": "2026-03-12T10:00:00+01:00"}))
		assert.Equal(t, booking.StatusAsk, ans.Status, "a start matching none of the caller's asks")

		ans = b.serve(t, ctx, b.call(booking.FuncCancelAppointment, fixtureCaller, map[string]string{"start_time": "2026-03-13T09:00:00+01:00", "reason": "krank"}))
		require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
		assert.Equal(t, "Ihr Termin am Freitag, 13. März, um 9:00 Uhr ist abgesagt.", ans.Result)
		bk, ok := b.cal.Booking(mine2.CalcomBookingUID)
		require.True(t, ok)
		assert.Equal(t, "cancelled", bk.Status)
		assert.Equal(t, "krank", bk.CancellationReason)
		got, err := b.st.Appointments.GetByUID(b.ctx, mine2.CalcomBookingUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentCancelled, got.Status)

		// One left: cancelled without asking.
		ans = b.serve(t, ctx, b.call(booking.FuncCancelAppointment, fixtureCaller, map[string]string{}))
		require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
		got, err = b.st.Appointments.GetByUID(b.ctx, mine1.CalcomBookingUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentCancelled, got.Status)

		bk, _ = b.cal.Booking(theirs.CalcomBookingUID)
		assert.Equal(t, "accepted", bk.Status, "the other customer's booking is untouched")
		got, err = b.st.Appointments.GetByUID(b.ctx, theirs.CalcomBookingUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentBooked, got.Status)
	})
}

func TestRescheduleAppointment(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
		ctx := context.Background()
		const other = "+4915199999999"
		theirs := bookFor(t, b, other, "2026-03-12T16:00:00+01:00")
		mine := bookFor(t, b, fixtureCaller, "2026-03-12T14:00:00+01:00")

		// The new time is taken (by the other customer): alternatives.
		ans := b.serve(t, ctx, b.call(booking.FuncRescheduleAppointment, fixtureCaller, map[string]string{"new_start_time": "2026-03-12T16:00:00+01:00"}))
		require.Equal(t, booking.StatusConflict, ans.Status, ans.Result)
		assert.NotContains(t, slotStarts(t, ans), "2026-03-12T16:00:00+01:00")

		ans = b.serve(t, ctx, b.call(booking.FuncRescheduleAppointment, fixtureCaller, map[string]string{"new_start_time": "2026-03-13T11:00:00+01:00"}))
		require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
		assert.Equal(t, "Ihr Termin ist verschoben auf Freitag, 13. März, um 11:00 Uhr.", ans.Result)
		newUID := ans.Data.(map[string]any)["booking_uid"].(string)
		require.NotEqual(t, mine.CalcomBookingUID, newUID)

		old, err := b.st.Appointments.GetByUID(b.ctx, mine.CalcomBookingUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentRescheduled, old.Status)
		moved, err := b.st.Appointments.GetByUID(b.ctx, newUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentBooked, moved.Status)
		assert.Equal(t, mine.CalcomBookingUID, moved.RescheduledFromUID)
		assert.True(t, moved.StartsAt.Equal(time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC)))
		assert.Equal(t, mine.CustomerID, moved.CustomerID)
		assert.Equal(t, store.SourcePhone, moved.Source)

		// Cal.com's BOOKING_RESCHEDULED arrives too: the same two rows.
		n := count(t, b.testBundle, "appointments")
		b.mustProcess(t, "calcom", "BOOKING_RESCHEDULED", edit(t, sample(t, "calcom", "BOOKING_RESCHEDULED", "x"), func(m map[string]any) {
			p := sub(m, "payload")
			p["uid"], p["rescheduleUid"] = newUID, mine.CalcomBookingUID
			p["startTime"], p["endTime"] = "2026-03-13T10:00:00Z", "2026-03-13T11:00:00Z"
			p["rescheduleStartTime"], p["rescheduleEndTime"] = "2026-03-12T13:00:00Z", "2026-03-12T14:00:00Z"
			p["attendees"].([]any)[0].(map[string]any)["phoneNumber"] = fixtureCaller
		}))
		assert.Equal(t, n, count(t, b.testBundle, "appointments"))
		old, err = b.st.Appointments.GetByUID(b.ctx, mine.CalcomBookingUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentRescheduled, old.Status)

		// The other customer's booking was never touched.
		bk, _ := b.cal.Booking(theirs.CalcomBookingUID)
		assert.Equal(t, "accepted", bk.Status)
		assert.Empty(t, b.cal.RequestsOf(calcomtest.OpCancel))
	})
}

// TestBookAmbiguous: Cal.com booked but its answer was lost. The
// reservation is gone (used up by our booking): the caller is told it is
// booked, nothing is booked twice, and a repeat after the webhook is
// recognised as ours.
func TestBookAmbiguous(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
		b.cal.FailAfterProcessing(calcomtest.OpCreateBooking, 502, 1)
		c := b.call(booking.FuncBookAppointment, fixtureCaller, map[string]string{"service": "damenhaarschnitt",
			"start_time": "2026-03-12T14:00:00+01:00", "customer_name": "Anna Schmidt"})
		ans := b.serve(t, context.Background(), c)
		require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
		assert.Equal(t, false, ans.Data.(map[string]any)["confirmed"])
		require.Len(t, b.cal.Bookings(), 1)
		assert.Len(t, b.cal.RequestsOf(calcomtest.OpCreateBooking), 1, "never sent twice")
		_, err := b.st.Customers.GetByPhone(b.ctx, fixtureCaller)
		require.NoError(t, err, "the customer is written")
	})
}
