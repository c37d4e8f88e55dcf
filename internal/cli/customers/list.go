package customers

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// customerLister is the store method `customers list` calls.
type customerLister = cmdutil.Lister[store.Customer]

// ListOptions holds what `askpro customers list` needs.
type ListOptions = cmdutil.CompanyListOptions[store.Customer]

// NewCmdList builds `askpro customers list --company ID [--limit N] [--offset N]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		Lister:    func(ctx context.Context) (customerLister, error) { return f.Customers(ctx) },
	}
	var test func(context.Context, *ListOptions) error
	if runF != nil {
		test = func(_ context.Context, o *ListOptions) error { return runF(o) }
	}
	return cmdutil.NewCmdCompanyList(opts, "List a company's customers, oldest first", test, listRun)
}

func listRun(ctx context.Context, opts *ListOptions) error {
	return cmdutil.RunCompanyList(ctx, opts, render)
}
