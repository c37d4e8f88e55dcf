package queue

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/tenant"
)

// Job is one stored webhook event, the queue's job. Its JSON form is the
// stable schema of `askpro webhooks -o json`.
type Job struct {
	ID        int64  `json:"id"`
	Provider  string `json:"provider"`
	EventType string `json:"event_type"`
	// IdempotencyKey is compared byte for byte; it is normally UTF-8.
	IdempotencyKey string `json:"idempotency_key"`
	// CompanyID is the company the event belongs to, or nil: the one the
	// payload claims at ingestion (Stripe metadata.company_id), else the one
	// processing resolved (a [Handler] calls [Job.SetCompany]; the worker
	// stores it with the job's outcome). A company claimed at ingestion is
	// not checked against companies and is never overwritten.
	CompanyID *int64 `json:"company_id,omitempty"`
	// Payload is the raw body as the provider sent it, byte for byte; JSON
	// shows it as the JSON it is. Only [Reader.Get] fills it.
	Payload json.RawMessage `json:"payload,omitempty"`
	// Headers are the request headers kept with the event; only
	// [Reader.Get] fills them.
	Headers          map[string]string `json:"headers,omitempty"`
	CorrelationID    string            `json:"correlation_id,omitempty"`
	IPAddress        string            `json:"ip_address,omitempty"`
	UserAgent        string            `json:"user_agent,omitempty"`
	Status           Status            `json:"status"`
	Queue            Queue             `json:"queue"`
	Attempts         int               `json:"attempts"`
	MaxAttempts      int               `json:"max_attempts"`
	AvailableAt      time.Time         `json:"available_at"`
	LockedBy         string            `json:"locked_by,omitempty"`
	LockedUntil      *time.Time        `json:"locked_until,omitempty"`
	LastError        string            `json:"last_error,omitempty"`
	ProcessedAt      *time.Time        `json:"processed_at,omitempty"`
	ProcessingTimeMS *int64            `json:"processing_time_ms,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`

	// resolved is the company the handler's last run set (SetCompany), 0
	// when none; the worker clears it before each run.
	resolved int64
}

// SetCompany records, from a [Handler], the company processing resolved the
// job's event to (the branch of a call's number, the service of a booking's
// event type, ...), so that the event row carries it and the company sees it
// (GET /api/v1/webhook-events). Call it as soon as the tenant is known, before
// anything can fail: the worker stores it with whatever outcome the run has
// (processed, retrying or dead_letter), in the statement that records the
// outcome, so it costs no statement of its own.
//
// A company already stored on the row (claimed at ingestion) is kept: the
// worker writes company_id only where it is NULL, and logs a warning when
// the two differ. The last call of a run wins; id <= 0 clears it. Each run of
// a job starts with none set. It is not safe for concurrent use (a handler
// owns its job while it runs).
func (j *Job) SetCompany(id int64) {
	j.resolved = max(id, 0)
}

// Filter narrows [Reader.List]. The zero value lists the newest 100 events.
type Filter struct {
	// Status, if set, keeps only events in this status.
	Status Status
	// Provider, if set, keeps only events of this provider.
	Provider string
	// Limit bounds the events returned. Defaults to 100, at most 1000.
	Limit int
	// Offset skips this many events (of the newest first order).
	Offset int
}

// Stat is the number of events of one provider in one status.
type Stat struct {
	Provider string `json:"provider"`
	Status   Status `json:"status"`
	Count    int64  `json:"count"`
}

var (
	// ErrNotFound is returned by [Reader.Get] for an id that has no event.
	ErrNotFound = errors.New("queue: event not found")
	// ErrNotSystem is returned by the [Reader]'s methods called without a
	// context marked with tenant.System: the inbox spans every company.
	ErrNotSystem = errors.New("queue: reading the inbox needs a system context")
)

// Reader reads webhook_events for operators (`askpro webhooks`) and the
// API. Every method needs a system context ([tenant.System]) and returns
// [ErrNotSystem] without one. It is safe for concurrent use.
type Reader struct {
	db *sql.DB
}

