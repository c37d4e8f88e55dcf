package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

// permutations returns every order of idx.
func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestCallsMerge(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, br := seed(t, st, b, "alpha", "+493012345678")
		ctxB, _, _ := seed(t, st, b, "beta", "+493087654321")
		cust, err := st.Customers.Ensure(ctx, "+4915123456789", "", "")
		require.NoError(t, err)
		start := time.UnixMilli(1773134103412).UTC()
		end := time.UnixMilli(1773134173032).UTC()
		base := store.CallEvent{BranchID: &br.ID, CustomerID: &cust, AgentID: "agent_1", FromNumber: "+4915123456789",
			ToNumber: "030 12345678", Direction: "inbound", StartedAt: &start}
		started := base
		started.Status, started.LifecycleRank = "ongoing", store.RankStarted
		ended := base
		ended.Status, ended.LifecycleRank, ended.EndedAt, ended.DurationMS = "ended", store.RankEnded, &end, ptr(int64(69620))
		ended.DisconnectionReason, ended.Transcript, ended.TranscriptRank = "agent_hangup", "Agent: Guten Tag", store.TranscriptFinal+store.RankEnded
		analyzed := ended
		analyzed.LifecycleRank, analyzed.TranscriptRank = store.RankAnalyzed, store.TranscriptFinal+store.RankAnalyzed
		analyzed.Summary, analyzed.Sentiment, analyzed.Successful = "Termin gebucht", "Positive", ptr(true)
		analyzed.Analysis = []byte(`{"call_successful": true}`)
		events := []store.CallEvent{started, ended, analyzed}

		var want *store.Call
		for i, perm := range permutations(3) {
			id := "call_perm_" + string(rune('a'+i))
			for _, k := range append(perm, perm...) { // each order, and every event twice
				ev := events[k]
				ev.RetellCallID = id
				require.NoError(t, st.Calls.Merge(ctx, ev))
			}
			got, err := st.Calls.GetByRetellID(ctx, id)
			require.NoError(t, err)
			if want == nil {
				want = &got
				continue
			}
			if diff := cmp.Diff(*want, got, cmpopts.IgnoreFields(store.Call{}, "ID", "RetellCallID", "CreatedAt", "UpdatedAt")); diff != "" {
				t.Errorf("order %v gives another row (-first +got):\n%s", perm, diff)
			}
		}
		require.NotNil(t, want)
		assert.Equal(t, "ended", want.Status)
		assert.Equal(t, "+493012345678", want.ToNumber.String(), "numbers are stored in E.164")
		assert.Equal(t, start, *want.StartedAt)
		assert.Equal(t, end, *want.EndedAt)
		assert.Equal(t, int64(69620), *want.DurationMS)
		assert.Equal(t, "Termin gebucht", want.Summary)
		assert.True(t, *want.Successful)
		assert.JSONEq(t, `{"call_successful": true}`, string(want.Analysis))
		assert.Equal(t, cust, *want.CustomerID)
		assert.Equal(t, store.Transcript("Agent: Guten Tag"), want.Transcript)

		// transcript_updated: the longest (newest) wins, in any order, and never over the final one.
		tu := func(text string) store.CallEvent {
			return store.CallEvent{RetellCallID: "call_tu", Status: "ongoing", ToNumber: "+493012345678",
				Transcript: text, TranscriptRank: int64(len(text))}
		}
		for _, text := range []string{"Agent: Hallo\nUser: Ich", "Agent: Hallo", "Agent: Hallo\nUser: Ich möchte"} {
			require.NoError(t, st.Calls.Merge(ctx, tu(text)))
		}
		c, err := st.Calls.GetByRetellID(ctx, "call_tu")
		require.NoError(t, err)
		assert.Equal(t, store.Transcript("Agent: Hallo\nUser: Ich möchte"), c.Transcript)
		assert.Equal(t, "ongoing", c.Status)
		fin := ended
		fin.RetellCallID, fin.Transcript = "call_tu", "Agent: final"
		require.NoError(t, st.Calls.Merge(ctx, fin))
		require.NoError(t, st.Calls.Merge(ctx, tu("Agent: Hallo\nUser: Ich möchte einen sehr langen Termin")))
		c, err = st.Calls.GetByRetellID(ctx, "call_tu")
		require.NoError(t, err)
		assert.Equal(t, store.Transcript("Agent: final"), c.Transcript, "the final transcript is kept")
		assert.Equal(t, "ended", c.Status, "a late transcript_updated does not reopen the call")

		// transfer: the furthest stage wins in any order.
		tr := func(rank int, outcome, dest string) store.CallEvent {
			return store.CallEvent{RetellCallID: "call_tr", Status: "ongoing", TransferRank: rank, TransferOutcome: outcome, TransferDestination: dest}
		}
		require.NoError(t, st.Calls.Merge(ctx, tr(store.TransferDone, "ended", "")))
		require.NoError(t, st.Calls.Merge(ctx, tr(store.TransferStarted, "started", "+49 30 9999999")))
		require.NoError(t, st.Calls.Merge(ctx, tr(store.TransferBridged, "bridged", "+4930 9999999")))
		c, err = st.Calls.GetByRetellID(ctx, "call_tr")
		require.NoError(t, err)
		assert.Equal(t, "ended", c.TransferOutcome)
		assert.Equal(t, "+49309999999", c.TransferDestination.String())

		// updated_at does not move for a repeated event.
		before, err := st.Calls.GetByRetellID(ctx, "call_perm_a")
		require.NoError(t, err)
		ev := analyzed
		ev.RetellCallID = "call_perm_a"
		require.NoError(t, st.Calls.Merge(ctx, ev))
		after, err := st.Calls.GetByRetellID(ctx, "call_perm_a")
		require.NoError(t, err)
		assert.Equal(t, before, after)

		// Lists: tenant-scoped, newest first, no transcript.
		list, err := st.Calls.List(ctx, store.Page{})
		require.NoError(t, err)
		require.Len(t, list, 8)
		assert.Empty(t, list[0].Transcript)
		for i := 1; i < len(list); i++ {
			if list[i-1].StartedAt != nil && list[i].StartedAt != nil {
				assert.False(t, list[i-1].StartedAt.Before(*list[i].StartedAt), "newest first")
			}
		}
		other, err := st.Calls.List(ctxB, store.Page{})
		require.NoError(t, err)
		assert.Empty(t, other, "another tenant sees none")
		_, err = st.Calls.GetByRetellID(ctxB, "call_perm_a")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = st.Calls.Get(ctxB, before.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = st.Calls.List(context.Background(), store.Page{})
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		assert.ErrorIs(t, st.Calls.Merge(context.Background(), ev), tenant.ErrNoTenant)
		var ve *store.ValidationError
		assert.ErrorAs(t, st.Calls.Merge(ctx, store.CallEvent{RetellCallID: "x", FromNumber: "12"}), &ve)
		assert.ErrorAs(t, st.Calls.Merge(ctx, store.CallEvent{}), &ve)
	})
}

