package provision

import (
	"context"
	"fmt"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// BranchData is everything validation and provisioning read about one
// branch: the branch, its company, its services (active or not) and its
// opening hours.
type BranchData struct {
	Company  store.Company
	Branch   store.Branch
	Services []store.Service
	Hours    []store.Hours
}

// Load reads a branch's [BranchData]. The branch's company is found as
// system work (operators name branches by id alone); everything else is
// read inside that company's tenant. When ctx already carries a tenant,
// only that company's branches are found: another company's branch id is
// store.ErrNotFound, as if it did not exist.
//
// Errors wrap store.ErrNotFound (no such branch, or another tenant's) or
// the store's own.
func Load(ctx context.Context, st *store.Store, branchID int64) (BranchData, error) {
	if branchID <= 0 {
		return BranchData{}, fmt.Errorf("load branch %d: %w", branchID, store.ErrNotFound)
	}
	cid, err := st.Branches.CompanyOf(tenant.System(ctx), branchID)
	if err != nil {
		return BranchData{}, fmt.Errorf("load branch %d: %w", branchID, err)
	}
	if own, ok := tenant.FromContext(ctx); ok && own != cid {
		return BranchData{}, fmt.Errorf("load branch %d: %w", branchID, store.ErrNotFound)
	}
	tctx := tenant.WithCompany(ctx, cid)
	var d BranchData
	if d.Branch, err = st.Branches.Get(tctx, branchID); err != nil {
		return BranchData{}, fmt.Errorf("load branch %d: %w", branchID, err)
	}
	if d.Company, err = st.Companies.Get(tctx, cid); err != nil {
		return BranchData{}, fmt.Errorf("load company %d of branch %d: %w", cid, branchID, err)
	}
	// Neither list pages: a branch's services and hours are read whole.
	if d.Services, err = st.Services.ListByBranch(tctx, branchID); err != nil {
		return BranchData{}, fmt.Errorf("load services of branch %d: %w", branchID, err)
	}
	if d.Hours, err = st.WorkingHours.List(tctx, branchID); err != nil {
		return BranchData{}, fmt.Errorf("load hours of branch %d: %w", branchID, err)
	}
	return d, nil
}
