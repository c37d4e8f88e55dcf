package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// inputErr maps the store's input errors (invalid values, conflicts) to
// exit code 1 with the store's message; other errors pass through.
func inputErr(err error) error {
	var ve *store.ValidationError
	if errors.As(err, &ve) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: err}
	}
	return err
}

// notFound names what was not found.
func notFound(err error, what string, id int64) error {
	if errors.Is(err, store.ErrNotFound) {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("%s %d not found", what, id)}
	}
	return err
}

// asCompany checks that the company exists and returns a context scoped to it.
func asCompany(ctx context.Context, st *store.Store, companyID int64) (context.Context, error) {
	if _, err := st.Companies.Get(tenant.AsSystem(ctx), companyID); err != nil {
		return nil, notFound(err, "company", companyID)
	}
	return tenant.WithCompany(ctx, companyID), nil
}

// companyOfBranch finds the company of a branch id (operators name branches
// by id alone) and returns a context scoped to it.
func companyOfBranch(ctx context.Context, st *store.Store, branchID int64) (context.Context, error) {
	cid, err := st.Branches.CompanyOf(tenant.AsSystem(ctx), branchID)
	if err != nil {
		return nil, notFound(err, "branch", branchID)
	}
	return tenant.WithCompany(ctx, cid), nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// verb builds the RunE of one verb of a noun command (company create, branch
// show, ...): it records the verb in *action, checks -o, parses an optional
// ID argument into *id, and calls run.
func verb(action *string, name string, output *string, id *int64, run func(cmd *cobra.Command) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		*action = name
		if err := cmdutil.CheckOutput(*output); err != nil {
			return err
		}
		if len(args) == 1 {
			v, err := parseID(args[0])
			if err != nil {
				return err
			}
			*id = v
		}
		return run(cmd)
	}
}
