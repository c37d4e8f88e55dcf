package booking_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckAvailability(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
		ctx := context.Background()
		ans := b.serve(t, ctx, b.fixtureCall(t, "function_call_check_availability.json"))
		require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
		// 9:00 ... 17:00 free: three spread over the day.
		assert.Equal(t, "Übermorgen, Donnerstag, 12. März, ist um 9:00, 13:00 oder 17:00 Uhr frei.", ans.Result)
		assert.Equal(t, []string{"2026-03-12T09:00:00+01:00", "2026-03-12T13:00:00+01:00", "2026-03-12T17:00:00+01:00"}, slotStarts(t, ans))
		reqs := b.cal.RequestsOf(calcomtest.OpSlots)
		require.Len(t, reqs, 1)
		assert.Equal(t, "Europe/Berlin", reqs[0].Query.Get("timeZone"))
		assert.Equal(t, "4711", reqs[0].Query.Get("eventTypeId"))
		assert.Equal(t, "2026-03-11T23:00:00Z", reqs[0].Query.Get("start"), "the day starts at midnight in Berlin")

		// The same day again within the TTL: from the cache.
		ans = b.serve(t, ctx, b.call(booking.FuncCheckAvailability, fixtureCaller, map[string]string{"service": "Damen-Haarschnitt", "date": "2026-03-12", "time": "14:30"}))
		require.Equal(t, booking.StatusOK, ans.Status)
		assert.Len(t, b.cal.RequestsOf(calcomtest.OpSlots), 1, "served from the cache")
		assert.Equal(t, "Um 14:30 Uhr ist übermorgen, Donnerstag, 12. März, leider nichts frei. Möglich wäre um 13:00, 14:00 oder 15:00 Uhr.", ans.Result)

		ans = b.serve(t, ctx, b.call(booking.FuncCheckAvailability, fixtureCaller, map[string]string{"service": "damenhaarschnitt", "date": "2026-03-12", "time": "14:00"}))
		assert.Equal(t, "Übermorgen, Donnerstag, 12. März, ist um 14:00 Uhr frei.", ans.Result)

		// Sunday is closed: the next free day is offered.
		ans = b.serve(t, ctx, b.call(booking.FuncCheckAvailability, fixtureCaller, map[string]string{"service": "Herrenschnitt", "date": "2026-03-15"}))
		require.Equal(t, booking.StatusNoSlots, ans.Status, ans.Result)
		assert.Equal(t, "Am Sonntag, 15. März, ist leider nichts frei. Der nächste freie Tag ist Montag, 16. März: um 9:00, 13:00 oder 17:00 Uhr.", ans.Result)
		assert.Equal(t, "4712", b.cal.RequestsOf(calcomtest.OpSlots)[1].Query.Get("eventTypeId"), "Herrenschnitt is Herrenhaarschnitt")

		for _, tt := range []struct {
			args   map[string]string
			status string
		}{
			{map[string]string{"service": "damenhaarschnitt", "date": "2026-03-09"}, booking.StatusInvalid},
			{map[string]string{"service": "damenhaarschnitt", "date": "bald"}, booking.StatusInvalid},
			{map[string]string{"service": "haarschnitt", "date": "2026-03-12"}, booking.StatusAsk},
			{map[string]string{"service": "Massage", "date": "2026-03-12"}, booking.StatusNotFound},
			{map[string]string{"service": "damenhaarschnitt"}, booking.StatusAsk},
		} {
			ans := b.serve(t, ctx, b.call(booking.FuncCheckAvailability, fixtureCaller, tt.args))
			assert.Equal(t, tt.status, ans.Status, "%v: %s", tt.args, ans.Result)
		}
	})
}

// TestCheckAvailabilityOpeningHours: Cal.com offers 9-18, the branch opens
// 12-16 on Thursdays: only slots inside the branch's hours are offered.
func TestCheckAvailabilityOpeningHours(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{MaxOptions: 10}, func(t *testing.T, b calBundle) {
		_, err := b.st.WorkingHours.Set(b.ctx, b.branch.ID, 4, "12:00", "16:00")
		require.NoError(t, err)
		ans := b.serve(t, context.Background(), b.call(booking.FuncCheckAvailability, fixtureCaller, map[string]string{"service": "damenhaarschnitt", "date": "2026-03-12"}))
		require.Equal(t, booking.StatusOK, ans.Status)
		assert.Equal(t, []string{"2026-03-12T12:00:00+01:00", "2026-03-12T13:00:00+01:00", "2026-03-12T14:00:00+01:00", "2026-03-12T15:00:00+01:00"}, slotStarts(t, ans))
	})
}

