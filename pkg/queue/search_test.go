package queue_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func companyEv(key, typ string, company int64) queue.Event {
	e := stripeEv(key, typ)
	e.CompanyID = company
	return e
}

func parseEvents(t *testing.T, r *queue.TenantReader, raw string) query.Query {
	t.Helper()
	v, err := url.ParseQuery(raw)
	require.NoError(t, err)
	q, err := query.Parse(queue.EventSchema(), v)
	require.NoError(t, err)
	return q
}

func keys(jobs []queue.Job) []string {
	out := []string{}
	for _, j := range jobs {
		out = append(out, j.IdempotencyKey)
	}
	return out
}

func TestTenantReader(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, p *pool.Pool) {
		// Company ids need no companies row: webhook_events has no foreign key.
		ids := store(t, p,
			companyEv("a1", "charge.failed", 1), companyEv("a2", "charge.succeeded", 1), companyEv("a3", "charge.failed", 1),
			companyEv("a4", "invoice.paid", 1), companyEv("b1", "charge.failed", 2), stripeEv("none", "charge.failed"))
		setState(t, p, ids["a3"], queue.DeadLetter, 3, "handler: boom")
		setState(t, p, ids["a4"], queue.Processed, 1, "")
		r, err := queue.NewTenantReader(p)
		require.NoError(t, err)
		ctxA, ctxB := tenant.WithCompany(context.Background(), 1), tenant.WithCompany(context.Background(), 2)

		res, err := r.Search(ctxA, parseEvents(t, r, ""))
		require.NoError(t, err)
		assert.Equal(t, []string{"a4", "a3", "a2", "a1"}, keys(res.Rows), "newest first (created_at, then id)")
		assert.Equal(t, 4, res.Total)
		for _, j := range res.Rows {
			assert.Nil(t, j.Payload, "lists leave the payload out")
			assert.Nil(t, j.Headers)
			require.NotNil(t, j.CompanyID)
			assert.Equal(t, int64(1), *j.CompanyID)
		}

		res, err = r.Search(ctxA, parseEvents(t, r, "filter[event_type][like]=charge.%25&filter[status][in]=pending,dead_letter&sort=id&per_page=2"))
		require.NoError(t, err)
		assert.Equal(t, []string{"a1", "a2"}, keys(res.Rows))
		assert.Equal(t, 3, res.Total, "a full page is counted")
		res, err = r.Search(ctxA, parseEvents(t, r, "filter[event_type][like]=charge.%25&filter[status][in]=pending,dead_letter&sort=id&per_page=2&page=2"))
		require.NoError(t, err)
		assert.Equal(t, []string{"a3"}, keys(res.Rows))
		res, err = r.Search(ctxA, parseEvents(t, r, "filter[processed_at][gte]=2025-03-01&filter[attempts][gte]=1"))
		require.NoError(t, err)
		assert.Equal(t, []string{"a4"}, keys(res.Rows))

		res, err = r.Search(ctxB, parseEvents(t, r, ""))
		require.NoError(t, err)
		assert.Equal(t, []string{"b1"}, keys(res.Rows), "B sees only its own; an event of no company is no one's")
		res, err = r.Search(ctxB, parseEvents(t, r, "filter[id][in]="+itoa(ids["a1"])+","+itoa(ids["none"])))
		require.NoError(t, err)
		assert.Empty(t, res.Rows)

		j, err := r.Get(ctxA, ids["a1"])
		require.NoError(t, err)
		assert.JSONEq(t, `{"id":"a1"}`, string(j.Payload))
		assert.Nil(t, j.Headers)
		_, err = r.Get(ctxB, ids["a1"])
		assert.ErrorIs(t, err, queue.ErrNotFound, "another company's event")
		_, err = r.Get(ctxA, ids["none"])
		assert.ErrorIs(t, err, queue.ErrNotFound)

		_, err = r.Search(context.Background(), parseEvents(t, r, ""))
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		_, err = r.Search(tenant.System(context.Background()), parseEvents(t, r, ""))
		assert.ErrorIs(t, err, tenant.ErrNoTenant, "a system context is no tenant")
		_, err = r.Get(context.Background(), ids["a1"])
		assert.ErrorIs(t, err, tenant.ErrNoTenant)
		_, err = r.Search(ctxA, query.Query{})
		assert.ErrorIs(t, err, queue.ErrWrongSchema)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
