package booking_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"testing"

	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventsCarryTheirCompany runs stored events of two companies through a
// real Worker in one batch: each event row gets the company its handler
// resolved (Retell by the branch's number, Cal.com by the service's event
// type, Stripe by metadata), dead letters too when the company was known,
// none when it was not, and a company stored at ingestion is kept. Each
// company's TenantReader (the API's view) then lists exactly its own.
func TestEventsCarryTheirCompany(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b testBundle) {
		a := b.company.ID
		other, err := b.st.Companies.Create(b.sys, store.NewCompany{Name: "Salon Zwei", Subdomain: "zwei"})
		require.NoError(t, err)
		bc := other.ID
		ctxB := tenant.WithCompany(context.Background(), bc)
		br, err := b.st.Branches.Create(ctxB, store.NewBranch{Name: "Filiale", PhoneNumber: "+493011111111"})
		require.NoError(t, err)
		_, err = b.st.Services.Create(ctxB, store.NewService{BranchID: br.ID, Name: "Schnitt", Type: "haircut", DurationMinutes: 30,
			CalcomEventTypeID: ptr(int64(4713))})
		require.NoError(t, err)
		// A call of B's, whose id a later event to A's number reuses.
		require.NoError(t, b.st.Calls.Merge(ctxB, store.CallEvent{RetellCallID: "call_of_b", BranchID: &br.ID, Status: "ongoing",
			LifecycleRank: store.RankStarted}))

		toB := func(body []byte) []byte {
			return edit(t, body, func(m map[string]any) { sub(m, "call")["to_number"] = "+493011111111" })
		}
		stripeFor := func(id string, company any) []byte {
			return edit(t, sample(t, "stripe", "payment_intent.succeeded", id), func(m map[string]any) {
				sub(sub(sub(m, "data"), "object"), "metadata")["company_id"] = company
				sub(sub(m, "data"), "object")["id"] = "pi_" + id
			})
		}
		events := []struct {
			name, provider, event string
			body                  []byte
			claimed               int64 // the company stored at ingestion, 0 for none
			status                queue.Status
			company               int64 // the row's company after processing, 0 for none
		}{
			{"A's call", "retell", "call_ended", sample(t, "retell", "call_ended", "call_a"), 0, queue.Processed, a},
			{"B's call", "retell", "call_ended", toB(sample(t, "retell", "call_ended", "call_b")), 0, queue.Processed, bc},
			{"A's booking", "calcom", "BOOKING_CREATED", sample(t, "calcom", "BOOKING_CREATED", "uid_a"), 0, queue.Processed, a},
			{"B's booking", "calcom", "BOOKING_CREATED", edit(t, sample(t, "calcom", "BOOKING_CREATED", "uid_b"), func(m map[string]any) {
				sub(m, "payload")["eventTypeId"] = 4713
			}), 0, queue.Processed, bc},
			{"B's payment", "stripe", "payment_intent.succeeded", stripeFor("evt_b", jsonNumber(bc)), 0, queue.Processed, bc},
			{"a payment of no company", "stripe", "payment_intent.succeeded", sample(t, "stripe", "payment_intent.succeeded", "evt_none"), 0, queue.Processed, 0},
			{"A's number, stored as B's", "retell", "call_started", sample(t, "retell", "call_started", "call_claimed"), bc, queue.Processed, bc},
			{"A's number, B's call (conflict)", "retell", "call_ended", sample(t, "retell", "call_ended", "call_of_b"), 0, queue.DeadLetter, a},
			{"no branch has the number", "retell", "call_ended", edit(t, sample(t, "retell", "call_ended", "call_nobody"), func(m map[string]any) {
				sub(m, "call")["to_number"] = "+493099999999"
			}), 0, queue.DeadLetter, 0},
		}
		in, err := queue.NewInbox(queue.InboxConfig{DB: b.pool.Writer(), Dialect: b.pool.Dialect(), Flushers: 1})
		require.NoError(t, err)
		t.Cleanup(func() { _ = in.Close() })
		ids := make([]int64, len(events))
		for i, e := range events {
			key := e.provider + ":" + e.name
			_, err := in.Insert(context.Background(), queue.Event{Provider: e.provider, Type: e.event, Key: key, CompanyID: e.claimed, Payload: e.body})
			require.NoError(t, err)
			require.NoError(t, b.pool.DB().QueryRow("SELECT id FROM webhook_events WHERE idempotency_key = ?", []byte(key)).Scan(&ids[i]))
		}

		w, err := queue.NewWorker(queue.WorkerConfig{DB: b.pool.Writer(), Dialect: b.pool.Dialect(), Handler: b.mux, Batch: 16,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		n, err := w.RunOnce(context.Background(), "w")
		require.NoError(t, err)
		require.Equal(t, len(events), n, "one batch")

		wantA, wantB := map[int64]bool{}, map[int64]bool{}
		for i, e := range events {
			var status string
			var company sql.NullInt64
			require.NoError(t, b.pool.DB().QueryRow("SELECT status, company_id FROM webhook_events WHERE id = ?", ids[i]).Scan(&status, &company))
			assert.Equal(t, string(e.status), status, e.name)
			assert.Equal(t, e.company, company.Int64, e.name)
			switch e.company {
			case a:
				wantA[ids[i]] = true
			case bc:
				wantB[ids[i]] = true
			}
		}
		tr, err := queue.NewTenantReader(b.pool)
		require.NoError(t, err)
		for _, c := range []struct {
			ctx  context.Context
			want map[int64]bool
		}{{b.ctx, wantA}, {ctxB, wantB}} {
			q, err := query.Parse(queue.EventSchema(), url.Values{})
			require.NoError(t, err)
			res, err := tr.Search(c.ctx, q)
			require.NoError(t, err)
			got := map[int64]bool{}
			for _, j := range res.Rows {
				got[j.ID] = true
			}
			assert.Equal(t, c.want, got, "a company lists exactly its own events")
		}
	})
}