func TestBookAppointmentFixture(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
		ans := b.serve(t, context.Background(), b.fixtureCall(t, "function_call_book_appointment.json"))
		require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
		assert.Equal(t, "Ihr Termin für Damenhaarschnitt ist übermorgen, Donnerstag, 12. März, um 14:00 Uhr eingetragen.", ans.Result)

		bks := b.cal.Bookings()
		require.Len(t, bks, 1)
		bk := bks[0]
		assert.True(t, bk.Start.Equal(time.Date(2026, 3, 12, 13, 0, 0, 0, time.UTC)))
		assert.Equal(t, "Anna Schmidt", bk.Attendee.Name)
		assert.Equal(t, fixtureCaller, bk.Attendee.PhoneNumber)
		assert.Equal(t, "Europe/Berlin", bk.Attendee.TimeZone)
		assert.Equal(t, "de", bk.Attendee.Language)
		assert.NotEmpty(t, bk.ReservedSlotUID, "booked with the reservation")
		assert.Equal(t, "phone", bk.Metadata[booking.MetaSource])
		assert.Equal(t, fixtureCallID, bk.Metadata[booking.MetaCallID])
		require.Len(t, b.cal.RequestsOf(calcomtest.OpReserve), 1)

		apps, err := b.st.Appointments.List(b.ctx, store.Page{})
		require.NoError(t, err)
		require.Len(t, apps, 1)
		app := apps[0]
		assert.Equal(t, bk.UID, app.CalcomBookingUID)
		assert.Equal(t, store.AppointmentBooked, app.Status)
		assert.Equal(t, store.SourcePhone, app.Source)
		assert.True(t, app.StartsAt.Equal(bk.Start) && app.EndsAt.Equal(bk.Start.Add(time.Hour)))
		require.NotNil(t, app.ServiceID)
		assert.Equal(t, b.service.ID, *app.ServiceID)
		require.NotNil(t, app.CallID)
		call, err := b.st.Calls.GetByRetellID(b.ctx, fixtureCallID)
		require.NoError(t, err)
		assert.Equal(t, call.ID, *app.CallID)
		cust, err := b.st.Customers.GetByPhone(b.ctx, fixtureCaller)
		require.NoError(t, err)
		assert.Equal(t, "Anna Schmidt", cust.Name)
		require.NotNil(t, app.CustomerID)
		assert.Equal(t, cust.ID, *app.CustomerID)

		// Cal.com's BOOKING_CREATED for it merges into the same row.
		b.mustProcess(t, "calcom", "BOOKING_CREATED", edit(t, sample(t, "calcom", "BOOKING_CREATED", "x"), func(m map[string]any) {
			p := sub(m, "payload")
			p["uid"], p["startTime"], p["endTime"] = bk.UID, "2026-03-12T13:00:00Z", "2026-03-12T14:00:00Z"
			p["attendees"].([]any)[0].(map[string]any)["phoneNumber"] = fixtureCaller // the number we booked with
		}))
		assert.Equal(t, 1, count(t, b.testBundle, "appointments"))
		merged, err := b.st.Appointments.GetByUID(b.ctx, bk.UID)
		require.NoError(t, err)
		assert.Equal(t, app.CustomerID, merged.CustomerID)
		assert.Equal(t, store.SourcePhone, merged.Source, "the source stays ours")
		assert.Equal(t, app.CallID, merged.CallID)

		// A repeat (our booking is stored): success, nothing sent again.
		ans = b.serve(t, context.Background(), b.fixtureCall(t, "function_call_book_appointment.json"))
		require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
		assert.Len(t, b.cal.Bookings(), 1)
		assert.Len(t, b.cal.RequestsOf(calcomtest.OpReserve), 1)
	})
}

