package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/tenant"
)

// Service is something a branch offers and the agent can book.
type Service struct {
	ID                int64     `json:"id"`
	CompanyID         int64     `json:"company_id"`
	BranchID          int64     `json:"branch_id"`
	Name              string    `json:"name"`
	Type              string    `json:"type"`
	DurationMinutes   int       `json:"duration_minutes"`
	CalcomEventTypeID *int64    `json:"calcom_event_type_id,omitempty"`
	IsActive          bool      `json:"is_active"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// NewService is the input of [Services.Create].
type NewService struct {
	BranchID          int64
	Name              string
	Type              string
	DurationMinutes   int
	CalcomEventTypeID *int64
	Inactive          bool
}

// Services is the repository of services, scoped by the context's company.
type Services struct{ s *Store }

const serviceCols = "id, company_id, branch_id, name, type, duration_minutes, calcom_event_type_id, is_active, created_at, updated_at"

func scanService(row scanner) (Service, error) {
	var v Service
	var et sql.NullInt64
	err := row.Scan(&v.ID, &v.CompanyID, &v.BranchID, &v.Name, &v.Type, &v.DurationMinutes, &et, &v.IsActive, &v.CreatedAt, &v.UpdatedAt)
	v.CalcomEventTypeID = ptrInt64(et)
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return v, err
}

// Create adds a service to a branch of the context's company. Errors:
// *ValidationError, ErrNotFound (no such branch in this company),
// ErrConflict (the branch has a service of that name), tenant.ErrNoTenant.
func (r *Services) Create(ctx context.Context, in NewService) (Service, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Service{}, err
	}
	name, err := checkName("name", in.Name, 255)
	if err != nil {
		return Service{}, err
	}
	typ, err := checkName("type", in.Type, 64)
	if err != nil {
		return Service{}, err
	}
	if in.DurationMinutes <= 0 || in.DurationMinutes > 24*60 {
		return Service{}, invalid("duration_minutes", "must be between 1 and 1440, got %d", in.DurationMinutes)
	}
	if in.CalcomEventTypeID != nil && *in.CalcomEventTypeID <= 0 {
		return Service{}, invalid("calcom_event_type_id", "must be positive, got %d", *in.CalcomEventTypeID)
	}
	if _, err := r.s.Branches.Get(ctx, in.BranchID); err != nil {
		return Service{}, fmt.Errorf("create service: branch %d: %w", in.BranchID, err)
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"INSERT INTO services (company_id, branch_id, name, type, duration_minutes, calcom_event_type_id, is_active, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		cid, in.BranchID, name, typ, in.DurationMinutes, nullInt64(in.CalcomEventTypeID), !in.Inactive, now, now)
	if err != nil {
		return Service{}, fmt.Errorf("create service: %w", mapWriteErr(err, "the branch already has a service named "+name))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Service{}, fmt.Errorf("create service: %w", err)
	}
	return r.Get(ctx, id)
}

// Get returns a service of the context's company.
func (r *Services) Get(ctx context.Context, id int64) (Service, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Service{}, err
	}
	v, err := scanService(r.s.db.QueryRowContext(ctx, "SELECT "+serviceCols+" FROM services WHERE id = ? AND company_id = ?", id, cid))
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, ErrNotFound
	}
	if err != nil {
		return Service{}, fmt.Errorf("get service %d: %w", id, err)
	}
	return v, nil
}

// ListByBranch returns a branch's services ordered by id. A branchID of 0
// lists all services of the company.
func (r *Services) ListByBranch(ctx context.Context, branchID int64) ([]Service, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	q, args := "SELECT "+serviceCols+" FROM services WHERE company_id = ?", []any{cid}
	if branchID != 0 {
		q, args = q+" AND branch_id = ?", append(args, branchID)
	}
	return queryList(ctx, r.s.db, "list services", scanService, q+" ORDER BY id", args...)
}

// FindByEventType returns the active services bound to a Cal.com event type,
// across all companies, ordered by id: it is how system work finds the
// tenant of a Cal.com booking. It needs a system context.
func (r *Services) FindByEventType(ctx context.Context, eventTypeID int64) ([]Service, error) {
	if !tenant.IsSystem(ctx) {
		return nil, ErrNotSystem
	}
	return queryList(ctx, r.s.db, "find services by event type", scanService,
		"SELECT "+serviceCols+" FROM services WHERE calcom_event_type_id = ? AND is_active = ? ORDER BY id", eventTypeID, true)
}
