package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/internal/sanitize"
)

// MaxProvisioningError is the longest provisioning_error kept, in bytes;
// longer messages are cut at a rune boundary.
const MaxProvisioningError = 2000

// ProvisioningLease is one run's hold on a branch, taken by
// [Branches.BeginProvisioning]. Token is the run's provisioning_started_at:
// every later write of the run names it, so a run whose lease expired and
// was taken over cannot overwrite the newer run's record (a fencing token).
type ProvisioningLease struct {
	BranchID int64
	Token    time.Time
}

// ProvisioningResult is what a completed run records.
type ProvisioningResult struct {
	LLMID        string
	AgentID      string
	AgentVersion int
}

// BeginProvisioning marks a branch of the context's company as being
// provisioned and returns it with the run's lease. A lease younger than ttl
// held by another run refuses with ErrProvisioningBusy; an older one (a run
// that crashed) is taken over. The previous status, error and Retell ids
// stay readable in the returned branch's ids; the error is cleared.
// Errors: ErrNotFound, ErrProvisioningBusy, tenant.ErrNoTenant.
func (r *Branches) BeginProvisioning(ctx context.Context, id int64, ttl time.Duration) (Branch, ProvisioningLease, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Branch{}, ProvisioningLease{}, err
	}
	if ttl <= 0 {
		return Branch{}, ProvisioningLease{}, fmt.Errorf("begin provisioning branch %d: lease ttl %v must be positive", id, ttl)
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"UPDATE branches SET provisioning_status = ?, provisioning_started_at = ?, provisioning_error = NULL, updated_at = ? "+
			"WHERE id = ? AND company_id = ? AND (provisioning_status <> ? OR provisioning_started_at IS NULL OR provisioning_started_at < ?)",
		ProvisioningInProgress, now, now, id, cid, ProvisioningInProgress, now.Add(-ttl))
	if err != nil {
		return Branch{}, ProvisioningLease{}, fmt.Errorf("begin provisioning branch %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Branch{}, ProvisioningLease{}, fmt.Errorf("begin provisioning branch %d: %w", id, err)
	}
	b, err := r.Get(ctx, id)
	if err != nil {
		return Branch{}, ProvisioningLease{}, err
	}
	if n == 0 {
		since := ""
		if b.ProvisioningStartedAt != nil {
			since = " since " + b.ProvisioningStartedAt.Format(time.RFC3339)
		}
		return b, ProvisioningLease{}, fmt.Errorf("begin provisioning branch %d: %w%s", id, ErrProvisioningBusy, since)
	}
	return b, ProvisioningLease{BranchID: id, Token: now}, nil
}

// RecordRetellIDs writes the Retell LLM and agent ids a run holds so far
// ("" stores NULL): a run records each remote object as soon as it exists,
// so that a crash leaves the ids behind for the next run to reuse instead
// of leaking them. Errors: ErrLeaseLost, tenant.ErrNoTenant.
func (r *Branches) RecordRetellIDs(ctx context.Context, lease ProvisioningLease, llmID, agentID string) error {
	return r.leased(ctx, lease, "record retell ids",
		"retell_llm_id = ?, retell_agent_id = ?", nullString(llmID), nullString(agentID))
}

// CompleteProvisioning records a finished run: the ids and published
// version, status completed, provisioned_at now, no error, no lease.
// Errors: ErrLeaseLost, tenant.ErrNoTenant.
func (r *Branches) CompleteProvisioning(ctx context.Context, lease ProvisioningLease, res ProvisioningResult) (Branch, error) {
	if res.LLMID == "" || res.AgentID == "" || res.AgentVersion < 0 {
		return Branch{}, &ValidationError{Field: "provisioning result", Msg: "llm id, agent id and a version >= 0 are required"}
	}
	now := r.s.nowUTC()
	if err := r.leased(ctx, lease, "complete provisioning",
		"retell_llm_id = ?, retell_agent_id = ?, retell_agent_version = ?, provisioning_status = ?, provisioning_error = NULL, "+
			"provisioning_started_at = NULL, provisioned_at = ?",
		res.LLMID, res.AgentID, res.AgentVersion, ProvisioningCompleted, now); err != nil {
		return Branch{}, err
	}
	return r.Get(ctx, lease.BranchID)
}

// FailProvisioning records a failed run: status failed, the error (cut to
// MaxProvisioningError bytes), no lease. The Retell ids stay as the run
// last recorded them (after its compensation). Errors: ErrLeaseLost,
// tenant.ErrNoTenant.
func (r *Branches) FailProvisioning(ctx context.Context, lease ProvisioningLease, msg string) (Branch, error) {
	if msg == "" {
		msg = "provisioning failed"
	}
	if err := r.leased(ctx, lease, "fail provisioning",
		"provisioning_status = ?, provisioning_error = ?, provisioning_started_at = NULL",
		ProvisioningFailed, sanitize.String(msg, MaxProvisioningError)); err != nil {
		return Branch{}, err
	}
	return r.Get(ctx, lease.BranchID)
}

// leased runs "UPDATE branches SET <set>, updated_at" for the lease's
// branch, only while the lease is the branch's current one.
func (r *Branches) leased(ctx context.Context, lease ProvisioningLease, what, set string, args ...any) error {
	cid, err := companyID(ctx)
	if err != nil {
		return err
	}
	args = append(args, r.s.nowUTC(), lease.BranchID, cid, ProvisioningInProgress, lease.Token.UTC())
	res, err := r.s.w.ExecContext(ctx,
		"UPDATE branches SET "+set+", updated_at = ? WHERE id = ? AND company_id = ? AND provisioning_status = ? AND provisioning_started_at = ?",
		args...)
	if err != nil {
		return fmt.Errorf("%s for branch %d: %w", what, lease.BranchID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s for branch %d: %w", what, lease.BranchID, err)
	}
	if n == 0 {
		// MySQL counts changed rows only: a write of the values the row
		// already holds, within the same microsecond, affects none. The
		// lease is lost only if the row no longer carries it.
		b, err := r.Get(ctx, lease.BranchID)
		if errors.Is(err, ErrNotFound) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%s for branch %d: %w", what, lease.BranchID, err)
		}
		if b.ProvisioningStatus != ProvisioningInProgress || b.ProvisioningStartedAt == nil || !b.ProvisioningStartedAt.Equal(lease.Token) {
			return fmt.Errorf("%s for branch %d: %w", what, lease.BranchID, ErrLeaseLost)
		}
	}
	return nil
}