// TestBookAppointmentRace: two callers want the same slot at the same
// moment: one booking, the other is offered the nearest free times.
func TestBookAppointmentRace(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
		callers := []string{"+4915111111111", "+4915122222222"}
		answers := make([]booking.Answer, len(callers))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, caller := range callers {
			wg.Go(func() {
				<-start
				c := b.call(booking.FuncBookAppointment, caller, map[string]string{"service": "damenhaarschnitt",
					"start_time": "2026-03-12T14:00:00+01:00", "customer_name": "Kundin " + caller})
				c.CallID = "call_" + caller
				answers[i] = b.serve(t, context.Background(), c)
			})
		}
		close(start)
		wg.Wait()
		var ok, conflict int
		for _, a := range answers {
			switch a.Status {
			case booking.StatusOK:
				ok++
			case booking.StatusConflict:
				conflict++
				assert.Equal(t, []string{"2026-03-12T12:00:00+01:00", "2026-03-12T13:00:00+01:00", "2026-03-12T15:00:00+01:00"},
					slotStarts(t, a), "the three nearest to 14:00, in order")
				assert.Contains(t, a.Result, "ist leider gerade vergeben worden")
			}
		}
		assert.Equal(t, 1, ok, "%+v", answers)
		assert.Equal(t, 1, conflict, "%+v", answers)
		assert.Len(t, b.cal.Bookings(), 1)
		assert.Equal(t, 1, count(t, b.testBundle, "appointments"))
	})
}

func TestBookAppointmentInvalid(t *testing.T) {
	calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
		for _, tt := range []struct {
			args   map[string]string
			status string
		}{
			{map[string]string{"service": "damenhaarschnitt", "start_time": "2026-03-09T14:00:00+01:00", "customer_name": "A"}, booking.StatusInvalid},
			{map[string]string{"service": "damenhaarschnitt", "start_time": "Donnerstag", "customer_name": "A"}, booking.StatusInvalid},
			{map[string]string{"service": "damenhaarschnitt", "start_time": "2026-03-12T14:00:00+01:00"}, booking.StatusAsk},
			{map[string]string{"service": "Haarschnitt", "start_time": "2026-03-12T14:00:00+01:00", "customer_name": "A"}, booking.StatusAsk},
		} {
			ans := b.serve(t, context.Background(), b.call(booking.FuncBookAppointment, fixtureCaller, tt.args))
			assert.Equal(t, tt.status, ans.Status, "%v: %s", tt.args, ans.Result)
		}
		assert.Empty(t, b.cal.Requests(), "nothing was sent to Cal.com")
		assert.Equal(t, 0, count(t, b.testBundle, "appointments"))
	})
}

// TestCalendarUnavailable: Cal.com down or answering after 30 s: every
// function answers StatusUnavailable within its budget, nothing written.
func TestCalendarUnavailable(t *testing.T) {
	book := map[string]string{"service": "damenhaarschnitt", "start_time": "2026-03-12T14:00:00+01:00", "customer_name": "Anna Schmidt"}
	check := map[string]string{"service": "damenhaarschnitt", "date": "2026-03-12"}
	t.Run("down", func(t *testing.T) {
		t.Parallel()
		calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
			for _, op := range []calcomtest.Op{calcomtest.OpSlots, calcomtest.OpReserve} {
				b.cal.Fail(op, http.StatusInternalServerError, "down", -1)
			}
			before := dump(t, b.testBundle)
			for name, args := range map[string]any{booking.FuncCheckAvailability: check, booking.FuncBookAppointment: book} {
				ans := b.serve(t, context.Background(), b.call(name, fixtureCaller, args))
				assert.Equal(t, booking.StatusUnavailable, ans.Status, name)
				assert.Contains(t, ans.Result, "rufen Sie gern zurück")
			}
			assert.Equal(t, before, dump(t, b.testBundle), "nothing written")
		})
	})
	t.Run("book fails after reserve", func(t *testing.T) {
		t.Parallel()
		calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
			b.cal.Fail(calcomtest.OpCreateBooking, http.StatusServiceUnavailable, "maintenance", -1)
			before := dump(t, b.testBundle)
			ans := b.serve(t, context.Background(), b.call(booking.FuncBookAppointment, fixtureCaller, book))
			assert.Equal(t, booking.StatusUnavailable, ans.Status, ans.Result)
			assert.Empty(t, b.cal.Bookings())
			assert.Empty(t, b.cal.Reservations(), "the reservation was released")
			assert.Len(t, b.cal.RequestsOf(calcomtest.OpRelease), 1)
			assert.Equal(t, before, dump(t, b.testBundle), "nothing written")
		})
	})
	t.Run("slow", func(t *testing.T) {
		t.Parallel()
		calEachDialect(t, booking.CalendarConfig{}, func(t *testing.T, b calBundle) {
			for _, op := range []calcomtest.Op{calcomtest.OpSlots, calcomtest.OpReserve, calcomtest.OpCancel, calcomtest.OpReschedule} {
				b.cal.Delay(op, 30*time.Second)
			}
			seedAppointment(t, b, "bk_slow", fixtureCaller, time.Date(2026, 3, 13, 9, 0, 0, 0, time.UTC))
			before := dump(t, b.testBundle)
			for name, args := range map[string]any{booking.FuncCheckAvailability: check, booking.FuncBookAppointment: book,
				booking.FuncCancelAppointment: map[string]string{}, booking.FuncRescheduleAppointment: map[string]string{"new_start_time": "2026-03-13T15:00:00+01:00"}} {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				began := time.Now()
				ans := b.serve(t, ctx, b.call(name, fixtureCaller, args))
				cancel()
				assert.Less(t, time.Since(began), 3*time.Second, name)
				assert.Equal(t, booking.StatusUnavailable, ans.Status, "%s: %s", name, ans.Result)
			}
			assert.Equal(t, before, dump(t, b.testBundle), "nothing written")
			assert.Empty(t, b.cal.Bookings())
		})
	})
}

