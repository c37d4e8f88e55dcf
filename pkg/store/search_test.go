package store_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var searchT0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// insertCall stores a call of company cid started i hours after searchT0
// (ids follow i), with a transcript.
func insertCall(t *testing.T, b testBundle, cid int64, key, status string, i int, durMS int64, to string) int64 {
	t.Helper()
	at := searchT0.Add(time.Duration(i) * time.Hour)
	res, err := b.pool.Writer().Exec("INSERT INTO calls (company_id, retell_call_id, status, started_at, duration_ms, to_number, transcript, successful, created_at, updated_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cid, key, status, at, durMS, to, "Agent: Hallo "+key, i%2 == 0, at, at)
	require.NoError(t, err)
	id, err := res.LastInsertId()
	require.NoError(t, err)
	return id
}

func mustParse(t *testing.T, s *query.Schema, raw string) query.Query {
	t.Helper()
	v, err := url.ParseQuery(raw)
	require.NoError(t, err)
	q, err := query.Parse(s, v)
	require.NoError(t, err)
	return q
}

func ids[T any](rows []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, r := range rows {
		out = append(out, id(r))
	}
	return out
}

func callID(c store.Call) int64 { return c.ID }

func TestSearchIsScopedByCompany(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctxA, a, _ := seed(t, st, b, "a", "+493011111111")
		ctxB, bc, _ := seed(t, st, b, "b", "+493022222222")
		a1 := insertCall(t, b, a.ID, "a1", "ended", 0, 1000, "+493011111111")
		a2 := insertCall(t, b, a.ID, "a2", "ended", 1, 2000, "+493011111111")
		b1 := insertCall(t, b, bc.ID, "b1", "ended", 2, 3000, "+493022222222")
		_, err := st.Customers.Create(ctxB, store.NewCustomer{PhoneNumber: "+4915100000001"})
		require.NoError(t, err)

		all := mustParse(t, store.CallSchema(), "")
		res, err := st.Calls.Search(ctxA, all)
		require.NoError(t, err)
		assert.Equal(t, []int64{a2, a1}, ids(res.Rows, callID))
		assert.Equal(t, 2, res.Total)
		for _, c := range res.Rows {
			assert.Equal(t, a.ID, c.CompanyID)
			assert.Empty(t, c.Transcript, "lists leave transcripts out")
		}
		res, err = st.Calls.Search(ctxB, all)
		require.NoError(t, err)
		assert.Equal(t, []int64{b1}, ids(res.Rows, callID))

		// B's id, B's number, B's page: nothing of B in A's context.
		for _, raw := range []string{
			fmt.Sprintf("filter[id]=%d", b1), "filter[to_number]=%2B493022222222", "filter[retell_call_id][like]=b%25",
			fmt.Sprintf("filter[id][in]=%d,%d", a1, b1), "page=2&per_page=1&sort=-id",
		} {
			res, err := st.Calls.Search(ctxA, mustParse(t, store.CallSchema(), raw))
			require.NoError(t, err, raw)
			for _, c := range res.Rows {
				assert.Equal(t, a.ID, c.CompanyID, raw)
			}
		}
		cust, err := st.Customers.Search(ctxA, mustParse(t, store.CustomerSchema(), ""))
		require.NoError(t, err)
		assert.Empty(t, cust.Rows)
		assert.NotNil(t, cust.Rows, "an empty page is [], not null")
		assert.Zero(t, cust.Total)

		_, err = st.Calls.Search(context.Background(), all)
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		_, err = st.Appointments.Search(tenant.System(context.Background()), mustParse(t, store.AppointmentSchema(), ""))
		assert.ErrorIs(t, err, tenant.ErrNoTenant, "a system context is no tenant")
		_, err = st.Customers.Search(context.Background(), mustParse(t, store.CustomerSchema(), ""))
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		_, err = st.Customers.Search(ctxA, all)
		assert.ErrorIs(t, err, store.ErrWrongSchema)
		_, err = st.Calls.Search(ctxA, query.Query{})
		assert.ErrorIs(t, err, store.ErrWrongSchema)
	})
}

