package booking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFixtures: the fixtures' events give exactly the expected rows, and
// processing them all again changes nothing.
func TestFixtures(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		events := []struct{ provider, event, id string }{
			{"retell", "call_started", fixtureCallID},
			{"retell", "call_ended", fixtureCallID},
			{"retell", "call_analyzed", fixtureCallID},
			{"calcom", "BOOKING_CREATED", fixtureUID},
			{"stripe", "payment_intent.succeeded", "evt_3Ts0FixturePiSucceeded01"},
		}
		for _, e := range events {
			b.mustProcess(t, e.provider, e.event, sample(t, e.provider, e.event, e.id))
		}
		want := dump(t, b)
		assert.Equal(t, 1, count(t, b, "calls"))
		assert.Equal(t, 2, count(t, b, "customers"), "the caller and the Cal.com attendee")
		assert.Equal(t, 1, count(t, b, "appointments"))
		assert.Equal(t, 1, count(t, b, "payments"))

		call, err := b.st.Calls.GetByRetellID(b.ctx, fixtureCallID)
		require.NoError(t, err)
		caller, err := b.st.Customers.GetByPhone(b.ctx, fixtureCaller)
		require.NoError(t, err)
		start, end := time.UnixMilli(1773134103412).UTC(), time.UnixMilli(1773134173032).UTC()
		wantCall := store.Call{
			CompanyID: b.company.ID, BranchID: &b.branch.ID, CustomerID: &caller.ID, RetellCallID: fixtureCallID,
			AgentID: "agent_4b1e9c7d2a6f4e8b9c0d1a2b3c4d5e6f", FromNumber: fixtureCaller, ToNumber: fixtureBranchPhone,
			Direction: "inbound", Status: "ended", StartedAt: &start, EndedAt: &end, DurationMS: ptr(int64(69620)),
			DisconnectionReason: "agent_hangup", Sentiment: "Positive", Successful: ptr(true),
			Summary:   "Die Anruferin Anna Schmidt hat einen Termin für einen Damenhaarschnitt gebucht. Nach einer Verfügbarkeitsprüfung wurde Donnerstag, der 12.03.2026, um 14:00 Uhr bestätigt (Buchungsnummer HM-2026-0412).",
			CreatedAt: clock, UpdatedAt: clock,
		}
		if diff := cmp.Diff(wantCall, call, cmpopts.IgnoreFields(store.Call{}, "ID", "Transcript", "Analysis")); diff != "" {
			t.Errorf("call (-want +got):\n%s", diff)
		}
		assert.True(t, strings.HasPrefix(string(call.Transcript), "Agent: Salon Haarmonie in Berlin, guten Tag!"))
		var analysis map[string]any
		require.NoError(t, json.Unmarshal(call.Analysis, &analysis))
		assert.Equal(t, "Positive", analysis["user_sentiment"])

		attendee, err := b.st.Customers.GetByPhone(b.ctx, fixtureAttendee)
		require.NoError(t, err)
		assert.Equal(t, "Anna Schmidt", attendee.Name)
		assert.Equal(t, "anna.schmidt@example.de", attendee.Email)
		appt, err := b.st.Appointments.GetByUID(b.ctx, fixtureUID)
		require.NoError(t, err)
		s0 := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
		wantAppt := store.Appointment{CompanyID: b.company.ID, BranchID: &b.branch.ID, ServiceID: &b.service.ID, CustomerID: &attendee.ID,
			CalcomBookingUID: fixtureUID, StartsAt: s0, EndsAt: s0.Add(time.Hour), Status: store.AppointmentBooked,
			Source: store.SourceCalcom, CreatedAt: clock, UpdatedAt: clock}
		if diff := cmp.Diff(wantAppt, appt, cmpopts.IgnoreFields(store.Appointment{}, "ID")); diff != "" {
			t.Errorf("appointment (-want +got):\n%s", diff)
		}
		pay, err := b.st.Payments.GetByObjectID(b.sys, "pi_3Ts0FixturePaymentIntent01")
		require.NoError(t, err)
		wantPay := store.Payment{StripeObjectID: "pi_3Ts0FixturePaymentIntent01", StripeEventID: "evt_3Ts0FixturePiSucceeded01",
			Kind: "payment_intent", AmountCents: 4500, Currency: "eur", Status: store.PaymentSucceeded, CreatedAt: clock, UpdatedAt: clock}
		if diff := cmp.Diff(wantPay, pay, cmpopts.IgnoreFields(store.Payment{}, "ID")); diff != "" {
			t.Errorf("payment (-want +got):\n%s", diff)
		}

		for _, e := range events {
			b.mustProcess(t, e.provider, e.event, sample(t, e.provider, e.event, e.id))
		}
		assert.Equal(t, want, dump(t, b), "processing the same events again changes nothing")
	})
}