// seedAppointment books start at the fake for caller's customer and stores
// it as the webhook would.
func seedAppointment(t *testing.T, b calBundle, uid, caller string, start time.Time) store.Appointment {
	t.Helper()
	id, err := b.st.Customers.Ensure(b.ctx, caller, "Kunde "+caller, "")
	require.NoError(t, err)
	require.NoError(t, b.st.Appointments.Merge(b.ctx, store.AppointmentEvent{UID: uid, StartsAt: start, EndsAt: start.Add(time.Hour),
		Status: store.AppointmentBooked, BranchID: &b.branch.ID, ServiceID: &b.service.ID, CustomerID: &id}))
	app, err := b.st.Appointments.GetByUID(b.ctx, uid)
	require.NoError(t, err)
	return app
}

// TestCalendarCachesServicesAndHours checks that a branch's services and
// opening hours are read from the database once per CacheTTL: a service
// added meanwhile is offered only once the cache has expired, and so are
// changed opening hours.
func TestCalendarCachesServicesAndHours(t *testing.T) {
	t.Parallel()
	calEachDialect(t, booking.CalendarConfig{CacheTTL: 10 * time.Second, SlotCacheTTL: -1}, func(t *testing.T, b calBundle) {
		ctx := b.ctx
		ask := func(service string) booking.Answer {
			return b.serve(t, ctx, b.call(booking.FuncCheckAvailability, fixtureCaller, map[string]string{"service": service, "date": "2026-03-12", "time": "08:00"}))
		}
		require.Equal(t, booking.StatusNotFound, ask("Bartpflege").Status, "no such service yet")
		require.Contains(t, ask("Herrenhaarschnitt").Result, "Um 8:00 Uhr ist übermorgen, Donnerstag, 12. März, leider nichts frei", "08:00 is before opening")

		_, err := b.st.Services.Create(b.ctx, store.NewService{BranchID: b.branch.ID, Name: "Bartpflege", Type: "beard",
			DurationMinutes: 60, CalcomEventTypeID: ptr(int64(4712))})
		require.NoError(t, err)
		_, err = b.st.WorkingHours.Set(b.ctx, b.branch.ID, 4, "08:00", "18:00") // Thursday opens at 8 now
		require.NoError(t, err)
		// Cal.com has 08:00 free: only the branch's hours keep it closed.
		b.cal.SetAvailability(4712, "Europe/Berlin", calcomtest.Availability{Weekly: []calcomtest.Hours{{Weekday: time.Thursday, From: "08:00", To: "18:00"}}})
		b.clock.Advance(9 * time.Second)
		require.Equal(t, booking.StatusNotFound, ask("Bartpflege").Status, "the branch's services are cached")
		assert.Contains(t, ask("Herrenhaarschnitt").Result, "leider nichts frei", "the opening hours are cached: 08:00 is still closed")

		b.clock.Advance(2 * time.Second)
		ans := ask("Bartpflege")
		require.NotEqual(t, booking.StatusNotFound, ans.Status, "after CacheTTL the new service is found: %s", ans.Result)
		assert.Equal(t, "Übermorgen, Donnerstag, 12. März, ist um 8:00 Uhr frei.", ask("Herrenhaarschnitt").Result, "after CacheTTL 08:00 is open")
	})
}
