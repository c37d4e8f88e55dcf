package company

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// companyLister is the store method `company list` calls.
type companyLister interface {
	List(ctx context.Context, page store.Page) ([]store.Company, error)
}

// ListOptions holds what `askpro company list` needs.
type ListOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (companyLister, error)
	Exporter  cmdutil.Exporter

	// Limit is the most companies listed (1-1000).
	Limit int
}

// NewCmdList builds `askpro company list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (companyLister, error) { return f.Companies(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List companies",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 || opts.Limit > 1000 {
				return cmdutil.FlagErrorf("--limit must be between 1 and 1000")
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 1000, "at most this many companies (1-1000)")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	rows, err := companies.List(tenant.System(ctx), store.Page{Limit: opts.Limit})
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	return render(opts.IO, rows)
}
