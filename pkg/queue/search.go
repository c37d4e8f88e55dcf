package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/tenant"
)

// eventSchema is what API requests may filter and sort webhook events on.
// Sorting is on created_at (index company_id, created_at) and id.
var eventSchema = query.MustNew(query.Resource{
	Name: "webhook-events",
	Columns: []query.Column{
		{Name: "id", Kind: query.Int, Sortable: true},
		{Name: "provider", Kind: query.String},
		{Name: "event_type", Kind: query.String},
		{Name: "status", Kind: query.String},
		{Name: "queue", Kind: query.String},
		{Name: "attempts", Kind: query.Int},
		{Name: "created_at", Kind: query.Time, Sortable: true},
		{Name: "processed_at", Kind: query.Time},
	},
	DefaultSort: []query.Sort{{Column: "created_at", Desc: true}},
})

// TenantReader reads the webhook events of the context's company
// (webhook_events.company_id: the company an event names at ingestion, or
// the one its processing resolved, see [Job.SetCompany]): the API's
// view, where [Reader] is the operators' view across companies. Every
// method scopes by company_id in SQL and returns tenant.ErrNoTenant for a
// context without a company. It is safe for concurrent use.
type TenantReader struct {
	db *sql.DB
}

// NewTenantReader returns a TenantReader on the pool's read handle. Its
// only error is a pool of an unknown dialect.
func NewTenantReader(p *pool.Pool) (*TenantReader, error) {
	if _, err := newDriver(p.Dialect()); err != nil {
		return nil, err
	}
	return &TenantReader{db: p.DB()}, nil
}

// EventSchema returns the allow-list [TenantReader.Search] takes queries
// of: id,
// provider, event_type, status, queue, attempts, created_at, processed_at;
// sortable by created_at and id; newest first by default.
func EventSchema() *query.Schema { return eventSchema }

// Search returns one page of the context's company's events that match q,
// without payloads and headers, and the number of matches (counted up to
// query.MaxWindow). q must come from query.Parse with
// [EventSchema]. Errors: tenant.ErrNoTenant, [ErrWrongSchema], the
// database's.
func (r *TenantReader) Search(ctx context.Context, q query.Query) (query.Result[Job], error) {
	cid, err := tenant.CompanyID(ctx)
	if err != nil {
		return query.Result[Job]{}, fmt.Errorf("queue: %w", err)
	}
	if q.Schema() != eventSchema {
		return query.Result[Job]{}, fmt.Errorf("queue: search events: %w", ErrWrongSchema)
	}
	where, args := q.Where()
	cond := "company_id = ?"
	if where != "" {
		cond += " AND (" + where + ")"
	}
	args = append([]any{cid}, args...)
	rows, err := r.db.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM webhook_events WHERE %s ORDER BY %s LIMIT %d OFFSET %d",
		jobCols, cond, q.OrderBy(), q.Limit(), q.Offset()), args...)
	if err != nil {
		return query.Result[Job]{}, fmt.Errorf("queue: search events: %w", err)
	}
	defer rows.Close()
	res := query.Result[Job]{Rows: []Job{}}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return query.Result[Job]{}, fmt.Errorf("queue: search events: %w", err)
		}
		res.Rows = append(res.Rows, j)
	}
	if err := rows.Err(); err != nil {
		return query.Result[Job]{}, fmt.Errorf("queue: search events: %w", err)
	}
	if n := len(res.Rows); n < q.Limit() && (n > 0 || q.Offset() == 0) {
		res.Total = q.Offset() + n
		return res, nil
	}
	var n int
	err = r.db.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM webhook_events WHERE %s LIMIT %d) t",
		cond, query.MaxWindow+1), args...).Scan(&n)
	if err != nil {
		return query.Result[Job]{}, fmt.Errorf("queue: search events: count: %w", err)
	}
	res.Total, res.Capped = min(n, query.MaxWindow), n > query.MaxWindow
	return res, nil
}

// Get returns one event of the context's company with its payload (not its
// headers: they are the provider's request, signatures included). A
// payload that is not JSON is returned as a JSON string of its text, as by
// [Reader.Get]. Errors: [ErrNotFound] (also for another company's event),
// tenant.ErrNoTenant, the database's.
func (r *TenantReader) Get(ctx context.Context, id int64) (Job, error) {
	cid, err := tenant.CompanyID(ctx)
	if err != nil {
		return Job{}, fmt.Errorf("queue: %w", err)
	}
	var payload []byte
	j, err := scanJob(r.db.QueryRowContext(ctx, "SELECT "+jobCols+", payload FROM webhook_events WHERE id = ? AND company_id = ?", id, cid), &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("%w: id %d", ErrNotFound, id)
	}
	if err != nil {
		return Job{}, fmt.Errorf("queue: get event %d: %w", id, err)
	}
	if json.Valid(payload) {
		j.Payload = json.RawMessage(payload)
	} else {
		j.Payload, _ = json.Marshal(string(payload)) // a string never fails to encode
	}
	return j, nil
}

// ErrWrongSchema is returned by [TenantReader.Search] for a query that was
// not parsed against [EventSchema]. It is a programmer error.
var ErrWrongSchema = errors.New("queue: query parsed against another schema")