func TestCallsSearchFilterSortPage(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, a, _ := seed(t, st, b, "a", "+493011111111")
		_, other, _ := seed(t, st, b, "b", "+493022222222")
		var ended []int64
		for i := range 7 {
			status := "ended"
			if i%3 == 2 {
				status = "error"
			}
			id := insertCall(t, b, a.ID, fmt.Sprintf("c%d", i), status, i, int64(i)*1000, "+493011111111")
			insertCall(t, b, other.ID, fmt.Sprintf("o%d", i), status, i, int64(i)*1000, "+493011111111")
			if status == "ended" && i >= 1 {
				ended = append(ended, id)
			}
		}
		// ended calls with duration >= 1000: c1 c3 c4 c6; newest first.
		want := []int64{ended[3], ended[2], ended[1], ended[0]}
		q := mustParse(t, store.CallSchema(), "filter[status][in]=ended&filter[duration_ms][gte]=1000&sort=-started_at&per_page=3")
		res, err := st.Calls.Search(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, want[:3], ids(res.Rows, callID))
		assert.Equal(t, 4, res.Total, "a full page is counted")
		assert.False(t, res.Capped)

		q = mustParse(t, store.CallSchema(), "filter[status][in]=ended&filter[duration_ms][gte]=1000&sort=-started_at&per_page=3&page=2")
		res, err = st.Calls.Search(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, want[3:], ids(res.Rows, callID))
		assert.Equal(t, 4, res.Total, "a short page gives the total")

		q = mustParse(t, store.CallSchema(), "filter[status]=ended&per_page=3&page=5")
		res, err = st.Calls.Search(ctx, q)
		require.NoError(t, err)
		assert.Empty(t, res.Rows)
		assert.Equal(t, 5, res.Total, "a page past the end is counted")

		q = mustParse(t, store.CallSchema(), "filter[started_at][gte]=2025-03-01T11:00:00Z&filter[started_at][lt]=2025-03-01T13:00:00%2B01:00&sort=started_at")
		res, err = st.Calls.Search(ctx, q)
		require.NoError(t, err)
		require.Len(t, res.Rows, 1, "11:00 to 12:00 UTC")
		assert.Equal(t, "c2", res.Rows[0].RetellCallID)

		q = mustParse(t, store.CallSchema(), "filter[successful]=true&filter[to_number][like]=%2B4930%25&filter[status][ne]=error")
		res, err = st.Calls.Search(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, []string{"c6", "c4", "c0"}, callKeys(res.Rows))

		q = mustParse(t, store.CallSchema(), `filter[retell_call_id][like]=c\_%25`)
		res, err = st.Calls.Search(ctx, q)
		require.NoError(t, err)
		assert.Empty(t, res.Rows, `\_ is a literal underscore`)
	})
}

func callKeys(cs []store.Call) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.RetellCallID)
	}
	return out
}

