package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/tenant"
)

// Provisioning states of a branch's Retell agent.
const (
	ProvisioningPending    = "pending"
	ProvisioningInProgress = "provisioning"
	ProvisioningCompleted  = "completed"
	ProvisioningFailed     = "failed"
)

// Branch is one location of a company with its own phone line.
type Branch struct {
	ID            int64        `json:"id"`
	CompanyID     int64        `json:"company_id"`
	Name          string       `json:"name"`
	PhoneNumber   phone.Number `json:"phone_number"`
	Address       string       `json:"address,omitempty"`
	Timezone      string       `json:"timezone"`
	Language      string       `json:"language"`
	RetellAgentID string       `json:"retell_agent_id,omitempty"`
	RetellLLMID   string       `json:"retell_llm_id,omitempty"`
	// RetellAgentVersion is the agent version provisioning published and
	// bound to the number; nil before the first completed run.
	RetellAgentVersion *int `json:"retell_agent_version,omitempty"`
	// TransferNumber (E.164) is the person a caller may be handed to; empty
	// means the agent offers no transfer.
	TransferNumber     phone.Number `json:"transfer_number,omitempty"`
	ProvisioningStatus string       `json:"provisioning_status"`
	ProvisioningError  string       `json:"provisioning_error,omitempty"`
	// ProvisioningStartedAt is when the run in progress took its lease; nil
	// when no run holds one.
	ProvisioningStartedAt *time.Time `json:"provisioning_started_at,omitempty"`
	ProvisionedAt         *time.Time `json:"provisioned_at,omitempty"`
	IsActive              bool       `json:"is_active"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
}

// NewBranch is the input of [Branches.Create].
type NewBranch struct {
	Name        string
	PhoneNumber string // any form pkg/phone accepts; stored as E.164
	Address     string
	Timezone    string // IANA; defaults to Europe/Berlin
	Language    string // defaults to de-DE
	// TransferNumber is normalized like PhoneNumber; empty means none.
	TransferNumber string
}

// BranchPatch changes the non-nil fields of a branch.
type BranchPatch struct {
	Name        *string
	PhoneNumber *string
	Address     *string
	Timezone    *string
	Language    *string
	// TransferNumber is normalized like PhoneNumber; "" clears it.
	TransferNumber *string
	IsActive       *bool
}

// Branches is the repository of branches, scoped by the context's company.
type Branches struct{ s *Store }

const branchCols = "id, company_id, name, phone_number, address, timezone, language, retell_agent_id, retell_llm_id, " +
	"retell_agent_version, transfer_number, provisioning_status, provisioning_error, provisioning_started_at, provisioned_at, " +
	"is_active, created_at, updated_at"

func scanBranch(row scanner) (Branch, error) {
	var b Branch
	var phoneNum, addr, agent, llm, transfer, perr sql.NullString
	var version sql.NullInt64
	var startedAt, provAt sql.NullTime
	err := row.Scan(&b.ID, &b.CompanyID, &b.Name, &phoneNum, &addr, &b.Timezone, &b.Language, &agent, &llm,
		&version, &transfer, &b.ProvisioningStatus, &perr, &startedAt, &provAt, &b.IsActive, &b.CreatedAt, &b.UpdatedAt)
	b.PhoneNumber, b.TransferNumber = phone.Number(phoneNum.String), phone.Number(transfer.String)
	b.Address, b.RetellAgentID, b.RetellLLMID, b.ProvisioningError = addr.String, agent.String, llm.String, perr.String
	if version.Valid {
		v := int(version.Int64)
		b.RetellAgentVersion = &v
	}
	b.ProvisioningStartedAt, b.ProvisionedAt = ptrTime(startedAt), ptrTime(provAt)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, err
}

// Create adds a branch to the context's company. The phone number is
// normalized to E.164; an invalid one refuses the write (*ValidationError
// wrapping the phone error) and nothing is written. Errors: ErrConflict (the
// number belongs to another branch), tenant.ErrNoTenant.
func (r *Branches) Create(ctx context.Context, in NewBranch) (Branch, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Branch{}, err
	}
	name, err := checkName("name", in.Name, 255)
	if err != nil {
		return Branch{}, err
	}
	num, err := r.s.normalizePhone("phone_number", in.PhoneNumber)
	if err != nil {
		return Branch{}, err
	}
	tz, err := checkTimezone(in.Timezone)
	if err != nil {
		return Branch{}, err
	}
	lang, err := checkLanguage(in.Language)
	if err != nil {
		return Branch{}, err
	}
	var transfer string
	if in.TransferNumber != "" {
		if transfer, err = r.s.normalizePhone("transfer_number", in.TransferNumber); err != nil {
			return Branch{}, err
		}
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"INSERT INTO branches (company_id, name, phone_number, address, timezone, language, transfer_number, provisioning_status, is_active, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		cid, name, num, nullString(in.Address), tz, lang, nullString(transfer), ProvisioningPending, true, now, now)
	if err != nil {
		return Branch{}, fmt.Errorf("create branch: %w", mapWriteErr(err, "phone number "+phone.Mask(num)+" belongs to another branch"))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Branch{}, fmt.Errorf("create branch: %w", err)
	}
	return r.Get(ctx, id)
}

// Get returns a branch of the context's company. Errors: ErrNotFound (also
// for another company's branch), tenant.ErrNoTenant.
func (r *Branches) Get(ctx context.Context, id int64) (Branch, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Branch{}, err
	}
	b, err := scanBranch(r.s.db.QueryRowContext(ctx, "SELECT "+branchCols+" FROM branches WHERE id = ? AND company_id = ?", id, cid))
	if errors.Is(err, sql.ErrNoRows) {
		return Branch{}, ErrNotFound
	}
	if err != nil {
		return Branch{}, fmt.Errorf("get branch %d: %w", id, err)
	}
	return b, nil
}

// List returns the context's company's branches ordered by id.
func (r *Branches) List(ctx context.Context, page Page) ([]Branch, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list branches", scanBranch,
		"SELECT "+branchCols+" FROM branches WHERE company_id = ? ORDER BY id"+page.sql(), cid)
}

// Update changes the patch's non-nil fields of a branch of the context's
// company. A new phone number is normalized like in Create.
func (r *Branches) Update(ctx context.Context, id int64, p BranchPatch) (Branch, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Branch{}, err
	}
	var cols []string
	var args []any
	add := func(c string, v any) { cols, args = append(cols, c), append(args, v) }
	if p.Name != nil {
		v, err := checkName("name", *p.Name, 255)
		if err != nil {
			return Branch{}, err
		}
		add("name", v)
	}
	if p.PhoneNumber != nil {
		v, err := r.s.normalizePhone("phone_number", *p.PhoneNumber)
		if err != nil {
			return Branch{}, err
		}
		add("phone_number", v)
	}
	if p.Address != nil {
		add("address", nullString(*p.Address))
	}
	if p.Timezone != nil {
		v, err := checkTimezone(*p.Timezone)
		if err != nil {
			return Branch{}, err
		}
		add("timezone", v)
	}
	if p.Language != nil {
		v, err := checkLanguage(*p.Language)
		if err != nil {
			return Branch{}, err
		}
		add("language", v)
	}
	if p.TransferNumber != nil {
		var v string
		if *p.TransferNumber != "" {
			if v, err = r.s.normalizePhone("transfer_number", *p.TransferNumber); err != nil {
				return Branch{}, err
			}
		}
		add("transfer_number", nullString(v))
	}
	if p.IsActive != nil {
		add("is_active", *p.IsActive)
	}
	if _, err := r.Get(ctx, id); err != nil {
		return Branch{}, err
	}
	if len(cols) > 0 {
		add("updated_at", r.s.nowUTC())
		_, err := r.s.w.ExecContext(ctx, "UPDATE branches SET "+setClause(cols)+" WHERE id = ? AND company_id = ?", append(args, id, cid)...)
		if err != nil {
			return Branch{}, fmt.Errorf("update branch %d: %w", id, mapWriteErr(err, "phone number belongs to another branch"))
		}
	}
	return r.Get(ctx, id)
}

// FindByPhone returns the active branch whose number equals the given one
// (normalized first), across all companies: it is how system work finds the
// tenant of an inbound call. It needs a system context.
func (r *Branches) FindByPhone(ctx context.Context, number string) (Branch, error) {
	if !tenant.IsSystem(ctx) {
		return Branch{}, ErrNotSystem
	}
	num, err := r.s.normalizePhone("phone_number", number)
	if err != nil {
		return Branch{}, err
	}
	b, err := scanBranch(r.s.db.QueryRowContext(ctx, "SELECT "+branchCols+" FROM branches WHERE phone_number = ? AND is_active = ?", num, true))
	if errors.Is(err, sql.ErrNoRows) {
		return Branch{}, ErrNotFound
	}
	if err != nil {
		return Branch{}, fmt.Errorf("find branch by phone: %w", err)
	}
	return b, nil
}

// CompanyOf returns the company a branch belongs to. It needs a system
// context: it is how operator commands that name only a branch find its
// tenant.
func (r *Branches) CompanyOf(ctx context.Context, branchID int64) (int64, error) {
	if !tenant.IsSystem(ctx) {
		return 0, ErrNotSystem
	}
	var cid int64
	err := r.s.db.QueryRowContext(ctx, "SELECT company_id FROM branches WHERE id = ?", branchID).Scan(&cid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("company of branch %d: %w", branchID, err)
	}
	return cid, nil
}
