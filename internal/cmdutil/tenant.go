package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// InputError maps the store's input errors (invalid values, conflicts, rows
// not found) to exit code 1 with the store's message; other errors pass
// through unchanged.
func InputError(err error) error {
	var ve *store.ValidationError
	if errors.As(err, &ve) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return &ExitError{Code: ExitBad, Err: err}
	}
	return err
}

// NotFound turns store.ErrNotFound into an exit-1 error naming what and id;
// other errors pass through unchanged.
func NotFound(err error, what string, id int64) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, queue.ErrNotFound) {
		return &ExitError{Code: ExitBad, Err: fmt.Errorf("%s %d not found", what, id)}
	}
	return err
}

// CompanyGetter is the store method [AsCompany] needs.
type CompanyGetter interface {
	Get(ctx context.Context, id int64) (store.Company, error)
}

// AsCompany checks, as system work, that company id exists and returns ctx
// scoped to it. A missing company is an exit-1 error naming it.
func AsCompany(ctx context.Context, companies CompanyGetter, id int64) (context.Context, error) {
	if _, err := companies.Get(tenant.System(ctx), id); err != nil {
		return nil, NotFound(err, "company", id)
	}
	return tenant.WithCompany(ctx, id), nil
}

// BranchCompany is the store method [CompanyOfBranch] needs.
type BranchCompany interface {
	CompanyOf(ctx context.Context, branchID int64) (int64, error)
}

// CompanyOfBranch finds, as system work, the company of a branch (operators
// name branches by id alone) and returns ctx scoped to it. A missing branch
// is an exit-1 error naming it.
func CompanyOfBranch(ctx context.Context, branches BranchCompany, branchID int64) (context.Context, error) {
	cid, err := branches.CompanyOf(tenant.System(ctx), branchID)
	if err != nil {
		return nil, NotFound(err, "branch", branchID)
	}
	return tenant.WithCompany(ctx, cid), nil
}

// FormatTime formats t in UTC as RFC 3339, the form of piped output.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Actor names the person running the CLI in the audit log: "cli:" and the
// OS user name ($USER when the user database has no entry, "unknown"
// without either).
func Actor() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "unknown"
	}
	return "cli:" + name
}

// Auditor is the audit log method commands call (store.AuditLog).
type Auditor interface {
	Record(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
}

// Audit writes e to the audit log with details, when not nil, as its
// JSON Details: the one way commands record what they changed.
func Audit(ctx context.Context, a Auditor, e store.AuditEntry, details any) error {
	if details != nil {
		raw, err := json.Marshal(details)
		if err != nil {
			return fmt.Errorf("audit %s: %w", e.Action, err)
		}
		e.Details = raw
	}
	_, err := a.Record(ctx, e)
	return err
}
