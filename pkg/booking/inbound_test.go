package booking_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inboundBody(from, to string) []byte {
	b, _ := json.Marshal(map[string]any{"event": "call_inbound", "call_inbound": map[string]any{
		"agent_id": "agent_4b1e9c7d2a6f4e8b9c0d1a2b3c4d5e6f", "agent_version": 1, "from_number": from, "to_number": to}})
	return b
}

// inboundVars posts the webhook and returns its dynamic variables (nil
// when the answer has none).
func inboundVars(t *testing.T, h http.Handler, from, to string) (map[string]string, string) {
	t.Helper()
	code, body := post(t, h, "/retell/inbound", inboundBody(from, to))
	require.Equal(t, http.StatusOK, code, string(body))
	var out struct {
		CallInbound *struct {
			DynamicVariables map[string]string `json:"dynamic_variables"`
		} `json:"call_inbound"`
	}
	require.NoError(t, json.Unmarshal(body, &out), string(body))
	require.NotNil(t, out.CallInbound, "call_inbound is always there: %s", body)
	return out.CallInbound.DynamicVariables, string(body)
}

func TestInbound(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		// clock is Tuesday, 10 March 2026, 13:00 in Berlin.
		_, err := b.st.WorkingHours.Set(b.ctx, b.branch.ID, 2, "09:00", "18:00")
		require.NoError(t, err)
		_, err = b.st.WorkingHours.Set(b.ctx, b.branch.ID, 3, "10:00", "14:00")
		require.NoError(t, err)
		anna, err := b.st.Customers.Create(b.ctx, store.NewCustomer{Name: "Anna Schmidt", PhoneNumber: fixtureCaller})
		require.NoError(t, err)
		book := func(ctx context.Context, uid string, cust int64, start time.Time, status string) {
			require.NoError(t, b.st.Appointments.Merge(ctx, store.AppointmentEvent{UID: uid, StartsAt: start, EndsAt: start.Add(time.Hour),
				Status: status, CustomerID: &cust}))
		}
		book(b.ctx, "bk_past", anna.ID, clock.Add(-48*time.Hour), store.AppointmentBooked)
		book(b.ctx, "bk_gone", anna.ID, clock.Add(time.Hour), store.AppointmentCancelled)
		book(b.ctx, "bk_next", anna.ID, time.Date(2026, 3, 12, 13, 0, 0, 0, time.UTC), store.AppointmentBooked)

		// Another company has a customer with the same number, and an
		// earlier appointment: never revealed on the first company's line.
		other, err := b.st.Companies.Create(b.sys, store.NewCompany{Name: "Praxis Fremd", Subdomain: "praxis-fremd", Industry: "medical"})
		require.NoError(t, err)
		octx := tenant.WithCompany(context.Background(), other.ID)
		_, err = b.st.Branches.Create(octx, store.NewBranch{Name: "Altona", PhoneNumber: "+494012345678", Timezone: "Europe/Berlin"})
		require.NoError(t, err)
		stranger, err := b.st.Customers.Create(octx, store.NewCustomer{Name: "Anna Fremd", PhoneNumber: fixtureCaller})
		require.NoError(t, err)
		book(octx, "bk_other", stranger.ID, clock.Add(2*time.Hour), store.AppointmentBooked)

		h := newFunctions(t, b.st, nil, nil, nil)

		t.Run("known customer", func(t *testing.T) {
			vars, _ := inboundVars(t, h, fixtureCaller, fixtureBranchPhone)
			assert.Equal(t, map[string]string{
				booking.VarCompanyName:       "Salon Haarmonie",
				booking.VarBranchName:        "Mitte",
				booking.VarOpeningHoursToday: "09:00 bis 18:00 Uhr",
				booking.VarCustomerName:      "Anna Schmidt",
				booking.VarNextAppointment:   "Donnerstag, 12. März um 14:00 Uhr",
			}, vars)
		})
		t.Run("a number written nationally is the same caller", func(t *testing.T) {
			vars, _ := inboundVars(t, h, "0151 23456789", fixtureBranchPhone)
			assert.Equal(t, "Anna Schmidt", vars[booking.VarCustomerName])
		})
		t.Run("other company's line", func(t *testing.T) {
			vars, body := inboundVars(t, h, fixtureCaller, "+494012345678")
			assert.Equal(t, "Praxis Fremd", vars[booking.VarCompanyName])
			assert.Equal(t, "Anna Fremd", vars[booking.VarCustomerName])
			assert.Equal(t, "Dienstag, 10. März um 15:00 Uhr", vars[booking.VarNextAppointment])
			assert.Equal(t, "heute geschlossen", vars[booking.VarOpeningHoursToday])
			assert.NotContains(t, body, "Schmidt", "the first company's customer is not revealed")
			assert.NotContains(t, body, "12. März")
		})
		t.Run("unknown number", func(t *testing.T) {
			vars, _ := inboundVars(t, h, "+4917099887766", fixtureBranchPhone)
			assert.Equal(t, map[string]string{
				booking.VarCompanyName:       "Salon Haarmonie",
				booking.VarBranchName:        "Mitte",
				booking.VarOpeningHoursToday: "09:00 bis 18:00 Uhr",
			}, vars)
		})
		t.Run("withheld number", func(t *testing.T) {
			vars, _ := inboundVars(t, h, "", fixtureBranchPhone)
			assert.NotContains(t, vars, booking.VarCustomerName)
			assert.Equal(t, "Mitte", vars[booking.VarBranchName])
		})
		t.Run("no branch", func(t *testing.T) {
			vars, body := inboundVars(t, h, fixtureCaller, "+498912345678")
			assert.Nil(t, vars)
			assert.JSONEq(t, `{"call_inbound":{}}`, body)
		})
	})
}