func TestCustomersEnsure(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, _ := seed(t, st, b, "alpha", "+493012345678")
		ctxB, _, _ := seed(t, st, b, "beta", "+493087654321")
		id, err := st.Customers.Ensure(ctx, "0151 12345678", "", "not-an-address")
		require.NoError(t, err)
		again, err := st.Customers.Ensure(ctx, "+4915112345678", "Anna Schmidt", "anna@example.de")
		require.NoError(t, err)
		assert.Equal(t, id, again, "one customer per number")
		third, err := st.Customers.Ensure(ctx, "+4915112345678", "Someone Else", "")
		require.NoError(t, err)
		assert.Equal(t, id, third)
		c, err := st.Customers.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "Anna Schmidt", c.Name, "a name fills an empty one and is never replaced")
		assert.Equal(t, "anna@example.de", c.Email)
		otherID, err := st.Customers.Ensure(ctxB, "+4915112345678", "", "")
		require.NoError(t, err)
		assert.NotEqual(t, id, otherID, "customers are per company")
		assert.Equal(t, 2, count(t, b, "customers"))
		_, err = st.Customers.Ensure(ctx, "12", "", "")
		var ve *store.ValidationError
		assert.ErrorAs(t, err, &ve)
	})
}

func TestAppointmentsMerge(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, br := seed(t, st, b, "alpha", "+493012345678")
		ctxB, _, _ := seed(t, st, b, "beta", "+493087654321")
		s0 := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
		booked := store.AppointmentEvent{StartsAt: s0, EndsAt: s0.Add(time.Hour), Status: store.AppointmentBooked, BranchID: &br.ID}
		resched := booked
		resched.Status = store.AppointmentRescheduled
		cancelled := booked
		cancelled.Status, cancelled.CancellationReason = store.AppointmentCancelled, "Ich bin leider krank."
		events := []store.AppointmentEvent{booked, resched, cancelled}
		var want *store.Appointment
		for i, perm := range permutations(3) {
			uid := "uid_" + string(rune('a'+i))
			for _, k := range append(perm, perm...) {
				ev := events[k]
				ev.UID = uid
				require.NoError(t, st.Appointments.Merge(ctx, ev))
			}
			got, err := st.Appointments.GetByUID(ctx, uid)
			require.NoError(t, err)
			if want == nil {
				want = &got
				continue
			}
			if diff := cmp.Diff(*want, got, cmpopts.IgnoreFields(store.Appointment{}, "ID", "CalcomBookingUID", "CreatedAt", "UpdatedAt")); diff != "" {
				t.Errorf("order %v gives another row (-first +got):\n%s", perm, diff)
			}
		}
		assert.Equal(t, store.AppointmentCancelled, want.Status)
		assert.Equal(t, "Ich bin leider krank.", want.CancellationReason)
		assert.Equal(t, store.SourceCalcom, want.Source)
		assert.Equal(t, s0, want.StartsAt)

		// Cancelled before created stays cancelled.
		c := cancelled
		c.UID = "uid_cancel_first"
		require.NoError(t, st.Appointments.Merge(ctx, c))
		bk := booked
		bk.UID, bk.CustomerID = "uid_cancel_first", nil
		require.NoError(t, st.Appointments.Merge(ctx, bk))
		got, err := st.Appointments.GetByUID(ctx, "uid_cancel_first")
		require.NoError(t, err)
		assert.Equal(t, store.AppointmentCancelled, got.Status)

		list, err := st.Appointments.List(ctx, store.Page{})
		require.NoError(t, err)
		assert.Len(t, list, 7)
		other, err := st.Appointments.List(ctxB, store.Page{})
		require.NoError(t, err)
		assert.Empty(t, other)
		_, err = st.Appointments.Get(ctxB, got.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		var ve *store.ValidationError
		assert.ErrorAs(t, st.Appointments.Merge(ctx, store.AppointmentEvent{UID: "x", StartsAt: s0, EndsAt: s0, Status: "maybe"}), &ve)
	})
}

