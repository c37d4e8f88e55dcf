package store_test

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fnKey(call string) store.FunctionCallKey {
	return store.FunctionCallKey{CallID: call, Name: "book_appointment", ArgsHash: strings.Repeat("0f", 32)}
}

func TestFunctionCallsClaimOnce(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, _ := seed(t, st, b, "fc-once", "+4930901830")
		key := fnKey("call_once")

		const racers = 8
		var wg sync.WaitGroup
		var won atomic.Int32
		ids := make([]int64, racers)
		for i := range racers {
			wg.Go(func() {
				f, claimed, err := st.FunctionCalls.Claim(ctx, key, time.Minute)
				if !assert.NoError(t, err) {
					return
				}
				ids[i] = f.ID
				if claimed {
					won.Add(1)
				}
				assert.Equal(t, store.FunctionCallRunning, f.Status)
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), won.Load(), "exactly one racer claims the call")
		for _, id := range ids {
			assert.Equal(t, ids[0], id, "every racer sees the one row")
		}
		assert.Equal(t, 1, count(t, b, "function_calls"))

		done, err := st.FunctionCalls.Complete(ctx, ids[0], store.FunctionCallDone, json.RawMessage(`{"result":"Gebucht","status":"ok"}`))
		require.NoError(t, err)
		assert.Equal(t, store.FunctionCallDone, done.Status)
		assert.Nil(t, done.LockedUntil, "a finished row holds no lease")
		assert.JSONEq(t, `{"result":"Gebucht","status":"ok"}`, string(done.Result))
		stored, err := st.FunctionCalls.Get(ctx, ids[0])
		require.NoError(t, err)
		assert.Equal(t, string(stored.Result), string(done.Result), "Complete answers the stored bytes")
		assert.Equal(t, store.FunctionCallDone, stored.Status)

		// A repeat gets the first answer; a second Complete changes nothing.
		again, claimed, err := st.FunctionCalls.Claim(ctx, key, time.Minute)
		require.NoError(t, err)
		assert.False(t, claimed)
		assert.JSONEq(t, string(done.Result), string(again.Result))
		second, err := st.FunctionCalls.Complete(ctx, ids[0], store.FunctionCallFailed, json.RawMessage(`{"result":"anders"}`))
		require.NoError(t, err)
		assert.Equal(t, store.FunctionCallDone, second.Status, "the first answer stays")
		assert.JSONEq(t, string(done.Result), string(second.Result))

		// Another argument hash is another call.
		other := key
		other.ArgsHash = strings.Repeat("1e", 32)
		_, claimed, err = st.FunctionCalls.Claim(ctx, other, time.Minute)
		require.NoError(t, err)
		assert.True(t, claimed)
	})
}

func TestFunctionCallsExpiredLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, _ := seed(t, st, b, "fc-lease", "+4930901831")
		var now atomic.Int64
		now.Store(time.Now().UnixNano())
		cst := clockStore(t, b, &now)
		key := fnKey("call_lease")
		first, claimed, err := cst.FunctionCalls.Claim(ctx, key, time.Second)
		require.NoError(t, err)
		require.True(t, claimed)

		_, claimed, err = cst.FunctionCalls.Claim(ctx, key, time.Second)
		require.NoError(t, err)
		assert.False(t, claimed, "a live lease is not taken over")

		now.Add(int64(2 * time.Second))
		const racers = 6
		var wg sync.WaitGroup
		var won atomic.Int32
		for range racers {
			wg.Go(func() {
				f, claimed, err := cst.FunctionCalls.Claim(ctx, key, 10*time.Second)
				if assert.NoError(t, err) && claimed {
					won.Add(1)
					assert.Equal(t, first.ID, f.ID, "the same row is taken over")
					assert.True(t, f.LockedUntil.After(*first.LockedUntil), "with a new lease")
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), won.Load(), "exactly one taker wins an expired lease")
	})
}