// NewReader returns a Reader on the pool's read handle. Its only error is a
// pool of an unknown dialect.
func NewReader(p *pool.Pool) (*Reader, error) {
	if _, err := newDriver(p.Dialect()); err != nil {
		return nil, err
	}
	return &Reader{db: p.DB()}, nil
}

const jobCols = "id, provider, event_type, idempotency_key, company_id, correlation_id, ip_address, user_agent, status, queue, " +
	"attempts, max_attempts, available_at, locked_by, locked_until, last_error, processed_at, processing_time_ms, created_at, updated_at"

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(...any) error }

func scanJob(row scanner, extra ...any) (Job, error) {
	var j Job
	var key []byte
	var company, ptime sql.NullInt64
	var corr, ip, ua, lockedBy, lastErr sql.NullString
	var lockedUntil, processedAt sql.NullTime
	dest := []any{&j.ID, &j.Provider, &j.EventType, &key, &company, &corr, &ip, &ua, &j.Status, &j.Queue,
		&j.Attempts, &j.MaxAttempts, &j.AvailableAt, &lockedBy, &lockedUntil, &lastErr, &processedAt, &ptime, &j.CreatedAt, &j.UpdatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return j, err
	}
	j.IdempotencyKey = string(key)
	j.CompanyID, j.ProcessingTimeMS = ptrInt64(company), ptrInt64(ptime)
	j.CorrelationID, j.IPAddress, j.UserAgent, j.LockedBy, j.LastError = corr.String, ip.String, ua.String, lockedBy.String, lastErr.String
	j.LockedUntil, j.ProcessedAt = ptrTime(lockedUntil), ptrTime(processedAt)
	j.AvailableAt, j.CreatedAt, j.UpdatedAt = j.AvailableAt.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	return j, nil
}

// List returns events newest first, without payloads and headers. The
// result is never nil. Errors: [ErrNotSystem], the database's.
func (r *Reader) List(ctx context.Context, f Filter) ([]Job, error) {
	if !tenant.IsSystem(ctx) {
		return nil, ErrNotSystem
	}
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Provider != "" {
		where, args = append(where, "provider = ?"), append(args, f.Provider)
	}
	q := "SELECT " + jobCols + " FROM webhook_events"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d OFFSET %d", min(limit, 1000), max(f.Offset, 0))
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("queue: list events: %w", err)
	}
	defer rows.Close()
	out := []Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("queue: list events: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: list events: %w", err)
	}
	return out, nil
}

// Get returns one event with its payload and headers. A payload that is not
// JSON (askpro stores only JSON; another writer might not) is returned as a
// JSON string of its text, so that the Job still encodes. Errors:
// [ErrNotFound], [ErrNotSystem], the database's.
func (r *Reader) Get(ctx context.Context, id int64) (Job, error) {
	if !tenant.IsSystem(ctx) {
		return Job{}, ErrNotSystem
	}
	var payload []byte
	var headers sql.NullString
	j, err := scanJob(r.db.QueryRowContext(ctx, "SELECT "+jobCols+", payload, headers FROM webhook_events WHERE id = ?", id), &payload, &headers)
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
	if headers.Valid && headers.String != "" {
		if err := json.Unmarshal([]byte(headers.String), &j.Headers); err != nil {
			return Job{}, fmt.Errorf("queue: get event %d: decode headers: %w", id, err)
		}
	}
	return j, nil
}