func TestPaymentsMerge(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, co, _ := seed(t, st, b, "alpha", "+493012345678")
		t0 := time.Unix(1767261600, 0).UTC()
		failed1 := store.PaymentEvent{ObjectID: "in_1", EventID: "evt_1", Kind: "invoice", AmountCents: 2900, Currency: "EUR",
			Status: store.PaymentFailed, FailureCode: "card_declined", EventCreatedAt: t0}
		failed2 := failed1
		failed2.EventID, failed2.FailureCode, failed2.EventCreatedAt = "evt_2", "expired_card", t0.Add(time.Hour)
		ok := failed1
		ok.EventID, ok.Status, ok.FailureCode, ok.EventCreatedAt, ok.CompanyID = "evt_3", store.PaymentSucceeded, "", t0.Add(-time.Hour), &co.ID
		events := []store.PaymentEvent{failed1, failed2, ok}
		var want *store.Payment
		for i, perm := range permutations(3) {
			obj := "in_" + string(rune('a'+i))
			for _, k := range append(perm, perm...) {
				ev := events[k]
				ev.ObjectID = obj
				require.NoError(t, st.Payments.Merge(b.sys, ev))
			}
			got, err := st.Payments.GetByObjectID(b.sys, obj)
			require.NoError(t, err)
			if want == nil {
				want = &got
				continue
			}
			if diff := cmp.Diff(*want, got, cmpopts.IgnoreFields(store.Payment{}, "ID", "StripeObjectID", "CreatedAt", "UpdatedAt")); diff != "" {
				t.Errorf("order %v gives another row (-first +got):\n%s", perm, diff)
			}
		}
		assert.Equal(t, store.PaymentSucceeded, want.Status, "a success is not undone by a failure event")
		assert.Equal(t, "evt_3", want.StripeEventID)
		assert.Equal(t, "eur", want.Currency)
		require.NotNil(t, want.CompanyID)

		// Two failures: the newer one's code wins in either order.
		for i, order := range [][]store.PaymentEvent{{failed1, failed2}, {failed2, failed1}} {
			obj := "ch_" + string(rune('a'+i))
			for _, ev := range order {
				ev.ObjectID = obj
				require.NoError(t, st.Payments.Merge(b.sys, ev))
			}
			got, err := st.Payments.GetByObjectID(b.sys, obj)
			require.NoError(t, err)
			assert.Equal(t, "expired_card", got.FailureCode)
			assert.Nil(t, got.CompanyID)
		}

		mine, err := st.Payments.List(ctx, store.Page{})
		require.NoError(t, err)
		assert.Len(t, mine, 6)
		all, err := st.Payments.List(b.sys, store.Page{})
		require.NoError(t, err)
		assert.Len(t, all, 8)
		assert.Greater(t, all[0].ID, all[1].ID, "newest first")
		_, err = st.Payments.GetByObjectID(ctx, "ch_a")
		assert.ErrorIs(t, err, store.ErrNotFound, "a company does not see payments without a company")
		assert.ErrorIs(t, st.Payments.Merge(ctx, ok), store.ErrNotSystem)
	})
}
