package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/askproai/askpro/pkg/tenant"
)

// The lookups pkg/tenant's resolver chain and cache make. They run before
// any tenant is known, as system work: each needs a context marked with
// tenant.System (pkg/tenant marks it when it calls them) and returns
// ErrNotSystem otherwise. Each returns only an id, a flag or a token, never
// a company's data.
var (
	_ tenant.CompanySource   = (*Companies)(nil)
	_ tenant.SubdomainSource = (*Companies)(nil)
	_ tenant.VersionSource   = (*Companies)(nil)
	_ tenant.PhoneSource     = (*Branches)(nil)
)

// CompanyStatus reports whether a company exists and is active
// ([tenant.CompanySource]). An unknown id is (tenant.Status{}, nil). It
// needs a system context (ErrNotSystem).
func (r *Companies) CompanyStatus(ctx context.Context, companyID int64) (tenant.Status, error) {
	if err := requireSystem(ctx); err != nil {
		return tenant.Status{}, err
	}
	var active bool
	err := r.s.db.QueryRowContext(ctx, "SELECT is_active FROM companies WHERE id = ?", companyID).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant.Status{}, nil
	}
	if err != nil {
		return tenant.Status{}, fmt.Errorf("company %d status: %w", companyID, err)
	}
	return tenant.Status{Exists: true, Active: active}, nil
}

// IDBySubdomain returns the id of the company with the subdomain (compared
// in lower case), active or not, or 0 when none has it
// ([tenant.SubdomainSource]). It needs a system context (ErrNotSystem).
func (r *Companies) IDBySubdomain(ctx context.Context, label string) (int64, error) {
	if err := requireSystem(ctx); err != nil {
		return 0, err
	}
	sub := strings.ToLower(strings.TrimSpace(label))
	if !subdomainRE.MatchString(sub) {
		return 0, nil
	}
	var id int64
	err := r.s.db.QueryRowContext(ctx, "SELECT id FROM companies WHERE subdomain = ?", sub).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("company by subdomain: %w", err)
	}
	return id, nil
}

// TenantVersion returns a token that changes when a company or a branch is
// added, removed, activated or deactivated, or updated through this package
// ([tenant.VersionSource]): the row counts, the sums of is_active and the
// latest updated_at of companies and branches, in one query over two small
// tables. It needs a system context (ErrNotSystem).
func (r *Companies) TenantVersion(ctx context.Context) (string, error) {
	if err := requireSystem(ctx); err != nil {
		return "", err
	}
	var v [6]sql.NullString
	err := r.s.db.QueryRowContext(ctx, "SELECT "+
		"(SELECT COUNT(*) FROM companies), (SELECT COALESCE(SUM(is_active), 0) FROM companies), (SELECT MAX(updated_at) FROM companies), "+
		"(SELECT COUNT(*) FROM branches), (SELECT COALESCE(SUM(is_active), 0) FROM branches), (SELECT MAX(updated_at) FROM branches)").
		Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5])
	if err != nil {
		return "", fmt.Errorf("tenant version: %w", err)
	}
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = s.String
	}
	return strings.Join(parts, "|"), nil
}

// CompanyByPhone returns the company of the active branch with the number
// (normalized first; see [Branches.FindByPhone]), or 0 when no active
// branch has it or it is not a valid number ([tenant.PhoneSource]). It
// needs a system context (ErrNotSystem).
func (r *Branches) CompanyByPhone(ctx context.Context, number string) (int64, error) {
	if err := requireSystem(ctx); err != nil {
		return 0, err
	}
	b, err := r.FindByPhone(ctx, number)
	var ve *ValidationError
	switch {
	case errors.Is(err, ErrNotFound), errors.As(err, &ve):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return b.CompanyID, nil
}
