package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/tenant"
)

// Company is a tenant: one business with its branches.
type Company struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Subdomain string          `json:"subdomain"`
	Industry  string          `json:"industry"`
	IsActive  bool            `json:"is_active"`
	Settings  json.RawMessage `json:"settings,omitempty"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
	// HasCalcomAPIKey says the company has its own (sealed) Cal.com key;
	// the key itself is never part of a Company (see CalcomAccount).
	HasCalcomAPIKey bool `json:"has_calcom_api_key"`
	// CalcomBaseURL is the company's own Cal.com API host; "" means
	// calcom.base_url.
	CalcomBaseURL string    `json:"calcom_base_url,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// NewCompany is the input of [Companies.Create].
type NewCompany struct {
	Name      string
	Subdomain string
	Industry  string // beauty, medical, automotive or general (default)
	Settings  json.RawMessage
	Metadata  json.RawMessage
}

// CompanyPatch changes the non-nil fields of a company.
type CompanyPatch struct {
	Name     *string
	Industry *string
	IsActive *bool
	Settings json.RawMessage
	// CalcomBaseURL sets the company's Cal.com API host: an https URL of
	// a host only (http for localhost and 127.0.0.1); "" resets it to
	// calcom.base_url.
	CalcomBaseURL *string
}

// Companies is the repository of tenants.
type Companies struct{ s *Store }

const companyCols = "id, name, subdomain, industry, is_active, settings, metadata, calcom_api_key IS NOT NULL, calcom_base_url, created_at, updated_at"

func scanCompany(row scanner) (Company, error) {
	var c Company
	var settings, metadata, baseURL sql.NullString
	err := row.Scan(&c.ID, &c.Name, &c.Subdomain, &c.Industry, &c.IsActive, &settings, &metadata, &c.HasCalcomAPIKey, &baseURL, &c.CreatedAt, &c.UpdatedAt)
	c.CalcomBaseURL = baseURL.String
	if settings.Valid {
		c.Settings = json.RawMessage(settings.String)
	}
	if metadata.Valid {
		c.Metadata = json.RawMessage(metadata.String)
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func requireSystem(ctx context.Context) error {
	if !tenant.IsSystem(ctx) {
		return ErrNotSystem
	}
	return nil
}

// Create adds a company. It needs a system context. Errors: *ValidationError,
// ErrConflict (subdomain taken), ErrNotSystem.
func (r *Companies) Create(ctx context.Context, in NewCompany) (Company, error) {
	if err := requireSystem(ctx); err != nil {
		return Company{}, err
	}
	name, err := checkName("name", in.Name, 255)
	if err != nil {
		return Company{}, err
	}
	sub, err := checkSubdomain(in.Subdomain)
	if err != nil {
		return Company{}, err
	}
	ind, err := checkIndustry(in.Industry)
	if err != nil {
		return Company{}, err
	}
	settings, err := checkJSON("settings", in.Settings)
	if err != nil {
		return Company{}, err
	}
	metadata, err := checkJSON("metadata", in.Metadata)
	if err != nil {
		return Company{}, err
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"INSERT INTO companies (name, subdomain, industry, is_active, settings, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		name, sub, ind, true, settings, metadata, now, now)
	if err != nil {
		return Company{}, fmt.Errorf("create company: %w", mapWriteErr(err, "subdomain "+sub+" is taken"))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Company{}, fmt.Errorf("create company: %w", err)
	}
	return r.get(ctx, id)
}

// Get returns one company. A tenant context may read only its own company; a
// system context any. Errors: ErrNotFound, tenant.ErrNoTenant.
func (r *Companies) Get(ctx context.Context, id int64) (Company, error) {
	if !tenant.IsSystem(ctx) {
		own, err := companyID(ctx)
		if err != nil {
			return Company{}, err
		}
		if own != id {
			return Company{}, ErrNotFound
		}
	}
	return r.get(ctx, id)
}

func (r *Companies) get(ctx context.Context, id int64) (Company, error) {
	c, err := scanCompany(r.s.db.QueryRowContext(ctx, "SELECT "+companyCols+" FROM companies WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Company{}, ErrNotFound
	}
	if err != nil {
		return Company{}, fmt.Errorf("get company %d: %w", id, err)
	}
	return c, nil
}

// List returns companies ordered by id. It needs a system context.
func (r *Companies) List(ctx context.Context, page Page) ([]Company, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list companies", scanCompany, "SELECT "+companyCols+" FROM companies ORDER BY id"+page.sql())
}

// Update changes the patch's non-nil fields. It needs a system context.
func (r *Companies) Update(ctx context.Context, id int64, p CompanyPatch) (Company, error) {
	if err := requireSystem(ctx); err != nil {
		return Company{}, err
	}
	var cols []string
	var args []any
	if p.Name != nil {
		n, err := checkName("name", *p.Name, 255)
		if err != nil {
			return Company{}, err
		}
		cols, args = append(cols, "name"), append(args, n)
	}
	if p.Industry != nil {
		ind, err := checkIndustry(*p.Industry)
		if err != nil {
			return Company{}, err
		}
		cols, args = append(cols, "industry"), append(args, ind)
	}
	if p.IsActive != nil {
		cols, args = append(cols, "is_active"), append(args, *p.IsActive)
	}
	if p.Settings != nil {
		v, err := checkJSON("settings", p.Settings)
		if err != nil {
			return Company{}, err
		}
		cols, args = append(cols, "settings"), append(args, v)
	}
	if p.CalcomBaseURL != nil {
		u, err := checkBaseURL("calcom_base_url", *p.CalcomBaseURL)
		if err != nil {
			return Company{}, err
		}
		cols, args = append(cols, "calcom_base_url"), append(args, nullString(u))
	}
	if len(cols) > 0 {
		cols, args = append(cols, "updated_at"), append(args, r.s.nowUTC())
		res, err := r.s.w.ExecContext(ctx, "UPDATE companies SET "+setClause(cols)+" WHERE id = ?", append(args, id)...)
		if err != nil {
			return Company{}, fmt.Errorf("update company %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := r.get(ctx, id); err != nil {
				return Company{}, err
			}
		}
	}
	return r.get(ctx, id)
}
