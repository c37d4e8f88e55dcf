package calls

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// callLister is the store method `calls list` calls.
type callLister = cmdutil.Lister[store.Call]

// ListOptions holds what `askpro calls list` needs.
type ListOptions = cmdutil.CompanyListOptions[store.Call]

// NewCmdList builds `askpro calls list --company ID [--limit N] [--offset N]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		Lister:    func(ctx context.Context) (callLister, error) { return f.Calls(ctx) },
	}
	var test func(context.Context, *ListOptions) error
	if runF != nil {
		test = func(_ context.Context, o *ListOptions) error { return runF(o) }
	}
	return cmdutil.NewCmdCompanyList(opts, "List a company's calls, newest first (without transcripts)", test, listRun)
}

func listRun(ctx context.Context, opts *ListOptions) error {
	return cmdutil.RunCompanyList(ctx, opts, render)
}
