package branch

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// branchGetter is what `branch show` calls: the branch's company, then the
// branch inside that tenant.
type branchGetter interface {
	cmdutil.BranchCompany
	Get(ctx context.Context, id int64) (store.Branch, error)
}

// ShowOptions holds what `askpro branch show` needs.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Branches func(ctx context.Context) (branchGetter, error)
	Exporter cmdutil.Exporter

	ID int64
}

// NewCmdShow builds `askpro branch show ID`: every field of the branch,
// its transfer number and provisioning state (status, error, Retell agent
// and version, when it was provisioned) included.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{
		IO:       f.IO,
		Branches: func(ctx context.Context) (branchGetter, error) { return f.Branches(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one branch",
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
	branches, err := opts.Branches(ctx)
	if err != nil {
		return err
	}
	if ctx, err = cmdutil.CompanyOfBranch(ctx, branches, opts.ID); err != nil {
		return err
	}
	b, err := branches.Get(ctx, opts.ID)
	if err != nil {
		return cmdutil.NotFound(err, "branch", opts.ID)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, b)
	}
	return renderDetail(opts.IO, b)
}
