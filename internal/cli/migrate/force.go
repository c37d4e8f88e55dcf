package migrate

import (
	"context"
	"errors"
	"strconv"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/config"
	"github.com/spf13/cobra"
)

// ForceOptions holds what `askpro migrate force` needs.
type ForceOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Migrator func() (migrator, error)
	Exporter cmdutil.Exporter

	// Version is the version to record (0 = no migration applied).
	Version int
}

// NewCmdForce builds `askpro migrate force V`. A version the binary does
// not embed is a usage error and changes nothing.
func NewCmdForce(f *cmdutil.Factory, runF func(*ForceOptions) error) *cobra.Command {
	opts := &ForceOptions{IO: f.IO, Config: f.Config, Migrator: openMigrator(f)}
	cmd := &cobra.Command{
		Use:   "force V",
		Short: "Set the version without migrating (after fixing a failed migration by hand)",
		Args:  cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := strconv.Atoi(args[0])
			if err != nil || v < 0 {
				return cmdutil.FlagErrorf("%q is not a schema version (0 or more)", args[0])
			}
			opts.Version = v
			if runF != nil {
				return runF(opts)
			}
			return forceRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func forceRun(ctx context.Context, opts *ForceOptions) error {
	return run(ctx, opts.IO, opts.Exporter, opts.Config, opts.Migrator, func(m migrator) error {
		err := m.Force(ctx, opts.Version)
		if errors.Is(err, migrations.ErrUnknownVersion) {
			return &cmdutil.FlagError{Err: err}
		}
		return err
	})
}