// TestCallEventOrder: every order of a call's three lifecycle events, each
// delivered twice, gives the same row; reverse order included.
func TestCallEventOrder(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		names := []string{"call_started", "call_ended", "call_analyzed"}
		orders := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
		var first *store.Call
		for i, order := range orders {
			id := "call_order_" + string(rune('a'+i))
			for _, k := range append(order, order...) {
				b.mustProcess(t, "retell", names[k], sample(t, "retell", names[k], id))
			}
			got, err := b.st.Calls.GetByRetellID(b.ctx, id)
			require.NoError(t, err)
			if first == nil {
				first = &got
				continue
			}
			if diff := cmp.Diff(*first, got, cmpopts.IgnoreFields(store.Call{}, "ID", "RetellCallID")); diff != "" {
				t.Errorf("order %v (-first +got):\n%s", order, diff)
			}
		}
		require.NotNil(t, first)
		assert.Equal(t, "ended", first.Status, "a late call_started never overwrites what call_ended wrote")
		assert.NotNil(t, first.EndedAt)
		assert.NotEmpty(t, first.Summary)
		assert.Equal(t, 1, count(t, b, "customers"), "one caller, one customer")
		assert.Equal(t, len(orders), count(t, b, "calls"))
	})
}

// TestDialCalls: calls that never connected get no call_started but are
// calls too.
func TestDialCalls(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		for _, reason := range []string{"dial_busy", "dial_no_answer", "dial_failed"} {
			id := "call_" + reason
			for _, ev := range []string{"call_analyzed", "call_ended"} {
				body := edit(t, sample(t, "retell", ev, id), func(m map[string]any) {
					c := sub(m, "call")
					c["disconnection_reason"], c["call_status"], c["duration_ms"] = reason, "not_connected", 0
					delete(c, "transcript")
					delete(c, "transcript_object")
					delete(c, "transcript_with_tool_calls")
					if a, ok := c["call_analysis"].(map[string]any); ok {
						a["call_successful"] = false
					}
				})
				b.mustProcess(t, "retell", ev, body)
			}
			c, err := b.st.Calls.GetByRetellID(b.ctx, id)
			require.NoError(t, err, reason)
			assert.Equal(t, reason, c.DisconnectionReason)
			assert.Equal(t, "not_connected", c.Status)
			assert.Equal(t, int64(0), *c.DurationMS)
			assert.False(t, *c.Successful)
			assert.Empty(t, c.Transcript)
			assert.NotNil(t, c.CustomerID)
		}
		assert.Equal(t, 3, count(t, b, "calls"))
	})
}

func transferBody(t *testing.T, event, callID string, dest any) []byte {
	return edit(t, sample(t, "retell", "call_started", callID), func(m map[string]any) {
		m["event"] = event
		if dest != nil {
			m["transfer_destination"] = dest
			m["transfer_option"] = map[string]any{"type": "cold_transfer"}
		}
	})
}

func TestTransfer(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		dest := map[string]any{"number": "+49 30 98765432"}
		events := []struct {
			name string
			body []byte
		}{
			{"transfer_ended", transferBody(t, "transfer_ended", "call_tr", nil)},
			{"transfer_started", transferBody(t, "transfer_started", "call_tr", dest)},
			{"call_started", sample(t, "retell", "call_started", "call_tr")},
			{"transfer_bridged", transferBody(t, "transfer_bridged", "call_tr", dest)},
			{"transfer_started", transferBody(t, "transfer_started", "call_tr", dest)},
		}
		for _, e := range events {
			b.mustProcess(t, "retell", e.name, e.body)
		}
		c, err := b.st.Calls.GetByRetellID(b.ctx, "call_tr")
		require.NoError(t, err)
		assert.Equal(t, "+493098765432", c.TransferDestination.String())
		assert.Equal(t, "ended", c.TransferOutcome)
		assert.Equal(t, "ongoing", c.Status)

		b.mustProcess(t, "retell", "transfer_cancelled", transferBody(t, "transfer_cancelled", "call_tc", dest))
		c, err = b.st.Calls.GetByRetellID(b.ctx, "call_tc")
		require.NoError(t, err)
		assert.Equal(t, "cancelled", c.TransferOutcome)
		assert.Equal(t, 2, count(t, b, "calls"))
	})
}