// Stats counts events by provider and status, ordered by both. The result
// is never nil. Errors: [ErrNotSystem], the database's.
func (r *Reader) Stats(ctx context.Context) ([]Stat, error) {
	if !tenant.IsSystem(ctx) {
		return nil, ErrNotSystem
	}
	rows, err := r.db.QueryContext(ctx, "SELECT provider, status, COUNT(*) FROM webhook_events GROUP BY provider, status ORDER BY provider, status")
	if err != nil {
		return nil, fmt.Errorf("queue: event stats: %w", err)
	}
	defer rows.Close()
	out := []Stat{}
	for rows.Next() {
		var s Stat
		if err := rows.Scan(&s.Provider, &s.Status, &s.Count); err != nil {
			return nil, fmt.Errorf("queue: event stats: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: event stats: %w", err)
	}
	return out, nil
}

// QueueStat is the number of events of one queue in one status.
type QueueStat struct {
	Queue  Queue  `json:"queue"`
	Status Status `json:"status"`
	Count  int64  `json:"count"`
}

// QueueStats is the state of the queues: what [Reader.QueueStats] returns.
type QueueStats struct {
	// Counts are the events by queue and status, queues in the order
	// workers take them, statuses in lifecycle order; pairs with no event
	// are left out. Never nil.
	Counts []QueueStat `json:"counts"`
	// OldestPending is the earliest available_at of the events waiting for
	// a worker (pending or retrying, and available at the time asked
	// about), or nil when none waits. The time since is how long the
	// oldest waiting event has been kept waiting.
	OldestPending *time.Time `json:"oldest_pending,omitempty"`
}

// QueueStats counts events by queue and status and finds the oldest event
// waiting for a worker at now (pending or retrying with available_at <=
// now; an event delayed or backing off until later is not waiting yet). A
// zero now means time.Now(). The oldest is found on the claim's index
// (claimable, priority, available_at): one index entry per priority.
// Errors: [ErrNotSystem], the database's.
func (r *Reader) QueueStats(ctx context.Context, now time.Time) (QueueStats, error) {
	if !tenant.IsSystem(ctx) {
		return QueueStats{}, ErrNotSystem
	}
	if now.IsZero() {
		now = time.Now()
	}
	counts, err := r.queueCounts(ctx)
	if err != nil {
		return QueueStats{}, err
	}
	out := QueueStats{Counts: counts}
	slices.SortFunc(out.Counts, func(a, b QueueStat) int {
		return cmp.Or(cmp.Compare(a.Queue.Priority(), b.Queue.Priority()), cmp.Compare(a.Queue, b.Queue),
			cmp.Compare(statusRank(a.Status), statusRank(b.Status)), cmp.Compare(a.Status, b.Status))
	})
	for _, q := range Queues {
		oldest, ok, err := r.oldestWaiting(ctx, q, now)
		if err != nil {
			return QueueStats{}, err
		}
		if ok && (out.OldestPending == nil || oldest.Before(*out.OldestPending)) {
			out.OldestPending = &oldest
		}
	}
	return out, nil
}

// queueCounts counts events by queue and status, unordered; never nil.
func (r *Reader) queueCounts(ctx context.Context) ([]QueueStat, error) {
	out := []QueueStat{}
	rows, err := r.db.QueryContext(ctx, "SELECT queue, status, COUNT(*) FROM webhook_events GROUP BY queue, status")
	if err != nil {
		return nil, fmt.Errorf("queue: queue stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s QueueStat
		if err := rows.Scan(&s.Queue, &s.Status, &s.Count); err != nil {
			return nil, fmt.Errorf("queue: queue stats: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: queue stats: %w", err)
	}
	return out, nil
}

// oldestWaiting returns the earliest available_at of q's events waiting
// for a worker at now, and false when none waits: the first entry of one
// priority's range of the claim index (no MIN(): SQLite would return its
// text, not a time).
func (r *Reader) oldestWaiting(ctx context.Context, q Queue, now time.Time) (time.Time, bool, error) {
	var oldest time.Time
	err := r.db.QueryRowContext(ctx, "SELECT available_at FROM webhook_events WHERE claimable = 1 AND priority = ? AND available_at <= ? "+
		"ORDER BY available_at LIMIT 1", q.Priority(), now.UTC()).Scan(&oldest)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("queue: oldest waiting event: %w", err)
	}
	return oldest.UTC(), true, nil
}

// statusRank is s's place in [Statuses], or len(Statuses) for an unknown one.
func statusRank(s Status) int {
	if i := slices.Index(Statuses, s); i >= 0 {
		return i
	}
	return len(Statuses)
}

func ptrInt64(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func ptrTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	v := n.Time.UTC()
	return &v
}
