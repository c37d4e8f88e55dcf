package appointments

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListRun(t *testing.T) {
	t.Parallel()
	branch, service := int64(2), int64(4)
	starts := time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC)
	appt := store.Appointment{ID: 21, CompanyID: 7, BranchID: &branch, ServiceID: &service, CalcomBookingUID: "bk_1",
		StartsAt: starts, EndsAt: starts.Add(45 * time.Minute), Status: store.AppointmentBooked, Source: store.SourcePhone}
	fake := cmdutiltest.Lister[store.Appointment]{Fn: func(ctx context.Context, page store.Page) ([]store.Appointment, error) {
		id, err := tenant.CompanyID(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(7), id, "listed inside the company")
		assert.Equal(t, store.Page{Limit: 100}, page)
		return []store.Appointment{appt}, nil
	}}
	opts := func(ios *iostreams.IOStreams) *ListOptions {
		return &ListOptions{IO: ios, CompanyID: 7, Page: store.Page{Limit: 100},
			Companies: func(context.Context) (cmdutil.CompanyGetter, error) { return cmdutiltest.OnlyCompany(7), nil },
			Lister:    func(context.Context) (appointmentLister, error) { return fake, nil }}
	}

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, listRun(context.Background(), opts(ios)))
	assert.Equal(t, "ID\tBOOKING UID\tSTARTS\tENDS\tSTATUS\tSOURCE\tBRANCH\tSERVICE\tCUSTOMER\tCALL\n"+
		"21\tbk_1\t2025-03-10T14:00:00Z\t2025-03-10T14:45:00Z\tbooked\tphone\t2\t4\t\t\n", out.String())

	ios, _, out, _ = iostreams.Test()
	o := opts(ios)
	o.Exporter = cmdutil.JSONExporter{}
	require.NoError(t, listRun(context.Background(), o))
	var got []store.Appointment
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, []store.Appointment{appt}, got)

}

// TestListOnSQLite lists what processing stored for one company, and never
// another company's appointments.
func TestListOnSQLite(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	st, err := b.Factory.Store(context.Background())
	require.NoError(t, err)
	sys := tenant.System(context.Background())
	salon, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon", Subdomain: "salon"})
	require.NoError(t, err)
	other, err := st.Companies.Create(sys, store.NewCompany{Name: "Praxis", Subdomain: "praxis"})
	require.NoError(t, err)
	starts := time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC)
	inSalon := tenant.WithCompany(context.Background(), salon.ID)
	require.NoError(t, st.Appointments.Merge(inSalon, store.AppointmentEvent{UID: "bk_1", StartsAt: starts, EndsAt: starts.Add(time.Hour), Status: store.AppointmentCancelled}))
	require.NoError(t, st.Appointments.Merge(inSalon, store.AppointmentEvent{UID: "bk_1", StartsAt: starts, EndsAt: starts.Add(time.Hour), Status: store.AppointmentBooked}))
	require.NoError(t, st.Appointments.Merge(tenant.WithCompany(context.Background(), other.ID),
		store.AppointmentEvent{UID: "bk_other", StartsAt: starts, EndsAt: starts.Add(time.Hour), Status: store.AppointmentBooked}))

	var opts *ListOptions
	cmd := NewCmdList(b.Factory, func(o *ListOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"--company", strconv.FormatInt(salon.ID, 10), "-o", "json"})
	require.NoError(t, cmd.Execute())
	require.NoError(t, listRun(context.Background(), opts))
	var got []store.Appointment
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &got))
	require.Len(t, got, 1)
	assert.Equal(t, "bk_1", got[0].CalcomBookingUID)
	assert.Equal(t, store.AppointmentCancelled, got[0].Status, "a cancellation processed first stays")
	assert.Equal(t, starts, got[0].StartsAt)
}
