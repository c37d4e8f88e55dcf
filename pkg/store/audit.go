package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/tenant"
)

// AuditEntry is one row of the audit log: who did what to what, when.
type AuditEntry struct {
	ID        int64           `json:"id"`
	CompanyID *int64          `json:"company_id"` // nil: platform-level work
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target,omitempty"`
	Details   json.RawMessage `json:"details,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// AuditLog is the repository of audit entries. Writing and reading the
// whole log is platform work (a system context); a company's context sees
// and writes only that company's entries.
type AuditLog struct{ s *Store }

const auditCols = "id, company_id, actor, action, target, details, created_at"

func scanAudit(row scanner) (AuditEntry, error) {
	var e AuditEntry
	var cid sql.NullInt64
	var target, details sql.NullString
	err := row.Scan(&e.ID, &cid, &e.Actor, &e.Action, &target, &details, &e.CreatedAt)
	e.CompanyID, e.Target = ptrInt64(cid), target.String
	if details.Valid {
		e.Details = json.RawMessage(details.String)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, err
}

// Record appends e to the log and returns it with its id and time (a zero
// CreatedAt means now). Actor and Action are required; Details, when given,
// must be JSON. A system context may record for any company or none; a
// company's context only for itself (a nil CompanyID is taken as its own).
// Errors: *ValidationError, ErrNotSystem (a company's context recording for
// another company or none), tenant.ErrNoTenant.
func (r *AuditLog) Record(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if !tenant.IsSystem(ctx) {
		own, err := companyID(ctx)
		if err != nil {
			return AuditEntry{}, err
		}
		if e.CompanyID == nil {
			e.CompanyID = &own
		} else if *e.CompanyID != own {
			return AuditEntry{}, ErrNotSystem
		}
	}
	var err error
	if e.Actor, err = checkName("actor", e.Actor, 255); err != nil {
		return AuditEntry{}, err
	}
	if e.Action, err = checkName("action", e.Action, 128); err != nil {
		return AuditEntry{}, err
	}
	e.Target = strings.TrimSpace(e.Target)
	if len([]rune(e.Target)) > 255 {
		return AuditEntry{}, invalid("target", "longer than 255 characters")
	}
	details, err := checkJSON("details", e.Details)
	if err != nil {
		return AuditEntry{}, err
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = r.s.nowUTC()
	} else {
		e.CreatedAt = e.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	res, err := r.s.w.ExecContext(ctx,
		"INSERT INTO audit_log (company_id, actor, action, target, details, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		nullInt64(e.CompanyID), e.Actor, e.Action, nullString(e.Target), details, e.CreatedAt)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("record audit entry: %w", err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return AuditEntry{}, fmt.Errorf("record audit entry: %w", err)
	}
	return e, nil
}

// List returns audit entries, newest first: all of them for a system
// context, the company's own for a company's context. Errors:
// tenant.ErrNoTenant.
func (r *AuditLog) List(ctx context.Context, page Page) ([]AuditEntry, error) {
	if tenant.IsSystem(ctx) {
		return queryList(ctx, r.s.db, "list audit log", scanAudit,
			"SELECT "+auditCols+" FROM audit_log ORDER BY created_at DESC, id DESC"+page.sql())
	}
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list audit log", scanAudit,
		"SELECT "+auditCols+" FROM audit_log WHERE company_id = ? ORDER BY created_at DESC, id DESC"+page.sql(), cid)
}