func TestTranscriptUpdatedNewestWins(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		turns := []string{
			"Agent: Salon Haarmonie, guten Tag!\n",
			"Agent: Salon Haarmonie, guten Tag!\nUser: Hallo, ich hätte gern einen Termin.\n",
			"Agent: Salon Haarmonie, guten Tag!\nUser: Hallo, ich hätte gern einen Termin.\nAgent: Sehr gern.\n",
		}
		body := func(text string, utterancesOnly bool) []byte {
			return edit(t, sample(t, "retell", "call_started", "call_tu"), func(m map[string]any) {
				m["event"] = "transcript_updated"
				c := sub(m, "call")
				if !utterancesOnly {
					c["transcript"] = text
					return
				}
				var utt []any
				for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
					role, content, _ := strings.Cut(line, ": ")
					utt = append(utt, map[string]any{"role": strings.ToLower(role), "content": content, "words": []any{}})
				}
				c["transcript_with_tool_calls"] = utt
			})
		}
		for _, i := range []int{1, 2, 0, 1} {
			b.mustProcess(t, "retell", "transcript_updated", body(turns[i], i == 2))
		}
		c, err := b.st.Calls.GetByRetellID(b.ctx, "call_tu")
		require.NoError(t, err)
		assert.Equal(t, store.Transcript(turns[2]), c.Transcript, "the newest (longest) transcript is kept, out of order too")

		b.mustProcess(t, "retell", "call_ended", sample(t, "retell", "call_ended", "call_tu"))
		b.mustProcess(t, "retell", "transcript_updated", body(turns[2]+strings.Repeat("User: noch etwas\n", 200), false))
		c, err = b.st.Calls.GetByRetellID(b.ctx, "call_tu")
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(c.Transcript), "Agent: Salon Haarmonie in Berlin"), "call_ended's final transcript wins over any update")
		assert.Equal(t, "ended", c.Status)
	})
}

func TestOutboundCall(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		body := edit(t, sample(t, "retell", "call_ended", "call_out"), func(m map[string]any) {
			c := sub(m, "call")
			c["direction"], c["from_number"], c["to_number"] = "outbound", fixtureBranchPhone, "+4917612345678"
		})
		b.mustProcess(t, "retell", "call_ended", body)
		c, err := b.st.Calls.GetByRetellID(b.ctx, "call_out")
		require.NoError(t, err)
		cust, err := b.st.Customers.Get(b.ctx, *c.CustomerID)
		require.NoError(t, err)
		assert.Equal(t, "+4917612345678", cust.PhoneNumber.String(), "the callee is the customer")
		assert.Equal(t, b.branch.ID, *c.BranchID, "the branch is the caller")
	})
}

func TestBookingOrder(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		// Cancellation before creation stays cancelled.
		b.mustProcess(t, "calcom", "BOOKING_CANCELLED", sample(t, "calcom", "BOOKING_CANCELLED", "uid_cancel_first"))
		b.mustProcess(t, "calcom", "BOOKING_CREATED", sample(t, "calcom", "BOOKING_CREATED", "uid_cancel_first"))
		a, err := b.st.Appointments.GetByUID(b.ctx, "uid_cancel_first")
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentCancelled, a.Status)
		assert.Equal(t, "Ich bin leider krank.", a.CancellationReason)

		// Reschedule before the original's creation: the old uid is created
		// as rescheduled from rescheduleStartTime and stays so.
		resched := sample(t, "calcom", "BOOKING_RESCHEDULED", fixtureNewUID)
		b.mustProcess(t, "calcom", "BOOKING_RESCHEDULED", resched)
		b.mustProcess(t, "calcom", "BOOKING_CREATED", sample(t, "calcom", "BOOKING_CREATED", fixtureUID))
		b.mustProcess(t, "calcom", "BOOKING_RESCHEDULED", resched)
		old, err := b.st.Appointments.GetByUID(b.ctx, fixtureUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentRescheduled, old.Status)
		assert.Equal(t, time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC), old.StartsAt)
		assert.NotNil(t, old.CustomerID)
		nu, err := b.st.Appointments.GetByUID(b.ctx, fixtureNewUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentBooked, nu.Status)
		assert.Equal(t, fixtureUID, nu.RescheduledFromUID)
		assert.Equal(t, time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC), nu.StartsAt)
		assert.Equal(t, 3, count(t, b, "appointments"))
		assert.Equal(t, 1, count(t, b, "customers"))

		// The other order gives the same rows.
		before := dump(t, b)
		b.mustProcess(t, "calcom", "BOOKING_CREATED", sample(t, "calcom", "BOOKING_CREATED", fixtureUID))
		assert.Equal(t, before, dump(t, b))

		// Cancelling the old booking after the reschedule: cancelled wins.
		b.mustProcess(t, "calcom", "BOOKING_CANCELLED", sample(t, "calcom", "BOOKING_CANCELLED", fixtureUID))
		old, err = b.st.Appointments.GetByUID(b.ctx, fixtureUID)
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentCancelled, old.Status)
	})
}

