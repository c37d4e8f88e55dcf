package branch

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// branchLister is the store method `branch list` calls.
type branchLister interface {
	List(ctx context.Context, page store.Page) ([]store.Branch, error)
}

// ListOptions holds what `askpro branch list` needs.
type ListOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (cmdutil.CompanyGetter, error)
	Branches  func(ctx context.Context) (branchLister, error)
	Exporter  cmdutil.Exporter

	CompanyID int64
}

// NewCmdList builds `askpro branch list --company ID`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: companies(f),
		Branches:  func(ctx context.Context) (branchLister, error) { return f.Branches(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a company's branches",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.CompanyID <= 0 {
				return cmdutil.FlagErrorf("--company must be a company id")
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().Int64Var(&opts.CompanyID, "company", 0, "company id (required)")
	_ = cmd.MarkFlagRequired("company")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	branches, err := opts.Branches(ctx)
	if err != nil {
		return err
	}
	if ctx, err = cmdutil.AsCompany(ctx, companies, opts.CompanyID); err != nil {
		return err
	}
	rows, err := branches.List(ctx, store.Page{Limit: 1000})
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	return render(opts.IO, rows)
}