func TestFunctionCallsReleaseAndTenancy(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		aCtx, _, _ := seed(t, st, b, "fc-rel-a", "+4930901832")
		bCtx, _, _ := seed(t, st, b, "fc-rel-b", "+4930901833")
		key := fnKey("call_release")
		f, claimed, err := st.FunctionCalls.Claim(aCtx, key, time.Minute)
		require.NoError(t, err)
		require.True(t, claimed)

		_, _, err = st.FunctionCalls.Claim(bCtx, key, time.Minute)
		assert.ErrorIs(t, err, store.ErrConflict, "another company's call id is refused")
		_, err = st.FunctionCalls.Complete(bCtx, f.ID, store.FunctionCallDone, json.RawMessage(`{}`))
		assert.ErrorIs(t, err, store.ErrNotFound)
		require.NoError(t, st.FunctionCalls.Release(bCtx, f.ID))
		_, err = st.FunctionCalls.Get(aCtx, f.ID)
		require.NoError(t, err, "another company cannot release A's row")

		require.NoError(t, st.FunctionCalls.Release(aCtx, f.ID))
		_, err = st.FunctionCalls.Get(aCtx, f.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		g, claimed, err := st.FunctionCalls.Claim(aCtx, key, time.Minute)
		require.NoError(t, err)
		assert.True(t, claimed, "a released call is claimed again")
		assert.NotEqual(t, f.ID, g.ID)

		// A finished row is not released.
		_, err = st.FunctionCalls.Complete(aCtx, g.ID, store.FunctionCallFailed, json.RawMessage(`{"result":"Entschuldigung"}`))
		require.NoError(t, err)
		require.NoError(t, st.FunctionCalls.Release(aCtx, g.ID))
		kept, err := st.FunctionCalls.Get(aCtx, g.ID)
		require.NoError(t, err)
		assert.Equal(t, store.FunctionCallFailed, kept.Status)
	})
}

// TestFunctionCallsRecordKeepsTheFirstAnswer checks the claim-free path of
// functions that change nothing: Find reads a key's row, Record stores a
// finished answer in one statement, and a second Record (a repeat that ran
// again, in another process) keeps and returns the first answer.
func TestFunctionCallsRecordKeepsTheFirstAnswer(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		aCtx, _, _ := seed(t, st, b, "fc-rec-a", "+4930901835")
		bCtx, _, _ := seed(t, st, b, "fc-rec-b", "+4930901836")
		key := fnKey("call_record")
		_, err := st.FunctionCalls.Find(aCtx, key)
		require.ErrorIs(t, err, store.ErrNotFound)

		first, recorded, err := st.FunctionCalls.Record(aCtx, key, store.FunctionCallDone, json.RawMessage(`{"result":"Um 9:00 Uhr ist frei.","status":"ok"}`))
		require.NoError(t, err)
		require.True(t, recorded)
		found, err := st.FunctionCalls.Find(aCtx, key)
		require.NoError(t, err)
		assert.Equal(t, first.ID, found.ID)
		assert.Equal(t, store.FunctionCallDone, found.Status)
		assert.Nil(t, found.LockedUntil)
		assert.Equal(t, string(first.Result), string(found.Result), "Record answers the stored bytes")

		again, recorded, err := st.FunctionCalls.Record(aCtx, key, store.FunctionCallDone, json.RawMessage(`{"result":"Um 10:00 Uhr ist frei.","status":"ok"}`))
		require.NoError(t, err)
		assert.False(t, recorded, "the key is recorded already")
		assert.Equal(t, first.ID, again.ID)
		assert.JSONEq(t, `{"result":"Um 9:00 Uhr ist frei.","status":"ok"}`, string(again.Result), "the first answer stays")

		_, claimed, err := st.FunctionCalls.Claim(aCtx, key, time.Minute)
		require.NoError(t, err)
		assert.False(t, claimed, "a recorded call is not claimed")

		_, err = st.FunctionCalls.Find(bCtx, key)
		assert.ErrorIs(t, err, store.ErrConflict, "another company's key is refused")
		_, _, err = st.FunctionCalls.Record(bCtx, key, store.FunctionCallDone, json.RawMessage(`{}`))
		assert.ErrorIs(t, err, store.ErrConflict)

		var ve *store.ValidationError
		_, _, err = st.FunctionCalls.Record(aCtx, fnKey("call_record_2"), store.FunctionCallRunning, json.RawMessage(`{}`))
		assert.ErrorAs(t, err, &ve, "record needs done or failed")
		_, _, err = st.FunctionCalls.Record(aCtx, fnKey("call_record_2"), store.FunctionCallDone, json.RawMessage(`{nope`))
		assert.ErrorAs(t, err, &ve, "record needs JSON")
		assert.Equal(t, 1, count(t, b, "function_calls"), "nothing else was written")
	})
}