func TestStripeEvents(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		b.mustProcess(t, "stripe", "charge.failed", sample(t, "stripe", "charge.failed", "evt_3Ts0FixtureChargeFailed1"))
		b.mustProcess(t, "stripe", "invoice.payment_failed", sample(t, "stripe", "invoice.payment_failed", "evt_1Ts0FixtureInvoiceFail01"))
		ch, err := b.st.Payments.GetByObjectID(b.sys, "ch_3Ts0FixtureChargeFail01")
		require.NoError(t, err)
		assert.Equal(t, store.PaymentFailed, ch.Status)
		assert.Equal(t, "card_declined", ch.FailureCode)
		assert.Equal(t, int64(4500), ch.AmountCents)
		assert.Nil(t, ch.CompanyID, "the fixtures name no company")
		in, err := b.st.Payments.GetByObjectID(b.sys, "in_1Ts0FixtureInvoice0001")
		require.NoError(t, err)
		assert.Equal(t, int64(2900), in.AmountCents, "an invoice's amount is amount_due")
		assert.Equal(t, "invoice", in.Kind)

		for _, cid := range []any{b.company.ID, strings.TrimSpace(" " + jsonNumber(b.company.ID))} {
			body := edit(t, sample(t, "stripe", "payment_intent.succeeded", ""), func(m map[string]any) {
				o := sub(sub(m, "data"), "object")
				o["id"] = "pi_with_company"
				sub(o, "metadata")["company_id"] = cid
			})
			b.mustProcess(t, "stripe", "payment_intent.succeeded", body)
		}
		p, err := b.st.Payments.GetByObjectID(b.ctx, "pi_with_company")
		require.NoError(t, err, "the company from metadata.company_id sees its payment")
		assert.Equal(t, b.company.ID, *p.CompanyID)
		assert.Equal(t, 3, count(t, b, "payments"))
	})
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestPermanentErrors(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		// A second company with a service on event type 4712, and a third
		// sharing it: a booking on 4712 cannot name its tenant.
		for _, sd := range []string{"zwei", "drei"} {
			co, err := b.st.Companies.Create(b.sys, store.NewCompany{Name: "Salon " + sd, Subdomain: sd})
			require.NoError(t, err)
			ctx := tenant.WithCompany(context.Background(), co.ID)
			num := map[string]string{"zwei": "+493011111111", "drei": "+493022222222"}[sd]
			br, err := b.st.Branches.Create(ctx, store.NewBranch{Name: "Filiale", PhoneNumber: num})
			require.NoError(t, err)
			_, err = b.st.Services.Create(ctx, store.NewService{BranchID: br.ID, Name: "Schnitt", Type: "haircut", DurationMinutes: 30, CalcomEventTypeID: ptr(int64(4712))})
			require.NoError(t, err)
		}
		retell := sample(t, "retell", "call_ended", "call_perm")
		calcom := sample(t, "calcom", "BOOKING_CREATED", "uid_perm")
		stripe := sample(t, "stripe", "payment_intent.succeeded", "evt_perm")
		tests := []struct {
			name, provider, event, code string
			body                        []byte
		}{
			{"unknown branch number", "retell", "call_ended", booking.CodeTenantUnresolved, edit(t, retell, func(m map[string]any) { sub(m, "call")["to_number"] = "+493099999999" })},
			{"invalid branch number", "retell", "call_ended", booking.CodeTenantUnresolved, edit(t, retell, func(m map[string]any) { sub(m, "call")["to_number"] = "12" })},
			{"no call id", "retell", "call_ended", booking.CodePayloadInvalid, edit(t, retell, func(m map[string]any) { delete(sub(m, "call"), "call_id") })},
			{"no numbers", "retell", "call_started", booking.CodePayloadInvalid, edit(t, retell, func(m map[string]any) {
				delete(sub(m, "call"), "to_number")
				delete(sub(m, "call"), "from_number")
			})},
			{"not JSON", "retell", "call_ended", booking.CodePayloadInvalid, []byte(`{"event":`)},
			{"unknown event type id", "calcom", "BOOKING_CREATED", booking.CodeTenantUnresolved, edit(t, calcom, func(m map[string]any) { sub(m, "payload")["eventTypeId"] = 999 })},
			{"event type of two companies", "calcom", "BOOKING_CREATED", booking.CodeTenantUnresolved, edit(t, calcom, func(m map[string]any) { sub(m, "payload")["eventTypeId"] = 4712 })},
			{"no uid", "calcom", "BOOKING_CANCELLED", booking.CodePayloadInvalid, edit(t, calcom, func(m map[string]any) { delete(sub(m, "payload"), "uid") })},
			{"no event type", "calcom", "BOOKING_CREATED", booking.CodePayloadInvalid, edit(t, calcom, func(m map[string]any) { delete(sub(m, "payload"), "eventTypeId") })},
			{"bad start time", "calcom", "BOOKING_CREATED", booking.CodePayloadInvalid, edit(t, calcom, func(m map[string]any) { sub(m, "payload")["startTime"] = "morgen" })},
			{"company named but missing", "stripe", "payment_intent.succeeded", booking.CodeTenantUnresolved, edit(t, stripe, func(m map[string]any) {
				sub(sub(sub(m, "data"), "object"), "metadata")["company_id"] = "987654"
			})},
			{"company not an id", "stripe", "payment_intent.succeeded", booking.CodeTenantUnresolved, edit(t, stripe, func(m map[string]any) {
				sub(sub(sub(m, "data"), "object"), "metadata")["company_id"] = "salon"
			})},
			{"no object id", "stripe", "charge.failed", booking.CodePayloadInvalid, edit(t, stripe, func(m map[string]any) { delete(sub(sub(m, "data"), "object"), "id") })},
		}
		for _, tt := range tests {
			err := b.process(t, context.Background(), tt.provider, tt.event, tt.body)
			var pe *queue.PermanentError
			if assert.True(t, errors.As(err, &pe), "%s: want a permanent error, got %v", tt.name, err) {
				assert.Equal(t, tt.code, pe.Code, tt.name)
			}
		}
		assert.Equal(t, 0, count(t, b, "calls"))
		assert.Equal(t, 0, count(t, b, "appointments"))
		assert.Equal(t, 0, count(t, b, "payments"))
		assert.Equal(t, 0, count(t, b, "customers"), "a refused event leaves nothing behind")
	})
}

