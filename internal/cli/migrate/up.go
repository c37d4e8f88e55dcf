package migrate

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
	"github.com/spf13/cobra"
)

// UpOptions holds what `askpro migrate up` needs.
type UpOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Migrator func() (migrator, error)
	Exporter cmdutil.Exporter
}

// NewCmdUp builds `askpro migrate up`.
func NewCmdUp(f *cmdutil.Factory, runF func(*UpOptions) error) *cobra.Command {
	opts := &UpOptions{IO: f.IO, Config: f.Config, Migrator: openMigrator(f)}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Apply all pending migrations",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return upRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func upRun(ctx context.Context, opts *UpOptions) error {
	return run(ctx, opts.IO, opts.Exporter, opts.Config, opts.Migrator, func(m migrator) error { return m.Up(ctx) })
}
