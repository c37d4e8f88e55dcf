package migrate

import (
	"context"
	"strconv"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
	"github.com/spf13/cobra"
)

// DownOptions holds what `askpro migrate down` needs.
type DownOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Migrator func() (migrator, error)
	Exporter cmdutil.Exporter

	// Steps is how many migrations to roll back (1 or more), unless All.
	Steps int
	// All rolls back every migration (--all).
	All bool
}

// NewCmdDown builds `askpro migrate down N | down --all`. Nothing
// destructive happens by default: without a count or --all, with a count
// below 1, or with both, it is a usage error and nothing is rolled back.
func NewCmdDown(f *cmdutil.Factory, runF func(*DownOptions) error) *cobra.Command {
	opts := &DownOptions{IO: f.IO, Config: f.Config, Migrator: openMigrator(f)}
	cmd := &cobra.Command{
		Use:   "down N | --all",
		Short: "Roll back the N most recent migrations, or all of them with --all",
		Example: `  askpro migrate down 1
  askpro migrate down --all     # drops every askpro table, webhook_events included`,
		Args: cmdutil.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 1 && opts.All:
				return cmdutil.FlagErrorf("give a count N or --all, not both")
			case len(args) == 0 && !opts.All:
				return cmdutil.FlagErrorf("migrate down needs a count N (1 or more) or --all; nothing was rolled back")
			case len(args) == 1:
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 1 {
					return cmdutil.FlagErrorf("%q is not a count of migrations (1 or more; --all rolls back everything)", args[0])
				}
				opts.Steps = n
			}
			if runF != nil {
				return runF(opts)
			}
			return downRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "roll back every migration (drops all askpro tables)")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func downRun(ctx context.Context, opts *DownOptions) error {
	n := opts.Steps
	switch {
	case opts.All:
		n = 0 // migrations.Migrator.Down: n <= 0 reverts all
	case n < 1:
		return cmdutil.FlagErrorf("migrate down needs a count N (1 or more) or --all; nothing was rolled back")
	}
	return run(ctx, opts.IO, opts.Exporter, opts.Config, opts.Migrator, func(m migrator) error { return m.Down(ctx, n) })
}