func TestUnhandled(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		before := dump(t, b)
		for _, e := range []struct {
			provider, event string
			body            []byte
		}{
			{"calcom", "PING", sample(t, "calcom", "PING", "")},
			{"calcom", "FORM_SUBMITTED", []byte(`{"triggerEvent":"FORM_SUBMITTED","payload":{}}`)},
			{"retell", "chat_started", []byte(`{"event":"chat_started","chat":{}}`)},
			{"stripe", "customer.created", []byte(`{"id":"evt_x","type":"customer.created","data":{"object":{"id":"cus_1"}}}`)},
		} {
			err := b.process(t, context.Background(), e.provider, e.event, e.body)
			assert.ErrorIs(t, err, queue.ErrUnhandled, e.event)
		}
		assert.Equal(t, before, dump(t, b))
	})
}

// TestLogsCarryCorrelationID: every line the handlers log carries the
// correlation id the worker puts in the context.
func TestLogsCarryCorrelationID(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(correlation.NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), "test", "dev"))
	b := setup(t, dbtest.SQLite(t), logger)
	ctx := correlation.WithCorrelationID(context.Background(), "corr-123")
	require.NoError(t, b.process(t, ctx, "retell", "call_ended", sample(t, "retell", "call_ended", fixtureCallID)))
	require.NoError(t, b.process(t, ctx, "calcom", "BOOKING_CREATED", sample(t, "calcom", "BOOKING_CREATED", fixtureUID)))
	require.NoError(t, b.process(t, ctx, "stripe", "charge.failed", sample(t, "stripe", "charge.failed", "")))
	require.Error(t, b.process(t, ctx, "retell", "call_ended", []byte(`{}`)))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.GreaterOrEqual(t, len(lines), 6, "each step logs")
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec))
		assert.Equal(t, "corr-123", rec["correlation_id"], l)
	}
	assert.NotContains(t, buf.String(), fixtureCaller, "numbers are masked in logs")
}
