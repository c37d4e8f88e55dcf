package store_test

import (
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppointmentsUpcomingForCustomer(t *testing.T) {
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, br := seed(t, st, b, "upcoming", "+4930901821")
		anna, err := st.Customers.Create(ctx, store.NewCustomer{Name: "Anna", PhoneNumber: "+4915112345678"})
		require.NoError(t, err)
		ben, err := st.Customers.Create(ctx, store.NewCustomer{Name: "Ben", PhoneNumber: "+4915112345679"})
		require.NoError(t, err)
		now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		add := func(uid string, who int64, start time.Time, status string) {
			require.NoError(t, st.Appointments.Merge(ctx, store.AppointmentEvent{UID: uid, StartsAt: start, EndsAt: start.Add(time.Hour),
				Status: status, BranchID: &br.ID, CustomerID: &who}))
		}
		add("later", anna.ID, now.Add(48*time.Hour), store.AppointmentBooked)
		add("sooner", anna.ID, now.Add(24*time.Hour), store.AppointmentBooked)
		add("past", anna.ID, now.Add(-time.Hour), store.AppointmentBooked)
		add("cancelled", anna.ID, now.Add(30*time.Hour), store.AppointmentCancelled)
		add("moved", anna.ID, now.Add(31*time.Hour), store.AppointmentRescheduled)
		add("bens", ben.ID, now.Add(25*time.Hour), store.AppointmentBooked)

		got, err := st.Appointments.UpcomingForCustomer(ctx, anna.ID, now)
		require.NoError(t, err)
		var uids []string
		for _, a := range got {
			uids = append(uids, a.CalcomBookingUID)
		}
		assert.Equal(t, []string{"sooner", "later"}, uids)
	})
}
