package calls

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// callLister is the store method `calls list` calls.
type callLister interface {
	List(ctx context.Context, page store.Page) ([]store.Call, error)
}

// ListOptions holds what `askpro calls list` needs.
type ListOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (cmdutil.CompanyGetter, error)
	Calls     func(ctx context.Context) (callLister, error)
	Exporter  cmdutil.Exporter

	CompanyID int64
	// Page is --limit (1-1000) and --offset.
	Page store.Page
}

// NewCmdList builds `askpro calls list --company ID [--limit N] [--offset N]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		Calls:     func(ctx context.Context) (callLister, error) { return f.Calls(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a company's calls, newest first (without transcripts)",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckListFlags(opts.CompanyID, opts.Page); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddListFlags(cmd, &opts.CompanyID, &opts.Page)
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	calls, err := opts.Calls(ctx)
	if err != nil {
		return err
	}
	if ctx, err = cmdutil.AsCompany(ctx, companies, opts.CompanyID); err != nil {
		return err
	}
	rows, err := calls.List(ctx, opts.Page)
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	return render(opts.IO, rows)
}
