package company

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// ShowOptions holds what `askpro company show` needs.
type ShowOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (cmdutil.CompanyGetter, error)
	Exporter  cmdutil.Exporter

	ID int64
}

// NewCmdShow builds `askpro company show ID`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one company",
		Args:  cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseID(args[0])
			if err != nil {
				return err
			}
			opts.ID = id
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	c, err := companies.Get(tenant.System(ctx), opts.ID)
	if err != nil {
		return cmdutil.NotFound(err, "company", opts.ID)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, c)
	}
	return render(opts.IO, []store.Company{c})
}