func TestAppointmentsSearch(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, a, br := seed(t, st, b, "a", "+493011111111")
		_, other, _ := seed(t, st, b, "b", "+493022222222")
		var mine []int64
		for i := range 5 {
			status := store.AppointmentBooked
			if i == 3 {
				status = store.AppointmentCancelled
			}
			for _, cid := range []int64{a.ID, other.ID} {
				at := searchT0.Add(time.Duration(i) * 24 * time.Hour)
				res, err := b.pool.Writer().Exec("INSERT INTO appointments (company_id, branch_id, calcom_booking_uid, starts_at, ends_at, status, source, created_at, updated_at) "+
					"VALUES (?, ?, ?, ?, ?, ?, 'phone', ?, ?)", cid, nil, fmt.Sprintf("uid-%d-%d", cid, i), at, at.Add(time.Hour), status, at, at)
				require.NoError(t, err)
				if cid == a.ID {
					id, err := res.LastInsertId()
					require.NoError(t, err)
					mine = append(mine, id)
				}
			}
		}
		_, err := b.pool.Writer().Exec("UPDATE appointments SET branch_id = ? WHERE id = ?", br.ID, mine[4])
		require.NoError(t, err)

		q := mustParse(t, store.AppointmentSchema(), "filter[starts_at][gte]=2025-03-02&filter[status]=booked&sort=starts_at&per_page=2")
		res, err := st.Appointments.Search(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, []int64{mine[1], mine[2]}, ids(res.Rows, func(a store.Appointment) int64 { return a.ID }))
		assert.Equal(t, 3, res.Total)

		res, err = st.Appointments.Search(ctx, mustParse(t, store.AppointmentSchema(), "page=2&per_page=2"))
		require.NoError(t, err)
		assert.Equal(t, []int64{mine[2], mine[1]}, ids(res.Rows, func(a store.Appointment) int64 { return a.ID }), "latest start first")
		assert.Equal(t, 5, res.Total)

		res, err = st.Appointments.Search(ctx, mustParse(t, store.AppointmentSchema(), fmt.Sprintf("filter[branch_id]=%d", br.ID)))
		require.NoError(t, err)
		assert.Equal(t, []int64{mine[4]}, ids(res.Rows, func(a store.Appointment) int64 { return a.ID }))
	})
}

func TestCustomersSearchAndCap(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		ctx, a, _ := seed(t, st, b, "a", "+493011111111")
		_, other, _ := seed(t, st, b, "b", "+493022222222")
		// 10,001 customers of a, 3 of the other company.
		const n = query.MaxWindow + 1
		for start := 0; start < n; start += 1000 {
			var vals []string
			var args []any
			for i := start; i < min(start+1000, n); i++ {
				at := searchT0.Add(time.Duration(i) * time.Second)
				vals = append(vals, "(?, ?, ?, ?, ?)")
				args = append(args, a.ID, fmt.Sprintf("+4930%07d", i), fmt.Sprintf("Kunde %d", i), at, at)
			}
			_, err := b.pool.Writer().Exec("INSERT INTO customers (company_id, phone_number, name, created_at, updated_at) VALUES "+strings.Join(vals, ", "), args...)
			require.NoError(t, err)
		}
		for i := range 3 {
			_, err := b.pool.Writer().Exec("INSERT INTO customers (company_id, phone_number, created_at, updated_at) VALUES (?, ?, ?, ?)",
				other.ID, fmt.Sprintf("+4930%07d", i), searchT0, searchT0)
			require.NoError(t, err)
		}

		res, err := st.Customers.Search(ctx, mustParse(t, store.CustomerSchema(), ""))
		require.NoError(t, err)
		assert.Len(t, res.Rows, 25)
		assert.Equal(t, query.MaxWindow, res.Total)
		assert.True(t, res.Capped, "more than 10,000 match")
		assert.Equal(t, "Kunde 10000", res.Rows[0].Name, "newest first")

		q := mustParse(t, store.CustomerSchema(), "filter[phone_number][like]=%2B4930000001%25&sort=-phone_number&per_page=4")
		res, err = st.Customers.Search(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, []string{"+49300000019", "+49300000018", "+49300000017", "+49300000016"}, phones(res.Rows))
		assert.Equal(t, 10, res.Total)
		assert.False(t, res.Capped)

		res, err = st.Customers.Search(ctx, mustParse(t, store.CustomerSchema(), "filter[name][like]=Kunde 99_&filter[id][gt]=0&per_page=100&page=1"))
		require.NoError(t, err)
		assert.Equal(t, 10, res.Total, "Kunde 990 to 999")
	})
}

func phones(cs []store.Customer) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.PhoneNumber.String())
	}
	return out
}