func TestFunctionCallsRefusesBadInput(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, _ := seed(t, st, b, "fc-bad", "+4930901834")
		for name, key := range map[string]store.FunctionCallKey{
			"no call id":     {Name: "x", ArgsHash: strings.Repeat("a", 64)},
			"long call id":   {CallID: strings.Repeat("c", 129), Name: "x", ArgsHash: strings.Repeat("a", 64)},
			"no name":        {CallID: "c", ArgsHash: strings.Repeat("a", 64)},
			"short hash":     {CallID: "c", Name: "x", ArgsHash: "abc"},
			"upper-hex hash": {CallID: "c", Name: "x", ArgsHash: strings.Repeat("A", 64)},
		} {
			_, _, err := st.FunctionCalls.Claim(ctx, key, time.Minute)
			var ve *store.ValidationError
			assert.ErrorAs(t, err, &ve, name)
		}
		_, _, err := st.FunctionCalls.Claim(ctx, fnKey("c"), 0)
		var ve *store.ValidationError
		assert.ErrorAs(t, err, &ve, "a lease must be positive")
		f, _, err := st.FunctionCalls.Claim(ctx, fnKey("c"), time.Minute)
		require.NoError(t, err)
		_, err = st.FunctionCalls.Complete(ctx, f.ID, store.FunctionCallRunning, json.RawMessage(`{}`))
		assert.ErrorAs(t, err, &ve, "complete needs done or failed")
		_, err = st.FunctionCalls.Complete(ctx, f.ID, store.FunctionCallDone, json.RawMessage(`{nope`))
		assert.ErrorAs(t, err, &ve, "complete needs JSON")
		assert.Equal(t, 1, count(t, b, "function_calls"), "nothing else was written")
	})
}

func TestAppointmentsNextOfCustomer(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, _, br := seed(t, st, b, "fc-next", "+4930901835")
		c, err := st.Customers.Create(ctx, store.NewCustomer{Name: "Anna", PhoneNumber: "+4915112340000"})
		require.NoError(t, err)
		other, err := st.Customers.Create(ctx, store.NewCustomer{Name: "Bert", PhoneNumber: "+4915112340001"})
		require.NoError(t, err)
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		add := func(uid string, cust int64, start time.Time, status string) {
			require.NoError(t, st.Appointments.Merge(ctx, store.AppointmentEvent{UID: uid, StartsAt: start, EndsAt: start.Add(30 * time.Minute),
				Status: status, BranchID: &br.ID, CustomerID: &cust}))
		}
		add("bk_past", c.ID, now.Add(-24*time.Hour), store.AppointmentBooked)
		add("bk_cancelled", c.ID, now.Add(time.Hour), store.AppointmentCancelled)
		add("bk_later", c.ID, now.Add(72*time.Hour), store.AppointmentBooked)
		add("bk_next", c.ID, now.Add(48*time.Hour), store.AppointmentBooked)
		add("bk_other", other.ID, now.Add(2*time.Hour), store.AppointmentBooked)

		a, err := st.Appointments.NextOfCustomer(ctx, c.ID, now)
		require.NoError(t, err)
		assert.Equal(t, "bk_next", a.CalcomBookingUID, "the earliest booked appointment after now")
		_, err = st.Appointments.NextOfCustomer(ctx, c.ID, now.Add(96*time.Hour))
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}
