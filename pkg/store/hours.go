package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Hours is one opening interval of a branch on a weekday (1 = Monday ...
// 7 = Sunday, ISO 8601), in the branch's time zone.
type Hours struct {
	ID        int64     `json:"id"`
	CompanyID int64     `json:"company_id"`
	BranchID  int64     `json:"branch_id"`
	Weekday   int       `json:"weekday"`
	Opens     string    `json:"opens"`
	Closes    string    `json:"closes"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WorkingHours is the repository of opening hours, scoped by the context's
// company.
type WorkingHours struct{ s *Store }

// Set makes [opens, closes) the only opening interval of the branch on
// weekday, replacing what that day had (in one transaction). Times are
// "HH:MM" (closes may be "24:00" for midnight); opens must be before closes. Errors: *ValidationError,
// ErrNotFound (branch), tenant.ErrNoTenant.
func (r *WorkingHours) Set(ctx context.Context, branchID int64, weekday int, opens, closes string) (Hours, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Hours{}, err
	}
	if weekday < 1 || weekday > 7 {
		return Hours{}, invalid("weekday", "must be 1 (Monday) to 7 (Sunday), got %d", weekday)
	}
	if opens, err = checkHHMM("opens", opens); err != nil {
		return Hours{}, err
	}
	if strings.TrimSpace(closes) != "24:00" { // closing at midnight is written 24:00
		if closes, err = checkHHMM("closes", closes); err != nil {
			return Hours{}, err
		}
	} else {
		closes = "24:00"
	}
	if opens >= closes {
		return Hours{}, invalid("closes", "%s is not after opens %s", closes, opens)
	}
	if _, err := r.s.Branches.Get(ctx, branchID); err != nil {
		return Hours{}, fmt.Errorf("set hours: branch %d: %w", branchID, err)
	}
	now := r.s.nowUTC()
	var id int64
	err = r.s.inTx(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM working_hours WHERE company_id = ? AND branch_id = ? AND weekday = ?", cid, branchID, weekday); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx,
			"INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			cid, branchID, weekday, opens, closes, now, now)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return Hours{}, fmt.Errorf("set hours: %w", err)
	}
	return Hours{ID: id, CompanyID: cid, BranchID: branchID, Weekday: weekday, Opens: opens, Closes: closes, CreatedAt: now, UpdatedAt: now}, nil
}

// List returns the branch's opening hours ordered by weekday and time.
func (r *WorkingHours) List(ctx context.Context, branchID int64) ([]Hours, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list hours", func(row scanner) (Hours, error) {
		var h Hours
		err := row.Scan(&h.ID, &h.CompanyID, &h.BranchID, &h.Weekday, &h.Opens, &h.Closes, &h.CreatedAt, &h.UpdatedAt)
		h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
		return h, err
	}, "SELECT id, company_id, branch_id, weekday, opens, closes, created_at, updated_at FROM working_hours "+
		"WHERE company_id = ? AND branch_id = ? ORDER BY weekday, opens", cid, branchID)
}
