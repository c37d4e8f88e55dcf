package migrate

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
	"github.com/spf13/cobra"
)

// VersionOptions holds what `askpro migrate version` needs.
type VersionOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Migrator func() (migrator, error)
	Exporter cmdutil.Exporter
}

// NewCmdVersion builds `askpro migrate version`.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO, Config: f.Config, Migrator: openMigrator(f)}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the current schema version",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func versionRun(ctx context.Context, opts *VersionOptions) error {
	return run(ctx, opts.IO, opts.Exporter, opts.Config, opts.Migrator, nil)
}
