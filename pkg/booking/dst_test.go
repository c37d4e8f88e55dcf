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

// TestCheckAvailabilityDST: on the last Sunday of March and of October the
// day asked is midnight to midnight in the branch's zone (23 and 25 hours),
// Cal.com is asked in that zone, and slots before, in and after the switch
// hour are given with the right offset and spoken as the wall clock shows.
func TestCheckAvailabilityDST(t *testing.T) {
	utc := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	for _, zone := range []string{"Europe/Berlin", "Europe/Vienna", "Europe/Zurich"} {
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			calEachDialect(t, booking.CalendarConfig{MaxOptions: 10}, func(t *testing.T, b calBundle) {
				_, err := b.st.Branches.Update(b.ctx, b.branch.ID, store.BranchPatch{Timezone: &zone})
				require.NoError(t, err)
				b.branch, err = b.st.Branches.Get(b.ctx, b.branch.ID)
				require.NoError(t, err)
				_, err = b.st.WorkingHours.Set(b.ctx, b.branch.ID, 7, "00:00", "24:00")
				require.NoError(t, err)
				b.cal.SetAvailability(fixtureEventType, zone, calcomtest.Availability{Slots: []time.Time{
					utc(3, 28, 23, 30), utc(3, 29, 0, 30), utc(3, 29, 1, 0), utc(3, 29, 9, 0), utc(3, 29, 22, 30), // 0:30 CET ... 0:30 the next day
					utc(10, 24, 22, 30), utc(10, 25, 0, 30), utc(10, 25, 1, 30), utc(10, 25, 9, 0), utc(10, 25, 23, 30),
				}})
				ctx := context.Background()

				ans := b.serve(t, ctx, b.call(booking.FuncCheckAvailability, fixtureCaller, map[string]string{"service": "damenhaarschnitt", "date": "2026-03-29"}))
				require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
				assert.Equal(t, []string{"2026-03-29T00:30:00+01:00", "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T11:00:00+02:00"},
					slotStarts(t, ans), "the 23-hour day; 22:30Z is already the 30th")
				assert.Equal(t, "Am Sonntag, 29. März, ist um 0:30, 1:30, 3:00 oder 11:00 Uhr frei.", ans.Result)
				q := b.cal.RequestsOf(calcomtest.OpSlots)[0].Query
				assert.Equal(t, zone, q.Get("timeZone"))
				assert.Equal(t, "2026-03-28T23:00:00Z", q.Get("start"))
				assert.Equal(t, "2026-03-29T22:00:00Z", q.Get("end"))

				ans = b.serve(t, ctx, b.call(booking.FuncCheckAvailability, fixtureCaller, map[string]string{"service": "damenhaarschnitt", "date": "2026-10-25"}))
				require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
				assert.Equal(t, []string{"2026-10-25T00:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-10-25T10:00:00+01:00"},
					slotStarts(t, ans), "the 25-hour day; 23:30Z is already the 26th")
				assert.Equal(t, "Am Sonntag, 25. Oktober, ist um 0:30, 2:30 Uhr Sommerzeit, 2:30 Uhr Winterzeit oder 10:00 Uhr frei.", ans.Result)
				q = b.cal.RequestsOf(calcomtest.OpSlots)[1].Query
				assert.Equal(t, "2026-10-24T22:00:00Z", q.Get("start"))
				assert.Equal(t, "2026-10-25T23:00:00Z", q.Get("end"))

				// Booking the second 2:30 stores that instant.
				ans = b.serve(t, ctx, b.call(booking.FuncBookAppointment, fixtureCaller, map[string]string{"service": "damenhaarschnitt",
					"start_time": "2026-10-25T02:30:00+01:00", "customer_name": "Anna Schmidt"}))
				require.Equal(t, booking.StatusOK, ans.Status, ans.Result)
				assert.Equal(t, "Ihr Termin für Damenhaarschnitt ist am Sonntag, 25. Oktober, um 2:30 Uhr Winterzeit eingetragen.", ans.Result)
				apps, err := b.st.Appointments.List(b.ctx, store.Page{})
				require.NoError(t, err)
				require.Len(t, apps, 1)
				assert.True(t, apps[0].StartsAt.Equal(utc(10, 25, 1, 30)), "got %s", apps[0].StartsAt)
			})
		})
	}
}
