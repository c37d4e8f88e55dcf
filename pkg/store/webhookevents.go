package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Webhook event statuses (DESIGN.md "Queue and processing").
const (
	EventPending    = "pending"
	EventProcessing = "processing"
	EventRetrying   = "retrying"
	EventProcessed  = "processed"
	EventDeadLetter = "dead_letter"
)

// EventStatuses lists the statuses in lifecycle order.
var EventStatuses = []string{EventPending, EventProcessing, EventRetrying, EventProcessed, EventDeadLetter}

// WebhookEvent is one stored webhook delivery, the queue's job.
type WebhookEvent struct {
	ID               int64             `json:"id"`
	Provider         string            `json:"provider"`
	EventType        string            `json:"event_type"`
	IdempotencyKey   string            `json:"idempotency_key"`
	CompanyID        *int64            `json:"company_id,omitempty"`
	Payload          json.RawMessage   `json:"payload,omitempty"`
	Headers          map[string]string `json:"headers,omitempty"`
	CorrelationID    string            `json:"correlation_id,omitempty"`
	IPAddress        string            `json:"ip_address,omitempty"`
	UserAgent        string            `json:"user_agent,omitempty"`
	Status           string            `json:"status"`
	Queue            string            `json:"queue"`
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
}

// EventFilter narrows [WebhookEvents.List]. Zero values match everything.
type EventFilter struct {
	Status   string
	Provider string
	Page     Page
}

// WebhookEvents reads the webhook inbox. It is operator tooling across all
// companies: every method needs a system context.
type WebhookEvents struct{ s *Store }

const eventListCols = "id, provider, event_type, idempotency_key, company_id, correlation_id, ip_address, user_agent, status, queue, " +
	"attempts, max_attempts, available_at, locked_by, locked_until, last_error, processed_at, processing_time_ms, created_at, updated_at"

func scanEvent(row scanner, extra ...any) (WebhookEvent, error) {
	var e WebhookEvent
	var company, ptime sql.NullInt64
	var corr, ip, ua, lockedBy, lastErr sql.NullString
	var lockedUntil, processedAt sql.NullTime
	dest := []any{&e.ID, &e.Provider, &e.EventType, &e.IdempotencyKey, &company, &corr, &ip, &ua, &e.Status, &e.Queue,
		&e.Attempts, &e.MaxAttempts, &e.AvailableAt, &lockedBy, &lockedUntil, &lastErr, &processedAt, &ptime, &e.CreatedAt, &e.UpdatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return e, err
	}
	e.CompanyID, e.ProcessingTimeMS = ptrInt64(company), ptrInt64(ptime)
	e.CorrelationID, e.IPAddress, e.UserAgent, e.LockedBy, e.LastError = corr.String, ip.String, ua.String, lockedBy.String, lastErr.String
	e.LockedUntil, e.ProcessedAt = ptrTime(lockedUntil), ptrTime(processedAt)
	e.AvailableAt, e.CreatedAt, e.UpdatedAt = e.AvailableAt.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, nil
}

// List returns events newest first, without payloads.
func (r *WebhookEvents) List(ctx context.Context, f EventFilter) ([]WebhookEvent, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	q, args := "SELECT "+eventListCols+" FROM webhook_events WHERE 1 = 1", []any{}
	if f.Status != "" {
		q, args = q+" AND status = ?", append(args, f.Status)
	}
	if f.Provider != "" {
		q, args = q+" AND provider = ?", append(args, f.Provider)
	}
	return queryList(ctx, r.s.db, "list webhook events", func(row scanner) (WebhookEvent, error) { return scanEvent(row) },
		q+" ORDER BY id DESC"+f.Page.sql(), args...)
}

// Get returns one event with its payload and stored headers.
func (r *WebhookEvents) Get(ctx context.Context, id int64) (WebhookEvent, error) {
	if err := requireSystem(ctx); err != nil {
		return WebhookEvent{}, err
	}
	var payload string
	var headers sql.NullString
	e, err := scanEvent(r.s.db.QueryRowContext(ctx, "SELECT "+eventListCols+", payload, headers FROM webhook_events WHERE id = ?", id), &payload, &headers)
	if errors.Is(err, sql.ErrNoRows) {
		return WebhookEvent{}, ErrNotFound
	}
	if err != nil {
		return WebhookEvent{}, fmt.Errorf("get webhook event %d: %w", id, err)
	}
	e.Payload = json.RawMessage(payload)
	if headers.Valid && headers.String != "" {
		if err := json.Unmarshal([]byte(headers.String), &e.Headers); err != nil {
			return WebhookEvent{}, fmt.Errorf("get webhook event %d: decode headers: %w", id, err)
		}
	}
	return e, nil
}

// EventStat is the number of events of one provider in one status.
type EventStat struct {
	Provider string `json:"provider"`
	Status   string `json:"status"`
	Count    int64  `json:"count"`
}

// Stats counts events by provider and status.
func (r *WebhookEvents) Stats(ctx context.Context) ([]EventStat, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "webhook event stats", func(row scanner) (EventStat, error) {
		var s EventStat
		err := row.Scan(&s.Provider, &s.Status, &s.Count)
		return s, err
	}, "SELECT provider, status, COUNT(*) FROM webhook_events GROUP BY provider, status ORDER BY provider, status")
}
